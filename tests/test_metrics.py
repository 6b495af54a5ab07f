"""Prometheus metrics at /metrics: requests and latencies by method, route template and status."""

from prometheus_client.parser import text_string_to_metric_families

from tests.factories import create_property

PROPERTY_ROUTE = "/api/v1/properties/<objectid:property_id>"
UNKNOWN_ID = "6750c3e2a1b2c3d4e5f60718"


def samples(client) -> dict:
    """Every sample of a scrape, by name and label set."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def requests(scrape: dict, method: str, route: str, status: int) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status)}.items())
    return scrape.get(("arcane_http_requests_total", labels), 0.0)


def latencies(scrape: dict, method: str, route: str, status: int) -> float:
    labels = frozenset({"method": method, "route": route, "status": str(status)}.items())
    return scrape.get(("arcane_http_request_duration_seconds_count", labels), 0.0)


def test_requests_are_counted_by_route_template_and_status(client, user):
    listing = create_property(client, user)
    for _ in range(3):
        assert client.get(f"/api/v1/properties/{listing['id']}").status_code == 200
    assert client.get(f"/api/v1/properties/{UNKNOWN_ID}").status_code == 404
    scrape = samples(client)
    assert requests(scrape, "GET", PROPERTY_ROUTE, 200) == 3
    assert requests(scrape, "GET", PROPERTY_ROUTE, 404) == 1
    assert requests(scrape, "POST", "/api/v1/properties", 201) == 1


def test_latencies_are_a_histogram_with_the_same_labels(client):
    for _ in range(2):
        client.get("/health")
    scrape = samples(client)
    assert latencies(scrape, "GET", "/health", 200) == 2
    buckets = {
        dict(labels)["le"]: value
        for (name, labels), value in scrape.items()
        if name == "arcane_http_request_duration_seconds_bucket" and dict(labels)["route"] == "/health"
    }
    assert buckets["+Inf"] == 2
    assert len(buckets) > 5


def test_errors_and_unmatched_urls_are_counted_without_their_url(client):
    client.get("/api/v1/nowhere/camille@example.com")
    client.open("/health", method="BREW")
    client.post("/api/v1/users", data="{", content_type="application/json")
    scrape = samples(client)
    assert requests(scrape, "GET", "<unmatched>", 404) == 1
    assert requests(scrape, "other", "<unmatched>", 405) == 1
    assert requests(scrape, "POST", "/api/v1/users", 400) == 1


def test_no_url_id_or_personal_data_reaches_the_metrics(client, user):
    listing = create_property(client, user)
    client.get(f"/api/v1/properties/{listing['id']}?city=Nimes")
    client.get("/api/v1/users/me", headers=user.headers)
    text = client.get("/metrics").get_data(as_text=True)
    for secret in (listing["id"], user.id, user.email, "Nimes", user.access_token):
        assert secret not in text


def test_scrapes_are_not_counted(client):
    client.get("/metrics")
    assert not any(dict(labels).get("route") == "/metrics" for _, labels in samples(client))
