import json

import pytest
from bson import ObjectId

from arcane.models import Property, User
from tests.factories import assert_error, create_property, property_form, room_form, signed_in_user

PROPERTY_FIELDS = {
    "id", "name", "description", "type", "city", "rooms", "room_count", "total_area_m2", "owner",
    "created_at", "updated_at",
}  # fmt: skip


def pagination(response) -> dict:
    return json.loads(response.headers["X-Pagination"])


# Publishing


def test_publish_returns_the_listing_its_location_and_etag(client, user):
    response = client.post("/api/v1/properties", json=property_form(), headers=user.headers)
    assert response.status_code == 201
    body = response.json
    assert set(body) == PROPERTY_FIELDS
    assert body["owner"] == {"id": user.id, "first_name": "Camille", "last_name": "Martin"}
    assert body["city"] == "Saint-Étienne"
    assert body["room_count"] == 2
    assert body["total_area_m2"] == 39.5
    assert all(len(room["id"]) == 24 for room in body["rooms"])
    assert response.headers["Location"] == f"/api/v1/properties/{body['id']}"
    assert response.headers["ETag"]
    assert client.get(response.headers["Location"]).json == body


def test_publish_without_rooms(client, user):
    body = create_property(client, user, rooms=[])
    assert (body["rooms"], body["room_count"], body["total_area_m2"]) == ([], 0, 0)


def test_publish_needs_a_token(client):
    assert_error(client.post("/api/v1/properties", json=property_form()), 401)


@pytest.mark.parametrize(
    "field", ["id", "owner", "city_key", "created_at", "updated_at", "revision", "room_count", "total_area_m2"]
)
def test_publish_refuses_fields_the_server_owns(client, user, field):
    body = assert_error(
        client.post("/api/v1/properties", json=property_form(**{field: "x"}), headers=user.headers), 422
    )
    assert field in body["errors"]


def test_unknown_type_is_422_naming_the_field(client, user):
    body = assert_error(client.post("/api/v1/properties", json=property_form(type="castle"), headers=user.headers), 422)
    assert list(body["errors"]) == ["type"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 121),
        ("description", "x" * 5001),
        ("city", ""),
        ("city", " -- "),
        ("city", "x" * 121),
        ("type", None),
        ("name", ["a list"]),
        ("rooms", "not a list"),
        ("rooms", [room_form()] * 101),
        ("rooms", [room_form(kind="ballroom")]),
        ("rooms", [room_form(area_m2=0)]),
        ("rooms", [room_form(area_m2=-3)]),
        ("rooms", [room_form(area_m2=10000.5)]),
        ("rooms", [room_form(area_m2="12")]),
        ("rooms", [room_form(floor=201)]),
        ("rooms", [room_form(floor=-6)]),
        ("rooms", [room_form(floor=True)]),
        ("rooms", [room_form(floor=1.5)]),
        ("rooms", [room_form(features=["x"] * 21)]),
        ("rooms", [room_form(features=["x" * 41])]),
        ("rooms", [room_form(name="")]),
        ("rooms", [{**room_form(), "id": "6750c3e2a1b2c3d4e5f60718"}]),
    ],
)
def test_publish_validates_every_field(client, user, field, value):
    body = assert_error(
        client.post("/api/v1/properties", json=property_form(**{field: value}), headers=user.headers), 422
    )
    assert field in body["errors"]


def test_publish_keeps_multiline_descriptions(client, user):
    assert create_property(client, user, description="Line one.\nLine two.")["description"] == "Line one.\nLine two."


# Reading


def test_read_a_property_with_its_etag(client, user):
    created = create_property(client, user)
    response = client.get(f"/api/v1/properties/{created['id']}")
    assert response.status_code == 200
    assert response.json == created
    assert response.headers["ETag"]


