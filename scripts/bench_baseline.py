"""The benchmark's baseline: bare Flask and pymongo giving Arcane's answers with its database commands."""

import contextlib
import datetime as dt
import json
import math
import uuid

import jwt
import mongoengine
import pymongo.errors
from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error
from bson import ObjectId
from flask import Flask, abort, request

from arcane import database, emails
from arcane.models.changes import SUPERSEDED_RETENTION_SECONDS
from arcane.models.properties import MAX_ROOMS, SORTS, city_key, derived_fields
from arcane.paging import decode_cursor, encode_cursor
from arcane.services.properties import ROOM_FIELDS, cities_pipeline
from arcane.settings import Settings
from scripts import bench

ACCESS_LIFETIME = dt.timedelta(minutes=15)
SUPERSEDED = dt.timedelta(seconds=SUPERSEDED_RETENTION_SECONDS)
OWNER = ["first_name", "last_name"]  # a list: mongomock adds _id to a projection dict
CHANGE = ["property_id", "kind", "revision", "changed_at"]  # a change-log entry, _id (its sequence) included
ROOMS_OF = ["owner", "rooms", "name", "description", "revision"]  # what a room addition reads of its listing
SHOWN = ["name", "description", "type", "city", "room_count", "total_area_m2"]
FEED = "/api/v1/properties/changes"


def create_app(db, secret: str) -> Flask:
    """The baseline app on a pymongo (or mongomock) database."""
    app, hasher = Flask(__name__), PasswordHasher()
    app.json.sort_keys, app.json.ensure_ascii = False, False  # the dump and nothing more: no sorting, no escaping
    # A bad token or password is a 401, as in Arcane.
    app.register_error_handler(jwt.InvalidTokenError, lambda _: ("", 401))
    app.register_error_handler(Argon2Error, lambda _: ("", 401))
    written = []  # the highest sequence of the change log this process knows is written

    def holder() -> dict:
        """The user an access token speaks for, checked as Arcane checks it; else 401."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        claims = jwt.decode(token, secret, algorithms=["HS256"])
        revoked = claims["type"] != "access" or db.revoked_tokens.find_one({"jti": claims["jti"]}, {"_id": 1})
        user = None if revoked else db.users.find_one({"_id": ObjectId(claims["sub"])}, [*OWNER, "token_version"])
        if not user or user.get("token_version", 0) != claims["ver"]:
            abort(401)
        return user

    @app.post("/api/v1/auth/token")
    def login():
        form = request.get_json()
        user = db.users.find_one({"email_key": emails.comparison_key(form["email"])})
        hasher.verify(user["password_hash"] if user else "", form["password"])
        now = dt.datetime.now(dt.UTC)
        tokens = {"token_type": "Bearer", "expires_in": int(ACCESS_LIFETIME.total_seconds())}
        for kind, lifetime in {"access": ACCESS_LIFETIME, "refresh": dt.timedelta(days=30)}.items():
            claims = {"sub": str(user["_id"]), "type": kind, "jti": str(uuid.uuid4()), "fresh": kind == "access"}
            claims |= {"iat": now, "nbf": now, "exp": now + lifetime, "ver": user.get("token_version", 0)}
            tokens[f"{kind}_token"] = jwt.encode(claims, secret, algorithm="HS256")
        return tokens

    @app.get("/api/v1/properties")
    def listing():
        """A first page: the benchmark asks for no other."""
        args, size = request.args, int(request.args.get("page_size", 20))
        query = {"city_key": city_key(args["city"])} if "city" in args else {}
        query |= {"room_kinds": args["room_kind"]} if "room_kind" in args else {}
        query |= {"total_area_m2": {"$gte": float(args["min_area"])}} if "min_area" in args else {}
        field, direction = SORTS[args.get("sort", "-created_at")]
        documents = list(db.properties.find(query).sort([(field, direction), ("_id", direction)]).limit(size + 1))
        # Without a next page, the total is known (Arcane counts only when there is one too).
        total = len(documents) if len(documents) <= size else db.properties.count_documents(query)
        return with_owners(documents[:size]), paged(total, size)

    @app.get("/api/v1/properties/<property_id>")
    def one_property(property_id):
        document = db.properties.find_one({"_id": ObjectId(property_id)}) if ObjectId.is_valid(property_id) else None
        return with_owners([document])[0] if document else abort(404)

    @app.get(FEED)
    def change_feed():
        """The one handler that knows the feed's storage: entries after the cursor, listings joined."""
        size = int(request.args.get("page_size", 20))
        after = decode_cursor(request.args["cursor"])[0] if "cursor" in request.args else 0
        found = db.property_change_log.find({"_id": {"$gt": after}, "superseded": False}, CHANGE)
        entries = list(found.sort("_id", 1).limit(size))
        ids = [entry["property_id"] for entry in entries if entry["kind"] != "deleted"]
        current = {listing["_id"]: listing for listing in db.properties.find({"_id": {"$in": ids}})}
        shown = dict(zip(current, with_owners(list(current.values())), strict=True))
        items = []
        for entry in entries:
            # A listing gone since its entry was written reads as deleted; one shown gives its revision.
            listing = current.get(entry["property_id"])
            item = {"kind": entry["kind"] if listing else "deleted", "property_id": str(entry["property_id"])}
            item |= {"revision": (listing or entry)["revision"], "changed_at": entry["changed_at"].isoformat()}
            items.append(item | {"property": shown.get(entry["property_id"])})
        cursor = encode_cursor([entries[-1]["_id"] if entries else after])
        links = f'<{FEED}?cursor={cursor}&page_size={size}>; rel="next", <{FEED}?page_size={size}>; rel="first"'
        return items, {"Link": links}

    @app.get("/api/v1/cities")
    def cities():
        """A first page, with the $skip Arcane sends for one."""
        size = int(request.args.get("page_size", 20))
        found = db.properties.aggregate([*cities_pipeline("", "-count"), {"$skip": 0}, {"$limit": size}])
        counted = list(db.properties.aggregate([{"$group": {"_id": "$city_key"}}, {"$count": "total"}]))
        items = [{"name": city["name"], "key": city["_id"], "count": city["count"]} for city in found]
        return items, paged(counted[0]["total"] if counted else 0, size)

    @app.post("/api/v1/properties")
    def create_property():
        user, form, now = holder(), request.get_json(), dt.datetime.now(dt.UTC)
        if not db.property_types.count_documents({"slug": form["type"]}, limit=1):
            abort(422)
        rooms = [new_room(room) for room in form.get("rooms", [])]
        document = {key: form.get(key, "") for key in ("name", "description", "type", "city")}
        document |= derived_fields(document["name"], document["description"], rooms)
        document |= {"city_key": city_key(form["city"]), "rooms": rooms, "owner": user["_id"], "revision": 0}
        document |= {"created_at": now, "updated_at": now}
        db.properties.insert_one(document)  # sets document["_id"]
        log_change("created", document)
        return present(document, user), 201, {"Location": f"/api/v1/properties/{document['_id']}"}

    @app.post("/api/v1/properties/<property_id>/rooms")
    def add_room(property_id):
        user = holder()
        document = db.properties.find_one({"_id": ObjectId(property_id)}, ROOMS_OF)
        if document is None or document["owner"] != user["_id"]:
            abort(404 if document is None else 403)
        room = new_room(request.get_json())
        fields = derived_fields(document["name"], document["description"], [*document["rooms"], room])
        fields["updated_at"] = dt.datetime.now(dt.UTC)
        change = {"$push": {"rooms": room}, "$inc": {"revision": 1}, "$set": fields}
        # The room limit, checked in the update itself as Arcane does.
        guard = {"_id": document["_id"], f"rooms.{MAX_ROOMS - 1}": {"$exists": False}}
        if not db.properties.update_one(guard, change).matched_count:
            abort(422)
        log_change("updated", document | {"revision": document["revision"] + 1})
        return present_room(room), 201, {"Location": f"/api/v1/properties/{property_id}/rooms/{room['_id']}"}

    def log_change(kind: str, document: dict) -> None:
        """Record a write in the change feed's log with Arcane's commands: append, raise the mark, supersede."""
        if not written:  # read once, as Arcane caches it
            mark = db.property_change_sequence.find_one({"_id": "properties"})
            written.append(mark["highest"] if mark else 0)
        now = dt.datetime.now(dt.UTC)
        entry = {"property_id": document["_id"], "kind": kind, "revision": document["revision"], "changed_at": now}
        entry["superseded"] = False
        while True:  # a sequence another writer took: the next one
            written[0] += 1
            with contextlib.suppress(pymongo.errors.DuplicateKeyError):
                db.property_change_log.insert_one({"_id": written[0], **entry})
                break
        db.property_change_sequence.update_one({"_id": "properties"}, {"$max": {"highest": written[0]}}, upsert=True)
        if kind != "created":
            older = {"property_id": document["_id"], "_id": {"$lt": written[0]}, "superseded": False}
            db.property_change_log.update_many(older, {"$set": {"superseded": True, "expires_at": now + SUPERSEDED}})

    def with_owners(documents: list[dict]) -> list[dict]:
        owners = {user["_id"]: user for user in db.users.find({"_id": {"$in": [d["owner"] for d in documents]}}, OWNER)}
        return [present(document, owners.get(document["owner"])) for document in documents]

    app.get("/health")(lambda: {"status": "ok"})
    return app


