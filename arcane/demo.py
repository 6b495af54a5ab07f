"""Demo data: property types, a few users and realistic listings across French cities.

Deterministic and idempotent: ids derive from a fixed seed, and only what is missing is inserted,
so seeding twice leaves the same data (and keeps any edit made in between). Every document is
built and validated by its mongoengine model. Timestamps lie in the past, so anything created
afterwards is listed first.
"""

import contextlib
import datetime as dt
import hashlib
import random
import struct
from collections.abc import Callable

from bson import ObjectId
from mongoengine import BulkWriteError, NotUniqueError

from arcane import emails, passwords
from arcane.models import Property, Room, User
from arcane.models.properties import city_key
from arcane.services import changes as change_feed
from arcane.services import property_types

DEMO_PASSWORD = "arcane-demo-password"  # noqa: S105 (published in the README, local demo data only)
DEMO_USERS = (
    ("camille.martin@arcane.example", "Camille", "Martin", dt.date(1988, 3, 14)),
    ("lucas.bernard@arcane.example", "Lucas", "Bernard", dt.date(1979, 11, 2)),
    ("ines.moreau@arcane.example", "Inès", "Moreau", dt.date(1995, 7, 23)),
)
# An administrator, so that the property-type and moderation routes can be tried with `make run`.
# Not for a production database: scripts/seed.py leaves it out there.
DEMO_ADMIN_EMAIL = "admin@arcane.example"
DEMO_ADMINISTRATOR = (DEMO_ADMIN_EMAIL, "Claire", "Dubois", dt.date(1983, 9, 8))
# Some cities are written several ways, as owners do; the search finds them all.
CITIES = (
    "Paris", "Lyon", "Marseille", "Saint-Étienne", "Saint-Etienne", "saint étienne", "Nîmes",
    "Besançon", "Orléans", "Aix-en-Provence", "Évry-Courcouronnes", "Le Havre", "Bordeaux",
    "Nantes", "Grenoble", "Châlons-en-Champagne", "Clermont-Ferrand", "Angoulême", "Montpellier",
    "Paris", "Lyon", "Saint-Étienne",
)  # fmt: skip
# What each type of property has, room by room, and on which floor relative to its own ground
# level: a flat, studio or loft is on one floor of its building, a house spreads over a cellar, a
# ground floor and one or two storeys, a villa over a ground floor and one storey.
ROOM_PLANS = {
    "flat": (
        ("living_room", 0), ("kitchen", 0), ("bathroom", 0), ("toilet", 0), ("bedroom", 0), ("bedroom", 0),
        ("balcony", 0),
    ),
    "house": (
        ("cellar", -1), ("living_room", 0), ("kitchen", 0), ("dining_room", 0), ("toilet", 0), ("garage", 0),
        ("bedroom", 1), ("bedroom", 1), ("bathroom", 1), ("bedroom", 2), ("office", 2),
    ),
    "studio": (("living_room", 0), ("bathroom", 0)),
    "loft": (("living_room", 0), ("kitchen", 0), ("bathroom", 0), ("bedroom", 0), ("office", 0)),
    "villa": (
        ("living_room", 0), ("kitchen", 0), ("dining_room", 0), ("toilet", 0), ("laundry", 0), ("terrace", 0),
        ("bedroom", 1), ("bedroom", 1), ("bedroom", 1), ("bathroom", 1), ("bathroom", 1),
    ),
    "land": (),
    "commercial": (("office", 0), ("office", 0), ("storage", 0), ("toilet", 0)),
    "parking": (("garage", 0),),
}  # fmt: skip
# The floor of the property's ground level (inclusive range): flats and studios anywhere up to the
# 7th floor, a loft up to the 5th, a parking space in the basement or at street level; houses,
# villas and shops are at street level.
GROUND_FLOORS = {"flat": (0, 7), "studio": (0, 7), "loft": (0, 5), "parking": (-2, 0)}
# Square metres, from and to, per kind of room, and where a type of property differs.
AREAS = {
    "living_room": (18, 35), "bedroom": (9, 16), "kitchen": (6, 14), "dining_room": (12, 22),
    "bathroom": (4, 8), "toilet": (1, 3), "office": (8, 14), "laundry": (3, 6), "storage": (4, 12),
    "garage": (13, 18), "cellar": (8, 20), "balcony": (3, 9), "terrace": (12, 40),
}  # fmt: skip
TYPE_AREAS = {
    ("studio", "living_room"): (15, 28), ("studio", "bathroom"): (3, 5),
    ("loft", "living_room"): (40, 80), ("loft", "kitchen"): (10, 20),
    ("villa", "living_room"): (35, 70), ("villa", "bedroom"): (12, 22), ("villa", "kitchen"): (12, 25),
    ("house", "garage"): (15, 30), ("commercial", "office"): (20, 60),
}  # fmt: skip
ROOM_NAMES = {"living_room": "Living room", "dining_room": "Dining room"}
FEATURES = {
    "living_room": ("south-facing", "fireplace", "parquet floor", "high ceilings", "renovated"),
    "bedroom": ("parquet floor", "built-in wardrobe", "quiet", "south-facing"),
    "kitchen": ("fitted kitchen", "renovated", "gas hob"),
    "dining_room": ("parquet floor", "french windows"),
    "bathroom": ("walk-in shower", "bathtub", "renovated", "window"),
    "office": ("quiet", "fibre internet", "air conditioning"),
    "balcony": ("south-facing", "view over the rooftops"),
    "terrace": ("south-facing", "sea view", "pergola"),
    "garage": ("electric car charger", "automatic door"),
    "storage": ("shelving",),
}
ADJECTIVES = ("Bright", "Quiet", "Charming", "Renovated", "Spacious", "Cosy", "Modern", "Historic")
SETTINGS = ("near the old town", "close to the station", "with a view", "by the park", "in a calm street")
FIRST_DEMO_DATE = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
BATCH_SIZE = 500


