"""Every query shape the listing and the change feed serve wins an index scan on a real MongoDB.

mongomock ignores indexes (it scans in Python), so these run only with ARCANE_TEST_MONGODB_URI.
"""

import datetime as dt
import re

import mongoengine
import pytest
from bson import ObjectId

from arcane import demo
from arcane.models import ChangeLogEntry, Property, PropertyType, User
from arcane.models.properties import SORTS
from arcane.services.properties import cities_pipeline, keyset_after, prefix_successor, property_filters
from tests.conftest import real_mongodb_only

# Query shapes: (name, filters, sort). Each filter is alone with the default sort, and each sort
# is alone, as the listing sends them; combinations use one of these indexes at least.
SHAPES = [
    ("newest first", {}, "-created_at"),
    *[(f"sort {sort}", {}, sort) for sort in SORTS],
    ("city", {"city": "Saint-Étienne"}, "-created_at"),
    ("owner", {"owner": "6750c3e2a1b2c3d4e5f60718"}, "-created_at"),
    ("type", {"type": "flat"}, "-created_at"),
    ("min_rooms", {"min_rooms": 3}, "room_count"),
    ("area range", {"min_area": 60, "max_area": 120}, "total_area_m2"),
    ("room_kind", {"room_kind": "office"}, "-created_at"),
    ("feature", {"feature": "fireplace"}, "-created_at"),
    ("q", {"q": "quiet flat"}, "-created_at"),
]
# The listing's queries as a client sends them: each filter, "q", each sort, a combined search.
FILTERS = ["city=Lyon", "type=flat", "min_rooms=3", "room_kind=office", "min_area=50&max_area=90", "feature=quiet"]
LISTING_QUERIES = [
    *FILTERS,
    "q=bright",
    *(f"sort={sort}" for sort in SORTS),
    "city=Lyon&room_kind=bedroom&sort=-room_count",
]
NEXT = re.compile(r'<([^>]+)>; rel="next"')


def plan_stages(queryset) -> list[dict]:
    """Every stage of the winning plan of a queryset."""
    return planner_stages(queryset.explain()["queryPlanner"])


def aggregation_stages(pipeline: list[dict]) -> list[dict]:
    """Every stage of the winning plan of the query that starts an aggregation of the listings."""
    collection = Property._get_collection()
    explained = collection.database.command(
        "explain", {"aggregate": collection.name, "pipeline": pipeline, "cursor": {}}, verbosity="queryPlanner"
    )
    # The slot-based engine plans the whole pipeline; the classic one, its first $cursor stage.
    planner = explained.get("queryPlanner") or explained["stages"][0]["$cursor"]["queryPlanner"]
    return planner_stages(planner)


def planner_stages(planner: dict) -> list[dict]:
    """Every stage of the winning plan of an explain's queryPlanner."""
    stages = [planner["winningPlan"].get("queryPlan", planner["winningPlan"])]
    for stage in stages:  # grows as it goes
        stages += [stage[key] for key in ("inputStage", "outerStage", "innerStage") if key in stage]
        stages += stage.get("inputStages", [])
    return stages


def assert_index_scan(queryset) -> None:
    assert_index_scan_stages(plan_stages(queryset))


def assert_index_scan_stages(plan: list[dict]) -> None:
    stages = [stage["stage"] for stage in plan]
    assert "IXSCAN" in stages, stages
    assert "COLLSCAN" not in stages, stages


def ordered(filters: dict, sort: str):
    field, direction = SORTS[sort]
    sign = "-" if direction < 0 else "+"
    return Property.objects(**property_filters(**filters)).order_by(sign + field, sign + "id").limit(21)


@real_mongodb_only
@pytest.mark.parametrize(("shape", "filters", "sort"), SHAPES, ids=[shape for shape, _, _ in SHAPES])
def test_listing_shape_is_an_index_scan(app, shape, filters, sort):
    with app.app_context():
        assert_index_scan(ordered(filters, sort))


@real_mongodb_only
@pytest.mark.parametrize("sort", list(SORTS))
def test_a_cursor_page_is_an_index_scan_bounded_by_the_key(app, sort):
    """A cursor page seeks in the sort index: item 5,000 costs what page 1 does, no skip."""
    field, direction = SORTS[sort]
    key = dt.datetime(2025, 6, 1) if field == "created_at" else 10
    with app.app_context():
        after = keyset_after(field, direction, key, ObjectId())
        assert_index_scan(ordered({}, sort).filter(after))


@real_mongodb_only
def test_city_prefix_is_an_index_scan(app):
    with app.app_context():
        assert_index_scan(Property.objects(city_key__gte="sai", city_key__lt=prefix_successor("sai")))


# The change feed's queries: (name, queryset builder). The writers' mark is read by id.
FEED_SHAPES = [
    ("feed page", lambda: ChangeLogEntry.objects(id__gt=10, superseded=False).order_by("id").limit(20)),
    ("supersession", lambda: ChangeLogEntry.objects(property_id=ObjectId(), id__lt=10, superseded=False)),
    ("page's listings", lambda: Property.objects(id__in=[ObjectId(), ObjectId()])),
    ("listings' owners", lambda: User.objects(id__in=[ObjectId(), ObjectId()]).only("first_name", "last_name")),
]


@real_mongodb_only
@pytest.mark.parametrize(("shape", "query"), FEED_SHAPES, ids=[shape for shape, _ in FEED_SHAPES])
def test_change_feed_shape_is_an_index_scan(app, shape, query):
    with app.app_context():
        assert_index_scan(query())


@real_mongodb_only
def test_a_property_types_cursor_page_is_an_index_scan(app):
    """The types after a cursor: a seek in the unique slug index."""
    with app.app_context():
        assert_index_scan(PropertyType.objects(slug__gt="flat").order_by("slug").limit(21))


@real_mongodb_only
@pytest.mark.parametrize(("prefix", "after"), [("", "lyon"), ("sai", "saint etienne"), ("sai", None)])
def test_a_cities_by_key_page_matches_in_the_city_key_index(app, prefix, after):
    """sort=city: the cursor's key and the prefix bound one range of the city_key index."""
    with app.app_context():
        assert_index_scan_stages(aggregation_stages([*cities_pipeline(prefix, "city", after), {"$limit": 21}]))


@real_mongodb_only
def test_no_request_of_the_listings_cities_or_feed_scans_a_collection(app, client):
    """MongoDB's profiler records what the requests send, next pages included: no query is a COLLSCAN."""
    # It reads the profile, not the code: whatever the services' queries or the feed's storage become.
    with app.app_context():
        demo.seed(properties=60, administrator=False)
        db = mongoengine.get_db()
    owner = client.get("/api/v1/properties").json[0]["owner"]["id"]
    paths = [f"/api/v1/properties?{query}&page_size=2" for query in [*LISTING_QUERIES, f"owner={owner}"]]
    db.command("profile", 2)
    for path in [*paths, "/api/v1/cities?prefix=sai&page_size=2", "/api/v1/properties/changes?page_size=2"]:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.json)
        if next_page := NEXT.search(answer.headers.get("Link", "")):
            assert client.get(next_page.group(1)).status_code == 200, next_page.group(1)
    db.command("profile", 0)

    plans = list(db.system.profile.find({"planSummary": {"$exists": True}}, {"ns": 1, "planSummary": 1, "command": 1}))
    assert plans
    assert [plan for plan in plans if "COLLSCAN" in plan["planSummary"]] == []
