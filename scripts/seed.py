"""Seed a MongoDB database with the property types, demo users and demo listings.

    MONGODB_URI=mongodb://localhost:27017/arcane python -m scripts.seed --properties 5000

It runs ``flask --app arcane seed`` on an app built from the environment, with guard rails for
a real database: it refuses the embedded one (it lives inside the server process: ``make run``
seeds it itself) and, unless told to, a production one (the demo users' credentials are in the
README). Idempotent: running it twice leaves the same data.
"""

import argparse
import sys

from arcane import cli, create_app, database
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
        settings = Settings.from_env(seed_demo_data=False)
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

    # create_app creates the indexes and the property types; the command loads the rest.
    app = create_app(settings)
    try:
        with app.app_context():
            cli.seed.main(["--properties", str(args.properties)], prog_name="seed", standalone_mode=False)
    finally:
        database.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