def serve():
    """The WSGI app gunicorn runs: on the database MONGODB_URI names, with the benchmark's demo data."""
    settings = Settings.from_env()
    database.connect(settings)
    app = create_app(mongoengine.get_db(), settings.jwt_secret_key)
    if settings.embedded:  # mongomock is not thread-safe
        app.wsgi_app = database.OneRequestAtATime(app.wsgi_app)
    return bench.on_demo_data(app)


def paged(total: int, size: int) -> dict:
    return {"X-Pagination": json.dumps({"total": total, "total_pages": math.ceil(total / size), "page": 1})}


def new_room(form: dict) -> dict:
    return {"_id": ObjectId(), **{key: form.get(key) for key in ROOM_FIELDS}, "features": form.get("features", [])}


def present_room(room: dict) -> dict:
    return {"id": str(room["_id"]), **{field: room.get(field) for field in ROOM_FIELDS}}


def present(document: dict, owner: dict | None) -> dict:
    shown = {"id": str(document["_id"]), **{field: document[field] for field in SHOWN}}
    shown["rooms"] = [present_room(room) for room in document["rooms"]]
    shown["owner"] = owner and {"id": str(owner["_id"]), **{key: owner[key] for key in OWNER}}
    return shown | {"created_at": document["created_at"].isoformat(), "updated_at": document["updated_at"].isoformat()}
