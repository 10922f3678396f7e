"""The HTTP shapes the emulator speaks: one call (alone or inside a $batch), its outcome, Prefer, a JSON body and
the ``@odata.context`` of an answer."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import Headers

from solution.schema import Table

from . import errors
from .errors import ODataError

API_PREFIX = "/api/data/v9.2/"
MAX_PAGE_SIZE = 5000

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
ASSOCIATED_NAV = "Microsoft.Dynamics.CRM.associatednavigationproperty"


@dataclass
class Call:
    """One HTTP operation, on its own or as a part of a ``$batch``."""

    method: str
    path: str  # below API_PREFIX, e.g. "smsb_messages(…)"
    query: list[tuple[str, str]]
    headers: Headers
    body: bytes
    base_url: str  # e.g. "http://127.0.0.1:7072/api/data/v9.2/"

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def param(self, name: str) -> str | None:
        for key, value in self.query:
            if key == name:
                return value
        return None


@dataclass
class Outcome:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Outcome:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, [*headers, ("OData-Version", "4.0")], body, "application/json; odata.metadata=minimal")

    @classmethod
    def error(cls, err: ODataError) -> Outcome:
        return cls.json(err.status, err.body(), err.headers.items())


@dataclass(frozen=True)
class WriteEvent:
    """A committed Create/Update, for webhook steps."""

    message: str
    table: str
    row_id: str
    target: dict[str, Any]
    pre_image: dict[str, Any] | None
    post_image: dict[str, Any]


@dataclass
class Prefer:
    representation: bool = False
    annotations: str | None = None
    max_page_size: int | None = None
    continue_on_error: bool = False

    @classmethod
    def parse(cls, values: list[str]) -> Prefer:
        prefer = cls()
        for value in values:
            for part in _split_prefer(value):
                key, _, raw = part.partition("=")
                key = key.strip().lower()
                raw = raw.strip().strip('"')
                if key == "return" and raw == "representation":
                    prefer.representation = True
                elif key == "odata.include-annotations":
                    prefer.annotations = raw
                elif key == "odata.maxpagesize":
                    try:
                        prefer.max_page_size = max(1, min(int(raw), MAX_PAGE_SIZE))
                    except ValueError:
                        raise errors.syntax(f"Invalid odata.maxpagesize '{raw}'.") from None
                elif key == "odata.continue-on-error":
                    prefer.continue_on_error = True
        return prefer

    def wants(self, annotation: str) -> bool:
        if not self.annotations:
            return False
        return any(fnmatch.fnmatchcase(annotation, p.strip()) for p in self.annotations.split(","))


def _split_prefer(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def context_url(call: Call, table: Table, select: list[str] | None, *, entity: bool = False) -> str:
    """``$metadata#contacts(fullname,...)`` (plus ``/$entity`` for one row), as Dataverse writes it."""
    columns = f"({','.join(select)})" if select else ""
    return f"{call.base_url}$metadata#{table.entity_set}{columns}{'/$entity' if entity else ''}"


def etag(row: dict[str, Any]) -> str:
    return f'W/"{row.get("versionnumber", 0)}"'


def json_body(call: Call, what: str) -> dict[str, Any]:
    """The call's body, a JSON object; ``what`` names the resource in the error Dataverse gives for anything else."""
    try:
        body = json.loads(call.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.payload_error(what, f"Invalid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise errors.payload_error(what, "The payload must be a JSON object.")
    return body


def only_options(call: Call, *allowed: str) -> None:
    """Refuse by name a query option this kind of request does not take (never ignore it silently)."""
    for name, _ in call.query:
        if name not in allowed:
            raise errors.unsupported(f"the query option '{name}' on {call.method} {call.path.split('(')[0] or '/'}")


def method_not_allowed(call: Call) -> ODataError:
    return ODataError(405, errors.BAD_PROPERTY, f"The requested resource does not support http method '{call.method}'.")
