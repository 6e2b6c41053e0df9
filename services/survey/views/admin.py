"""Operations views for admins."""
from __future__ import annotations

from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, require
from shared.records.responses import Response

from services.survey.schemas import BacklogOut

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Operations (admin)")


@blp.route("/outbox", methods=["GET"])
@require(ADMIN)
@blp.response(200, BacklogOut)
def outbox_backlog():
    """Responses stored but not yet published to Kafka (the relay's backlog)."""
    oldest = Response.objects(published=False).order_by("received_at").only("received_at").first()
    return {"pending": Response.objects(published=False).count(),
            "oldest_pending_at": oldest.received_at.isoformat() if oldest else None,
            "published": Response.objects(published=True).count()}
