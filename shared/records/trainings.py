"""Training programmes and their participants' reactions, as the survey service keeps them
(see docs/storage.md).

* :class:`TrainingProgramme` is a revisioned record edited by admins and evaluators: what,
  when, who took part (NIPs) and, for someone a coaching case sent, the case.
* :class:`TrainingReaction` is one participant's level-1 answer, inserted once under the
  participant's reaction key (a keyed hash of programme and NIP: one answer each, and the
  answer is tied to nobody), with its ``training.reaction.submitted`` event (outbox); the
  relay is its only writer afterwards. The notifier reads both to invite and remind.
"""
from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateTimeField,
    DictField,
    ListField,
    StringField,
)

from shared.contracts.formats import CODE, NIP
from shared.platform.config import Settings
from shared.platform.pseudonyms import keyed_hash
from shared.platform.revisions import Revisioned
from shared.records.responses import Outboxed


class TrainingProgramme(Revisioned):
    meta = {"collection": "training_programmes", "indexes": [{"fields": ["code", "rev"], "unique": True},
                                                            "superseded"]}
    code = StringField(required=True, regex=CODE)
    name = StringField(required=True, max_length=200)
    competency = StringField(max_length=200)
    organiser = StringField(max_length=200)
    start = StringField(required=True)        # YYYY-MM-DD
    end = StringField(required=True)
    unsur = ListField(StringField())          # the SKM elements it addresses (for level 4)
    participants = ListField(StringField(regex=NIP))
    referrals = DictField()                   # NIP -> the coaching case that sent them
    active = BooleanField(default=True)


class TrainingReaction(Outboxed):
    meta = {"collection": "training_reactions", "indexes": [("published", "submitted_at"), "programme"]}
    id = StringField(primary_key=True)        # answer_id of the participant's link key: one answer each
    programme = StringField(required=True)
    values = DictField(required=True)
    comment = StringField(max_length=2000)
    submitted_at = DateTimeField(required=True)
    received_at = DateTimeField(required=True)    # the relay's backlog reads it


class TrainingScoreImport(Outboxed):
    """One import of a programme's pre- and post-test scores (level 2), insert-only, with its
    ``training.scores.recorded`` event; the scores are keyed by each participant's reaction key
    (a later import of the same participant counts instead of an earlier one), never by NIP."""

    meta = {"collection": "training_score_imports", "indexes": [("published", "received_at"), "programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    scores = DictField(required=True)          # reaction key -> [pre, post]
    by = StringField()
    received_at = DateTimeField(required=True)


class TrainingFollowUp(Outboxed):
    """A level-3 answer months after the training: the alumnus's, then their supervisor's about
    them; inserted once under its key (programme, alumnus, role), with its event; the relay is
    its only writer afterwards."""

    meta = {"collection": "training_followups", "indexes": [("published", "received_at"), "programme"]}
    id = StringField(primary_key=True)
    programme = StringField(required=True)
    role = StringField(required=True, choices=("alumnus", "supervisor"))
    values = DictField(required=True)
    comment = StringField(max_length=2000)
    received_at = DateTimeField(required=True)


def followup_key(settings: Settings, programme: str, nip: str, role: str) -> str:
    """The key of the level-3 answer about alumnus ``nip`` by ``role`` (alumnus or supervisor)."""
    return keyed_hash(settings, "training-followup", f"{programme}|{nip}|{role}", length=24)


def followup_url(settings: Settings, programme: str, nip: str, role: str) -> str:
    return (f"{settings.public_survey_url.rstrip('/')}/pelatihan/{programme}/tindak-lanjut/"
            f"{followup_key(settings, programme, nip, role)}")


def reaction_key(settings: Settings, programme: str, nip: str) -> str:
    """The participant's personal key: in their link, and the id of their one answer."""
    return keyed_hash(settings, "training-reaction", f"{programme}|{nip}", length=24)


def answer_id(settings: Settings, link_key: str) -> str:
    """The id an answer is stored and published under: derived from the link's key in a domain of
    its own, so neither the link nor a participant's scores (:func:`score_key`) join to it."""
    return keyed_hash(settings, "training-answer", link_key, length=24)


def score_key(settings: Settings, programme: str, nip: str) -> str:
    """The key a participant's pre- and post-test scores are kept under (never the NIP)."""
    return keyed_hash(settings, "training-score", f"{programme}|{nip}", length=24)


def about_key(settings: Settings, programme: str, nip: str) -> str:
    """What names an alumnus in a supervisor's notification keys (never the NIP)."""
    return keyed_hash(settings, "training-about", f"{programme}|{nip}", length=12)


def reaction_url(settings: Settings, programme: str, nip: str) -> str:
    return f"{settings.public_survey_url.rstrip('/')}/pelatihan/{programme}/{reaction_key(settings, programme, nip)}"
