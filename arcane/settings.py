"""Settings read from the environment: one profile per deployment, production fails fast."""

import dataclasses
import os
import secrets
from collections.abc import Mapping

from limits import parse_many

PROFILES = ("local", "test", "production")
EMBEDDED_SCHEME = "mongomock://"
EMBEDDED_URI = "mongomock://localhost/arcane"
MIN_SECRET_LENGTH = 32
KNOWN_WEAK_SECRETS = {
    "secret",
    "changeme",
    "change-me",
    "dev",
    "development",
    "jwt-secret",
    # docker-compose.yml's fallback for local work: public, so never acceptable in production.
    "local-only-public-jwt-key-never-use-it-in-production",
}
# The rate limits' store in this process: each process counts alone, so refused in production.
IN_PROCESS_RATELIMIT_STORAGE = "memory://"
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


# Where the app keeps its settings: ``app.extensions[SETTINGS_EXTENSION]``.
SETTINGS_EXTENSION = "arcane.settings"


class SettingsError(RuntimeError):
    """A setting is missing, malformed or unsafe for the chosen profile."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment."""

    env: str = "local"
    mongodb_uri: str = EMBEDDED_URI
    mongodb_timeout_ms: int = 2000
    jwt_secret_key: str = dataclasses.field(default="", repr=False)
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    debug: bool = False
    log_level: str = "INFO"
    seed_demo_data: bool = False
    # Argon2 cost; the defaults are OWASP's minimum recommendation (19 MiB, 2 passes).
    password_hash_memory_kib: int = 19456
    password_hash_time_cost: int = 2
    cors_origins: tuple[str, ...] = ()
    # Rate limits, in the "N per period" notation of the limits library; only failures count for
    # sign-in (per account and address, per address, and an account-wide ceiling) and password changes.
    login_account_address_limit: str = "5 per 15 minutes"
    login_address_limit: str = "20 per 15 minutes"
    login_account_limit: str = "100 per 15 minutes"
    sign_up_limit: str = "10 per hour"
    password_change_limit: str = "5 per 15 minutes"  # noqa: S105 (a rate, not a password)
    property_creation_limit: str = "60 per hour"
    ratelimit_storage_uri: str = IN_PROCESS_RATELIMIT_STORAGE
    # How many reverse proxies (a load balancer...) sit in front: their X-Forwarded-For is trusted.
    proxy_hops: int = 0
    # A request body that has not arrived after this long is a 408: a client trickling its body
    # holds one thread (gthread, the development server) this long at most.
    body_read_seconds: float = 10.0

    @property
    def embedded(self) -> bool:
        """True when the database is the in-process mongomock one."""
        return self.mongodb_uri.startswith(EMBEDDED_SCHEME)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        """Build settings from environment variables, then apply explicit overrides."""
        environ = os.environ if environ is None else environ
        env = environ.get("ARCANE_ENV", "local").strip().lower()
        if env not in PROFILES:
            raise SettingsError(f"ARCANE_ENV must be one of {', '.join(PROFILES)}, not {env!r}")
        values = {
            "env": env,
            "mongodb_uri": environ.get("MONGODB_URI", "").strip() or EMBEDDED_URI,
            "mongodb_timeout_ms": read_integer(environ, "MONGODB_TIMEOUT_MS", 2000, minimum=100),
            "jwt_secret_key": environ.get("JWT_SECRET_KEY", ""),
            "access_token_minutes": read_integer(environ, "JWT_ACCESS_TOKEN_MINUTES", 15, minimum=1),
            "refresh_token_days": read_integer(environ, "JWT_REFRESH_TOKEN_DAYS", 30, minimum=1),
            "debug": read_boolean(environ, "ARCANE_DEBUG", False),
            "log_level": environ.get("LOG_LEVEL", "INFO").strip().upper(),
            "seed_demo_data": read_boolean(environ, "SEED_DEMO_DATA", env == "local"),
            "cors_origins": tuple(
                origin.strip() for origin in environ.get("CORS_ORIGINS", "").split(",") if origin.strip()
            ),
            "login_account_address_limit": read_rate(environ, "LOGIN_ACCOUNT_ADDRESS_LIMIT", "5 per 15 minutes"),
            "login_address_limit": read_rate(environ, "LOGIN_ADDRESS_LIMIT", "20 per 15 minutes"),
            "login_account_limit": read_rate(environ, "LOGIN_ACCOUNT_LIMIT", "100 per 15 minutes"),
            "sign_up_limit": read_rate(environ, "SIGN_UP_LIMIT", "10 per hour"),
            "password_change_limit": read_rate(environ, "PASSWORD_CHANGE_LIMIT", "5 per 15 minutes"),
            "property_creation_limit": read_rate(environ, "PROPERTY_CREATION_LIMIT", "60 per hour"),
            "ratelimit_storage_uri": environ.get("RATELIMIT_STORAGE_URI", "").strip() or IN_PROCESS_RATELIMIT_STORAGE,
            "proxy_hops": read_integer(environ, "PROXY_HOPS", 0, minimum=0),
            "body_read_seconds": read_integer(environ, "BODY_READ_TIMEOUT_SECONDS", 10, minimum=1),
        }
        if env == "test":
            # Cheap hashing keeps the suite fast; the hashing code path stays the same.
            values["password_hash_memory_kib"] = 1024
            values["password_hash_time_cost"] = 1
        values.update(overrides)
        settings = cls(**values)
        if not settings.jwt_secret_key and settings.env != "production":
            # A per-process key: tokens do not survive a restart, which is fine off production.
            settings = dataclasses.replace(settings, jwt_secret_key=secrets.token_urlsafe(48))
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse settings that are unsafe for the profile."""
        if self.env != "production":
            return
        problems = []
        secret = self.jwt_secret_key
        if not secret:
            problems.append("JWT_SECRET_KEY is missing")
        elif len(secret) < MIN_SECRET_LENGTH or secret.lower() in KNOWN_WEAK_SECRETS:
            problems.append(f"JWT_SECRET_KEY is weak: use at least {MIN_SECRET_LENGTH} random characters")
        elif len(set(secret)) < 8:
            problems.append("JWT_SECRET_KEY is weak: too few distinct characters")
        if self.debug:
            problems.append("ARCANE_DEBUG must be off")
        if self.embedded:
            problems.append("MONGODB_URI must point to a real MongoDB, not the embedded database")
        if self.ratelimit_storage_uri == IN_PROCESS_RATELIMIT_STORAGE:
            problems.append(
                "RATELIMIT_STORAGE_URI must name a store shared by every worker and instance (redis://... or "
                "rediss://...), not memory://, with which each process would count alone"
            )
        if "*" in self.cors_origins:
            problems.append("CORS_ORIGINS must list origins, not *")
        if problems:
            raise SettingsError("unsafe production settings: " + "; ".join(problems))


def read_integer(environ: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    """The integer in the variable, the default when it is unset or blank; SettingsError otherwise."""
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def read_rate(environ: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit in the limits library's notation ("5 per 15 minutes")."""
    raw = environ.get(name, "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        raise SettingsError(f"{name} must read like '5 per 15 minutes', not {raw!r}") from None
    return raw


def read_boolean(environ: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no word (true, 1, on... or false, 0, off...), the default when it is unset."""
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")
