"""Posting a JSON body to a webhook with its HMAC-SHA256 signature (the secret is never logged)."""
from __future__ import annotations

import urllib.error
import urllib.request

from services.notifier.channels import SendError
from services.notifier.delivery_timing import SIGNATURE_HEADER, sign


def post(url: str, body: str, secret: str, *, delivery_id: str, timeout: float) -> int:
    raw = body.encode("utf-8")
    request = urllib.request.Request(url, data=raw, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "tanggap-notifier",
        "X-Tanggap-Delivery": delivery_id, SIGNATURE_HEADER: "sha256=" + sign(secret, raw)})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(f"webhook {type(exc).__name__}") from None
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    return status
