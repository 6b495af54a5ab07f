"""Property types: a public catalogue that administrators maintain."""

from mongoengine import NotUniqueError

from arcane.errors import Conflict, Forbidden, NotFound
from arcane.models import Property, PropertyType, User
from arcane.models.property_types import DEFAULT_PROPERTY_TYPES
from arcane.paging import Page, check_offset, page_of, query_scope, read_cursor


def ensure_default_types() -> None:
    """Give a fresh database the default types (idempotent, safe with several workers)."""
    if PropertyType.objects.first() is not None:
        return
    for slug, label, description in DEFAULT_PROPERTY_TYPES:
        PropertyType.objects(slug=slug).update_one(
            upsert=True, set_on_insert__label=label, set_on_insert__description=description
        )


def list_types(*, cursor=None, offset=0, limit=20) -> Page:
    """A page of the types by slug: after the cursor (a keyset on the unique slug) if given, else from ``offset``."""
    # Plain dicts, not documents: building documents cost the listing more than its query.
    if cursor is None:
        check_offset(offset)
    scope = query_scope("property-types")
    ordered = PropertyType.objects.order_by("slug")
    after = read_cursor(cursor, scope, str)[0] if cursor is not None else None
    query = ordered.skip(offset) if after is None else ordered.filter(slug__gt=after)
    return page_of(
        list(query.limit(limit + 1).as_pymongo()),
        limit=limit,
        offset=offset,
        by_cursor=after is not None,
        scope=scope,
        keys_of=lambda property_type: [property_type["slug"]],
        count=PropertyType.objects.count,
    )


def get_type(slug: str) -> PropertyType:
    """The type with this slug, or NotFound."""
    property_type = PropertyType.objects(slug=slug).first()
    if property_type is None:
        raise NotFound("Property type not found.")
    return property_type


def type_exists(slug: str) -> bool:
    """True when a type has this slug."""
    # A count (of at most one: slugs are unique) costs mongoengine less than fetching a document.
    return PropertyType.objects(slug=slug).count() > 0


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden("Only administrators can change property types.")


def create_type(actor: User, *, slug: str, label: str, description: str = "") -> PropertyType:
    """Add a type; a slug already in use is a conflict."""
    _require_admin(actor)
    try:
        return PropertyType(slug=slug, label=label, description=description).save(force_insert=True)
    except NotUniqueError:
        raise Conflict("A property type with this slug already exists.") from None


def update_type(actor: User, slug: str, changes: dict) -> PropertyType:
    """Change a type's label or description (the slug is its identity)."""
    _require_admin(actor)
    property_type = get_type(slug)
    updates = {f"set__{field}": value for field, value in changes.items()}
    if updates:
        PropertyType.objects(id=property_type.id).update_one(**updates)
        property_type.reload()
    return property_type


def delete_type(actor: User, slug: str) -> None:
    """Remove a type that no property uses."""
    _require_admin(actor)
    property_type = get_type(slug)
    if Property.objects(type=slug).only("id").first() is not None:
        raise Conflict("This property type is used by at least one property.")
    property_type.delete()
