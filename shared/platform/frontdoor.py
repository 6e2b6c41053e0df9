"""One front door for the three services' pages: the places a role may go, as one navigation
on every page, and the landing page a user reaches after logging in.

Locally the services are ports of one host, so their shared session cookie (cookies ignore the
port) is one login for all; behind the reverse proxy of docker-compose.yml they are path
prefixes of one origin. The links come from the configured public URLs, so they are right in
both. :func:`places` is pure: the roles and the three base URLs in, the destinations out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask.typing import ResponseReturnValue

from shared.platform.auth import ADMIN, EMPLOYEE, EVALUATOR, SUPERVISOR, public
from shared.platform.config import Settings

SURVEY, AGGREGATOR, NOTIFIER = "survey", "aggregator", "notifier"
ANYONE = "anyone"


@dataclass(frozen=True)
class Place:
    key: str
    service: str
    path: str
    roles: tuple[str, ...]            # ANYONE: also without logging in
    label: tuple[str, str]            # (Bahasa Indonesia, English)
    task: tuple[str, str]             # what the role does there, for the landing page


PLACES = (
    Place("admin", SURVEY, "/admin", (ADMIN,), ("Konsol admin", "Admin console"),
          ("Unit, pegawai, impor register, survei dan poster QR, templat survei, kios, pengguna",
           "Units, employees, register import, surveys and QR posters, survey templates, kiosks, users")),
    Place("config", AGGREGATOR, "/admin", (ADMIN,), ("Konfigurasi indikator", "Indicator configuration"),
          ("Aturan pembinaan, bobot SKM, populasi, umpan balik rekan, impor penilaian SKP",
           "Coaching rules, SKM weights, populations, peer feedback, SKP appraisal import")),
    Place("dashboard", AGGREGATOR, "/dashboard", (EVALUATOR, ADMIN), ("Dasbor evaluasi", "Evaluation dashboard"),
          ("IKM per unit, OPD dan Pemda, indeks petugas, BerAKHLAK, predikat kinerja, laporan SKM dan RTL",
           "IKM per unit, OPD and Pemda, officer index, BerAKHLAK, performance ratings, SKM reports and action "
           "plans")),
    Place("inbox", NOTIFIER, "/inbox", (SUPERVISOR, ADMIN), ("Kotak masuk", "Inbox"),
          ("Kasus pembinaan dan penghargaan tim Anda: terima, catat dialog, tutup",
           "Your team's coaching and recognition cases: acknowledge, record the dialogue, close")),
    Place("complaints", NOTIFIER, "/pengaduan", (SUPERVISOR, ADMIN, EMPLOYEE), ("Pengaduan", "Complaints"),
          ("Pengaduan masyarakat untuk unit yang Anda tangani: verifikasi, alihkan, jawab sebelum batas waktu",
           "Citizens' complaints to the units you handle: verify, forward, answer before the deadline")),
    Place("me", SURVEY, "/me", (EMPLOYEE,), ("Umpan balik rekan", "Peer feedback"),
          ("Beri umpan balik BerAKHLAK kepada rekan, atasan dan bawahan langsung bulan ini (anonim)",
           "Give this month's BerAKHLAK feedback to colleagues, your supervisor and direct reports (anonymous)")),
    Place("results", AGGREGATOR, "/results", (ANYONE,), ("Hasil publik", "Public results"),
          ("IKM setiap unit dan tindak lanjutnya, terbuka untuk masyarakat",
           "Every unit's IKM and its follow-up, open to the public")),
    Place("complain", SURVEY, "/pengaduan", (ANYONE,), ("Saran dan pengaduan", "Suggestions and complaints"),
          ("Sampaikan saran atau pengaduan kepada unit layanan dan lacak jawabannya",
           "Send a service unit a suggestion or complaint and follow its answer")),
)


@dataclass(frozen=True)
class Link:
    key: str
    url: str
    label: tuple[str, str]
    task: tuple[str, str]


def bases(settings: Settings) -> dict[str, str]:
    return {SURVEY: settings.public_survey_url.rstrip("/"), AGGREGATOR: settings.aggregator_public_url.rstrip("/"),
            NOTIFIER: settings.notifier_public_url.rstrip("/")}


def places(roles: Iterable[str] | None, base: dict[str, str]) -> list[Link]:
    """Where someone with ``roles`` (None: not logged in) may go, in the navigation's order."""
    held = set(roles or ())
    return [Link(p.key, base[p.service] + p.path, p.label, p.task) for p in PLACES
            if ANYONE in p.roles or held & set(p.roles)]


def landing_url(base: dict[str, str]) -> str:
    return base[SURVEY] + "/beranda"


def current_key(links: list[Link], here: str) -> str | None:
    """The link the page at URL ``here`` belongs to (the longest matching prefix)."""
    best: Link | None = None
    for link in links:
        if here == link.url or here.startswith(link.url + "/") or here.startswith(link.url + "?"):
            if best is None or len(link.url) > len(best.url):
                best = link
    return best.key if best else None


def init_app(app: Flask) -> None:
    """The navigation's context on every page, and ``/beranda`` (the landing page) on every
    service, so a login on any of them lands on what the user's roles may do."""
    from shared.platform.webauth import web_principal

    def front_door() -> dict[str, object]:
        ext = current_app.extensions["tanggap"]
        base = bases(ext.settings)
        who = web_principal()
        links = places(who.roles if who else None, base)
        here = base[ext.service] + request.path if ext.service in base else ""
        return {"links": links, "current": current_key(links, here), "home": landing_url(base),
                "logged_in": who is not None}

    app.jinja_env.globals.update(front_door=front_door)

    @public
    def landing() -> ResponseReturnValue:
        from flask import render_template
        who = web_principal()
        ext = current_app.extensions["tanggap"]
        links = places(who.roles if who else None, bases(ext.settings))
        roles = [r for r in (ADMIN, EVALUATOR, SUPERVISOR, EMPLOYEE) if who and r in who.roles]
        public_only = len(places(None, bases(ext.settings)))
        return render_template("ui/landing.html", links=links, who=who, roles=roles,
                               nothing_more=bool(who) and len(links) == public_only)

    app.add_url_rule("/beranda", "frontdoor.landing", landing)
