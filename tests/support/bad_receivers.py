"""Webhook receivers that misbehave on purpose, on loopback: raw sockets, so they can break
HTTP in ways a well-behaved server library will not.

* ``drip``: reads the request, then answers one byte every ``pace`` seconds, for ever.
* ``garbage``: answers a line that is not an HTTP status line.
* ``redirect``: answers 302 to ``location``.
* ``hangup``: closes the connection without answering.

A TLS client's hello counts as the request, so the same modes break an ``https://`` handshake.
"""
from __future__ import annotations

import socket
import threading
import time


class BadReceiver:
    def __init__(self, mode: str, *, location: str = "", pace: float = 0.3, longest: float = 20.0):
        self.mode, self.location, self.pace, self.longest = mode, location, pace, longest
        self.requests = 0
        self._stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                data = b""
                while b"\r\n\r\n" not in data and not data.startswith(b"\x16"):  # 0x16: a TLS hello
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                self.requests += 1
                if self.mode == "drip":
                    ends = time.monotonic() + self.longest  # bounded: the test ends long before
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" * 100:
                        if self._stop.is_set() or time.monotonic() > ends:
                            return
                        conn.sendall(bytes([byte]))
                        time.sleep(self.pace)
                elif self.mode == "garbage":
                    conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")
                elif self.mode == "redirect":
                    conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {self.location}\r\nContent-Length: 0\r\n\r\n"
                                 .encode())
                elif self.mode == "hangup":
                    # read the whole request first: closing with unread bytes sends a reset, and the
                    # sender would see ConnectionResetError instead of the hang-up this mode stands for
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                                   if line.lower().startswith(b"content-length:")), 0)
                    while len(body) < length:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        body += chunk
                    return
            except OSError:
                return

    def __enter__(self) -> BadReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.sock.close()
        self.thread.join(timeout=2)
