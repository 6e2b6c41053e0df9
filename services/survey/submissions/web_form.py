"""The citizen web form (urlencoded or multipart), read into the body the JSON API takes.

Pure: no Flask, no I/O. The form's fields are ``id``, ``template_version``, ``a.<question
code>`` (a multiple-choice question may repeat it), and for the SKM ``p.<profile category>``
and ``comment``. :func:`read` maps them onto the API's body (``answers``, ``profile``, ...),
refusing any other field, a repeated single-valued field and text no database stores; the
view then validates that body with :class:`~.schemas.ResponseIn` and submits it through the
same path as the API and the kiosk, so the three ways in accept and refuse the same things.
:func:`page_errors` turns the errors (API field paths) into what the page shows, in the
respondent's language.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from shared.domain import skm
from shared.platform.text import clean_text

from services.survey.surveys import spec

# ASCII digits only: "²".isdigit() is true and int("²") fails, "٣" is an Arabic-Indic three.
DIGITS = re.compile(r"^[0-9]{1,3}$")
PROFILE_LABELS = skm.PROFILE_TITLES
COMMENT_LABEL = ("Saran dan masukan", "Suggestions")
BAD_CHARACTERS = "berisi karakter yang tidak diizinkan / contains characters that are not allowed"
UNKNOWN_FIELD = "isian tidak dikenal / unknown field"
ONE_VALUE = "hanya satu nilai / only one value"


@dataclass
class FormRead:
    body: dict[str, Any]                           # what the API would have been sent
    errors: dict[str, list[str]] = field(default_factory=dict)   # by the API's field path


def _path(name: str, template: spec.TemplateSpec) -> str | None:
    """The API field path a form field fills, or None for a field the form does not have."""
    if name in ("id", "template_version"):
        return name
    if template.kind == "skm" and name == "comment":
        return "comment"
    if name.startswith("a.") and template.question(name[2:]) is not None:
        return f"answers.{name[2:]}"
    if template.kind == "skm" and name.startswith("p.") and name[2:] in skm.PROFILE:
        return f"profile.{name[2:]}"
    return None


def _number(raw: str) -> int | str:
    return int(raw) if DIGITS.match(raw) else raw   # anything else is refused by the question's check


def read(form: Mapping[str, Sequence[str]], template: spec.TemplateSpec) -> FormRead:
    """The API body for a submitted form (``form``: field name -> every value sent)."""
    out = FormRead(body={})
    answers: dict[str, Any] = {}
    profile: dict[str, str] = {}
    for name, values in form.items():
        path = _path(name, template)
        if path is None:
            out.errors.setdefault(name if clean_text(name) else "_form", []).append(UNKNOWN_FIELD)
            continue
        if not all(clean_text(v) for v in values):
            out.errors[path] = [BAD_CHARACTERS]
            continue
        if path.startswith("answers."):
            question = cast(spec.Question, template.question(name[2:]))  # _path found the question
            if question.type == spec.MULTIPLE:
                picked = [v for v in values if v != ""]
                if picked:
                    answers[question.code] = picked
                continue
        if len(values) != 1:
            out.errors[path] = [ONE_VALUE]
            continue
        raw = values[0]
        if path.startswith("answers."):
            question = cast(spec.Question, template.question(name[2:]))
            text = raw.strip()
            if text:
                answers[question.code] = _number(text) if question.type in (spec.SCALE, spec.NPS) else text
        elif path.startswith("profile."):
            if raw:
                profile[path[8:]] = raw
        elif path == "template_version":
            if raw:
                out.body["template_version"] = _number(raw)
        elif path == "comment":
            if raw.strip():
                out.body["comment"] = raw
        elif raw:
            out.body["id"] = raw
    out.body["answers"] = answers
    if profile:
        out.body["profile"] = profile
    return out


@dataclass(frozen=True)
class PageError:
    anchor: str | None   # the id of the field the summary links to (None: the whole form)
    label: str           # what the respondent knows the field as
    text: str            # the message, in the respondent's language


def localized(message: str, lang: str) -> str | None:
    """One language of a bilingual ``"Indonesia / English"`` message; None if it is not one."""
    if " / " not in message:
        return None
    text_id, text_en = message.split(" / ", 1)
    return text_en if lang == "en" else text_id


def page_errors(errors: Mapping[str, Sequence[str]], template: spec.TemplateSpec, lang: str) -> list[PageError]:
    """What the page shows for ``errors`` (API field paths), one entry per field, in the
    order of the form; problems with fields the respondent never sees (the hidden id and
    version, fields the form does not have) become one line asking to reload the page."""
    def pick(pair: tuple[str, str]) -> str:
        return pair[1] if lang == "en" else pair[0]

    order = {f"answers.{q.code}": i for i, q in enumerate(template.questions)}
    order.update({f"profile.{key}": len(order) + i for i, key in enumerate(skm.PROFILE)})
    order["comment"] = len(order)
    out: list[PageError] = []
    general = False
    for path in sorted(errors, key=lambda p: order.get(p, len(order) + 1)):
        message = (errors[path] or [""])[0]
        if path.startswith("answers.") and (question := template.question(path[8:])) is not None:
            text = localized(message, lang) or pick(("Jawaban tidak valid", "Invalid answer"))
            name = question.heading or (question.text_id, question.text_en)
            out.append(PageError(f"answers-{question.code}", pick(name), text))
        elif path == "answers":
            first = template.questions[0].code
            out.append(PageError(f"answers-{first}", pick(("Jawaban", "Answers")),
                                 localized(message, lang) or pick(("Jawab minimal satu pertanyaan",
                                                                   "Answer at least one question"))))
        elif path.startswith("profile.") and path[8:] in PROFILE_LABELS:
            text = localized(message, lang) or pick(("Pilih salah satu dari daftar", "Choose one of the options"))
            out.append(PageError(f"p-{path[8:]}", pick(PROFILE_LABELS[path[8:]]), text))
        elif path == "comment":
            text = localized(message, lang) or pick((f"Paling banyak {spec.TEXT_MAX} karakter",
                                                     f"At most {spec.TEXT_MAX} characters"))
            out.append(PageError("comment", pick(COMMENT_LABEL), text))
        elif not general:
            general = True
            out.append(PageError(None, pick(("Formulir", "Form")),
                                 pick(("Formulir ini tidak dapat diterima. Muat ulang halaman, lalu isi kembali.",
                                       "This form could not be accepted. Reload the page and fill it in again."))))
    return out
