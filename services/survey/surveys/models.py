"""Survey service documents (besides the shared directory and responses).

All but the kiosk heartbeats are revisioned records (see shared/revisions.py): an edit inserts
the next revision, so concurrent admin edits never lose one another. Heartbeats are insert
only: one document per heartbeat, never updated. Who writes what: docs/storage.md.
"""
from __future__ import annotations

from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField

from shared.contracts.formats import CODE, NIP
from shared.platform.revisions import Revisioned


class SurveyTemplate(Revisioned):
    """A custom survey template; each revision is a version (responses name the version)."""

    meta = {"collection": "survey_templates", "indexes": [{"fields": ["code", "rev"], "unique": True}, "superseded"]}
    code = StringField(required=True, regex=CODE)
    kind = StringField(required=True, choices=("custom",), default="custom")
    title_id = StringField(required=True, max_length=200)
    title_en = StringField(required=True, max_length=200)
    questions = ListField(DictField(), required=True)
    owner_unit = StringField(regex=CODE)


class SurveyTemplateDraft(Revisioned):
    """The next version of a custom template while an admin builds it in the console: every
    edit is a revision of the draft; publishing copies it into :class:`SurveyTemplate` as a new
    version and deletes the draft. Nobody answers a draft."""

    meta = {"collection": "survey_template_drafts",
            "indexes": [{"fields": ["code", "rev"], "unique": True}, "superseded"]}
    code = StringField(required=True, regex=CODE)
    title_id = StringField(required=True, max_length=200)
    title_en = StringField(required=True, max_length=200)
    questions = ListField(DictField())     # may be empty while it is being built
    owner_unit = StringField(regex=CODE)
    based_on = IntField(min_value=1)       # the published version it started from


class Deployment(Revisioned):
    """A survey put in front of respondents: template + unit/service (+ officer) -> public code."""

    meta = {"collection": "deployments", "indexes": [{"fields": ["code", "rev"], "unique": True},
                                                      ("superseded", "unit")]}
    code = StringField(required=True, regex=r"^[2-9A-HJ-NP-Z]{8}$")
    template = StringField(required=True, regex=CODE)
    template_version = IntField(min_value=1)  # None: the template's latest version
    unit = StringField(required=True, regex=CODE)
    service = StringField(regex=CODE)
    officer = StringField(regex=NIP)
    title = StringField(max_length=200)
    active = BooleanField(default=True)


class KioskDevice(Revisioned):
    """A kiosk tablet bound to a unit and a deployment; its current token is ``token_id``."""

    KEY = "device_id"
    meta = {"collection": "kiosk_devices", "indexes": [{"fields": ["device_id", "rev"], "unique": True}, "superseded"]}
    device_id = StringField(required=True, regex=CODE)
    name = StringField(required=True, max_length=200)
    unit = StringField(required=True, regex=CODE)
    deployment = StringField(required=True)
    token_id = StringField(required=True)
    idle_seconds = IntField(default=60, min_value=10, max_value=600)
    active = BooleanField(default=True)


class KioskHeartbeat(Document):
    """A kiosk said it is alive, with how many responses it still holds unsent; insert only
    (every gunicorn worker inserts, nobody updates). The device comes from its token; nothing
    about a respondent is in it. The fleet page reads the newest one per device."""

    meta = {"collection": "kiosk_heartbeats", "indexes": [("device", "-at"), "-at"]}
    device = StringField(required=True, regex=CODE)
    at = DateTimeField(required=True)
    queued = IntField(required=True, min_value=0)
    app_version = StringField(max_length=40)
