"""A small world for the security tests: an owner with a listing, another user, an admin, the document."""

import dataclasses

import pytest

from tests import factories, openapi_document
from tests.conftest import add_to_summary


@dataclasses.dataclass
class World:
    """Real accounts and data, and the values that fill the document's path parameters."""

    owner: factories.Account
    other: factories.Account
    admin: factories.Account
    listing: dict
    spec: dict

    @property
    def path_values(self) -> dict:
        return {
            "property_id": self.listing["id"],
            "room_id": self.listing["rooms"][0]["id"],
            "user_id": self.owner.id,
            "slug": "flat",
        }

    def url(self, path: str) -> str:
        return openapi_document.url(path, self.path_values)

    def actor_allowed(self, path: str, method: str) -> dict:
        """Headers of an identity that the operation lets through, so that only its input can be refused."""
        if path.startswith("/api/v1/property-types"):
            return self.admin.headers
        if path in ("/api/v1/users", "/api/v1/auth/token"):
            return {}
        if path == "/api/v1/auth/refresh":
            return factories.bearer(self.owner.refresh_token)
        return self.owner.headers


@pytest.fixture
def world(client, user, other_user, admin):
    listing = factories.create_property(client, user)
    factories.create_property(client, other_user, name="Other's house", type="house", city="Lyon")
    return World(user, other_user, admin, listing, openapi_document.load(client))


@dataclasses.dataclass
class CorpusReport:
    """How many hostile requests a test sent, and how many were not refused properly."""

    cases: int = 0
    failures: int = 0
    endpoints: set = dataclasses.field(default_factory=set)


@pytest.fixture
def corpus_report(request):
    report = CorpusReport()
    yield report
    figures = {"cases": report.cases, "failures": report.failures, "operations": sorted(report.endpoints)}
    add_to_summary(request.node, "bad-input corpus", figures)
