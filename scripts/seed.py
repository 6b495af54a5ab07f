"""Seed a MongoDB database with the property types, demo users and demo listings.

    MONGODB_URI=mongodb://localhost:27017/arcane python scripts/seed.py --properties 5000

Idempotent: running it twice leaves the same data. The demo users' credentials are in the
README; the script refuses to put them in a production database unless told to.
"""

import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from arcane import database, demo, passwords
from arcane.models import DOCUMENTS
from arcane.settings import Settings, SettingsError


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--properties", type=int, default=60, help="number of demo listings (default: 60)")
    parser.add_argument(
        "--allow-production", action="store_true", help="seed even when ARCANE_ENV=production (demo passwords!)"
    )
    args = parser.parse_args(argv)
    if args.properties < 0:
        parser.error("--properties must be 0 or more")
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"seed: {error}", file=sys.stderr)
        return 2
    if settings.embedded:
        print(
            "seed: MONGODB_URI is not set. The embedded database lives inside the server process: "
            "`make run` seeds it itself. Point MONGODB_URI at a MongoDB to seed it.",
            file=sys.stderr,
        )
        return 2
    if settings.env == "production" and not args.allow_production:
        print("seed: refusing to add demo users to a production database (--allow-production).", file=sys.stderr)
        return 2

    passwords.configure(memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost)
    database.connect(settings)
    started = time.monotonic()
    print("seed: creating indexes", flush=True)
    database.ensure_indexes(DOCUMENTS)

    def progress(done: int, total: int) -> None:
        print(f"seed: {done}/{total} properties ({time.monotonic() - started:.1f} s)", flush=True)

    counts = demo.seed(properties=args.properties, progress=progress)
    print(f"seed: done: {counts['users']} demo users, {counts['properties']} demo properties", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
