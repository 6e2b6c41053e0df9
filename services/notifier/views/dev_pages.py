"""Development only (never registered with TANGGAP_ENV=production): the mails the development
mail catcher of `make up` caught (infra/mailcatcher.py), newest first. Admins see every mail,
a supervisor the mails to their own address (from the directory); login."""
from __future__ import annotations

from typing import cast

from flask import Blueprint, render_template

from shared.platform.auth import ADMIN, SUPERVISOR
from shared.platform.webauth import WebPrincipal, login_required, web_principal
from shared.records.dev_mail import CaughtMail
from shared.records.directory import Employee

bp = Blueprint("dev_pages", __name__, template_folder="../templates")
SHOWN = 100


@bp.route("/dev/surel")
@login_required(ADMIN, SUPERVISOR)
def caught_mail():
    who = cast(WebPrincipal, web_principal())   # login_required ran first
    mails = CaughtMail.objects.order_by("-at")
    address = None
    if not who.has(ADMIN):
        person = Employee.head(who.nip) if who.nip else None
        address = person.email.lower() if person is not None and person.email else None
        mails = mails.filter(recipients=address) if address else mails.none()
    return render_template("notifier/dev_mail.html", mails=list(mails.limit(SHOWN)), address=address,
                           everyone=who.has(ADMIN))
