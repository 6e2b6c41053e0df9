"""One total deadline for a request, however the other side paces its bytes.

A socket timeout bounds each read, not the request: a receiver answering one byte every few
seconds never trips it. :class:`Deadline` starts a timer; when it fires it shuts down every
socket it watches, which wakes the blocked read at once, and ``expired`` tells the caller
why the read failed.
"""
from __future__ import annotations

import socket
import threading
import time


class Deadline:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._fired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._ends = 0.0

    def __enter__(self) -> Deadline:
        self._ends = time.monotonic() + self.seconds
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    @property
    def expired(self) -> bool:
        """Whether the deadline has passed: the timer fired, or the time is up and a socket
        timeout (set to the time remaining) woke the read before the timer thread ran."""
        return self._fired or (self._ends > 0 and time.monotonic() >= self._ends)

    def remaining(self) -> float:
        """Seconds left (at least a small positive number, for socket timeouts)."""
        return max(self._ends - time.monotonic(), 0.001)

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            expired = self._fired
        if expired:
            self._shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self._fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed or never connected
