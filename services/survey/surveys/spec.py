"""Survey templates as data: questions, their types, and checking answers against them.

Pure: no I/O. Built-in templates (SKM, BerAKHLAK 360) are defined here in code; custom
templates are stored as revisions (one revision = one version) and loaded into the same
:class:`TemplateSpec`, so the web form, the kiosk and the intake API all check answers
against the exact version a respondent saw.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from shared.domain import berakhlak, skm

SCALE, SINGLE, MULTIPLE, NPS, TEXT = "scale", "single", "multiple", "nps", "text"
TYPES = (SCALE, SINGLE, MULTIPLE, NPS, TEXT)
KINDS = ("skm", "peer", "custom")
TEXT_MAX = 2000


@dataclass(frozen=True)
class Choice:
    value: str
    label_id: str
    label_en: str


@dataclass(frozen=True)
class Question:
    code: str
    type: str
    text_id: str
    text_en: str
    required: bool = False
    scale: int | None = None                          # SCALE: answers 1..scale
    labels: tuple[tuple[str, str], ...] = ()          # SCALE: (id, en) label per point
    choices: tuple[Choice, ...] = ()                  # SINGLE / MULTIPLE
    guides: tuple[tuple[str, str], ...] = ()          # help shown under the question
    max_length: int = TEXT_MAX                        # TEXT
    heading: tuple[str, str] | None = None            # (id, en) shown above the question (the SKM's unsur)

    def check(self, value: Any) -> tuple[Any, str | None]:
        """``(clean value, None)`` or ``(None, error message)``; ``None`` input = unanswered."""
        if value is None or value == "" or value == []:
            if self.required:
                return None, "wajib diisi / required"
            return None, None
        if self.type in (SCALE, NPS):
            # a scale question always has its scale (the template schema requires it)
            low, high = (1, cast(int, self.scale)) if self.type == SCALE else (0, 10)
            if isinstance(value, bool) or not isinstance(value, int):
                return None, f"harus bilangan bulat {low}-{high} / must be an integer {low}-{high}"
            if not low <= value <= high:
                return None, f"harus antara {low} dan {high} / must be between {low} and {high}"
            return value, None
        if self.type == SINGLE:
            if value not in {c.value for c in self.choices}:
                return None, "pilihan tidak dikenal / unknown choice"
            return value, None
        if self.type == MULTIPLE:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return None, "harus daftar pilihan / must be a list of choices"
            allowed = {c.value for c in self.choices}
            unknown = [v for v in value if v not in allowed]
            if unknown:
                return None, f"pilihan tidak dikenal / unknown choices: {', '.join(unknown)}"
            return sorted(set(value), key=value.index), None
        if self.type == TEXT:
            if not isinstance(value, str):
                return None, "harus teks / must be text"
            text = value.strip()
            if len(text) > self.max_length:
                return None, f"paling banyak {self.max_length} karakter / at most {self.max_length} characters"
            return (text or None), None if (text or not self.required) else "wajib diisi / required"
        return None, "jenis pertanyaan tidak dikenal / unknown question type"


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    version: int
    kind: str
    title_id: str
    title_en: str
    questions: tuple[Question, ...] = field(default_factory=tuple)
    builtin: bool = False

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def check_answers(self, answers: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Clean answers (unanswered left out) and errors by ``answers.<code>``."""
        errors: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        known = {q.code for q in self.questions}
        for code in answers:
            if code not in known:
                errors[f"answers.{code}"] = ["pertanyaan tidak dikenal / unknown question"]
        for q in self.questions:
            value, problem = q.check(answers.get(q.code))
            if problem:
                errors[f"answers.{q.code}"] = [problem]
            elif value is not None:
                clean[q.code] = value
        if not errors and not clean:
            errors["answers"] = ["jawab minimal satu pertanyaan / answer at least one question"]
        return clean, errors

    def event_answers(self, clean: Mapping[str, Any]) -> dict[str, Any]:
        """What may travel in an event: numbers and choice codes, never free text."""
        # clean answers (check_answers) are keyed by this template's question codes only
        return {code: value for code, value in clean.items() if cast(Question, self.question(code)).type != TEXT}

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "version": self.version, "kind": self.kind, "title_id": self.title_id,
            "title_en": self.title_en, "builtin": self.builtin,
            "questions": [question_to_dict(q) for q in self.questions],
        }


