"""Every schema dumps exactly as marshmallow does (arcane.schemas.dumping), on generated documents."""

import datetime as dt
from unittest import mock

import marshmallow as ma
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arcane.api  # noqa: F401 (defines every schema of the API)
from arcane.schemas.dumping import PlannedDumpSchema
from arcane.schemas.properties import PropertySchema, RoomSchema
from arcane.smorest import Schema


class OddFieldsSchema(Schema):
    """Fields the API's schemas do not use, whose dump a plan must leave to marshmallow."""

    price = ma.fields.Decimal(places=2)
    label = ma.fields.Integer(as_string=True)
    day = ma.fields.Date()
    stamp = ma.fields.DateTime(format="timestamp")
    renamed = ma.fields.String(attribute="source", data_key="shown")
    path = ma.fields.String(attribute="nested.key")
    owner_name = ma.fields.Pluck("arcane.schemas.properties.OwnerSchema", "first_name")
    tags = ma.fields.List(ma.fields.Integer())


def subclasses(cls) -> list[type]:
    return [cls, *(found for sub in cls.__subclasses__() for found in subclasses(sub))]


SCHEMAS = [cls for cls in subclasses(Schema) if cls().dump_fields]
# Values of every type a stored document or a service's dict may hold, whatever the field.
ANY_VALUE = st.one_of(
    st.none(),
    st.text(max_size=5),
    st.builds(ObjectId),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.datetimes(timezones=st.just(dt.UTC) | st.none()),
    st.dates(),
)


def values(field: ma.fields.Field) -> st.SearchStrategy:
    """What the field usually holds, or anything."""
    if isinstance(field, ma.fields.Nested):
        document = documents(type(field.schema))
        usual = st.lists(document, max_size=3) if field.many or field.schema.many else document
    elif isinstance(field, ma.fields.List):
        usual = st.lists(values(field.inner), max_size=3)
    elif isinstance(field, ma.fields.DateTime):
        usual = st.datetimes(timezones=st.just(dt.UTC))
    elif isinstance(field, ma.fields.Decimal):
        usual = st.decimals(allow_nan=False, allow_infinity=False)
    elif isinstance(field, ma.fields.Integer):
        usual = st.integers()
    elif isinstance(field, ma.fields.Float):
        usual = st.floats(allow_nan=False)
    else:
        usual = st.text(max_size=20) | st.builds(ObjectId)
    return usual | ANY_VALUE


def documents(schema_class: type) -> st.SearchStrategy:
    """Dicts with any of the schema's attributes, the room areas a property's totals read included."""
    fields = schema_class().dump_fields.values()
    optional = {field.attribute or field.name: st.deferred(lambda field=field: values(field)) for field in fields}
    if issubclass(schema_class, PropertySchema):
        room = {field.attribute or field.name: values(field) for field in RoomSchema().dump_fields.values()}
        area = {"area_m2": room.pop("area_m2") | st.floats(0, 1e4)}
        optional["rooms"] = st.lists(st.fixed_dictionaries(area, optional=room), max_size=3)
    return st.fixed_dictionaries({}, optional=optional)


def outcome(schema: ma.Schema, obj, many: bool):
    """The dump's repr (types shown, NaN equal to itself), or the type of the error it raised."""
    try:
        return repr(schema.dump(obj, many=many))
    except Exception as error:  # the same failure on both sides is the same behaviour
        return type(error)


@pytest.mark.parametrize("schema_class", SCHEMAS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_planned_dump_equals_marshmallow_s(schema_class, data):
    obj = data.draw(documents(schema_class) | st.lists(documents(schema_class), max_size=3))
    many = isinstance(obj, list)
    schema = schema_class()
    planned = outcome(schema, obj, many)
    with mock.patch.object(PlannedDumpSchema, "dump", ma.Schema.dump):  # marshmallow's, nested schemas too
        assert planned == outcome(schema_class(), obj, many)


def test_the_listing_schemas_dump_through_a_plan():
    """The property, room and owner dumps take the plan, not marshmallow's dump (a hook would disable it)."""
    document = {"_id": ObjectId(), "name": "Flat", "rooms": [{"_id": ObjectId(), "area_m2": 9.5}], "owner": None}
    with mock.patch.object(ma.Schema, "dump", side_effect=AssertionError("marshmallow's dump was called")):
        dumped = PropertySchema().dump(document)
    assert dumped["rooms"][0]["area_m2"] == 9.5
    assert dumped["total_area_m2"] == 9.5
