"""Organisation directory: units. Reading is public (unit names are published); writing is admin."""
from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from shared.auth import ADMIN, principal, public, require
from shared.errors import ApiError
from shared.revisions import RevisionConflict

from shared.directory import Unit

from ..schemas import UnitIn, UnitOut

blp = Blueprint("units", __name__, url_prefix="/api/v1/units", description="Units (unit kerja / unit layanan)")


@blp.route("", methods=["GET"])
@public
@blp.response(200, UnitOut(many=True))
def list_units():
    """All current units."""
    return Unit.heads()


@blp.route("/<code>", methods=["GET"])
@public
@blp.response(200, UnitOut)
def get_unit(code):
    unit = Unit.head(code)
    if unit is None:
        raise ApiError(404, errors={"code": ["unit tidak dikenal / unknown unit"]})
    return unit


@blp.route("", methods=["POST"])
@require(ADMIN)
@blp.arguments(UnitIn)
@blp.response(201, UnitOut)
@blp.alt_response(409, description="changed concurrently")
def put_unit(data):
    """Create or update a unit (a new revision; unchanged data writes nothing)."""
    ext = current_app.extensions["tanggap"]
    code = data.pop("code")
    try:
        unit, _ = Unit.save_revision(code, data, at=ext.clock.now(), by=principal().sub)
    except RevisionConflict as exc:
        raise ApiError(409, errors={"code": [str(exc)]}) from None
    return unit
