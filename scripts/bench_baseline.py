"""The benchmark's baseline: the least a Flask app must do to answer Arcane's requests.

Bare Flask routes, pymongo queries and ``json.dumps``: no validation, no ODM, no schema, no
extension. It gives the same JSON fields (and the listing's X-Pagination header) as Arcane, checks
bearer tokens the way Arcane does (signature, type, revocation, holder and token version) and
verifies argon2 hashes with the cost stored in them, so that comparing the two measures Arcane's
framework overhead rather than the work both must do.

Served by the harness as ``gunicorn 'scripts.bench_baseline:serve()'``; tests use ``create_app(db)``.
"""

import datetime as dt
import json
import math
import os
import threading
import uuid

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bson import ObjectId
from bson.errors import InvalidId
from flask import Flask, Response, request

from scripts.bench_data import ARGON2_PARAMETERS, ResetMiddleware, city_key, insert_dataset, read_dataset

EMBEDDED_SCHEME = "mongomock://"
DEFAULT_URI = "mongomock://localhost/arcane"
ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)
REFRESH_TOKEN_LIFETIME = dt.timedelta(days=30)
DEFAULT_PAGE_SIZE = 20
MAX_ROOMS = 100
MAX_PAGE_SIZE = 100
BAD_CREDENTIALS = "Invalid email or password."
STATUS_NAMES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 422: "Unprocessable Entity"}
ROOM_FIELDS = ("name", "kind", "area_m2", "floor", "features")


def create_app(db, jwt_secret: str) -> Flask:
    """The baseline app on a pymongo (or mongomock) database."""
    app = Flask(__name__)
    hasher = PasswordHasher(**ARGON2_PARAMETERS)
    decoy_hash = hasher.hash("decoy password, never valid")

    @app.get("/health")
    def health():
        return _json({"status": "ok"})

    @app.post("/api/v1/auth/token")
    def login():
        credentials = request.get_json(silent=True) or {}
        email = str(credentials.get("email", "")).strip().lower()
        password = str(credentials.get("password", ""))
        user = db.users.find_one({"email": email}, {"password_hash": 1, "token_version": 1})
        if not _verify(hasher, user["password_hash"] if user else decoy_hash, password) or user is None:
            return _error(401, BAD_CREDENTIALS)
        now = dt.datetime.now(dt.UTC)
        return _json(
            {
                "access_token": _token(jwt_secret, user, "access", now, ACCESS_TOKEN_LIFETIME),
                "token_type": "Bearer",
                "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                "refresh_token": _token(jwt_secret, user, "refresh", now, REFRESH_TOKEN_LIFETIME),
            }
        )

    @app.get("/api/v1/properties")
    def properties():
        page, page_size = _page_arguments()
        query = {"city_key": city_key(request.args["city"])} if "city" in request.args else {}
        offset = (page - 1) * page_size
        documents = list(db.properties.find(query).sort("_id", -1).skip(offset).limit(page_size))
        # A short page is the last one: its end is the total (as Arcane, which saves the count too).
        short_page = len(documents) < page_size and (documents or offset == 0)
        total = offset + len(documents) if short_page else db.properties.count_documents(query)
        owner_ids = list({document["owner"] for document in documents})
        owners = {owner["_id"]: owner for owner in db.users.find({"_id": {"$in": owner_ids}}, _OWNER_PROJECTION)}
        items = [_property_view(document, owners.get(document["owner"])) for document in documents]
        return _json(items, headers={"X-Pagination": json.dumps(_pagination(total, page, page_size))})

    @app.get("/api/v1/properties/<property_id>")
    def property_by_id(property_id):
        document = db.properties.find_one({"_id": _object_id(property_id)})
        if document is None:
            return _error(404, "Property not found.")
        return _json(_property_view(document, db.users.find_one({"_id": document["owner"]}, _OWNER_PROJECTION)))

    @app.get("/api/v1/cities")
    def cities():
        page, page_size = _page_arguments()
        # Each city under the spelling most often written: the same pipeline as Arcane's.
        pipeline = [
            {"$group": {"_id": {"key": "$city_key", "name": "$city"}, "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id.name": 1}},
            {"$group": {"_id": "$_id.key", "name": {"$first": "$_id.name"}, "count": {"$sum": "$count"}}},
            {"$sort": {"count": -1, "_id": 1}},
            {"$skip": (page - 1) * page_size},
            {"$limit": page_size},
        ]
        items = [
            {"name": city["name"], "key": city["_id"], "count": city["count"]}
            for city in db.properties.aggregate(pipeline)
        ]
        counted = list(db.properties.aggregate([{"$group": {"_id": "$city_key"}}, {"$count": "total"}]))
        total = counted[0]["total"] if counted else 0
        return _json(items, headers={"X-Pagination": json.dumps(_pagination(total, page, page_size))})

    @app.post("/api/v1/properties")
    def create_property():
        user = _token_holder(db, jwt_secret)
        if user is None:
            return _error(401, "Invalid token.")
        form = request.get_json(silent=True) or {}
        now = dt.datetime.now(dt.UTC)
        document = {
            "_id": ObjectId(),
            "name": form.get("name"),
            "description": form.get("description", ""),
            "type": form.get("type"),
            "city": form.get("city"),
            "city_key": city_key(str(form.get("city", ""))),
            "rooms": [_new_room(room) for room in form.get("rooms", [])],
            "owner": user["_id"],
            "revision": 0,
            "created_at": now,
            "updated_at": now,
        }
        db.properties.insert_one(document)
        location = f"/api/v1/properties/{document['_id']}"
        return _json(_property_view(document, user), status=201, headers={"Location": location})

    @app.post("/api/v1/properties/<property_id>/rooms")
    def add_room(property_id):
        user = _token_holder(db, jwt_secret)
        if user is None:
            return _error(401, "Invalid token.")
        document = db.properties.find_one({"_id": _object_id(property_id)}, {"owner": 1})
        if document is None:
            return _error(404, "Property not found.")
        if document["owner"] != user["_id"]:
            return _error(403, "Only the owner may change this property.")
        room = _new_room(request.get_json(silent=True) or {})
        result = db.properties.update_one(
            # The room limit, checked in the update itself as Arcane does.
            {"_id": document["_id"], f"rooms.{MAX_ROOMS - 1}": {"$exists": False}},
            {"$push": {"rooms": room}, "$inc": {"revision": 1}, "$set": {"updated_at": dt.datetime.now(dt.UTC)}},
        )
        if result.matched_count == 0:
            return _error(422, f"A property has at most {MAX_ROOMS} rooms.")
        location = f"/api/v1/properties/{document['_id']}/rooms/{room['_id']}"
        return _json(_room_view(room), status=201, headers={"Location": location})

    return app