def test_if_none_match_with_the_current_etag_is_304(client, user):
    created = create_property(client, user)
    etag = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    response = client.get(f"/api/v1/properties/{created['id']}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_if_none_match_with_an_old_etag_is_200(client, user):
    created = create_property(client, user)
    etag = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    client.patch(f"/api/v1/properties/{created['id']}", json={"name": "Renamed"}, headers=user.headers)
    response = client.get(f"/api/v1/properties/{created['id']}", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json["name"] == "Renamed"


def test_unknown_property_is_404(client):
    assert_error(client.get("/api/v1/properties/6750c3e2a1b2c3d4e5f60718"), 404)


@pytest.mark.parametrize("property_id", ["42", "not-an-id", "6750c3e2a1b2c3d4e5f6071g", "..%2F..%2Fetc"])
def test_malformed_property_id_is_404(client, property_id):
    assert_error(client.get(f"/api/v1/properties/{property_id}"), 404)


def test_public_responses_never_show_personal_data(client, user):
    created = create_property(client, user)
    for url in ("/api/v1/properties", f"/api/v1/properties/{created['id']}", f"/api/v1/users/{user.id}"):
        text = client.get(url).get_data(as_text=True)
        assert user.email not in text
        assert "1990-05-17" not in text
        assert "birth_date" not in text
        assert "password" not in text


# Listing


def test_listing_is_newest_first(client, user):
    names = [create_property(client, user, name=f"Listing {number}")["name"] for number in range(3)]
    response = client.get("/api/v1/properties")
    assert response.status_code == 200
    assert [item["name"] for item in response.json] == names[::-1]
    assert pagination(response)["total"] == 3


@pytest.mark.parametrize(
    "spelling", ["Saint-Étienne", "saint etienne", "SAINT ÉTIENNE", "saint-etienne", "Saint Etienne"]
)
def test_city_filter_ignores_case_accents_spaces_and_hyphens(client, user, spelling):
    create_property(client, user, city="Saint-Étienne")
    create_property(client, user, city="saint etienne")
    create_property(client, user, city="Lyon")
    create_property(client, user, city="Saint-Étienne-de-Tinée")
    response = client.get("/api/v1/properties", query_string={"city": spelling})
    assert sorted(item["city"] for item in response.json) == ["Saint-Étienne", "saint etienne"]


def test_city_with_no_listing_gives_an_empty_page(client, user):
    create_property(client, user)
    response = client.get("/api/v1/properties?city=Brest")
    assert response.json == []
    assert pagination(response) == {"total": 0, "total_pages": 0}


def test_type_filter(client, user):
    create_property(client, user, type="house")
    create_property(client, user, type="flat")
    assert [item["type"] for item in client.get("/api/v1/properties?type=house").json] == ["house"]


def test_owner_filter(client, user, other_user):
    create_property(client, user, name="Mine")
    create_property(client, other_user, name="Theirs")
    response = client.get(f"/api/v1/properties?owner={other_user.id}")
    assert [item["name"] for item in response.json] == ["Theirs"]


def test_min_rooms_filter(client, user):
    create_property(client, user, name="Empty", rooms=[])
    create_property(client, user, name="Two rooms")
    create_property(client, user, name="Three rooms", rooms=[room_form()] * 3)
    names = lambda minimum: sorted(item["name"] for item in client.get(f"/api/v1/properties?min_rooms={minimum}").json)  # noqa: E731
    assert names(0) == ["Empty", "Three rooms", "Two rooms"]
    assert names(2) == ["Three rooms", "Two rooms"]
    assert names(3) == ["Three rooms"]
    assert names(4) == []


def test_filters_combine(client, user):
    create_property(client, user, city="Lyon", type="house")
    create_property(client, user, city="Lyon", type="flat")
    create_property(client, user, city="Paris", type="house")
    response = client.get("/api/v1/properties?city=lyon&type=house")
    assert [(item["city"], item["type"]) for item in response.json] == [("Lyon", "house")]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("owner=not-an-id", "owner"),
        ("owner=6750C3E2A1B2C3D4E5F60718", "owner"),
        ("min_rooms=-1", "min_rooms"),
        ("min_rooms=many", "min_rooms"),
        ("min_rooms=101", "min_rooms"),
        ("type=Not A Slug", "type"),
        ("city=", "city"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=0", "page_size"),
        ("page_size=101", "page_size"),
        ("colour=blue", "colour"),
        ("city[$ne]=x", "city[$ne]"),
    ],
)
def test_bad_query_parameters_are_422(client, query, field):
    body = assert_error(client.get(f"/api/v1/properties?{query}"), 422)
    assert field in body["errors"]


def test_pagination_walks_every_page(client, user):
    created = [create_property(client, user, name=f"Listing {number}")["id"] for number in range(5)]
    first = client.get("/api/v1/properties?page_size=2")
    assert pagination(first) == {
        "total": 5,
        "total_pages": 3,
        "first_page": 1,
        "last_page": 3,
        "page": 1,
        "next_page": 2,
    }
    last = client.get("/api/v1/properties?page_size=2&page=3")
    assert pagination(last)["page"] == 3
    assert "next_page" not in pagination(last)
    seen = [item["id"] for page in (1, 2, 3) for item in client.get(f"/api/v1/properties?page_size=2&page={page}").json]
    assert seen == created[::-1]


def test_page_after_the_last_is_empty(client, user):
    create_property(client, user)
    response = client.get("/api/v1/properties?page=5")
    assert response.status_code == 200
    assert response.json == []
    assert pagination(response)["total"] == 1


def test_default_page_size_is_20_and_100_is_allowed(client, user):
    for number in range(21):
        create_property(client, user, name=f"Listing {number}", rooms=[])
    assert len(client.get("/api/v1/properties").json) == 20
    assert len(client.get("/api/v1/properties?page_size=100").json) == 21


# Changing


def test_owner_changes_a_property(client, user):
    created = create_property(client, user)
    response = client.patch(
        f"/api/v1/properties/{created['id']}",
        json={"name": "Renamed", "description": "New text.", "type": "loft", "city": "Nîmes"},
        headers=user.headers,
    )
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["description"], body["type"], body["city"]) == ("Renamed", "New text.", "loft", "Nîmes")
    assert body["rooms"] == created["rooms"]
    assert body["updated_at"] > created["updated_at"]
    assert body["created_at"] == created["created_at"]