def demo_id(label: str, moment: dt.datetime) -> ObjectId:
    """A stable ObjectId whose timestamp is ``moment``, so that ids sort like creation dates."""
    return ObjectId(struct.pack(">I", int(moment.timestamp())) + hashlib.sha256(label.encode()).digest()[:8])


def seed(
    *,
    properties: int = 60,
    progress: Callable[[int, int], None] | None = None,
    administrator: bool = True,
    batch_size: int = BATCH_SIZE,
) -> dict:
    """Insert what is missing of the demo data, in batches; returns how many of each kind exist afterwards."""
    property_types.ensure_default_types()
    owner_ids = _seed_users(DEMO_USERS, role="user")
    if administrator:
        _seed_users((DEMO_ADMINISTRATOR,), role="admin")
    generator = random.Random(20250601)  # noqa: S311 (reproducible demo data, not security)
    batch = []
    for number in range(properties):
        batch.append(_demo_property(number, generator, owner_ids))
        if len(batch) == batch_size or number == properties - 1:
            _insert_missing(batch)
            batch = []
            if progress:
                progress(number + 1, properties)
    return {"users": len(owner_ids), "administrators": int(administrator), "properties": properties}


def _insert_missing(documents: list[Property]) -> None:
    present = set(Property.objects(id__in=[document.id for document in documents]).scalar("id"))
    missing = [document for document in documents if document.id not in present]
    for document in missing:
        document.validate()
    if not missing:
        return
    try:
        Property.objects.insert(missing, load_bulk=False)
    except (BulkWriteError, NotUniqueError):
        # Another seed inserted some of them meanwhile: insert the others one by one.
        for document in missing:
            with contextlib.suppress(NotUniqueError):
                document.save(force_insert=True, validate=False)
    # The demo listings are news to a mirror too: the change feed lists them like any creation.
    for document in missing:
        change_feed.record_change("created", document.to_mongo())


def _seed_users(people: tuple, *, role: str) -> list[ObjectId]:
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    owner_ids = []
    for email, first_name, last_name, birth_date in people:
        created_at = FIRST_DEMO_DATE - dt.timedelta(days=30)
        if not User.objects(email=email).only("id").first():
            user = User(
                id=demo_id(email, created_at),
                email=email,
                email_key=emails.comparison_key(email),
                password_hash=password_hash,
                first_name=first_name,
                last_name=last_name,
                birth_date=birth_date,
                role=role,
                created_at=created_at,
                updated_at=created_at,
            )
            with contextlib.suppress(NotUniqueError):  # another seed created it meanwhile
                user.save(force_insert=True)
        owner_ids.append(User.objects(email=email).scalar("id").first())
    return owner_ids


def _demo_property(number: int, generator: random.Random, owner_ids: list[ObjectId]) -> Property:
    created_at = FIRST_DEMO_DATE + dt.timedelta(hours=7 * number)
    slug = generator.choice(list(ROOM_PLANS))
    city = generator.choice(CITIES)
    ground_floor = generator.randint(*GROUND_FLOORS.get(slug, (0, 0)))
    plan = ROOM_PLANS[slug]
    rooms = [_demo_room(number, index, slug, plan, ground_floor, generator, created_at) for index in range(len(plan))]
    return Property(
        id=demo_id(f"property-{number}", created_at),
        name=f"{generator.choice(ADJECTIVES)} {slug} {generator.choice(SETTINGS)}",
        description=f"A {slug} in {city}, listed as demo data. {len(rooms)} rooms.",
        type=slug,
        city=city,
        city_key=city_key(city),
        rooms=rooms,
        owner=owner_ids[number % len(owner_ids)],
        created_at=created_at,
        updated_at=created_at,
    )


def _demo_room(
    number: int,
    index: int,
    slug: str,
    plan: tuple,
    ground_floor: int,
    generator: random.Random,
    created_at: dt.datetime,
) -> Room:
    kind, storey = plan[index]
    low, high = TYPE_AREAS.get((slug, kind), AREAS[kind])
    name = ROOM_NAMES.get(kind, kind.capitalize())
    same_kind = [other for other, _ in plan].count(kind)
    if same_kind > 1:
        name += f" {[other for other, _ in plan[: index + 1]].count(kind)}"
    features = FEATURES.get(kind, ())
    return Room(
        id=demo_id(f"property-{number}-room-{index}", created_at),
        name=name,
        kind=kind,
        area_m2=round(generator.uniform(low, high), 1),
        floor=ground_floor + storey,
        features=generator.sample(features, k=generator.randint(0, min(2, len(features)))),
    )
