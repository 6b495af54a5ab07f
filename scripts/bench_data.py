"""The benchmark's dataset, written through Arcane's services and shared by both servers as a dump.

The harness builds it once (``build``) and dumps every collection as BSON (``dump``); each server
restores the dump at start and on ``POST /__bench__/reset`` (``serve``), so both answer the same
requests on the same documents, in whatever shape the models store them.
"""

import datetime as dt
import os
import random
from pathlib import Path

import bson
import mongoengine

from arcane import create_app
from arcane.models import Property, User
from arcane.services import properties, property_types, users

PASSWORD = "correct horse battery"  # noqa: S105 (the benchmark accounts' password, public by design)
# City names as people write them, and how often they appear (a few big cities, a long tail).
CITIES = {"Saint-Étienne": 16, "Besançon": 12, "Orléans": 10, "Nîmes": 9, "Clermont-Ferrand": 8, "Béziers": 6,
          "Angoulême": 5, "Évreux": 4, "Sète": 3, "Aix-en-Provence": 3}  # fmt: skip
PROPERTY_TYPES = ("flat", "house", "studio", "loft")
ROOM_KINDS = ("living_room", "bedroom", "kitchen", "bathroom", "office", "dining_room")
ROOM_FEATURES = ("balcony", "fireplace", "parquet", "south-facing", "fitted wardrobe", "bathtub", "air conditioning")
NAMES = (("Camille", "Martin"), ("Louis", "Bernard"), ("Inès", "Dubois"), ("Hugo", "Lefèvre"), ("Léa", "Girard"))
RESET_PATH = "/__bench__/reset"


def build(*, property_count: int, user_count: int, seed: int) -> dict:
    """Empty the database, write users and listings through the services: their ids and emails."""
    db = mongoengine.get_db()
    for name in db.list_collection_names():
        db[name].delete_many({})
    property_types.ensure_default_types()
    rng = random.Random(seed)
    accounts = [_user(index) for index in range(user_count)]
    for index in range(property_count):
        city, kind = rng.choices(list(CITIES), list(CITIES.values()))[0], rng.choice(PROPERTY_TYPES)
        rooms = [room(rng.randrange(1000)) for _ in range(rng.randint(1, 6))]
        description = f"A {kind} in {city}, listing number {index + 1}."
        # Round robin, so that every user owns listings in several cities.
        owner = accounts[index % user_count]
        properties.create_property(
            owner, name=f"{kind.title()} in {city}", type=kind, city=city, rooms=rooms, description=description
        )
    listings = Property.objects.only("owner").as_pymongo()
    return {
        "users": [{"id": str(user.id), "email": user.email} for user in User.objects.only("email")],
        "properties": [{"id": str(listing["_id"]), "owner": str(listing["owner"])} for listing in listings],
    }


def _user(index: int) -> User:
    first_name, last_name = NAMES[index % len(NAMES)]
    email, birth_date = f"{first_name}.{index}@bench.example", dt.date(1960 + index % 40, 1 + index % 12, 14)
    return users.create_user(
        email=email, password=PASSWORD, first_name=first_name, last_name=last_name, birth_date=birth_date
    )


def room(number: int) -> dict:
    """A room's fields, varied by number: one in three without floor and features."""
    kind = ROOM_KINDS[number % len(ROOM_KINDS)]
    fields = {"name": kind.replace("_", " ").capitalize(), "kind": kind, "area_m2": 8.5 + number % 20}
    return fields | ({"floor": number % 4, "features": [ROOM_FEATURES[number % 7]]} if number % 3 else {})


def dump(db, directory: Path) -> None:
    """Every collection of the database, one BSON file each (as mongodump writes them)."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in db.list_collection_names():
        (directory / f"{name}.bson").write_bytes(b"".join(bson.encode(document) for document in db[name].find()))


def restore(db, directory: Path) -> None:
    """Replace the dumped collections' contents with the dump, keeping their indexes."""
    for path in directory.glob("*.bson"):
        db[path.stem].delete_many({})
        if documents := bson.decode_all(path.read_bytes(), bson.CodecOptions(tz_aware=True)):
            db[path.stem].insert_many(documents)


def serve(app, db):
    """The WSGI app on BENCH_DATASET's dump, which ``POST /__bench__/reset`` restores again."""
    directory = Path(os.environ["BENCH_DATASET"])
    restore(db, directory)

    def resettable(environ, start_response):  # before the app: a measured request pays one comparison
        if environ.get("PATH_INFO") != RESET_PATH:
            return app(environ, start_response)
        restore(db, directory)
        start_response("204 No Content", [])
        return [b""]

    return resettable


def arcane():
    """Arcane as gunicorn serves it in the benchmark: ``create_app()`` unchanged, on the dataset."""
    app = create_app()
    return serve(app, mongoengine.get_db())