def test_patch_changes_the_etag(client, user):
    created = create_property(client, user)
    before = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    response = client.patch(f"/api/v1/properties/{created['id']}", json={"name": "Renamed"}, headers=user.headers)
    assert response.headers["ETag"] != before
    assert response.headers["ETag"] == client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]


def test_changing_the_city_moves_the_listing(client, user):
    created = create_property(client, user, city="Lyon")
    client.patch(f"/api/v1/properties/{created['id']}", json={"city": "Besançon"}, headers=user.headers)
    assert client.get("/api/v1/properties?city=lyon").json == []
    assert [item["id"] for item in client.get("/api/v1/properties?city=besancon").json] == [created["id"]]


def test_patch_with_the_current_etag_succeeds(client, user):
    created = create_property(client, user)
    etag = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    response = client.patch(
        f"/api/v1/properties/{created['id']}", json={"name": "Renamed"}, headers={**user.headers, "If-Match": etag}
    )
    assert response.status_code == 200


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(client, user):
    created = create_property(client, user)
    stale = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    client.patch(f"/api/v1/properties/{created['id']}", json={"name": "First"}, headers=user.headers)
    response = client.patch(
        f"/api/v1/properties/{created['id']}", json={"name": "Second"}, headers={**user.headers, "If-Match": stale}
    )
    assert_error(response, 412)
    assert client.get(f"/api/v1/properties/{created['id']}").json["name"] == "First"


@pytest.mark.parametrize("field", ["owner", "id", "city_key", "created_at", "rooms", "revision"])
def test_patch_refuses_fields_it_does_not_own(client, user, field):
    created = create_property(client, user)
    response = client.patch(f"/api/v1/properties/{created['id']}", json={field: "x"}, headers=user.headers)
    assert field in assert_error(response, 422)["errors"]
    assert client.get(f"/api/v1/properties/{created['id']}").json == created


def test_patch_to_an_unknown_type_is_422(client, user):
    created = create_property(client, user)
    response = client.patch(f"/api/v1/properties/{created['id']}", json={"type": "castle"}, headers=user.headers)
    assert list(assert_error(response, 422)["errors"]) == ["type"]


def test_patch_unknown_property_is_404(client, user):
    assert_error(
        client.patch("/api/v1/properties/6750c3e2a1b2c3d4e5f60718", json={"name": "x"}, headers=user.headers), 404
    )


# Deleting


def test_owner_deletes_a_property(client, user):
    created = create_property(client, user)
    assert client.delete(f"/api/v1/properties/{created['id']}", headers=user.headers).status_code == 204
    assert_error(client.get(f"/api/v1/properties/{created['id']}"), 404)


def test_admin_deletes_a_property_to_moderate(client, user, admin):
    created = create_property(client, user)
    assert client.delete(f"/api/v1/properties/{created['id']}", headers=admin.headers).status_code == 204
    assert_error(client.get(f"/api/v1/properties/{created['id']}"), 404)


def test_delete_with_a_stale_etag_is_412(client, user):
    created = create_property(client, user)
    stale = client.get(f"/api/v1/properties/{created['id']}").headers["ETag"]
    client.patch(f"/api/v1/properties/{created['id']}", json={"name": "Renamed"}, headers=user.headers)
    assert_error(client.delete(f"/api/v1/properties/{created['id']}", headers={**user.headers, "If-Match": stale}), 412)
    assert client.get(f"/api/v1/properties/{created['id']}").status_code == 200


def test_deleting_an_account_deletes_its_listings(client, user, other_user):
    mine = create_property(client, user)
    theirs = create_property(client, other_user)
    assert client.delete("/api/v1/users/me", headers=user.headers).status_code == 204
    assert_error(client.get(f"/api/v1/properties/{mine['id']}"), 404)
    assert client.get(f"/api/v1/properties/{theirs['id']}").status_code == 200
    assert [item["id"] for item in client.get("/api/v1/properties").json] == [theirs["id"]]


