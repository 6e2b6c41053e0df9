"""The field formats every service shares, defined once: codes, NIPs, periods, channels.

Each is a pattern (for the OpenAPI and plain checks) and a marshmallow field with the
project's bilingual message, so the event contracts, the APIs, the pages and the imports
accept exactly the same values.
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import fields, validate

from shared.domain import periods

# Letters, digits, "-" and "_", starting with a letter or digit: no dots and no "$", because
# codes become field names of stored state, and no "|", the separator of state ids.
CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
NIP = r"^[0-9]{18}$"
USERNAME = r"^[a-z0-9][a-z0-9._-]{2,63}$"  # a web login
PERIOD_MONTH = periods.INPUT_MONTH.pattern
PERIOD = periods.ANY.pattern          # a month YYYY-MM, a quarter YYYY-Qn, a semester YYYY-Sn or a year YYYY
CHANNELS = ("web", "kiosk", "api")    # how a citizen's response came in

CODE_RE = re.compile(CODE)
NIP_RE = re.compile(NIP)
PERIOD_RE = periods.ANY

CODE_MESSAGE = "kode tidak valid / invalid code"
NIP_MESSAGE = "NIP harus 18 digit / NIP must be 18 digits"
PERIOD_MESSAGE = "YYYY-MM, YYYY-Qn, YYYY-Sn atau YYYY / YYYY-MM, YYYY-Qn, YYYY-Sn or YYYY"
MONTH_MESSAGE = "YYYY-MM"


class StrictBoolean(fields.Boolean):
    """``true`` or ``false`` in a JSON body, nothing else (marshmallow's Boolean also takes 1,
    "yes", "on", ...; query strings keep those, through the plain Boolean)."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def code_field(error: str = CODE_MESSAGE, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(CODE, error=error), **kw)


def nip_field(error: str = NIP_MESSAGE, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(NIP, error=error), **kw)


def period_field(error: str = PERIOD_MESSAGE, **kw: Any) -> fields.String:
    """A month, quarter or year."""
    return fields.String(validate=validate.Regexp(PERIOD, error=error), **kw)


def month_field(error: str = MONTH_MESSAGE, **kw: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(PERIOD_MONTH, error=error), **kw)
