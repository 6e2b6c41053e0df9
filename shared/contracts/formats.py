"""The field formats every service shares, defined once: codes, NIPs, periods, channels.

Each is a pattern (for the OpenAPI and plain checks) and a marshmallow field with the
project's bilingual message, so the event contracts, the APIs, the pages and the imports
accept exactly the same values.
"""
from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate

from shared.domain import periods

# Letters, digits, "-" and "_", starting with a letter or digit: no dots and no "$", because
# codes become field names of stored state, and no "|", the separator of state ids.
CODE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
NIP = r"^[0-9]{18}$"
USERNAME = r"^[a-z0-9][a-z0-9._-]{2,63}$"  # a web login
PERIOD_MONTH = periods.INPUT_MONTH.pattern
PERIOD = periods.ANY.pattern          # a month YYYY-MM, a quarter YYYY-Qn, a semester YYYY-Sn or a year YYYY
CHANNELS = ("web", "kiosk", "api")    # how a citizen's response came in



class Whole:
    """A pattern that must match the whole text. ``$`` alone also matches before a final
    newline (``re.match("^a$", "a\n")`` matches), so "Q1\n" would pass for a code and become a
    key; ``match`` here is ``fullmatch``."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._re = re.compile(pattern)

    def match(self, text: str) -> re.Match[str] | None:
        return self._re.fullmatch(text)

    fullmatch = match


class WholeRegexp(validate.Regexp):
    """marshmallow's Regexp for the whole text (see :class:`Whole`); OpenAPI shows the pattern."""

    def __call__(self, value):  # type: ignore[no-untyped-def]   # marshmallow's own overloads (str, bytes)
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


CODE_RE = Whole(CODE)
NIP_RE = Whole(NIP)
PERIOD_RE = Whole(PERIOD)

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
    return fields.String(validate=WholeRegexp(CODE, error=error), **kw)


def nip_field(error: str = NIP_MESSAGE, **kw: Any) -> fields.String:
    return fields.String(validate=WholeRegexp(NIP, error=error), **kw)


def period_field(error: str = PERIOD_MESSAGE, **kw: Any) -> fields.String:
    """A month, quarter or year."""
    return fields.String(validate=WholeRegexp(PERIOD, error=error), **kw)


def month_field(error: str = MONTH_MESSAGE, **kw: Any) -> fields.String:
    return fields.String(validate=WholeRegexp(PERIOD_MONTH, error=error), **kw)
