"""The project's flavour of flask-smorest: Api, Blueprint, base schemas, converters."""

import functools
import http
import json
import re
from collections.abc import Mapping
from copy import deepcopy
from functools import wraps

import flask_smorest
import marshmallow as ma
from apispec.utils import build_reference
from bson import ObjectId
from flask import g, request, url_for
from flask_jwt_extended import jwt_required
from flask_smorest.etag import IF_MATCH_HEADER, IF_NONE_MATCH_HEADER, _get_etag_ctx
from flask_smorest.exceptions import NotModified
from flask_smorest.pagination import PaginationMetadataSchema
from flask_smorest.utils import resolve_schema_instance
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import PreconditionFailed
from werkzeug.http import quote_etag
from werkzeug.routing import BaseConverter

from arcane import paging
from arcane.idempotency import idempotent
from arcane.paging import MAX_CURSOR_LENGTH, link_header
from arcane.schemas.dumping import PlannedDumpSchema
from arcane.schemas.fields import NamedEnum

SECURITY_SCHEME = "bearerAuth"
BEARER_CHALLENGE = "Bearer"
UNAUTHORIZED_RESPONSE = "BEARER_CHALLENGE"
OBJECT_ID_PATTERN = "[0-9a-f]{24}"
PAGINATION_ARGUMENTS = frozenset({"page", "page_size"})
PAGINATION_METADATA = PaginationMetadataSchema()
# Response headers as named components, so that the document types them once.
LOCATION_HEADER = {"Location": "LOCATION"}
LOCATION_HEADER_DOC = {
    "description": "URL of the created resource, relative to the server.",
    "schema": {"type": "string", "format": "uri-reference", "example": "/api/v1/properties/6750c3e2a1b2c3d4e5f60718"},
}
ETAG_HEADER_DOC = {
    "description": (
        "Version of the returned resource: send it in If-None-Match to get a 304 when it has not "
        "changed, or in If-Match to write only over this version."
    ),
    "schema": {"type": "string", "example": '"b52d5cab5d09187e1d0a666c0740379ad7d6effb"'},
}
# The item count of a page reached by cursor: it has no page number, so no X-Pagination.
CURSOR_PAGE = object()
# What a change to another's resource, a missing one, or a stale revision answers.
OWNER_WRITE_ERRORS = (http.HTTPStatus.FORBIDDEN, http.HTTPStatus.NOT_FOUND, http.HTTPStatus.CONFLICT)


def link_header_doc(collection: str) -> dict:
    """The OpenAPI description of a paged collection's Link header, its example on that collection's URL."""
    return {
        "Link": {
            "description": (
                'RFC 8288 links: rel="next" (the next page, by an opaque cursor, or by number in an order '
                'that pages by number only) when there is more, and rel="first". Follow them rather than building URLs.'
            ),
            "schema": {"type": "string"},
            "example": f'<{collection}?cursor=WyJhYmMiLDEsIngiXQ>; rel="next", <{collection}>; rel="first"',
        }
    }


HTTP_VERBS = {"get": "get", "post": "create", "put": "replace", "patch": "update", "delete": "delete"}


class ErrorSchema(ma.Schema):
    """The one error shape of the service."""

    code = ma.fields.Integer(required=True, metadata={"description": "HTTP status code.", "example": 404})
    status = ma.fields.String(required=True, metadata={"description": "HTTP status name.", "example": "Not Found"})
    message = ma.fields.String(
        required=True, metadata={"description": "What went wrong, for a human.", "example": "Property not found."}
    )
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        metadata={"description": "Messages per field, when the input was at fault."},
    )


