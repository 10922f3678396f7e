"""What one request attempt did on the wire: was any byte of the request handed to the socket?

An exception alone cannot always say (see ``failures``): a TLS error raised while shaking hands and one raised
while reading Twilio's answer reach the caller as the same exception chain. So the transport watches instead.
``WatchingAdapter`` is a requests adapter whose urllib3 connections report to the ``WireWatch`` of the attempt in
progress (a context variable set by ``watch()``): ``used`` when one of them takes part, ``written`` the moment the
first byte of the request is handed to the socket — after the TCP connection and the TLS handshake, before
``sendall``.

Through a proxy, or under a test double that replaces the adapter, no watching connection takes part:
``request_written`` is then None and the exception alone decides, conservatively.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["WatchingAdapter", "WireWatch", "watch"]


@dataclass
class WireWatch:
    used: bool = False
    written: bool = False

    @property
    def request_written(self) -> bool | None:
        """True: request bytes reached the socket; False: they certainly did not; None: not watched."""
        return self.written if self.used else None


_current: ContextVar[WireWatch | None] = ContextVar("twilio_wire_watch", default=None)


@contextlib.contextmanager
def watch() -> Iterator[WireWatch]:
    """Watch the requests made inside the block (this thread or task only)."""
    current = WireWatch()
    token = _current.set(current)
    try:
        yield current
    finally:
        _current.reset(token)


def _mark(*, written: bool = False) -> None:
    current = _current.get()
    if current is not None:
        current.used = True
        current.written = current.written or written


class _WatchingHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        _mark()
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _mark()
        super().request(*args, **kwargs)

    def send(self, data: Any) -> None:
        # http.client opens a plain connection lazily, inside the first send: open it first, so a refused
        # connection is not mistaken for a written request.
        if self.sock is None:
            self.connect()
        _mark(written=True)
        super().send(data)


class _WatchingHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        _mark()
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _mark()
        super().request(*args, **kwargs)

    def send(self, data: Any) -> None:
        if self.sock is None:
            self.connect()
        _mark(written=True)
        super().send(data)


class _WatchingHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchingHTTPConnection


class _WatchingHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchingHTTPSConnection


class WatchingAdapter(HTTPAdapter):
    """An ``HTTPAdapter`` whose direct connections report to the current ``WireWatch``."""

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block=block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchingHTTPPool, "https": _WatchingHTTPSPool}
