"""Routing: an ordered table of (methods, path shape) → handler; the first route that fits a call answers it.

A path shape is a regular expression matched against the whole path below ``/api/data/v9.2/``; its named groups
are what the handler reads (``routed["set"]``). A route may also carry a guard, a test of the matched path that
needs the org's state (is this navigation property a many-to-many relationship?). A call that no route fits is
refused by name, as every path outside the emulator's subset is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import errors
from .protocol import Call, Outcome, WriteEvent

__all__ = ["ANY", "Route", "Routed", "Router", "route"]

ANY = "*"


@dataclass(frozen=True)
class Routed:
    """A call as its route sees it: the call, the parts of its path the shape named, and the list that collects
    the writes it commits (for webhooks)."""

    call: Call
    match: re.Match[str]
    events: list[WriteEvent]

    def __getitem__(self, group: str) -> str:
        return self.match[group]

    def get(self, group: str) -> str | None:
        """The named part, or None when the shape has no such group or it matched nothing."""
        return self.match.groupdict().get(group)


Handler = Callable[[Routed], Outcome]
Guard = Callable[[re.Match[str]], bool]


@dataclass(frozen=True)
class Route:
    methods: frozenset[str] | None  # None: every method
    shape: re.Pattern[str]
    handler: Handler
    guard: Guard | None = None

    def fits(self, call: Call) -> re.Match[str] | None:
        if self.methods is not None and call.method not in self.methods:
            return None
        match = self.shape.fullmatch(call.path)
        if match is None or (self.guard is not None and not self.guard(match)):
            return None
        return match


def route(methods: str, shape: str, handler: Handler, *, guard: Guard | None = None) -> Route:
    """``route("GET POST", r"(?P<set>\\w+)", handler)``; ``ANY`` for every method."""
    chosen = None if methods == ANY else frozenset(methods.split())
    return Route(chosen, re.compile(shape, re.DOTALL), handler, guard)


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)

    def dispatch(self, call: Call, events: list[WriteEvent]) -> Outcome:
        for candidate in self.routes:
            match = candidate.fits(call)
            if match is not None:
                return candidate.handler(Routed(call, match, events))
        raise errors.unsupported(f"the resource path '{call.path}'")
