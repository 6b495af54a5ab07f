"""Abuse limits: failed sign-ins and password changes, sign-ups, listing creations.

They count with the `limits` library's sliding-window counter (O(1) per check in every store) in
the store RATELIMIT_STORAGE_URI names: Redis in production, so that every worker of every
instance counts together; ``memory://`` keeps the counters in this process (the default, right
for `make run` and the tests, refused in production).

The checks are explicit calls made by the views that need them, not a hook on every request:
routes without a limit pay nothing.
"""

import contextlib
import hashlib
import math
import threading
import time

from flask import Flask, current_app, request
from limits import parse_many
from limits.storage import SlidingWindowCounterSupport, Storage, storage_from_string
from limits.storage.base import TimestampedSlidingWindow
from limits.strategies import SlidingWindowCounterRateLimiter

from arcane.emails import comparison_key
from arcane.errors import Invalid, TooManyRequests, Unauthorized
from arcane.settings import IN_PROCESS_RATELIMIT_STORAGE, Settings

EXTENSION = "arcane.rate_limits"
# Redis that does not answer must not hold a request: the limit check fails fast (a 503) instead.
STORE_TIMEOUT_SECONDS = 1.0
REDIS_SCHEMES = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "redis+unix://")
SWEEP_SECONDS = 60.0