class Api(flask_smorest.Api):
    """flask-smorest's Api with the project's error rendering."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        """Render any HTTP exception in the one error shape, keeping its headers (e.g. Allow)."""
        data = getattr(error, "data", None) or {}
        payload = {
            "code": error.code,
            "status": error.name,
            "message": data.get("message") or _default_message(error),
        }
        errors = data.get("errors") or data.get("messages")
        if errors:
            payload["errors"] = _flatten_locations(errors)
        headers = {key: value for key, value in error.get_headers() if key.lower() != "content-type"}
        headers.update(data.get("headers") or {})
        if error.code == 401:
            # RFC 9110 §11.6.1: every 401 carries a challenge; the token loaders send a precise one.
            headers.setdefault("WWW-Authenticate", BEARER_CHALLENGE)
        return payload, error.code, headers

    def init_app(self, app, *, spec_kwargs=None):
        """As flask-smorest's; declare the bearer scheme, the 401 with its challenge, NamedEnum references."""
        super().init_app(app, spec_kwargs=spec_kwargs)
        self.ma_plugin.converter.add_attribute_function(named_enum_reference)
        self.spec.components.header("LOCATION", LOCATION_HEADER_DOC, lazy=True)
        self.spec.components.security_scheme(
            SECURITY_SCHEME,
            {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Access token from POST /auth/token.",
            },
        )
        self.spec.components.response(
            UNAUTHORIZED_RESPONSE,
            {
                "description": "Unauthorized: credentials missing or refused; the challenge says which.",
                "content": {self.DEFAULT_RESPONSE_CONTENT_TYPE: {"schema": self.ERROR_SCHEMA}},
                "headers": {
                    "WWW-Authenticate": {
                        "description": (
                            'The challenge (RFC 6750 §3): `Bearer`, or `Bearer error="invalid_token", '
                            'error_description="..."` when a token was sent and refused.'
                        ),
                        "schema": {"type": "string"},
                    }
                },
            },
        )

    def _register_pagination_header(self):
        # Upstream documents X-Pagination with an object schema, which OpenAPI's "simple" header
        # style reads as comma-separated keys and values; the header carries JSON.
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header(
            "PAGINATION",
            {
                "description": "Pagination metadata, a JSON object.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}},
            },
            lazy=True,
        )

    def _register_etag_headers(self):
        # Upstream documents If-Match as required (it answers 428 without); it is optional here, and
        # the ETag header says what it is for.
        components = self.spec.components
        components.parameter("IF_NONE_MATCH", "header", IF_NONE_MATCH_HEADER, lazy=True)
        components.parameter("IF_MATCH", "header", {**IF_MATCH_HEADER, "required": False}, lazy=True)
        components.header("ETAG", ETAG_HEADER_DOC, lazy=True)


def named_enum_reference(self, field, ret, **kwargs) -> dict:
    """apispec attribute function: a NamedEnum is a reference to its component, defined on first use.

    Run after apispec's own functions: the inline type and enum they wrote give way to the reference,
    wrapped in allOf when the field has other properties (readOnly, nullable...), as apispec does for
    nested schemas in OpenAPI 3.0, where a reference has no siblings.
    """
    if not isinstance(field, NamedEnum):
        return {}
    components = self.spec.components
    if field.component not in components.schemas:
        components.schema(
            field.component,
            {"type": "string", "enum": list(field.choices), "description": field.component_description},
        )
    ret.pop("type", None)
    ret.pop("enum", None)
    reference = build_reference("schema", self.openapi_version.major, field.component)
    return {"allOf": [reference]} if ret else reference


SHORT_MESSAGES = {
    400: "The request is malformed: see errors.",
    404: "Resource not found.",
    405: "This method is not allowed on this resource: see the Allow header.",
    412: "The resource has changed since you read it: read it again for its new ETag.",
    413: "The request body is larger than 1 MiB.",
    422: "The request is not valid: see errors.",
    500: "Internal server error.",
}


def _default_message(error) -> str:
    return SHORT_MESSAGES.get(error.code) or error.description or http.HTTPStatus(error.code).phrase


def _flatten_locations(errors):
    """webargs keys messages by location ({"json": {...}}); clients care about the fields."""
    if not isinstance(errors, dict):
        return {"_request": errors}
    flat = {}
    for location, messages in errors.items():
        if isinstance(messages, dict):
            flat.update(messages)
        else:
            flat[location] = messages
    return flat


