"""Documents that expire: MongoDB's TTL monitor deletes them, so none piles up."""

import pytest

from arcane.models import ChangeLogEntry, IdempotencyRecord, RevokedToken


@pytest.mark.parametrize(
    ("document", "ttl_index"),
    [
        (RevokedToken, ([("expires_at", 1)], 0)),
        (IdempotencyRecord, ([("created_at", 1)], 24 * 60 * 60)),
        (ChangeLogEntry, ([("expires_at", 1)], 0)),
    ],
    ids=[
        "revoked tokens at their own expiry",
        "idempotency keys after 24 hours",
        "superseded and deleted feed entries at their own expiry",
    ],
)
def test_expiring_documents_have_one_ttl_index(app, document, ttl_index):
    with app.app_context():
        indexes = document._get_collection().index_information()
    ttl = [
        (list(index["key"]), index["expireAfterSeconds"]) for index in indexes.values() if "expireAfterSeconds" in index
    ]
    assert ttl == [ttl_index]
