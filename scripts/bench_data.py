"""The benchmark's dataset: plain MongoDB documents built from a seed, shared by Arcane and the baseline.

Both servers of a benchmark load the very same documents (same ids, same password hashes) from one
extended-JSON file that the harness writes, so they answer the same requests on the same data.
"""

import datetime as dt
import json
import random
import re
import unicodedata
from pathlib import Path

from bson import ObjectId, json_util

DEFAULT_SEED = 6
DEFAULT_PROPERTIES = 300
DEFAULT_USERS = 5
PASSWORD = "correct horse battery"  # noqa: S105 (the benchmark accounts' password, public by design)
COLLECTIONS = ("users", "property_types", "properties")
# The OWASP minimum for argon2id, as Arcane hashes in production.
ARGON2_PARAMETERS = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}

# City names as people write them, and how often they appear (a few big cities, a long tail).
CITIES = (
    ("Saint-Étienne", 16),
    ("Besançon", 12),
    ("Orléans", 10),
    ("Nîmes", 9),
    ("Clermont-Ferrand", 8),
    ("Béziers", 6),
    ("Angoulême", 5),
    ("Évreux", 4),
    ("Sète", 3),
    ("Aix-en-Provence", 3),
)
PROPERTY_TYPES = (
    ("flat", "Flat", "An apartment in a shared building."),
    ("house", "House", "A detached or terraced house."),
    ("studio", "Studio", "A single main room with a kitchenette."),
    ("loft", "Loft", "A converted industrial space."),
)
ROOM_KINDS = ("living_room", "bedroom", "kitchen", "bathroom", "office", "dining_room")
ROOM_FEATURES = ("balcony", "fireplace", "parquet", "south-facing", "fitted wardrobe", "bathtub", "air conditioning")
FIRST_NAMES = ("Camille", "Louis", "Inès", "Hugo", "Léa", "Mathis", "Chloé", "Théo")
LAST_NAMES = ("Martin", "Bernard", "Dubois", "Lefèvre", "Girard", "Mercier", "Faure", "Rousseau")
STREET_WORDS = ("Victor Hugo", "de la République", "Jean Jaurès", "des Lilas", "Pasteur", "du Marché")
EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
SEPARATORS = re.compile(r"[\W_]+")
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def city_key(city: str) -> str:
    """The search key of a city, as Arcane computes it (arcane.models.properties.city_key).

    A copy rather than an import, so that the baseline stays free of Arcane's code.
    """
    decomposed = unicodedata.normalize("NFKD", city)
    without_accents = "".join(character for character in decomposed if not unicodedata.combining(character))
    return SEPARATORS.sub(" ", without_accents.casefold().translate(LIGATURES)).strip()


def hash_password(password: str) -> str:
    """An argon2id hash with Arcane's production cost."""
    from argon2 import PasswordHasher

    return PasswordHasher(**ARGON2_PARAMETERS).hash(password)


def build_dataset(
    *, properties: int = DEFAULT_PROPERTIES, users: int = DEFAULT_USERS, seed: int = DEFAULT_SEED, password_hasher=None
) -> dict[str, list[dict]]:
    """Users, property types and properties as plain documents, the same for the same arguments.

    Ids are made from the seed, with timestamps that grow with the creation date so that "newest
    first" (``_id`` descending) is the creation order. Password hashes are salted at random: share
    the dataset through a file (``write_dataset``) when two processes must hold the same one.
    """
    password_hasher = password_hasher or hash_password
    rng = random.Random(seed)
    clock = _Clock(rng)
    password_hash = password_hasher(PASSWORD)
    user_documents = []
    for index in range(users):
        created = clock.tick()
        first_name = FIRST_NAMES[index % len(FIRST_NAMES)]
        last_name = LAST_NAMES[(index * 3) % len(LAST_NAMES)]
        user_documents.append(
            {
                "_id": clock.object_id(created),
                "email": f"{first_name}.{last_name}.{index}@bench.example".lower(),
                "password_hash": password_hash,
                "first_name": first_name,
                "last_name": last_name,
                "birth_date": dt.datetime(1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)),
                "role": "user",
                "token_version": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    type_documents = [
        {"_id": clock.object_id(clock.tick()), "slug": slug, "label": label, "description": description}
        for slug, label, description in PROPERTY_TYPES
    ]
    city_names = [name for name, _ in CITIES]
    city_weights = [weight for _, weight in CITIES]
    property_documents = []
    for index in range(properties):
        created = clock.tick()
        city = rng.choices(city_names, city_weights)[0]
        kind = rng.choice(PROPERTY_TYPES)[0]
        property_documents.append(
            {
                "_id": clock.object_id(created),
                "name": f"{kind.capitalize()} rue {rng.choice(STREET_WORDS)}, {city}",
                "description": f"A {kind} in {city}, listing number {index + 1}.",
                "type": kind,
                "city": city,
                "city_key": city_key(city),
                "rooms": [_room(rng, clock) for _ in range(rng.randint(1, 6))],
                # Round robin, so that every user owns properties in several cities.
                "owner": user_documents[index % users]["_id"],
                "revision": 0,
                "created_at": created,
                "updated_at": created,
            }
        )
    return {"users": user_documents, "property_types": type_documents, "properties": property_documents}


def _room(rng: random.Random, clock: "_Clock") -> dict:
    kind = rng.choice(ROOM_KINDS)
    return {
        "_id": clock.object_id(clock.now),
        "name": kind.replace("_", " ").capitalize(),
        "kind": kind,
        "area_m2": round(rng.uniform(4, 45), 1),
        "floor": rng.choice((None, 0, 1, 2, 3)),
        "features": rng.sample(ROOM_FEATURES, rng.randint(0, 3)),
    }


class _Clock:
    """Creation dates a few minutes apart, and ObjectIds made from them and the seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.now = EPOCH

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=self.rng.randint(1, 600))
        return self.now

    def object_id(self, when: dt.datetime) -> ObjectId:
        return ObjectId(int(when.timestamp()).to_bytes(4, "big") + self.rng.randbytes(8))


def write_dataset(dataset: dict[str, list[dict]], path: Path) -> None:
    """Save the documents as MongoDB extended JSON (ids and dates survive the trip)."""
    path.write_text(json_util.dumps(dataset, json_options=json_util.CANONICAL_JSON_OPTIONS), encoding="utf-8")


def read_dataset(path: str | Path) -> dict[str, list[dict]]:
    """Load documents saved by ``write_dataset``."""
    options = json_util.JSONOptions(tz_aware=True, tzinfo=dt.UTC)
    return json_util.loads(Path(path).read_text(encoding="utf-8"), json_options=options)


def insert_dataset(db, dataset: dict[str, list[dict]]) -> None:
    """Replace the benchmark collections' contents with the dataset, keeping their indexes."""
    for name in COLLECTIONS:
        collection = db[name]
        collection.delete_many({})
        if dataset[name]:
            collection.insert_many([dict(document) for document in dataset[name]])


class ResetMiddleware:
    """WSGI middleware adding ``POST /__bench__/reset``: put the dataset back after a round of writes.

    It answers before the wrapped application sees the request, so it costs the measured requests
    one string comparison.
    """

    PATH = "/__bench__/reset"

    def __init__(self, app, db_getter, dataset: dict[str, list[dict]]):
        self.app = app
        self.db_getter = db_getter
        self.dataset = dataset

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != self.PATH:
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") != "POST":
            start_response("405 METHOD NOT ALLOWED", [("Allow", "POST")])
            return [b""]
        insert_dataset(self.db_getter(), self.dataset)
        body = json.dumps({name: len(documents) for name, documents in self.dataset.items()}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
