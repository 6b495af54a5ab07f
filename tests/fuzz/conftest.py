"""The fuzzer's app: a fresh database with the identities of identities.json, and its run report."""

import dataclasses
import importlib
import json
import pathlib
import pkgutil

import pytest
import requests
from hypothesis.internal.conjecture import providers
from hypothesis.internal.constants_ast import Constants, constants_from_module
from schemathesis.transport.wsgi import WSGITransport
from sortedcontainers import SortedSet

import arcane
from tests import factories
from tests.conftest import add_to_summary, make_settings

IDENTITIES_FILE = pathlib.Path(__file__).with_name("identities.json")
# Options of a network request that the in-process (WSGI) transport does not know.
SOCKET_OPTIONS = ("max_redirects", "verify", "cert", "proxies")


@pytest.fixture
def identities_file():
    """The Web Fuzzing Commons document that tells schemathesis how each identity signs in."""
    return IDENTITIES_FILE


@pytest.fixture
def identities(identities_file) -> dict[str, str]:
    """Name to email of every identity the fuzzer signs in as."""
    document = json.loads(identities_file.read_text())
    return {entry["name"]: entry["loginEndpointAuth"]["payloadUserPwd"]["username"] for entry in document["auth"]}


@dataclasses.dataclass
class FuzzReport:
    """What the fuzzer did, for the terminal summary."""

    cases: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: int = 0
    errors: int = 0
    seconds: float = 0.0


@pytest.fixture
def fuzz_report(request):
    report = FuzzReport()
    yield report
    if report.cases:
        add_to_summary(request.node, "schemathesis", dataclasses.asdict(report))


@pytest.fixture
def settings():
    """The fuzzer signs in and publishes far more than a person would: the limits stay on, out of its way."""
    generous = "100000 per minute"
    limits = (
        "login_account_address",
        "login_address",
        "login_account",
        "sign_up",
        "password_change",
        "property_creation",
    )
    return make_settings(**{f"{limit}_limit": generous for limit in limits})


@pytest.fixture
def fuzz_app(app, identities):
    """The app with a user per identity (admin made the way an operator does), all with the test password."""
    client = app.test_client()
    for name, email in identities.items():
        if name == "admin":
            factories.signed_in_admin(app, client, email=email)
        else:
            factories.sign_up(client, email=email, first_name=name.title())
    return app


@pytest.fixture
def wsgi_socket_options_dropped(monkeypatch):
    """Work around schemathesis 4.32.5: its auth probes hand socket options to werkzeug's test client.

    ``send_probe`` (used by ``ignored_auth`` and ``object_level_authorization``) strips the session,
    and the WSGI transport only drops these options when a ``requests.Session`` is given, so werkzeug
    raises ``TypeError: unexpected keyword argument 'max_redirects'`` instead of sending the probe.
    """
    send = WSGITransport.send

    def send_without_socket_options(self, case, *, session=None, **kwargs):
        if not isinstance(session, requests.Session):
            for name in SOCKET_OPTIONS:
                kwargs.pop(name, None)
        return send(self, case, session=session, **kwargs)

    monkeypatch.setattr(WSGITransport, "send", send_without_socket_options)


@pytest.fixture
def constants_of_the_service_only(monkeypatch):
    """Make the generated cases independent of what else the process has imported.

    Hypothesis draws some values (5 %) from the literals of every local module in ``sys.modules``,
    a pool that grows as modules are imported. Run alone, the fuzzer saw arcane's; in the whole
    suite it also saw those of ``scripts.bench`` and ``scripts.bench_baseline`` (imported by
    tests/bench, collected before it), so the same seed generated other cases. Under xdist every
    worker imports every test module first. The pool here is arcane's literals, whatever ran before.
    """
    constants = Constants(
        integers=SortedSet(), floats=SortedSet(key=providers.float_to_int), bytes=SortedSet(), strings=SortedSet()
    )
    for module in pkgutil.walk_packages(arcane.__path__, prefix="arcane."):
        constants |= constants_from_module(importlib.import_module(module.name))
    constants |= constants_from_module(arcane)
    # Private: Hypothesis has no setting for its pool of local constants; this fixes it for the run.
    monkeypatch.setattr(providers, "_get_local_constants", lambda: constants)
    providers.CONSTANTS_CACHE.cache.clear()
    yield
    providers.CONSTANTS_CACHE.cache.clear()
