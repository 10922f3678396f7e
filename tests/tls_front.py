"""A loopback TLS endpoint in front of a plain-HTTP emulator that breaks connections the way bad networks do.

Each connection is handled according to ``mode``:

- ``"break-answer"``: complete the TLS handshake, read one whole HTTP request, forward it to the upstream server
  (so the emulator takes it, as Twilio would), then send a corrupt TLS record instead of the answer and close.
  The client fails with a TLS error *while reading the answer*, after the request reached the server.
- ``"abort-handshake"``: accept the TCP connection, read the client's first handshake bytes and close without
  answering them. The client fails during the TLS handshake: no byte of the request was written.
- ``"forward"``: a working TLS front (proves the set-up before breaking it).

A client trusts the front by pointing ``REQUESTS_CA_BUNDLE`` at ``certificates.ca_file`` (``devstack.tls``).
``connections`` and ``forwarded`` count what the front saw, for assertions.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from devstack.tls import LocalCertificates

__all__ = ["TlsFront", "tls_front"]

_HEADER_LIMIT = 64 * 1024
# An application-data record (type 23, TLS 1.2 framing as TLS 1.3 also uses) whose payload is noise: the client's
# record layer cannot authenticate it and raises a TLS error.
_CORRUPT_RECORD = b"\x17\x03\x03\x00\x40" + os.urandom(64)


@dataclass
class TlsFront:
    certificates: LocalCertificates
    upstream: str
    mode: str = "break-answer"
    connections: int = 0
    forwarded: list[bytes] = field(default_factory=list)
    _listener: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._listener is not None
        return f"https://127.0.0.1:{self._listener.getsockname()[1]}"

    def start(self) -> TlsFront:
        self._listener = socket.create_server(("127.0.0.1", 0))
        thread = threading.Thread(target=self._accept, name="tls-front", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        # The accepting thread first: once it has ended, no connection thread is added any more.
        for thread in list(self._threads):
            thread.join(timeout=10)
        for thread in list(self._threads):
            thread.join(timeout=10)

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            worker = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            worker.start()
            self._threads.append(worker)

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(10)
        with connection:
            if self.mode == "abort-handshake":
                with contextlib.suppress(OSError):
                    connection.recv(1024)  # the ClientHello, left unanswered
                return
            context = self.certificates.server_context()
            try:
                secure = context.wrap_socket(connection, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate
            with secure:
                request = _read_request(secure)
                if request is None:
                    return
                answer = self._forward(request)
                with self._lock:
                    self.forwarded.append(request)
                if self.mode == "forward":
                    secure.sendall(answer)
                    return
                # Bypass the TLS layer: these bytes reach the client's record layer as they are.
                socket.socket.sendall(secure, _CORRUPT_RECORD)

    def _forward(self, request: bytes) -> bytes:
        head, _, body = request.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        headers.pop("Connection", None)
        upstream = urlsplit(self.upstream)
        client = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=10)
        try:
            client.request(method, target, body=body, headers=headers)
            response = client.getresponse()
            payload = response.read()
            status_line = f"HTTP/1.1 {response.status} {response.reason}\r\n"
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in ("transfer-encoding", "connection")]
            kept = [(k, v) for k, v in kept if k.lower() != "content-length"] + [("Content-Length", str(len(payload)))]
            header_block = "".join(f"{k}: {v}\r\n" for k, v in kept) + "Connection: close\r\n\r\n"
            return (status_line + header_block).encode("latin-1") + payload
        finally:
            client.close()


def _read_request(stream: ssl.SSLSocket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = stream.recv(4096)
        if not chunk or len(data) > _HEADER_LIMIT:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = stream.recv(65536)
        if not chunk:
            return None
        body += chunk
    return head + b"\r\n\r\n" + body


@contextlib.contextmanager
def tls_front(certificates: LocalCertificates, upstream: str, mode: str = "break-answer") -> Iterator[TlsFront]:
    front = TlsFront(certificates, upstream, mode).start()
    try:
        yield front
    finally:
        front.stop()