def serve():
    """The WSGI app gunicorn runs: database from MONGODB_URI, dataset from BENCH_DATASET."""
    db = _database(os.environ.get("MONGODB_URI", "").strip() or DEFAULT_URI)
    app = create_app(db, os.environ["JWT_SECRET_KEY"])
    if db.client.__class__.__module__.startswith("mongomock"):
        # mongomock is not thread-safe: one request at a time, as Arcane does on it.
        app.wsgi_app = _OneRequestAtATime(app.wsgi_app)
    dataset_path = os.environ.get("BENCH_DATASET")
    if not dataset_path:
        return app
    dataset = read_dataset(dataset_path)
    if os.environ.get("BENCH_SEED") == "1":
        insert_dataset(db, dataset)
    return ResetMiddleware(app, lambda: db, dataset)


def _database(uri: str):
    if uri.startswith(EMBEDDED_SCHEME):
        import mongomock

        client = mongomock.MongoClient("mongodb://" + uri.removeprefix(EMBEDDED_SCHEME), tz_aware=True)
    else:
        import pymongo

        client = pymongo.MongoClient(uri, tz_aware=True, appname="arcane-bench-baseline")
    return client.get_default_database()


_OWNER_PROJECTION = {"first_name": 1, "last_name": 1}


class _OneRequestAtATime:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.wsgi_app(environ, start_response))


def _json(payload, *, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    return _json({"code": status, "status": STATUS_NAMES[status], "message": message}, status=status)


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token(secret: str, user: dict, token_type: str, now: dt.datetime, lifetime: dt.timedelta) -> str:
    claims = {
        "fresh": token_type == "access",  # noqa: S105 (a token type, not a password)
        "iat": now,
        "jti": str(uuid.uuid4()),
        "type": token_type,
        "sub": str(user["_id"]),
        "nbf": now,
        "exp": now + lifetime,
        "ver": user.get("token_version", 0),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _token_holder(db, secret: str) -> dict | None:
    """The user an access token speaks for, or None; checks what Arcane's JWT layer checks."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer":
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    if claims.get("type") != "access" or db.revoked_tokens.find_one({"jti": claims["jti"]}, {"_id": 1}):
        return None
    user = db.users.find_one({"_id": _object_id(claims["sub"])}, {**_OWNER_PROJECTION, "token_version": 1})
    if user is None or user.get("token_version", 0) != claims.get("ver"):
        return None
    return user


def _object_id(value: str) -> ObjectId | None:
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


def _page_arguments() -> tuple[int, int]:
    page = max(int(request.args.get("page", 1)), 1)
    page_size = min(max(int(request.args.get("page_size", DEFAULT_PAGE_SIZE)), 1), MAX_PAGE_SIZE)
    return page, page_size


def _pagination(total: int, page: int, page_size: int) -> dict:
    """flask-smorest's X-Pagination header."""
    if total == 0:
        return {"total": 0, "total_pages": 0}
    last_page = math.ceil(total / page_size)
    header = {"total": total, "total_pages": last_page, "first_page": 1, "last_page": last_page, "page": page}
    if page > 1:
        header["previous_page"] = page - 1
    if page < last_page:
        header["next_page"] = page + 1
    return header


def _new_room(form: dict) -> dict:
    room = {"_id": ObjectId(), **{field: form.get(field) for field in ROOM_FIELDS}}
    room["features"] = room["features"] or []
    return room


def _room_view(room: dict) -> dict:
    return {"id": str(room["_id"]), **{field: room.get(field) for field in ROOM_FIELDS}}


def _owner_view(user: dict | None) -> dict | None:
    if user is None:
        return None
    return {"id": str(user["_id"]), "first_name": user["first_name"], "last_name": user["last_name"]}


def _property_view(document: dict, owner: dict | None) -> dict:
    rooms = [_room_view(room) for room in document["rooms"]]
    return {
        "id": str(document["_id"]),
        "name": document["name"],
        "description": document["description"],
        "type": document["type"],
        "city": document["city"],
        "rooms": rooms,
        "room_count": len(rooms),
        "total_area_m2": round(sum(room["area_m2"] or 0 for room in rooms), 2),
        "owner": _owner_view(owner),
        "created_at": document["created_at"].isoformat(),
        "updated_at": document["updated_at"].isoformat(),
    }
