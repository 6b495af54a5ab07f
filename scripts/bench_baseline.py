"""The benchmark's baseline: the least a Flask app must do to give Arcane's answers.

Bare Flask routes, pymongo and ``json.dumps``; no validation, ODM, schema or extension. It gives
the same JSON and X-Pagination header, checks bearer tokens as Arcane does (signature, type,
revocation, holder and token version) and verifies argon2 hashes at the cost stored in them.
Served as ``gunicorn 'scripts.bench_baseline:serve()'``; tests use ``create_app(db, secret)``.
"""

import contextlib
import datetime as dt
import json
import math
import os
import uuid

import jwt
import mongomock
import pymongo
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bson import ObjectId
from flask import Flask, Response, request

from arcane.database import OneRequestAtATime
from arcane.models.properties import MAX_ROOMS, city_key
from arcane.paging import decode_cursor, encode_cursor
from arcane.settings import EMBEDDED_SCHEME
from scripts import bench_data

LIFETIMES = {"access": dt.timedelta(minutes=15), "refresh": dt.timedelta(days=30)}
STATUS_NAMES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 422: "Unprocessable Entity"}
ROOM_FIELDS = ("name", "kind", "area_m2", "floor", "features")
OWNER = {"first_name": 1, "last_name": 1}
CHANGE = {"owner": 0, "deleted_at": 0}
CITIES = [  # each city under the spelling most often written, as Arcane groups them
    {"$group": {"_id": {"key": "$city_key", "name": "$city"}, "count": {"$sum": 1}}},
    {"$sort": {"count": -1, "_id.name": 1}},
    {"$group": {"_id": "$_id.key", "name": {"$first": "$_id.name"}, "count": {"$sum": "$count"}}},
    {"$sort": {"count": -1, "_id": 1}},
]


def create_app(db, secret: str) -> Flask:
    """The baseline app on a pymongo (or mongomock) database."""
    app, hasher = Flask(__name__), PasswordHasher()

    @app.get("/health")
    def health():
        return _json({"status": "ok"})

    @app.post("/api/v1/auth/token")
    def login():
        form = request.get_json(silent=True) or {}
        user = db.users.find_one({"email": str(form.get("email")).strip().lower()})
        if user is None or not _verify(hasher, user["password_hash"], str(form.get("password"))):
            return _error(401, "Invalid email or password.")
        tokens = {f"{kind}_token": _token(secret, user, kind) for kind in LIFETIMES}
        return _json(tokens | {"token_type": "Bearer", "expires_in": int(LIFETIMES["access"].total_seconds())})

    @app.get("/api/v1/properties")
    def listing():
        page, size = _page()
        query = {"city_key": city_key(request.args["city"])} if "city" in request.args else {}
        documents = list(db.properties.find(query).sort("_id", -1).skip((page - 1) * size).limit(size))
        # A short page is the last one: its end is the total (Arcane saves the count too).
        short = len(documents) < size and (documents or page == 1)
        total = (page - 1) * size + len(documents) if short else db.properties.count_documents(query)
        owners = {user["_id"]: user for user in db.users.find({"_id": {"$in": [d["owner"] for d in documents]}}, OWNER)}
        return _json([_property(d, owners.get(d["owner"])) for d in documents], pagination=(total, page, size))

    @app.get("/api/v1/properties/changes")
    def change_feed():
        size = _page()[1]
        after = decode_cursor(request.args["cursor"], length=1)[0] if "cursor" in request.args else 0
        query = {"sequence": {"$gt": after}}
        entries = list(db.property_changes.find(query, CHANGE).sort("sequence", 1).limit(size))
        cursor = encode_cursor([entries[-1]["sequence"] if entries else after])
        link = f'</api/v1/properties/changes?cursor={cursor}&page_size={size}>; rel="next"'
        return _json([_change(entry) for entry in entries], link=link)

    @app.get("/api/v1/properties/<property_id>")
    def one_property(property_id):
        if (document := db.properties.find_one({"_id": _object_id(property_id)})) is None:
            return _error(404, "Property not found.")
        return _json(_property(document, db.users.find_one({"_id": document["owner"]}, OWNER)))

    @app.get("/api/v1/cities")
    def cities():
        page, size = _page()
        found = db.properties.aggregate([*CITIES, {"$skip": (page - 1) * size}, {"$limit": size}])
        counted = list(db.properties.aggregate([{"$group": {"_id": "$city_key"}}, {"$count": "total"}]))
        items = [{"name": city["name"], "key": city["_id"], "count": city["count"]} for city in found]
        return _json(items, pagination=(counted[0]["total"] if counted else 0, page, size))

    @app.post("/api/v1/properties")
    def create_property():
        if (user := _token_holder(db, secret)) is None:
            return _error(401, "Invalid token.")
        form, now = request.get_json(silent=True) or {}, dt.datetime.now(dt.UTC)
        document = {field: form.get(field) for field in ("name", "type", "city")} | {
            "description": form.get("description", ""),
            "city_key": city_key(str(form.get("city"))),
            "rooms": [_new_room(room) for room in form.get("rooms", [])],
            **{"owner": user["_id"], "revision": 0, "created_at": now, "updated_at": now},
        }
        db.properties.insert_one(document)  # sets document["_id"]
        return _json(_property(document, user), status=201, location=f"/api/v1/properties/{document['_id']}")

    @app.post("/api/v1/properties/<property_id>/rooms")
    def add_room(property_id):
        if (user := _token_holder(db, secret)) is None:
            return _error(401, "Invalid token.")
        if (document := db.properties.find_one({"_id": _object_id(property_id)}, {"owner": 1})) is None:
            return _error(404, "Property not found.")
        if document["owner"] != user["_id"]:
            return _error(403, "Only the owner may change this property.")
        room, now = _new_room(request.get_json(silent=True) or {}), dt.datetime.now(dt.UTC)
        change = {"$push": {"rooms": room}, "$inc": {"revision": 1}, "$set": {"updated_at": now}}
        # The room limit, checked in the update itself as Arcane does.
        if not db.properties.update_one(
            {"_id": document["_id"], f"rooms.{MAX_ROOMS - 1}": {"$exists": False}}, change
        ).matched_count:
            return _error(422, f"A property has at most {MAX_ROOMS} rooms.")
        return _json(_room(room), status=201, location=f"/api/v1/properties/{property_id}/rooms/{room['_id']}")

    return app