class InProcessStorage(Storage, SlidingWindowCounterSupport, TimestampedSlidingWindow):
    """Counters in a dict of this process, expired when read and swept at most once a minute.

    limits' own ``memory://`` storage starts a ``threading.Timer`` on every counted hit to expire
    its keys; under meinheld that thread leaves the worker idle while requests queue. This one
    does the same bookkeeping inline, under one lock, with no thread.
    """

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.counters: dict[str, list[float]] = {}  # key -> [count, expires_at]
        self.lock = threading.Lock()
        self.next_sweep = time.time() + SWEEP_SECONDS

    @property
    def base_exceptions(self):
        return ValueError

    def _live(self, key: str, now: float) -> list[float] | None:
        counter = self.counters.get(key)
        if counter is not None and counter[1] <= now:
            del self.counters[key]
            return None
        return counter

    def _sweep(self, now: float) -> None:
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_SECONDS
        for key in [key for key, (_, expires_at) in self.counters.items() if expires_at <= now]:
            del self.counters[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self.lock:
            self._sweep(now)
            counter = self._live(key, now)
            if counter is None:
                counter = self.counters[key] = [0, now + expiry]
            counter[0] += amount
            return int(counter[0])

    def decr(self, key: str, amount: int = 1) -> int:
        with self.lock:
            counter = self._live(key, time.time())
            if counter is None:
                return 0
            counter[0] = max(0, counter[0] - amount)
            return int(counter[0])

    def get(self, key: str) -> int:
        with self.lock:
            counter = self._live(key, time.time())
            return int(counter[0]) if counter else 0

    def get_expiry(self, key: str) -> float:
        with self.lock:
            counter = self._live(key, time.time())
            return counter[1] if counter else time.time()

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self.lock:
            count = len(self.counters)
            self.counters.clear()
            return count

    def clear(self, key: str) -> None:
        with self.lock:
            self.counters.pop(key, None)

    def acquire_sliding_window_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        previous_count, previous_ttl, current_count, _ = self._window(previous_key, current_key, expiry, now)
        if math.floor(previous_count * previous_ttl / expiry + current_count) + amount > limit:
            return False
        # The current window's counter lives for two windows: it is the previous one in the next.
        self.incr(current_key, 2 * expiry, amount)
        return True

    def get_sliding_window(self, key: str, expiry: int) -> tuple[int, float, int, float]:
        now = time.time()
        previous_key, current_key = self.sliding_window_keys(key, expiry, now)
        return self._window(previous_key, current_key, expiry, now)

    def _window(self, previous_key: str, current_key: str, expiry: int, now: float):
        previous_count, current_count = self.get(previous_key), self.get(current_key)
        previous_ttl = 0.0 if previous_count == 0 else (1 - (((now - expiry) / expiry) % 1)) * expiry
        current_ttl = (1 - ((now / expiry) % 1)) * expiry + expiry
        return previous_count, previous_ttl, current_count, current_ttl

    def clear_sliding_window(self, key: str, expiry: int) -> None:
        previous_key, current_key = self.sliding_window_keys(key, expiry, time.time())
        self.clear(previous_key)
        self.clear(current_key)


class RateLimits:
    """The configured limits, counted in one store."""

    def __init__(self, settings: Settings):
        uri = settings.ratelimit_storage_uri
        if uri == IN_PROCESS_RATELIMIT_STORAGE:
            self.storage = InProcessStorage()
        else:
            timeouts = {"socket_timeout": STORE_TIMEOUT_SECONDS, "socket_connect_timeout": STORE_TIMEOUT_SECONDS}
            options = timeouts if uri.startswith(REDIS_SCHEMES) else {}
            # Wrapped: a store that is down raises limits' StorageError, which is a 503 (arcane.http_errors).
            self.storage = storage_from_string(uri, wrap_exceptions=True, **options)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.limits = {
            "sign-in-account-address": parse_many(settings.login_account_address_limit),
            "sign-in-address": parse_many(settings.login_address_limit),
            "sign-in-account": parse_many(settings.login_account_limit),
            "sign-up-address": parse_many(settings.sign_up_limit),
            "password-change-account": parse_many(settings.password_change_limit),
            "property-creation": parse_many(settings.property_creation_limit),
        }

    def check(self, name: str, key: str, message: str) -> None:
        """Raise TooManyRequests, with the seconds to wait, when the limit on this key is spent."""
        for item in self.limits[name]:
            if not self.strategy.test(item, name, key):
                reset_at = self.strategy.get_window_stats(item, name, key).reset_time
                raise TooManyRequests(message, retry_after=max(1, math.ceil(reset_at - time.time())))

    def hit(self, name: str, key: str) -> None:
        """Count one event against the limit on this key."""
        for item in self.limits[name]:
            self.strategy.hit(item, name, key)


def init_app(app: Flask, settings: Settings) -> None:
    """Attach the limits, counted in the configured store."""
    app.extensions[EXTENSION] = RateLimits(settings)


def _limits() -> RateLimits:
    return current_app.extensions[EXTENSION]


def _client_address() -> str:
    # After ProxyFix (PROXY_HOPS), the client's address rather than the load balancer's.
    return request.remote_addr or "unknown"


def _hashed(value: str) -> str:
    # Keys end up in the store (and in its logs): no email, in clear, goes there.
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@contextlib.contextmanager
def _counting_failures(failure: type[Exception], checks: list[tuple[str, str, str]]):
    limits = _limits()
    for name, key, message in checks:
        limits.check(name, key, message)
    try:
        yield
    except failure:
        for name, key, _ in checks:
            limits.hit(name, key)
        raise


def sign_in_attempt(email: str):
    """Context manager around a sign-in: 429 while a limit is spent; a failure (401) counts.

    Failures count per (account, address), per address, and per account from every address; the
    last, the ceiling, is set high enough that one attacker's address cannot lock the owner out.
    """
    account, address = _hashed(comparison_key(email)), _client_address()
    return _counting_failures(
        Unauthorized,
        [
            (
                "sign-in-account-address",
                f"{account}@{address}",
                "Too many failed sign-in attempts for this account: try again later.",
            ),
            ("sign-in-address", address, "Too many failed sign-in attempts from this address: try again later."),
            ("sign-in-account", account, "Too many failed sign-in attempts for this account: try again later."),
        ],
    )


def password_change_attempt(user_id: str):
    """Context manager around a password change: a wrong current password (422) counts per account."""
    return _counting_failures(
        Invalid,
        [("password-change-account", user_id, "Too many wrong passwords for this account: try again later.")],
    )


def count_sign_up() -> None:
    """Count a sign-up attempt from the client's address; 429 once the limit is spent."""
    limits, address = _limits(), _client_address()
    limits.check("sign-up-address", address, "Too many sign-ups from this address: try again later.")
    limits.hit("sign-up-address", address)


@contextlib.contextmanager
def property_creation(user_id: str):
    """Context manager around a creation: 429 once the user's quota is spent; a success counts."""
    limits = _limits()
    limits.check("property-creation", user_id, "You have published too many properties recently: try again later.")
    yield
    limits.hit("property-creation", user_id)
