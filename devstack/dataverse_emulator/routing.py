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

    def takes(self, method: str) -> bool:
        return self.methods is None or method in self.methods


def route(methods: str, shape: str, handler: Handler, *, guard: Guard | None = None) -> Route:
    """``route("GET POST", r"(?P<set>\\w+)", handler)``; ``ANY`` for every method."""
    chosen = None if methods == ANY else frozenset(methods.split())
    return Route(chosen, re.compile(shape, re.DOTALL), handler, guard)


class Router:
    def __init__(self, routes: Sequence[Route]) -> None:
        self.routes = tuple(routes)
        self._by_method: dict[str, tuple[Route, ...]] = {}

    def dispatch(self, call: Call, events: list[WriteEvent]) -> Outcome:
        for candidate in self._for(call.method):
            match = candidate.shape.fullmatch(call.path)
            if match is not None and (candidate.guard is None or candidate.guard(match)):
                return candidate.handler(Routed(call, match, events))
        raise errors.unsupported(f"the resource path '{call.path}'")

    def _for(self, method: str) -> tuple[Route, ...]:
        # every call is routed: the routes a method can reach, in table order, are worked out once per method
        found = self._by_method.get(method)
        if found is None:
            found = self._by_method[method] = tuple(r for r in self.routes if r.takes(method))
        return found
