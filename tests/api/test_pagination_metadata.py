"""X-Pagination: Arcane builds flask-smorest's metadata itself (with one schema instance); it must not differ."""

import itertools

import flask_smorest
import pytest

from arcane.smorest import Blueprint


@pytest.mark.parametrize("page_size", [1, 7, 20, 100])
def test_the_metadata_is_flask_smorests_own(page_size):
    for item_count, page in itertools.product(range(45), range(1, 10)):
        ours = Blueprint._make_pagination_metadata(page, page_size, item_count)
        theirs = flask_smorest.Blueprint._make_pagination_metadata(page, page_size, item_count)
        assert list(ours.items()) == list(theirs.items()), (page, page_size, item_count)
