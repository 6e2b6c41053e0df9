"""Reading the console's forms the way the API reads its bodies, and showing what it refused.

Every admin page reads its form into the body the API's schema checks, so a page and the API
accept and refuse the same things; this module is that reading (empty is "not given", a field
the page does not have is refused, digits for an integer field) and the way back (marshmallow's
or an :class:`ApiError`'s messages as one message per field, in the reader's language).
"""
from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError, fields

from shared.platform.errors import ApiError
from shared.platform.i18n import current_lang, t
from shared.platform.webauth import web_principal

UNKNOWN_FIELD = "isian tidak dikenal / unknown field"


def by() -> str:
    """Who is changing something: the logged-in user (pages call this behind login_required)."""
    who = web_principal()
    assert who is not None   # login_required ran first
    return who.sub


def in_lang(text: str) -> str:
    """One language of a ``"Bahasa Indonesia / English"`` message: the reader's."""
    if " / " not in text:
        return text
    return text.split(" / ", 1)[1 if current_lang() == "en" else 0]


def error_page(err: ApiError) -> ResponseReturnValue:
    details = [f"{field}: {' '.join(msgs)}" for field, msgs in sorted(err.errors.items())]
    return render_template("ui/error.html", status=err.status, message=t(err.message, err.message_en),
                           details=details), err.status


def refuse_unknown(allowed: set[str] | tuple[str, ...], files: frozenset[str] = frozenset()) -> None:
    """A form field (or file) the page does not have is refused, as the API refuses it."""
    if any(k not in allowed and k != "csrf_token" for k in request.form) or any(k not in files for k in request.files):
        raise ValidationError({"_form": [UNKNOWN_FIELD]})


def values(names: tuple[str, ...]) -> dict[str, Any]:
    """The submitted fields, stripped, empty ones as None (the schemas' "not given"); a field
    the form does not have is refused."""
    refuse_unknown(names)
    return {k: (request.form.get(k, "").strip() or None) for k in names if k in request.form}


def text(name: str) -> str | None:
    """The field's text, stripped; an empty field is not given (the schema's default applies)."""
    return request.form.get(name, "").strip() or None


def typed(field: fields.Field[Any], value: str) -> Any:
    """Form text as the JSON value the API would receive: digits for an integer field, true or
    false for a boolean one; anything else stays text, for the schema to refuse as it refuses it
    from the API."""
    if isinstance(field, fields.Integer) and re.fullmatch(r"-?[0-9]{1,12}", value):
        return int(value)
    if isinstance(field, fields.Boolean) and value in ("true", "false"):
        return value == "true"
    return value


def _flatten(raw: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(raw, dict):
        for key, value in raw.items():
            # a Dict field's "value"/"key" and a List field's item number name the field itself
            name = prefix if (isinstance(key, int) or key in ("value", "key")) and prefix else \
                f"{prefix}.{key}" if prefix else str(key)
            _flatten(value, name, out)
    elif isinstance(raw, list) and raw and not isinstance(raw[0], (dict, list)):
        out.setdefault(prefix, str(raw[0]))
    elif isinstance(raw, list):
        for value in raw:
            _flatten(value, prefix, out)
    elif raw:
        out.setdefault(prefix, str(raw))


def messages(exc: ValidationError | ApiError) -> dict[str, str]:
    """field (``name``, ``weights.U1``, ``params.threshold``) -> its first message, in the
    reader's language; an ApiError without field errors is the form's (``_form``)."""
    raw = exc.messages if isinstance(exc, ValidationError) else exc.errors
    flat: dict[str, str] = {}
    _flatten(raw, "", flat)
    if isinstance(exc, ApiError) and not flat:
        flat["_form"] = f"{exc.message} / {exc.message_en}"
    return {name or "_form": in_lang(message) for name, message in flat.items()}
