"""What a notification says: mail subject, plain text and HTML in the recipient's language,
and the JSON body of a webhook. Rendering only; no sending, no database.
"""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "notifier" / "mail"),
                   autoescape=select_autoescape(["html"]), keep_trailing_newline=True)

SEVERITY = {"info": ("informasi", "information"), "warning": ("perhatian", "warning"),
            "critical": ("kritis", "critical")}
SUBJECT_LINES = {
    "opened": ("Perlu pembinaan", "Coaching needed"),
    "escalated": ("Eskalasi: kasus pembinaan belum diakui", "Escalated: coaching case not acknowledged"),
    "reminder": ("Pengingat tindak lanjut pembinaan", "Coaching follow-up reminder"),
    "digest": ("Ringkasan harian kasus pembinaan", "Daily digest of coaching cases"),
}


def _pick(lang: str):
    return lambda text_id, text_en: text_en if lang == "en" else text_id


def case_context(case, lang: str, *, subject_name: str | None, inbox_url: str) -> dict:
    pick = _pick(lang)
    summary = (case.summary or {}).get(lang) or (case.summary or {}).get("id") or case.rule
    if case.subject_type == "employee":
        label = f"{subject_name} (NIP {case.subject})" if subject_name else f"NIP {case.subject}"
    else:
        label = pick("Unit", "Unit") + f" {case.subject}"
    return {"subject_label": label, "summary": summary,
            "severity_label": pick(*SEVERITY.get(case.severity, (case.severity,) * 2)),
            "period": case.period, "inbox_url": inbox_url}


def case_mail(kind: str, lang: str, context: dict, *, reason: str | None = None, follow_up: str | None = None) -> dict:
    """``{"subject", "text", "html"}`` of a mail about one case; ``kind`` opened|escalated|reminder."""
    pick = _pick(lang)
    title = f"[Tanggap] {pick(*SUBJECT_LINES[kind])}: {context['subject_label']}"
    values = dict(context, kind=kind, lang=lang, _=pick, title=title, reason=reason, follow_up=follow_up)
    return {"subject": title, "text": _ENV.get_template("case.txt").render(values),
            "html": _ENV.get_template("case.html").render(values)}


def digest_mail(lang: str, day: str, items: list[dict]) -> dict:
    pick = _pick(lang)
    title = f"[Tanggap] {pick(*SUBJECT_LINES['digest'])} {day} ({len(items)})"
    values = dict(lang=lang, _=pick, title=title, day=day, items=items)
    return {"subject": title, "text": _ENV.get_template("digest.txt").render(values),
            "html": _ENV.get_template("digest.html").render(values)}


def webhook_body(event: str, case, *, recipient: str, assignee_kind: str, reason: str | None, inbox_url: str,
                 delivery_id: str, created_at) -> str:
    """The JSON text a webhook receives (fixed once, so every retry sends the same bytes).

    Identifiers only (case id, rule, NIP or unit code), never names or addresses.
    """
    return json.dumps({
        "delivery_id": delivery_id, "event": event, "case_id": case.case_id, "rule": case.rule,
        "severity": case.severity, "subject_type": case.subject_type, "subject": case.subject, "unit": case.unit,
        "period": case.period, "summary": case.summary, "recipient": recipient, "assignee_kind": assignee_kind,
        "reason": reason, "inbox_url": inbox_url, "created_at": created_at.isoformat(),
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