def question_to_dict(q: Question) -> dict[str, Any]:
    """Storable form: text pairs are objects (the local MongoDB-protocol server stores no
    nested arrays)."""
    return {"code": q.code, "type": q.type, "text_id": q.text_id, "text_en": q.text_en, "required": q.required,
            "scale": q.scale, "labels": [{"id": i, "en": e} for i, e in q.labels],
            "choices": [{"value": c.value, "label_id": c.label_id, "label_en": c.label_en} for c in q.choices],
            "guides": [{"id": i, "en": e} for i, e in q.guides], "max_length": q.max_length,
            "heading": {"id": q.heading[0], "en": q.heading[1]} if q.heading else None}


def question_from_dict(data: Mapping[str, Any]) -> Question:
    return Question(code=data["code"], type=data["type"], text_id=data["text_id"], text_en=data["text_en"],
                    required=bool(data.get("required")), scale=data.get("scale"),
                    labels=tuple((p["id"], p["en"]) for p in data.get("labels") or ()),
                    choices=tuple(Choice(c["value"], c["label_id"], c["label_en"]) for c in data.get("choices") or ()),
                    guides=tuple((p["id"], p["en"]) for p in data.get("guides") or ()),
                    max_length=int(data.get("max_length") or TEXT_MAX),
                    heading=(data["heading"]["id"], data["heading"]["en"]) if data.get("heading") else None)


# -- built-in templates ----------------------------------------------------------------------

SKM_CODE, PEER_CODE = "skm", "berakhlak360"

SKM_V1 = TemplateSpec(
    code=SKM_CODE, version=1, kind="skm", builtin=True,
    title_id="Survei Kepuasan Masyarakat", title_en="Public Satisfaction Survey",
    questions=tuple(
        Question(code=code, type=SCALE, text_id=name, text_en=name_en, scale=4,
                 labels=tuple(zip(labels_id, labels_en)))
        for code, name, name_en, labels_id, labels_en in skm.UNSUR
    ),
)

# The regulation's sample questionnaire: each question as printed, its unsur as the heading, in
# the questionnaire's order (facilities 8th, complaints 9th); answers keyed by unsur code, so a
# response to version 1 or 2 counts the same.
SKM_V2 = TemplateSpec(
    code=SKM_CODE, version=2, kind="skm", builtin=True,
    title_id="Survei Kepuasan Masyarakat", title_en="Public Satisfaction Survey",
    questions=tuple(
        Question(code=code, type=SCALE, text_id=skm.QUESTIONS[code][0], text_en=skm.QUESTIONS[code][1], scale=4,
                 labels=tuple(zip(labels_id, labels_en)), heading=(name, name_en))
        for order_code in skm.QUESTIONNAIRE_ORDER
        for code, name, name_en, labels_id, labels_en in skm.UNSUR if code == order_code
    ),
)

PEER_SCALE = (("Sangat kurang", "Very poor"), ("Kurang", "Poor"), ("Cukup", "Fair"), ("Baik", "Good"),
              ("Sangat baik", "Very good"))

PEER_V1 = TemplateSpec(
    code=PEER_CODE, version=1, kind="peer", builtin=True,
    title_id="Umpan Balik Rekan Kerja BerAKHLAK", title_en="BerAKHLAK Peer Feedback",
    questions=tuple(
        q for code, name, name_en, guides_id, guides_en in berakhlak.VALUES for q in (
            Question(code=code, type=SCALE, text_id=name, text_en=name_en, required=True, scale=len(PEER_SCALE),
                     labels=PEER_SCALE, guides=tuple(zip(guides_id, guides_en))),
            Question(code=f"{code}_comment", type=TEXT, text_id=f"Catatan tentang {name}",
                     text_en=f"Comment on {name_en}", max_length=1000),
        )
    ),
)

BUILTIN = {(SKM_CODE, 1): SKM_V1, (SKM_CODE, 2): SKM_V2, (PEER_CODE, 1): PEER_V1}
BUILTIN_LATEST = {SKM_CODE: SKM_V2, PEER_CODE: PEER_V1}