def serve():
    """The WSGI app gunicorn runs, on the database MONGODB_URI names and the dataset BENCH_DATASET holds."""
    uri = os.environ["MONGODB_URI"]
    embedded = uri.startswith(EMBEDDED_SCHEME)
    client_class = mongomock.MongoClient if embedded else pymongo.MongoClient
    db = client_class(uri.replace(EMBEDDED_SCHEME, "mongodb://"), tz_aware=True).get_default_database()
    app = create_app(db, os.environ["JWT_SECRET_KEY"])
    if embedded:  # mongomock is not thread-safe
        app.wsgi_app = OneRequestAtATime(app.wsgi_app)
    return bench_data.serve(app, db)


def _json(payload, *, status=200, pagination=None, location=None, link=None) -> Response:
    headers = {"X-Pagination": json.dumps(_pagination(*pagination))} if pagination else {}
    headers |= {"Location": location} if location else {}
    headers |= {"Link": link} if link else {}
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"code": status, "status": STATUS_NAMES[status], "message": message}, status=status)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    with contextlib.suppress(VerificationError, InvalidHashError):
        return hasher.verify(password_hash, password)  # at the cost stored in the hash
    return False


def _token(secret: str, user: dict, kind: str) -> str:
    """A token with flask-jwt-extended's claims and Arcane's token version."""
    now, version = dt.datetime.now(dt.UTC), user.get("token_version", 0)
    claims = {"fresh": kind == "access", "iat": now, "jti": str(uuid.uuid4()), "type": kind, "sub": str(user["_id"])}
    return jwt.encode(claims | {"nbf": now, "exp": now + LIFETIMES[kind], "ver": version}, secret, algorithm="HS256")


def _token_holder(db, secret: str) -> dict | None:
    """The user an access token speaks for, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"]) if scheme == "Bearer" else {}
    except jwt.InvalidTokenError:
        return None
    if claims.get("type") != "access" or db.revoked_tokens.find_one({"jti": claims["jti"]}, {"_id": 1}):
        return None
    user = db.users.find_one({"_id": _object_id(claims["sub"])}, {**OWNER, "token_version": 1})
    return user if user and user.get("token_version", 0) == claims.get("ver") else None


def _object_id(value: str) -> ObjectId | None:
    return ObjectId(value) if ObjectId.is_valid(value) else None


def _page() -> tuple[int, int]:
    return max(int(request.args.get("page", 1)), 1), min(max(int(request.args.get("page_size", 20)), 1), 100)


def _pagination(total: int, page: int, size: int) -> dict:
    """flask-smorest's X-Pagination header."""
    if total == 0:
        return {"total": 0, "total_pages": 0}
    last = math.ceil(total / size)
    header = {"total": total, "total_pages": last, "first_page": 1, "last_page": last, "page": page}
    return header | ({"previous_page": page - 1} if page > 1 else {}) | ({"next_page": page + 1} if page < last else {})


def _new_room(form: dict) -> dict:
    room = {field: form.get(field) for field in ROOM_FIELDS}
    return {"_id": ObjectId(), **room, "features": room["features"] or []}


def _room(room: dict) -> dict:
    return {"id": str(room["_id"]), **{field: room.get(field) for field in ROOM_FIELDS}}


def _property(document: dict, owner: dict | None) -> dict:
    rooms = [_room(room) for room in document["rooms"]]
    owner = owner and {"id": str(owner["_id"]), "first_name": owner["first_name"], "last_name": owner["last_name"]}
    return {
        "id": str(document["_id"]),
        **{field: document[field] for field in ("name", "description", "type", "city")},
        "rooms": rooms,
        "room_count": len(rooms),
        "total_area_m2": round(sum(room["area_m2"] or 0 for room in rooms), 2),
        "owner": owner,
        "created_at": document["created_at"].isoformat(),
        "updated_at": document["updated_at"].isoformat(),
    }


def _change(entry: dict) -> dict:
    """A change feed entry, its property as stored with the owner's public fields."""
    snapshot = entry.get("property")
    return {
        "kind": entry["kind"],
        "property_id": str(entry["_id"]),
        "revision": entry["revision"],
        "changed_at": entry["changed_at"].isoformat(),
        "property": snapshot and _property(snapshot, snapshot.get("owner")),
    }