def test_a_listing_page_costs_a_constant_number_of_queries(app, client, user, database_commands):
    owners = [user] + [signed_in_user(client, email=f"owner{number}@example.com") for number in range(4)]
    for number in range(12):
        create_property(client, owners[number % len(owners)], name=f"Listing {number}")
    with database_commands() as sent:
        response = client.get("/api/v1/properties?page_size=5&page=2")
    assert len(response.json) == 5
    # The page, its count and its owners (all five of them in one query): no query per listing.
    assert sorted((command.collection, command.name) for command in sent) == [
        ("properties", "count"),
        ("properties", "find"),
        ("users", "find"),
    ], sent


def test_json_keeps_accents_readable(client, user):
    created = create_property(client, user, city="Besançon")
    assert "Besançon" in client.get(f"/api/v1/properties/{created['id']}").get_data(as_text=True)


# A 120-character city of U+FDFA has a key of 2,160 characters (3,960 bytes in UTF-8): more than
# DocumentDB's 2,048-byte index key; a key is limited to 1,024 bytes.
CITY_TOO_LONG_TO_INDEX = "\ufdfa" * 120


def test_a_city_whose_key_does_not_fit_an_index_is_refused(client, user):
    body = assert_error(
        client.post("/api/v1/properties", json=property_form(city=CITY_TOO_LONG_TO_INDEX), headers=user.headers), 422
    )
    assert set(body["errors"]) == {"city"}
    assert client.get("/api/v1/properties").json == []


def test_a_city_change_whose_key_does_not_fit_an_index_is_refused(client, user):
    created = create_property(client, user, city="Lyon")
    url = f"/api/v1/properties/{created['id']}"
    body = assert_error(client.patch(url, json={"city": CITY_TOO_LONG_TO_INDEX}, headers=user.headers), 422)
    assert set(body["errors"]) == {"city"}
    assert client.get(url).json["city"] == "Lyon"


def test_a_city_with_ligatures_longer_than_the_city_itself_is_accepted(client, user):
    city = "Œ" * 120  # a key of 240 characters
    assert client.post("/api/v1/properties", json=property_form(city=city), headers=user.headers).status_code == 201
    assert [item["city"] for item in client.get("/api/v1/properties", query_string={"city": "œ" * 120}).json] == [city]


def orphan_listing(owner_id=None) -> str:
    """A listing whose owner's account is gone, as a POST racing the owner's account deletion leaves."""
    listing = Property(name="Orphan", type="flat", city="Lyon", city_key="lyon", owner=owner_id or ObjectId())
    return str(listing.save().id)


def test_a_listing_whose_owner_is_gone_has_a_null_owner(client, user):
    property_id = orphan_listing()
    response = client.get(f"/api/v1/properties/{property_id}")
    assert response.status_code == 200
    assert response.json["owner"] is None


def test_a_listing_whose_owner_is_gone_is_listed_with_a_null_owner(client, user):
    mine = create_property(client, user)
    property_id = orphan_listing()
    listed = client.get("/api/v1/properties").json
    assert [(item["id"], item["owner"]) for item in listed] == [(property_id, None), (mine["id"], mine["owner"])]


def test_deleting_an_account_sweeps_a_listing_created_meanwhile(client, user, monkeypatch):
    delete = User.delete

    def delete_while_a_listing_is_created(account, *args, **kwargs):
        deleted = delete(account, *args, **kwargs)
        # A POST /properties authenticated just before the deletion lands just after it.
        orphan_listing(account.id)
        return deleted

    monkeypatch.setattr(User, "delete", delete_while_a_listing_is_created)
    assert client.delete("/api/v1/users/me", headers=user.headers).status_code == 204
    assert Property.objects(owner=ObjectId(user.id)).count() == 0


def test_changing_a_property_is_one_update_with_its_search_fields(client, user, database_commands):
    listing = create_property(client, user)
    with database_commands() as sent:
        response = client.patch(
            f"/api/v1/properties/{listing['id']}", json={"name": "Quiet villa"}, headers=user.headers
        )
    assert response.status_code == 200
    assert [command.name for command in sent if command.collection == "properties"] == ["find", "update"], sent
    (update,) = [command for command in sent if command.collection == "properties" and command.name == "update"]
    # Guarded by the revision read, the one the search terms below were computed from.
    assert update.filter == {"_id": ObjectId(listing["id"]), "revision": 0}
    assert update.update["$inc"] == {"revision": 1}
    assert update.update["$set"]["name"] == "Quiet villa"
    assert {"quiet", "villa", "renovated"} <= set(update.update["$set"]["search_terms"])
