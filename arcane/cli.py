"""Flask commands for operators: create-admin, ensure-indexes, refresh-derived, seed and the migrations."""

import datetime as dt
import os

import click
import marshmallow as ma
from flask import Flask, current_app
from flask.cli import with_appcontext

from arcane import database, demo
from arcane.errors import ArcaneError
from arcane.models import DOCUMENTS
from arcane.schemas.users import UserCreateSchema
from arcane.services import changes, properties, users
from arcane.settings import SETTINGS_EXTENSION

ADMIN_PASSWORD_VARIABLE = "ARCANE_ADMIN_PASSWORD"  # noqa: S105 (a variable name, not a password)
EMBEDDED_DATABASE_REFUSAL = (
    "create-admin refuses the embedded database (MONGODB_URI is unset or mongomock://): it lives "
    "inside this command's own process, so the administrator would vanish when the command exits "
    "and no server, `make run` included, would ever see it. To try the administrator routes with "
    f"`make run`, sign in as the demo administrator, {demo.DEMO_ADMIN_EMAIL}, with the password "
    f"{demo.DEMO_PASSWORD} (see the README). To create a real administrator, set MONGODB_URI to the "
    "server's database."
)


@click.command("create-admin")
@click.argument("email")
@click.option("--first-name", default="Admin", show_default=True)
@click.option("--last-name", default="Arcane", show_default=True)
@click.option("--birth-date", default="1970-01-01", show_default=True, help="ISO date.")
@with_appcontext
def create_admin(email, first_name, last_name, birth_date):
    """Create an administrator, or promote an existing account.

    The password comes from ARCANE_ADMIN_PASSWORD, or from a prompt. The embedded database is
    refused: an administrator there would vanish with the command.
    """
    if current_app.extensions[SETTINGS_EXTENSION].embedded:
        raise click.ClickException(EMBEDDED_DATABASE_REFUSAL)
    password = os.environ.get(ADMIN_PASSWORD_VARIABLE) or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    form = {
        "email": email,
        "password": password,
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": birth_date,
    }
    try:
        admin = users.ensure_admin(**UserCreateSchema().load(form))
    except ma.ValidationError as error:
        raise click.BadParameter(str(error.messages)) from None
    except ArcaneError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"{admin.email} is an administrator (id {admin.id}).")


@click.command("ensure-indexes")
def ensure_indexes():
    """Create the indexes every collection declares."""
    database.ensure_indexes(DOCUMENTS)
    click.echo(f"Indexes ensured at {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M:%S} UTC.")


@click.command("refresh-derived")
@click.option("--all", "everything", is_flag=True, help="Recompute them on every listing, not only older ones.")
def refresh_derived(everything):
    """Store the search and sort fields on listings written before they existed (idempotent)."""
    changed = properties.refresh_all_derived(everything=everything)
    click.echo(f"Derived fields refreshed on {changed} properties.")


@click.command("seed")
@click.option("--properties", default=60, show_default=True, type=click.IntRange(min=0), help="Demo listings.")
@with_appcontext
def seed(properties):
    """Load the demo data (idempotent): property types, demo users and administrator, listings."""
    counts = demo.seed(
        properties=properties,
        progress=lambda done, total: click.echo(f"{done}/{total} properties"),
        # The demo administrator's password is published: never in a production database.
        administrator=current_app.extensions[SETTINGS_EXTENSION].env != "production",
    )
    click.echo(
        f"Demo data: {counts['users']} users, {counts['administrators']} administrator(s), "
        f"{counts['properties']} properties."
    )


@click.command("migrate-emails")
def migrate_emails():
    """Give every account its email comparison key (idempotent; the service also runs it at start-up)."""
    counts = users.migrate_email_keys()
    click.echo(f"Email keys: {counts['migrated']} accounts migrated, {counts['conflicts']} conflicts.")
    if counts["conflicts"]:
        raise click.ClickException(
            "some accounts share a mailbox with an older account (see the log): resolve them by hand"
        )


@click.command("migrate-change-feed")
def migrate_change_feed():
    """Move the change feed's entries from before its log into the log (idempotent; also run at start-up)."""
    moved = changes.migrate_old_feed()
    click.echo(f"Change feed: {moved} entries moved into the log.")


def init_app(app: Flask) -> None:
    """Register the commands on the app."""
    app.cli.add_command(create_admin)
    app.cli.add_command(migrate_emails)
    app.cli.add_command(migrate_change_feed)
    app.cli.add_command(ensure_indexes)
    app.cli.add_command(refresh_derived)
    app.cli.add_command(seed)
