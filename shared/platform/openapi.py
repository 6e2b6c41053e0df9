"""What every service's OpenAPI document says the same way, so it says exactly what the
services answer.

- **Text.** Every string a client sends or gets, unless an enum, a pattern or a format says
  more, carries :data:`TEXT_PATTERN`: no NUL, no control characters but tab and line breaks,
  no unpaired surrogates, no U+FFFE/U+FFFF (what :mod:`.text` refuses at every way in).
- **Path parameters** named ``nip``, ``unit``, ``code`` or ``device_id`` have the shared formats
  (:mod:`shared.contracts.formats`); a view documents any other path parameter itself.
- **Errors.** Every error answer has the body :class:`.errors.ErrorOut`. Each operation lists
  the statuses every operation of its kind answers (400 for an unreadable body, 401/403 where
  a token is required, 404 where the path names something, 413 where there is a body, 422 for
  invalid input), besides those its view declares with their own meaning, and ``default``.
"""
from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apispec import BasePlugin
from marshmallow import fields

from shared.contracts.formats import CODE, NIP, USERNAME
from shared.platform.text import DISALLOWED

TEXT_PATTERN = f"^[^{DISALLOWED}]*$"
PATH_FORMATS = {"nip": NIP, "unit": CODE, "code": CODE, "device_id": CODE, "username": USERNAME,
                "session_id": r"^[0-9a-f]{16}$"}
_SPECIFIC = ("enum", "pattern", "format")
BODY_METHODS = ("post", "put", "patch")


def text_pattern(self: Any, field: fields.Field[Any], ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """An apispec attribute function: the text rule on plain strings (see the module doc)."""
    if ret.get("type") == "string" and not any(k in ret for k in _SPECIFIC) and isinstance(field, fields.String):
        return {"pattern": TEXT_PATTERN}
    return {}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": "ErrorOut"}}}


STANDARD = {
    400: "the body or a form could not be read (not JSON, not UTF-8, nested too deeply)",
    401: "no token, or a token that is not valid",
    403: "the token's roles may not do this",
    404: "nothing found under this path",
    413: "the body is larger than the service takes",
    422: "invalid input: the errors name each field",
}


class Conventions(BasePlugin):
    """An apispec plugin: the text rule on path parameters, the standard error answers."""

    def path_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                    parameters: list[Any] | None = None, **kwargs: Any) -> str | None:
        for parameter in parameters or []:
            schema = parameter.get("schema") if isinstance(parameter, dict) else None
            if isinstance(schema, dict) and schema.get("type") == "string" and not any(k in schema for k in _SPECIFIC):
                schema["pattern"] = PATH_FORMATS.get(parameter.get("name", ""), TEXT_PATTERN)
        self._has_path_parameters = bool(parameters) or bool(path and re.search(r"[{<]", path))
        return path

    def operation_helper(self, path: str | None = None, operations: dict[str, Any] | None = None,
                         **kwargs: Any) -> None:
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for key in [k for k in responses if isinstance(k, int)]:   # views may declare statuses as ints
                responses[str(key)] = responses.pop(key)
            wanted = [422]
            if method in BODY_METHODS:
                wanted += [400, 413]
            if operation.get("security"):
                wanted += [401, 403]
            if getattr(self, "_has_path_parameters", False):
                wanted.append(404)
            for status in wanted:
                responses.setdefault(str(status), _error(STANDARD[status]))
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400 and isinstance(response, dict) \
                        and "content" not in response and "$ref" not in response:
                    response["content"] = {"application/json": {"schema": "ErrorOut"}}
                    response.setdefault("description", HTTPStatus(int(status)).phrase)


def refuses(blp: Any, status: int, reasons: str, *, beyond_schema: bool = True) -> Any:
    """Document that an operation answers ``status`` on purpose, and why (the error body is
    :class:`.errors.ErrorOut`). ``beyond_schema``: the refusal depends on what no schema can
    say (stored data such as an unknown unit or a closed case, or a rule across fields such as
    weights summing to 1), so a request the schema accepts may get it; such responses carry
    ``x-beyond-schema: true``, and the API fuzzing accepts them for schema-valid requests."""
    from shared.platform.errors import ErrorOut

    if status == 422:
        reasons = f"invalid input (errors by field), or {reasons}"
    doc: dict[str, Any] = {"description": reasons, "schema": ErrorOut, "content_type": None}
    if beyond_schema:
        doc["x-beyond-schema"] = True
    return blp.alt_response(status, response=doc)
