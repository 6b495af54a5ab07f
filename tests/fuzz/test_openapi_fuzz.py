"""Fuzz every operation against the OpenAPI document, with schemathesis, in-process.

The engine runs all its phases (examples, coverage, fuzzing, stateful, with the links between
operations that schemathesis infers from Location headers and ids) and every check, as three
identities that sign in through POST /auth/token: two peers (alice and bob, who must not reach each
other's objects) and an administrator. Any failure is a bug of the code or of the document.

The engine, rather than ``@schema.parametrize()``, because schemathesis 4.32's pytest integration
builds the coverage cases and signs in at collection time, before any fixture can create the app
and its users (and its lazy ``from_fixture`` loader fails on pytest 9); the engine is what the
schemathesis CLI runs, so the run here is the CLI's, on a fresh app per run.
"""

import collections
import os
import time

import pytest
import schemathesis
from schemathesis.engine import events, from_schema

from tests import factories

SEED = 20251129
# The fuzz budget, the one setting: examples per operation and phase. The default keeps `make test`
# under a minute; CI sets six times more (.ci/run). Every phase and every check runs whatever the budget.
MAX_EXAMPLES = int(os.environ.get("ARCANE_FUZZ_EXAMPLES", "50"))
EVERY_CHECK = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
    "use_after_free",
    "ensure_resource_availability",
    "object_level_authorization",
}
# Statuses positive_data_acceptance accepts by default, to which a rule below adds 422.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
CONFIG = {
    "seed": SEED,
    # Every run starts from nothing: no replay cache (.schemathesis/), no Hypothesis database.
    "cache": {"enabled": False},
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    # Every check stays on. Some operations take schema-valid input that a rule no JSON Schema can
    # state may still refuse; for them positive_data_acceptance also expects that documented status.
    # (Rules must not overlap: the first one that names an operation wins.)
    "operations": [
        # An If-Match naming another revision than the current one is the documented 412.
        {
            "include-operation-id": ["deleteProperty", "updateRoom", "deleteRoom"],
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "412"]}},
        },
        # On both creations, an Idempotency-Key that this user already sent with another request is
        # the documented 422 (the generator reuses keys across operations).
        {
            "include-operation-id": "addRoom",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "412", "422"]}},
        },
        # A property's type must also name an existing property type: a reference, not a format.
        {
            "include-operation-id": "createProperty",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
        {
            "include-operation-id": "updateProperty",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "412", "422"]}},
        },
        # A cursor must be one this service made, for the same collection, sort and filters (a
        # token, not a format), and a page by number must start before item 10,000, a bound that
        # depends on page_size: both are the documented 422.
        {
            "include-operation-id": ["listProperties", "listRooms", "listPropertyTypes", "listCities"],
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
        # A birth date must lie in the past: it depends on today's date.
        {
            "include-operation-id": ["signUp", "updateCurrentUser"],
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
        # A change feed cursor must be one this service made: opaque, not a format.
        {
            "include-operation-id": "listPropertyChanges",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
        # The current password must be the account's: a secret the document cannot describe.
        {
            "include-operation-id": "changePassword",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        },
    ],
}


def test_every_rule_names_a_real_operation(client):
    """A rule naming an operation that no longer exists would silently stop applying."""
    spec = client.get("/docs/openapi.json").json
    operation_ids = {
        operation["operationId"]
        for item in spec["paths"].values()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    for rule in CONFIG["operations"]:
        named = rule["include-operation-id"]
        assert set([named] if isinstance(named, str) else named) <= operation_ids, named


@pytest.mark.longest
def test_the_api_conforms_to_its_openapi_document(
    fuzz_app, identities_file, identities, fuzz_report, wsgi_socket_options_dropped, constants_of_the_service_only
):
    auth = {"wfc": {"path": str(identities_file), "peers": ["alice", "bob"]}}
    config = schemathesis.Config.from_dict({**CONFIG, "auth": auth})
    schema = schemathesis.openapi.from_wsgi("/docs/openapi.json", fuzz_app, config=config)
    keep_identities(schema, fuzz_app, identities)
    cases = collections.Counter()
    failures, errors = [], []
    checks = collections.Counter()
    started = time.monotonic()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            cases[str(event.phase)] += len(event.recorder.cases)
            failures.extend(describe_failures(event.recorder))
            checks.update(check.name for results in event.recorder.checks.values() for check in results)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(f"{getattr(event, 'label', '')}: {event.value!r}")
    fuzz_report.cases = dict(cases)
    fuzz_report.failures, fuzz_report.errors = len(failures), len(errors)
    fuzz_report.seconds = time.monotonic() - started
    assert sum(cases.values()) > 0
    assert set(checks) >= EVERY_CHECK, f"checks that never ran: {EVERY_CHECK - set(checks)}"
    assert not errors, "\n".join(errors)
    assert not failures, "\n\n".join(failures)


def describe_failures(recorder) -> list[str]:
    described = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.failure_info is None:
                continue
            failure = check.failure_info.failure
            interaction = recorder.interactions.get(case_id)
            response = interaction.response if interaction else None
            answer = f"-> {response.status_code} {response.content[:300]!r}" if response is not None else ""
            described.append(
                f"{check.name} on {recorder.label}: {failure.title}\n{failure.message}\n"
                f"{check.failure_info.code_sample}\n{answer}"
            )
    return described


def keep_identities(schema, app, emails) -> None:
    """Put back an identity that a fuzzed call deleted or re-passworded, so that it can sign in again."""

    @schema.hook
    def after_call(context, case, response):
        identity = case.auth_identity
        if identity not in emails or response.status_code != 204:
            return
        client = app.test_client()
        if case.method == "DELETE" and case.path == "/api/v1/users/me":
            if identity == "admin":
                factories.signed_in_admin(app, client, email=emails[identity])
            else:
                factories.sign_up(client, email=emails[identity], first_name=identity.title())
        elif case.method == "PUT" and case.path == "/api/v1/users/me/password":
            tokens = factories.sign_in(client, emails[identity], case.body["new_password"])
            restored = client.put(
                "/api/v1/users/me/password",
                json={"current_password": case.body["new_password"], "new_password": factories.DEFAULT_PASSWORD},
                headers=factories.bearer(tokens["access_token"]),
            )
            assert restored.status_code == 204, restored.json
