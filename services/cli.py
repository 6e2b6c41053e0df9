"""The ``tanggap`` command: administrative chores (tokens, topics, demo data, ...)."""
from __future__ import annotations

import sys

import click

from shared.config import ConfigError, Settings


@click.group()
@click.pass_context
def main(ctx):
    """Tanggap administration."""
    try:
        ctx.obj = Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def token():
    """API tokens."""


@token.command("create")
@click.option("--role", "roles", multiple=True, required=True,
              help="admin, evaluator, supervisor, employee or kiosk (repeatable)")
@click.option("--sub", required=True, help="who the token is for (user name, NIP, device id)")
@click.option("--nip", help="the employee's NIP (supervisor and employee tokens)")
@click.option("--unit", help="the unit a kiosk token is bound to")
@click.option("--ttl", type=int, help="lifetime in seconds (default TANGGAP_TOKEN_TTL_SECONDS)")
@click.pass_obj
def token_create(settings, roles, sub, nip, unit, ttl):
    """Print a signed bearer token."""
    from shared.auth import issue_token

    try:
        click.echo(issue_token(settings, sub=sub, roles=list(roles), nip=nip, unit=unit, ttl_seconds=ttl))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def user():
    """Web login users."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="admin, evaluator, supervisor, employee")
@click.option("--nip", help="the employee's NIP (supervisors and employees)")
@click.option("--unit", help="the user's unit, if any")
@click.password_option(help="at least 10 characters; asked for when not given")
@click.pass_obj
def user_create(settings, username, roles, nip, unit, password):
    """Create or update a web login (a new revision)."""
    from shared import db
    from shared.clock import SystemClock
    from shared.users import WebUser, hash_password

    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if ("supervisor" in roles or "employee" in roles) and not nip:
        raise click.ClickException("supervisor and employee logins need --nip")
    db.connect(settings)
    WebUser.save_revision(username.lower(), {"password_hash": hashed, "roles": list(roles), "nip": nip, "unit": unit,
                                             "active": True}, at=SystemClock().now(), by="cli")
    click.echo(f"user {username.lower()}: {', '.join(roles)}")


@main.group()
def topics():
    """Kafka topics."""


@topics.command("create")
@click.pass_obj
def topics_create(settings):
    """Create the project's topics (existing ones are left alone)."""
    from shared.topics import ensure_topics

    for name, partitions in sorted(ensure_topics(settings).items()):
        click.echo(f"{name}: {partitions} partitions")


@main.group()
def demo():
    """Demo data."""


@demo.command("load")
@click.pass_obj
def demo_load(settings):
    """Load a small demo organisation (idempotent)."""
    from services.demo import load

    load(settings, echo=click.echo)


if __name__ == "__main__":
    sys.exit(main())
