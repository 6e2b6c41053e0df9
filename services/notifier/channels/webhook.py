"""Posting a JSON body to a webhook with its HMAC-SHA256 signature (the secret is never logged).

The request goes to one of the destination's checked addresses (the Host header and TLS
name are the URL's host), answers are not followed when they redirect, the whole exchange
has one deadline, and whatever goes wrong on the way (refused connection, TLS, a broken
status line, a receiver that drips) is a :class:`SendError` naming what happened.
"""
from __future__ import annotations

import http.client
import socket
import ssl

from services.notifier.channels import SendError
from services.notifier.channels.addresses import Destination
from services.notifier.channels.deadline import Deadline
from services.notifier.delivery_timing import SIGNATURE_HEADER, sign

READ_LIMIT = 64 * 1024  # of a receiver's answer body: read and dropped


def post(dest: Destination, body: str, secret: str, *, delivery_id: str, timeout: float) -> int:
    raw = body.encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "tanggap-notifier",
               "X-Tanggap-Delivery": delivery_id, SIGNATURE_HEADER: "sha256=" + sign(secret, raw)}
    with Deadline(timeout) as deadline:
        connection = _connection(dest, deadline)
        try:
            connection.request("POST", dest.target, body=raw, headers=headers)
            response = connection.getresponse()
            status = response.status
            response.read(READ_LIMIT)
        except Exception as exc:  # every transport and protocol failure is this attempt's failure
            if deadline.expired:
                raise SendError(f"webhook deadline of {timeout:g} s passed") from None
            raise SendError(f"webhook {type(exc).__name__}") from None
        finally:
            connection.close()
    if 300 <= status < 400:
        raise SendError(f"HTTP {status} (redirects are not followed)")
    if not 200 <= status < 300:
        raise SendError(f"HTTP {status}")
    return status


def _connection(dest: Destination, deadline: Deadline) -> http.client.HTTPConnection:
    def open_socket() -> socket.socket:
        error: OSError | None = None
        for address in dest.addresses:  # the checked addresses only, in the resolver's order
            try:
                sock = socket.create_connection((address, dest.port), timeout=deadline.remaining())
            except OSError as exc:
                error = exc
                continue
            deadline.watch(sock)
            return sock
        raise error or OSError("no address to connect to")

    if dest.scheme == "https":
        context = ssl.create_default_context()

        class Pinned(http.client.HTTPSConnection):
            def connect(self) -> None:
                # Wrapping takes the plain socket over: watch the TLS one, then shake hands.
                tls = context.wrap_socket(open_socket(), server_hostname=dest.host, do_handshake_on_connect=False)
                deadline.watch(tls)
                tls.do_handshake()
                self.sock = tls

        return Pinned(dest.host, dest.port, timeout=deadline.remaining(), context=context)

    class PinnedPlain(http.client.HTTPConnection):
        def connect(self) -> None:
            self.sock = open_socket()

    return PinnedPlain(dest.host, dest.port, timeout=deadline.remaining())
