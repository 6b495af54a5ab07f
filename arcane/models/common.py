"""Pieces shared by the documents."""

import datetime as dt


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, at MongoDB's millisecond precision."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