class ArgumentsParser(FlaskParser):
    """webargs' parser, strict about JSON bodies.

    A body must be there (400) and be JSON (415); it must be standard JSON (Python's json module
    accepts NaN and Infinity), encodable back to UTF-8 (no lone surrogates, which BSON and the
    response encoder refuse), and no deeper than the parser can recurse: all 400, never a 500.
    """

    def load_json(self, req, schema):
        """The JSON body, or a 400 or 415 that says what is wrong with it."""
        body = req.get_data(cache=True)
        if not body:
            abort(400, messages={"json": ["A JSON body is required."]})
        if not is_json_request(req):
            abort(415, messages={"json": ["The body must be JSON (Content-Type: application/json)."]})
        try:
            document = json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        except (ValueError, RecursionError):
            abort(400, messages={"json": ["Invalid JSON body."]})
        return document

    def parse(self, argmap, req=None, **kwargs):
        """As webargs', with one instance of a schema class for every request."""
        # flask-smorest's paginate() hands its parameters' schema over as a class, which webargs
        # would instantiate, fields and all, on every request; a schema keeps no per-request state.
        if isinstance(argmap, type):
            argmap = _instance_of(argmap)
        return super().parse(argmap, req, **kwargs)


@functools.cache
def _instance_of(schema_class: type[ma.Schema]) -> ma.Schema:
    return schema_class()


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _send_links(response):
    """Add the Link header a paged view prepared (views return objects, not headers)."""
    if "arcane_links" in g:
        response.headers["Link"] = g.arcane_links
    return response


