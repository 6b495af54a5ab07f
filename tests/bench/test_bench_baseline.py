"""The benchmark's baseline answers every benchmarked request as Arcane does: same status, same items."""

import json

import mongoengine
import pytest

from arcane import demo
from arcane.models import ChangeLogEntry
from scripts import bench, bench_baseline


@pytest.fixture
def calls(app):
    """Send a bench.Request to each app, in-process: the status, JSON body and headers of the answer."""
    with app.app_context():
        demo.seed(properties=60, administrator=False)
    baseline = bench_baseline.create_app(mongoengine.get_db(), app.config["JWT_SECRET_KEY"])

    def caller(client):
        def call(request: bench.Request):
            headers = {"Authorization": f"Bearer {request.token}"} if request.token else {}
            body = None if request.body is None else json.dumps(request.body)
            answer = client.open(
                request.path, method=request.method, data=body, headers=headers, content_type="application/json"
            )
            return answer.status_code, answer.json, answer.headers

        return call

    return {"arcane": caller(app.test_client()), "baseline": caller(baseline.test_client())}


@pytest.fixture
def requests(app, calls):
    """Each operation's requests, as the benchmark sends them to both apps (with the tokens Arcane signed)."""
    return bench.plan(app)


def identities(status: int, body) -> list | str:
    """What must be the same in both answers: the items' ids, or the fields of a new item."""
    if isinstance(body, list):
        return [item.get("id") or item.get("property_id") or item["key"] for item in body]
    return sorted(body) if status == 201 or "access_token" in body else body["id"]


@pytest.mark.parametrize("name", list(bench.OPERATIONS))
def test_the_baseline_answers_as_arcane(calls, requests, name):
    answers = {server: [call(request) for request in requests[name][:3]] for server, call in calls.items()}

    for arcane, baseline in zip(answers["arcane"], answers["baseline"], strict=True):
        assert arcane[0] == baseline[0] == bench.OPERATIONS[name][1]
        assert identities(*baseline[:2]) == identities(*arcane[:2])
    assert any(identities(*answer[:2]) for answer in answers["arcane"])  # something to compare


def test_the_baseline_refuses_what_arcane_refuses(calls, requests):
    mine = requests["add_room"][0]
    foreign = next(request for request in requests["add_room"] if request.token != mine.token)
    wrong = requests["login"][0].body | {"password": "wrong password"}
    for call in calls.values():
        assert call(bench.Request("POST", "/api/v1/auth/token", wrong))[0] == 401
        assert call(bench.Request("POST", "/api/v1/properties", {"name": "Loft"}))[0] == 401
        assert call(foreign._replace(token=mine.token))[0] == 403
        assert call(bench.Request("GET", f"/api/v1/properties/{'0' * 24}"))[0] == 404


@pytest.mark.parametrize("name", ["create_property", "add_room"])
def test_the_baseline_records_its_writes_in_the_change_feed_as_arcane_does(calls, requests, name):
    """Both apps share the database: Arcane's feed lists the baseline's writes, at their latest state."""
    feed = bench.Request("GET", "/api/v1/properties/changes?page_size=100")
    seen = len(calls["arcane"](feed)[1])
    request = requests[name][0]
    status, body, _ = calls["baseline"](request)
    assert status == 201

    status, entries, _ = calls["arcane"](feed)
    changed = body["id"] if name == "create_property" else request.path.split("/")[4]
    latest = [entry for entry in entries if entry["property_id"] == changed]
    assert len(latest) == 1  # the property's older entry is superseded
    assert latest[0]["kind"] == ("created" if name == "create_property" else "updated")
    assert entries[-1] == latest[0]
    assert len(entries) == seen + (name == "create_property")
    # The entry holds only what Arcane's model stores: the model reads it back.
    assert str(ChangeLogEntry.objects.order_by("-id").first().property_id) == changed


def test_the_baseline_refuses_an_unknown_property_type_as_arcane_does(calls, requests):
    form = {"name": "Loft", "type": "castle", "city": "Lyon"}
    for call in calls.values():
        assert call(bench.Request("POST", "/api/v1/properties", form, requests["add_room"][0].token))[0] == 422
