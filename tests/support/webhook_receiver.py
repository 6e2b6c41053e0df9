"""A real HTTP server on loopback that receives webhooks and checks their HMAC-SHA256 signature.

It computes the signature itself (``hmac`` over the raw body with the shared secret), so it
checks the notifier rather than trusting the notifier's own signing code. ``fail_next(k)``
makes the next ``k`` requests answer 500; ``fail_first=True`` makes the first request of every
delivery (by ``X-Tanggap-Delivery``) answer 500 and its next one succeed.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hook:
    path: str
    body: bytes
    signature_ok: bool
    delivery_id: str
    answered: int
    host: str = ""

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, secret: str, *, fail_first: bool = False):
        self.secret = secret
        self.fail_first = fail_first
        self.requests: list[Hook] = []
        self._failures = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), raw, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(expected, self.headers.get("X-Tanggap-Signature", ""))
                delivery = self.headers.get("X-Tanggap-Delivery", "")
                with receiver._lock:
                    first = receiver.fail_first and not any(r.delivery_id == delivery for r in receiver.requests)
                    status = 500 if receiver._failures > 0 or first else (204 if ok else 401)
                    if receiver._failures > 0:
                        receiver._failures -= 1
                    receiver.requests.append(Hook(self.path, raw, ok, delivery, status, self.headers.get("Host", "")))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/tanggap"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def fail_next(self, k: int) -> None:
        with self._lock:
            self._failures = k

    def accepted(self) -> list[Hook]:
        with self._lock:
            return [r for r in self.requests if r.answered < 300]

    def all(self) -> list[Hook]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
