"""The template builder's reading of its forms and its edits of a draft's question list.

Pure: no I/O. A question form has one text box per list (choices, scale labels, help lines),
one item per line, parts separated by ``|``; this module turns it into the body the API's
``QuestionSchema`` checks, so the builder and ``POST /api/v1/templates`` accept the same
questions. The edits (add, replace, remove, move) return a new list and never change the one
given.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.survey.surveys import spec

QUESTION_FIELDS = ("code", "type", "text_id", "text_en", "required", "scale", "labels", "choices", "guides",
                   "max_length")
MAX_LINES = 100
SEPARATOR = "|"


@dataclass
class ReadQuestion:
    body: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)   # field -> "id message / en message"


def _lines(text: str | None) -> list[list[str]]:
    rows = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    return [[part.strip() for part in line.split(SEPARATOR)] for line in rows if line]


def _number(text: str | None) -> Any:
    """Digits as an int; anything else as given, for the schema to refuse in its own words."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,4}", text) else (text or None)


def _pairs(name: str, text: str | None, errors: dict[str, str]) -> list[dict[str, str]]:
    """``Indonesian | English`` per line (English may be left out: the Indonesian is used)."""
    out = []
    for number, parts in enumerate(_lines(text), start=1):
        if len(parts) > 2 or not parts[0]:
            errors.setdefault(name, f"baris {number}: tulis 'teks | teks Inggris' / line {number}: "
                                    "write 'text | English text'")
            continue
        out.append({"id": parts[0], "en": (parts[1] if len(parts) == 2 and parts[1] else parts[0])})
    return out


def _choices(text: str | None, errors: dict[str, str]) -> list[dict[str, str]]:
    """``code | label | English label`` per line (the English label may be left out)."""
    out = []
    for number, parts in enumerate(_lines(text), start=1):
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            errors.setdefault("choices", f"baris {number}: tulis 'kode | label | label Inggris' / line {number}: "
                                         "write 'code | label | English label'")
            continue
        out.append({"value": parts[0], "label_id": parts[1],
                    "label_en": parts[2] if len(parts) == 3 and parts[2] else parts[1]})
    return out


def read_question(form: Mapping[str, str | None]) -> ReadQuestion:
    """The builder's question form as the API's question body (lines that cannot be read are
    errors by field; the schema then checks the rest)."""
    errors: dict[str, str] = {}
    for name in ("labels", "choices", "guides"):
        if len(_lines(form.get(name))) > MAX_LINES:
            errors[name] = f"paling banyak {MAX_LINES} baris / at most {MAX_LINES} lines"
    kind = (form.get("type") or "").strip()
    required = (form.get("required") or "").strip()
    if required not in ("", "1"):
        errors["required"] = "centang atau kosongkan / tick it or leave it empty"
    body: dict[str, Any] = {"code": form.get("code"), "type": kind or None, "text_id": form.get("text_id"),
                            "text_en": form.get("text_en"), "required": required == "1",
                            "guides": [] if "guides" in errors else _pairs("guides", form.get("guides"), errors)}
    if kind == spec.SCALE:
        body["scale"] = _number(form.get("scale"))
        body["labels"] = [] if "labels" in errors else _pairs("labels", form.get("labels"), errors)
    elif kind in (spec.SINGLE, spec.MULTIPLE):
        body["choices"] = [] if "choices" in errors else _choices(form.get("choices"), errors)
    elif kind == spec.TEXT and (form.get("max_length") or "").strip():
        body["max_length"] = _number(form.get("max_length"))
    return ReadQuestion({k: v for k, v in body.items() if v is not None}, errors)


def form_of(question: Mapping[str, Any]) -> dict[str, str]:
    """A stored question as its form's values (for editing it)."""
    def pairs(items: Sequence[Mapping[str, str]]) -> str:
        return "\n".join(p["id"] if p["id"] == p["en"] else f"{p['id']} | {p['en']}" for p in items)
    choices = "\n".join(f"{c['value']} | {c['label_id']}" + ("" if c["label_en"] == c["label_id"]
                                                             else f" | {c['label_en']}")
                        for c in question.get("choices") or ())
    return {"code": question["code"], "type": question["type"], "text_id": question["text_id"],
            "text_en": question["text_en"], "required": "1" if question.get("required") else "",
            "scale": str(question.get("scale") or ""), "labels": pairs(question.get("labels") or ()),
            "choices": choices, "guides": pairs(question.get("guides") or ()),
            "max_length": str(question["max_length"]) if question.get("type") == spec.TEXT else ""}


class EditRefused(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


def add(questions: Sequence[dict[str, Any]], question: dict[str, Any]) -> list[dict[str, Any]]:
    if any(q["code"] == question["code"] for q in questions):
        raise EditRefused("code", "kode pertanyaan sudah dipakai / question code already used")
    if len(questions) >= 100:
        raise EditRefused("code", "paling banyak 100 pertanyaan / at most 100 questions")
    return [*questions, question]


def replace(questions: Sequence[dict[str, Any]], code: str, question: dict[str, Any]) -> list[dict[str, Any]]:
    if question["code"] != code and any(q["code"] == question["code"] for q in questions):
        raise EditRefused("code", "kode pertanyaan sudah dipakai / question code already used")
    _index(questions, code)
    return [question if q["code"] == code else q for q in questions]


def remove(questions: Sequence[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    _index(questions, code)
    return [q for q in questions if q["code"] != code]


def move(questions: Sequence[dict[str, Any]], code: str, step: int) -> list[dict[str, Any]]:
    """One place up (``-1``) or down (``+1``); at either end nothing moves."""
    out = list(questions)
    i = _index(out, code)
    j = i + step
    if 0 <= j < len(out):
        out[i], out[j] = out[j], out[i]
    return out


def _index(questions: Sequence[Mapping[str, Any]], code: str) -> int:
    for i, q in enumerate(questions):
        if q["code"] == code:
            return i
    raise EditRefused("code", "pertanyaan tidak ada / no such question")
