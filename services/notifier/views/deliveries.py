"""The delivery log: every notification with its status and attempts, and counts per channel (admin)."""
from __future__ import annotations

from flask_smorest import Blueprint

from shared.platform.auth import ADMIN, require

from services.notifier import deliveries
from services.notifier.schemas import DeliveryPageOut, DeliveryQuery, StatsOut, StatsQuery

blp = Blueprint("deliveries", __name__, url_prefix="/api/v1/deliveries",
                description="Log pengiriman / delivery log: what was sent, failed, retried, dead-lettered")


@blp.route("", methods=["GET"])
@require(ADMIN)
@blp.arguments(DeliveryQuery, location="query")
@blp.response(200, DeliveryPageOut)
def list_deliveries(query):
    """Deliveries by case, channel, status, recipient and creation time (``since`` <= t < ``until``)."""
    limit, offset = query.pop("limit"), query.pop("offset")
    total, items = deliveries.query(**query, limit=limit, offset=offset)
    return {"total": total, "items": items}


@blp.route("/stats", methods=["GET"])
@require(ADMIN)
@blp.arguments(StatsQuery, location="query")
@blp.response(200, StatsOut)
def delivery_stats(query):
    """Per channel: deliveries sent, pending, dead, suppressed, in a digest; attempts failed and retried."""
    return deliveries.stats(query.get("since"), query.get("until"))