class Blueprint(flask_smorest.Blueprint):
    """Blueprint that documents authentication, error responses and operation ids."""

    ARGUMENTS_PARSER = PAGINATION_ARGUMENTS_PARSER = ArgumentsParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 20, "max_page_size": 100}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._prepare_auth_doc)
        self.after_request(_send_links)

    @staticmethod
    def link_pages(page, pagination_parameters):
        """Count an ``arcane.paging.Page`` for X-Pagination (unless reached by cursor) and send its Link header."""
        # The links keep the request's other parameters; ``next`` is by cursor, or by number in an
        # order with no cursor (one that moves, such as the cities by count), up to the deepest
        # page a number reaches; ``first`` drops the page and the cursor.
        pagination_parameters.item_count = CURSOR_PAGE if page.total is None else page.total
        arguments = {name: values for name, values in request.args.lists() if name not in ("page", "cursor")}
        links = {}
        following = pagination_parameters.first_item + pagination_parameters.page_size
        if page.next_cursor is not None:
            links["next"] = url_for(request.endpoint, **request.view_args, **arguments, cursor=page.next_cursor)
        elif page.total is not None and following < min(page.total, paging.MAX_OFFSET):
            links["next"] = url_for(
                request.endpoint, **request.view_args, **arguments, page=pagination_parameters.page + 1
            )
        if links or "cursor" in request.args or pagination_parameters.page > 1:
            links["first"] = url_for(request.endpoint, **request.view_args, **arguments)
        if links:
            g.arcane_links = link_header(links)
        return page.items

    @staticmethod
    def _make_pagination_metadata(page, page_size, item_count):
        # flask-smorest's hook for the X-Pagination content (its docstring invites overriding it).
        # Its own builds a PaginationMetadataSchema per response; this is the same metadata,
        # dumped by one instance (tests/api/test_pagination_metadata.py compares the two).
        pages = -(-item_count // page_size)
        metadata = {"total": item_count, "total_pages": pages}
        if pages:
            metadata |= {"first_page": 1, "last_page": pages}
            if page <= pages:
                metadata["page"] = page
                if page > 1:
                    metadata["previous_page"] = page - 1
                if page < pages:
                    metadata["next_page"] = page + 1
        return PAGINATION_METADATA.dump(metadata)

    def _set_pagination_metadata(self, page_params, result, headers):
        # flask-smorest numbers every page; a page reached by cursor has no number, so it gets
        # no X-Pagination (its Link header leads on).
        if page_params.item_count is CURSOR_PAGE:
            return result, headers
        return super()._set_pagination_metadata(page_params, result, headers)

    def arguments(self, schema, *args, **kwargs):
        """As flask-smorest's, but with one schema instance for every request.

        Given a schema class, webargs builds an instance (and its nested schemas) per request,
        which costs more than the load itself; schemas hold no per-request state.
        """
        parse = super().arguments(resolve_schema_instance(schema), *args, **kwargs)
        if kwargs.get("location") != "query":
            return parse

        def decorator(view):
            parsing = parse(view)

            @wraps(parsing)
            def wrapper(*view_args, **view_kwargs):
                # Its QuerySchema refuses unknown parameters itself (see response).
                g.arcane_query_parsed = True
                return parsing(*view_args, **view_kwargs)

            return wrapper

        return decorator

    def response(self, status_code, schema=None, **kwargs):
        """As flask-smorest's, and any query parameter the operation does not parse is a 422.

        Checked here, inside login_required and any arguments decorator, so that a 401 comes first.
        """
        respond = super().response(status_code, schema, **kwargs)

        def decorator(view):
            responding = respond(view)

            @wraps(responding)
            def wrapper(*view_args, **view_kwargs):
                if request.args and not g.get("arcane_query_parsed"):
                    abort(422, messages={name: ["Unknown query parameter."] for name in request.args})
                return responding(*view_args, **view_kwargs)

            return wrapper

        return decorator

    def login_required(self, func=None, *, refresh=False, any_token=False):
        """Require a valid bearer token (an access token unless told otherwise), and document it."""

        def decorator(view):
            protected = jwt_required(refresh=refresh, verify_type=not any_token)(view)
            protected = self.doc(security=[{SECURITY_SCHEME: []}])(protected)
            return self.alt_response(401, response=UNAUTHORIZED_RESPONSE)(protected)

        return decorator(func) if func is not None else decorator

    def idempotent_creation(self, view):
        """A creation: a bearer token, an Idempotency-Key honoured (arcane.idempotency), an ETag."""
        return self.login_required(idempotent(self.etag(view)))

    def owner_write(self, view):
        """A change only the owner may make: a bearer token, an ETag, and the 403, 404 and 409 it may answer."""
        for status in OWNER_WRITE_ERRORS:
            view = self.alt_response(status, response=status.name)(view)
        return self.login_required(self.etag(view))

    @staticmethod
    def location(endpoint, **url_values_from_fields):
        """Set the Location header of a creation to the URL of what the view returns.

        The URL takes the request's own URL values (a parent's id) and, for each keyword,
        the named field of the created object.
        """

        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                created = view(*args, **kwargs)
                values = {name: str(_field(created, field)) for name, field in url_values_from_fields.items()}
                return created, {"Location": url_for(endpoint, **{**request.view_args, **values})}

            return wrapper

        return decorator

    def _check_precondition(self):
        # Upstream answers 428 to a write without If-Match; here plain clients may write without it.
        pass

    def _verify_check_etag(self):
        # Upstream warns when a write did not call check_etag; with no If-Match there is nothing to check.
        if request.if_match:
            super()._verify_check_etag()

    def check_etag(self, etag_data, etag_schema=None):
        """Compare If-Match strongly with the ETag of ``etag_data`` (412 on mismatch), when the client sent one.

        Upstream's answers 412 when If-Match is absent and warns on POST (adding a room honours it).
        """
        if etag_schema is not None:
            etag_data = resolve_schema_instance(etag_schema).dump(etag_data)
        # Upstream's private ETag context: marks the check done, or the etag decorator warns.
        _get_etag_ctx()["etag_checked"] = True
        if request.if_match and not request.if_match.contains(self._generate_etag(etag_data)):
            raise PreconditionFailed()

    def _check_not_modified(self, etag):
        # Upstream compares If-None-Match strongly; RFC 9110 §13.1.2 wants the weak comparison
        # (W/"x" matches "x"), and a 304 carries the ETag (§15.4.5).
        if request.method in self.METHODS_CHECKING_NOT_MODIFIED and request.if_none_match.contains_weak(etag):
            not_modified = NotModified()
            not_modified.data = {"headers": {"ETag": quote_etag(etag)}}
            raise not_modified

    @staticmethod
    def honours_if_match(view):
        """Document If-Match on a POST (flask-smorest documents it on PUT, PATCH and DELETE only)."""
        # flask-smorest's private doc store, appended to: doc(parameters=...) would replace the list.
        view._apidoc = deepcopy(getattr(view, "_apidoc", {}))
        manual_doc = view._apidoc.setdefault("manual_doc", {})
        manual_doc.setdefault("parameters", []).append("IF_MATCH")
        manual_doc.setdefault("responses", {})[412] = http.HTTPStatus(412).name
        return view

    def _prepare_etag_doc(self, doc, doc_info, **kwargs):
        # Upstream documents 428 on every conditional write; If-Match is optional here.
        doc = super()._prepare_etag_doc(doc, doc_info, **kwargs)
        doc.get("responses", {}).pop(428, None)
        return doc

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        # Upstream leaves operationId out (apispec has none to give); clients generated from the
        # document name their methods after it, so each operation gets one from its verb and view.
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc["operation_id"] = _operation_id(method, endpoint)

    @staticmethod
    def _prepare_auth_doc(doc, doc_info, **kwargs):
        # A doc callback (flask-smorest's private list, as BEMServer uses it): every operation gets
        # its generated id and declares its security, none unless login_required documents some.
        doc["operationId"] = doc_info["operation_id"]
        doc["security"] = []
        return doc


def _field(created, name):
    return created[name] if isinstance(created, Mapping) else getattr(created, name)


def _operation_id(method: str, endpoint: str) -> str:
    """``patch`` on the ``PropertyById`` view becomes ``updateProperty``; views may name their own."""
    return HTTP_VERBS.get(method, method) + re.sub(r"By[A-Z]\w*$", "", endpoint)


class Schema(PlannedDumpSchema):
    """Base schema: unknown fields are errors, output keeps the declared order, dumps are planned."""

    class Meta:
        unknown = ma.RAISE


class QuerySchema(Schema):
    """Base schema of query strings: unknown parameters are errors, except the pager's own."""

    # What flask-smorest's pager reads besides this schema; a route without that pager has none.
    pager_parameters = PAGINATION_ARGUMENTS

    class Meta:
        unknown = ma.EXCLUDE

    @ma.pre_load
    def reject_unknown_parameters(self, data, **kwargs):
        known = set(self.fields) | self.pager_parameters
        unknown = sorted(set(data) - known)
        if unknown:
            raise ma.ValidationError({name: ["Unknown query parameter."] for name in unknown})
        return data


class PagedQuerySchema(QuerySchema):
    """Query string of a paged collection: page and page_size (the pager's), or the cursor of a Link."""

    # No example: a cursor belongs to one collection, sort and filters, so no fixed value is valid
    # next to the other parameters' examples (Swagger UI's "Try it out" sends them all together).
    cursor = ma.fields.String(
        validate=ma.validate.Length(min=1, max=MAX_CURSOR_LENGTH),
        metadata={
            "description": (
                'Opaque: the next page, as the Link header\'s rel="next" gives it. Only valid on the collection, '
                "with the sort and filters it was made for (422 otherwise), and not with page (422)."
            )
        },
    )

    @ma.pre_load
    def reject_a_page_with_a_cursor(self, data, **kwargs):
        # Two starts for one page: one of them would be ignored without a word.
        if "cursor" in data and "page" in data:
            raise ma.ValidationError({"page": ["Not with cursor: the cursor says where the page starts."]})
        return data


class ObjectIdConverter(BaseConverter):
    """URL converter for MongoDB ids: anything that is not an id does not match (404)."""

    regex = OBJECT_ID_PATTERN

    def to_python(self, value):
        return ObjectId(value)

    def to_url(self, value):
        return str(value)


def object_id_parameter_schema(converter):
    """OpenAPI schema of a path parameter using ObjectIdConverter."""
    return {"type": "string", "pattern": f"^{OBJECT_ID_PATTERN}$", "example": "6750c3e2a1b2c3d4e5f60718"}
