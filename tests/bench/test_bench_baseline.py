"""The benchmark's baseline gives Arcane's answers to every benchmarked request, on the benchmark's dataset."""

import json

import mongoengine
import pytest

from scripts import bench, bench_baseline, bench_data

# What two writes or two sign-ins never share.
VARYING = {"id", "created_at", "updated_at", "access_token", "refresh_token"}


@pytest.fixture
def dataset(app):
    return bench_data.build(property_count=30, user_count=3, seed=1)


@pytest.fixture
def clients(app, dataset):
    baseline = bench_baseline.create_app(mongoengine.get_db(), app.config["JWT_SECRET_KEY"])
    return {"arcane": app.test_client(), "baseline": baseline.test_client()}


def send(client, request: bench.Request):
    body, headers = request.encode()
    return client.open(request.path, method=request.method, data=body, headers=headers)


def signed_in(client, dataset) -> dict[str, str]:
    answers = [send(client, request) for request in bench.login(dataset, {})]
    return {user["id"]: answer.json["access_token"] for user, answer in zip(dataset["users"], answers, strict=True)}


def without_varying(value):
    if isinstance(value, dict):
        return {key: "varies" if key in VARYING else without_varying(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_varying(item) for item in value]
    return value


# The baseline's change feed still reads the collection from before the change log: strict, so
# that this mark goes as soon as scripts/bench_baseline.py reads the log as Arcane does.
BASELINE_FEED_BEHIND = pytest.mark.xfail(strict=True, reason="bench_baseline reads property_changes, not the log")


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=BASELINE_FEED_BEHIND) if name == "change_feed" else name for name in bench.OPERATIONS],
)
def test_the_baseline_answers_as_arcane(clients, dataset, name):
    operation = bench.OPERATIONS[name]
    answers = {}
    for server, client in clients.items():
        requests = operation.requests(dataset, signed_in(client, dataset))
        answers[server] = [send(client, request) for request in requests[:3]]

    for arcane, baseline in zip(answers["arcane"], answers["baseline"], strict=True):
        assert arcane.status_code == baseline.status_code == operation.status
        assert json.loads(baseline.headers.get("X-Pagination", "null")) == json.loads(
            arcane.headers.get("X-Pagination", "null")
        )
        if operation.write or name == "login":
            assert without_varying(baseline.json) == without_varying(arcane.json)
        else:
            assert baseline.json == arcane.json


def test_the_baseline_refuses_what_arcane_refuses(clients, dataset):
    owned, foreign = dataset["properties"][0], dataset["properties"][1]
    room = bench_data.room(1)
    for client in clients.values():
        token = signed_in(client, dataset)[owned["owner"]]
        headers = {"Authorization": f"Bearer {token}"}
        wrong = {"email": dataset["users"][0]["email"], "password": "wrong password"}

        assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
        assert client.post("/api/v1/properties", json={"name": "Loft"}).status_code == 401
        assert client.post(f"/api/v1/properties/{foreign['id']}/rooms", json=room, headers=headers).status_code == 403
        assert client.get(f"/api/v1/properties/{'0' * 24}").status_code == 404
