"""Idempotency-Key on creations: the HTTP side of services/idempotency.py.

A creation decorated with ``idempotent`` (inside login_required) claims the key for its caller,
replays the stored response to a retry, stores a success and releases the key after a failure.
"""

import http
from copy import deepcopy
from functools import wraps

from flask import Response, request
from flask_jwt_extended import get_jwt_identity

from arcane.services import idempotency

KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": (
        "Makes a retry safe: a request repeated with the same key (and body) within 24 hours "
        "returns the first response instead of creating again. Reusing a key with another body is 422."
    ),
    "schema": {"type": "string", "pattern": f"^{idempotency.ACCEPTABLE_KEY.pattern}$"},
}
REPLAYED_HEADERS = ("Location", "ETag")


def idempotent(view):
    """Honour an Idempotency-Key header on a creation (inside login_required)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        if key is None:
            return view(*args, **kwargs)
        user_id = get_jwt_identity()
        request_fingerprint = idempotency.fingerprint(request.method, request.path, request.get_data())
        stored = idempotency.claim(user_id, key, request_fingerprint)
        if stored is not None:
            return Response(stored.body, stored.status, stored.headers, mimetype="application/json")
        try:
            response = view(*args, **kwargs)
        except BaseException:
            idempotency.release(user_id, key)
            raise
        if 200 <= response.status_code < 300:
            headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
            outcome = idempotency.StoredResponse(response.status_code, response.get_data(as_text=True), headers)
            idempotency.complete(user_id, key, outcome)
        else:
            idempotency.release(user_id, key)
        return response

    # flask-smorest's private doc store, appended to: doc(parameters=...) would replace the
    # parameters other decorators (honours_if_match) add.
    wrapper._apidoc = deepcopy(getattr(view, "_apidoc", {}))
    manual_doc = wrapper._apidoc.setdefault("manual_doc", {})
    manual_doc.setdefault("parameters", []).append(KEY_PARAMETER)
    manual_doc.setdefault("responses", {})[409] = http.HTTPStatus(409).name
    return wrapper
