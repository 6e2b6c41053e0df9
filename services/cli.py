"""The ``tanggap`` command: administrative chores (tokens, topics, demo data, ...)."""
from __future__ import annotations

import sys

import click

from shared.platform.config import ConfigError, Settings


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
@click.option("--service", "services", multiple=True, type=click.Choice(["survey", "aggregator", "notifier"]),
              help="the service the token is for (repeatable; default all three)")
@click.option("--show-id", is_flag=True, help="print the token's id (for revoking it) on stderr")
@click.pass_obj
def token_create(settings, roles, sub, nip, unit, ttl, services, show_id):
    """Print a signed bearer token."""
    import jwt

    from shared.platform.auth import issue_token

    try:
        token = issue_token(settings, sub=sub, roles=list(roles), nip=nip, unit=unit, ttl_seconds=ttl,
                            services=list(services) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(token)
    if show_id:
        click.echo(f"id {jwt.decode(token, options={'verify_signature': False})['jti']}", err=True)


@token.command("revoke")
@click.argument("token_or_id")
@click.option("--reason", help="why (kept with the revocation)")
@click.option("--by", default="cli", show_default=True)
@click.pass_obj
def token_revoke(settings, token_or_id, reason, by):
    """Revoke a token (give the token itself or its id): every service refuses it within seconds."""
    from shared.platform import db
    from shared.platform.auth import AuthError, verify_token
    from shared.platform.clock import SystemClock
    from shared.records import token_revocations

    jti, expires = token_or_id, None
    if token_or_id.count(".") == 2:
        try:
            principal = verify_token(settings, token_or_id)
        except AuthError as exc:
            raise click.ClickException(f"not a valid token of this installation: {exc}") from None
        import jwt
        claims = jwt.decode(token_or_id, options={"verify_signature": False})
        jti = principal.token_id or ""
        from datetime import UTC, datetime
        expires = datetime.fromtimestamp(claims["exp"], UTC)
    if not jti or not token_revocations.TokenRevocation.jti.regex.match(jti):
        raise click.ClickException("a token id is letters, digits, '-' and '_'")
    db.connect(settings)
    done = token_revocations.revoke(jti, now=SystemClock().now(), by=by, reason=reason, expires=expires)
    click.echo(f"revoked {jti}" if done else f"{jti} was already revoked")


@main.group()
def outbox():
    """The relay's held events (Kafka refused them for good)."""


@outbox.command("held")
@click.pass_obj
def outbox_held(settings):
    """List the held events with their reasons."""
    from shared.platform import db

    from services.survey.outbox import held

    db.connect(settings)
    rows = held.listing()
    for row in rows:
        click.echo(f"{row['id']}  {row['unit'] or '-'}  {row['reason'] or '-'}  held {row['held_at']}"
                   + ("  (discarded)" if row["discarded"] else ""))
    if not rows:
        click.echo("no held events")


@outbox.command("release")
@click.argument("response_id")
@click.option("--by", default="cli", show_default=True, help="who decides (kept with the decision)")
@click.pass_obj
def outbox_release(settings, response_id, by):
    """Send a held event again (the relay applies it on its next round)."""
    _outbox_decide(settings, response_id, "release", by)


@outbox.command("discard")
@click.argument("response_id")
@click.option("--by", default="cli", show_default=True, help="who decides (kept with the decision)")
@click.pass_obj
def outbox_discard(settings, response_id, by):
    """Never send a held event."""
    _outbox_decide(settings, response_id, "discard", by)


def _outbox_decide(settings, response_id: str, action: str, by: str) -> None:
    from shared.platform import db
    from shared.platform.clock import SystemClock

    from services.survey.outbox import held

    db.connect(settings)
    try:
        held.decide(response_id, action, by=by, at=SystemClock().now())
    except held.NotHeld:
        raise click.ClickException(f"no held event {response_id}") from None
    click.echo(f"{action}: {response_id} (the relay applies it on its next round)")


@main.group()
def user():
    """Web login users."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="admin, evaluator, supervisor, employee")
@click.option("--nip", help="the employee's NIP (supervisors and employees)")
@click.option("--unit", help="the user's unit, if any")
@click.option("--password", help="at least 10 characters; asked for when neither it nor --temporary is given")
@click.option("--temporary", is_flag=True,
              help="make a temporary password, print it once; the user sets their own at the first login")
@click.pass_obj
def user_create(settings, username, roles, nip, unit, password, temporary):
    """Create or update a web login (a new revision)."""
    from shared.platform import db
    from shared.platform.clock import SystemClock
    from shared.records.users import WebUser, hash_password

    from services.survey.directory.accounts import temporary_password

    if temporary and password:
        raise click.ClickException("give --password or --temporary, not both")
    if temporary:
        password = temporary_password()
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if ("supervisor" in roles or "employee" in roles) and not nip:
        raise click.ClickException("supervisor and employee logins need --nip")
    db.connect(settings)
    WebUser.save_revision(username.lower(), {"password_hash": hashed, "roles": list(roles), "nip": nip, "unit": unit,
                                             "active": True, "must_change_password": temporary},
                          at=SystemClock().now(), by="cli")
    click.echo(f"user {username.lower()}: {', '.join(roles)}")
    if temporary:
        click.echo(f"temporary password (shown once; to be replaced at the first login): {password}")


@user.command("disable")
@click.option("--username", required=True)
@click.pass_obj
def user_disable(settings, username):
    """Deactivate a web login and end its sessions at once."""
    from shared.platform import db
    from shared.platform.clock import SystemClock
    from shared.records import web_sessions
    from shared.records.users import WebUser

    db.connect(settings)
    name, now = username.lower(), SystemClock().now()
    head = WebUser.head(name)
    if head is None:
        raise click.ClickException(f"no user {name}")
    if head.active:
        WebUser.save_revision(name, {"active": False}, at=now, by="cli")
    ended = web_sessions.end_all(name, now=now, reason="user disabled", by="cli")
    click.echo(f"user {name}: disabled, {ended} session(s) ended")


@user.command("sessions")
@click.option("--username", required=True)
@click.option("--end", "end", is_flag=True, help="end every live session of the user")
@click.pass_obj
def user_sessions(settings, username, end):
    """List a user's web sessions (and end them with --end)."""
    from shared.platform import db
    from shared.platform.clock import SystemClock
    from shared.records import web_sessions

    db.connect(settings)
    name, now = username.lower(), SystemClock().now()
    if end:
        click.echo(f"{web_sessions.end_all(name, now=now, reason='ended by an administrator', by='cli')} "
                   "session(s) ended")
    for row in web_sessions.listing(name, now):
        click.echo(f"{row['id']}  {row['service']}  {row['state']}  since {row['created']:%Y-%m-%d %H:%M} UTC"
                   + (f"  ({row['reason']})" if row["reason"] else ""))


@main.group()
def directory():
    """Organisation directory."""


@directory.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["units", "services", "employees"]), required=True)
@click.option("--dry-run", is_flag=True, help="check every row, write nothing")
@click.pass_obj
def directory_import(settings, file, kind, dry_run):
    """Import a register export (CSV or JSON); rows with errors are listed with their line."""
    from shared.platform import db
    from shared.platform.clock import SystemClock

    from services.survey.directory import register_import

    db.connect(settings)
    content = open(file, encoding="utf-8-sig").read()
    fmt = "json" if file.lower().endswith(".json") else "csv"
    try:
        rows = register_import.parse(content, fmt)
    except register_import.RegisterError as exc:
        raise click.ClickException(str(exc)) from None
    with click.progressbar(length=max(1, len(rows)), label=f"{kind}: {len(rows)} rows") as bar:
        last = [0]

        def progress(done, total):
            bar.update(done - last[0])
            last[0] = done

        report = register_import.import_rows(kind, rows, clock=SystemClock(), by="cli", dry_run=dry_run,
                                             progress=progress)
    for err in report.errors:
        click.echo(f"line {err.line}: {err.field}: {err.message}", err=True)
    summary = report.to_dict()
    click.echo(("dry run: " if dry_run else "") + ", ".join(f"{k} {summary[k]}" for k in
                                                           ("rows", "created", "updated", "unchanged", "rejected")))
    if rows and report.rejected == len(rows):
        raise click.ClickException("no row is valid")


@main.group()
def complaints():
    """Citizens' complaints: the contact details' retention."""


@complaints.command("purge")
@click.pass_obj
def complaints_purge(settings):
    """Delete the contact details of tickets closed longer than COMPLAINT_CONTACT_RETENTION_DAYS
    ago (the survey tracker also does this hourly; run it from cron where no tracker runs)."""
    from shared.platform import db
    from shared.platform.clock import SystemClock

    from services.survey.complaints.tracker import purge_contacts

    db.connect(settings)
    deleted = purge_contacts(settings, SystemClock().now())
    click.echo(f"deleted the contact details of {deleted} closed ticket(s)")


@main.group()
def topics():
    """Kafka topics."""


@topics.command("create")
@click.pass_obj
def topics_create(settings):
    """Create the project's topics (existing ones are left alone)."""
    from shared.messaging.topics import ensure_topics

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
