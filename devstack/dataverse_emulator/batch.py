"""``$batch``: multipart/mixed requests with atomic changesets, ``Content-ID`` and ``$n`` references.

Shape as in https://learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api:
parts run in order; a changeset commits as a whole or not at all; without
``Prefer: odata.continue-on-error`` the batch stops at the first failure; at most 1000 requests.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.datastructures import Headers

from . import errors
from .errors import ODataError
from .ports import Dispatch
from .protocol import API_PREFIX, Call, Outcome, Prefer, WriteEvent
from .store import Store

__all__ = ["MAX_REQUESTS", "Part", "parse_multipart", "run_batch"]

MAX_REQUESTS = 1000


class _RolledBack(Exception):
    """A request of a changeset failed; undo the changeset's writes."""


@dataclass
class Part:
    headers: Headers
    method: str = ""
    url: str = ""
    request_headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    changeset: list[Part] | None = None

    @property
    def content_id(self) -> str | None:
        return self.headers.get("Content-ID")


def run_batch(dispatch: Dispatch, store: Store, call: Call, events: list[WriteEvent]) -> Outcome:
    """Run each part through ``dispatch`` (as the emulator answers a single call), changesets in ``store``'s
    transactions."""
    if call.method != "POST":
        raise ODataError(405, errors.BAD_PROPERTY, "$batch only accepts POST.")
    boundary = _boundary(call.header("Content-Type") or "")
    parts = parse_multipart(call.body, boundary)
    count = sum(len(p.changeset) if p.changeset is not None else 1 for p in parts)
    if count > MAX_REQUESTS:
        raise ODataError(
            400, errors.INVALID_ARGUMENT, f"Number of requests in a batch exceeded the limit of {MAX_REQUESTS}."
        )
    prefer = Prefer.parse(call.headers.getlist("Prefer"))
    references: dict[str, str] = {}
    out_boundary = f"batchresponse_{uuid.uuid4()}"
    chunks: list[bytes] = []
    status = 200
    for part in parts:
        if part.changeset is None:
            outcome = _run_one(dispatch, call, part, references, events)
            chunks.append(_http_part(outcome, part.content_id))
            failed = outcome.status if outcome.status >= 400 else None
        else:
            body, failed = _run_changeset(dispatch, store, call, part.changeset, references=references,
                                          events=events)
            chunks.append(body)
        if failed is not None and not prefer.continue_on_error:
            # Without continue-on-error the batch answers with the status of the request that failed.
            status = failed
            break
    payload = (
        b"".join(f"--{out_boundary}\r\n".encode() + chunk for chunk in chunks) + f"--{out_boundary}--\r\n".encode()
    )
    headers = [("OData-Version", "4.0")]
    if prefer.continue_on_error:
        headers.append(("Preference-Applied", "odata.continue-on-error"))
    return Outcome(status, headers, payload, f"multipart/mixed; boundary={out_boundary}")


def _run_changeset(
    dispatch: Dispatch, store: Store, call: Call, parts: list[Part], *, references: dict[str, str],
    events: list[WriteEvent],
) -> tuple[bytes, int | None]:
    """The changeset's response part and, when it failed and was rolled back, the failing status."""
    for part in parts:
        if part.method == "GET":
            err = ODataError(400, errors.INVALID_ARGUMENT, "A changeset cannot contain GET requests.")
            return _http_part(Outcome.error(err), part.content_id), err.status
    local_events: list[WriteEvent] = []
    local_refs = dict(references)
    outcomes: list[tuple[Outcome, str | None]] = []
    try:
        with store.transaction():  # all or nothing
            for part in parts:
                outcome = _run_one(dispatch, call, part, local_refs, local_events)
                outcomes.append((outcome, part.content_id))
                if outcome.status >= 400:
                    raise _RolledBack
    except _RolledBack:
        failed, content_id = outcomes[-1]
        return _http_part(failed, content_id), failed.status
    references.update(local_refs)
    events.extend(local_events)
    cs_boundary = f"changesetresponse_{uuid.uuid4()}"
    inner = b"".join(f"--{cs_boundary}\r\n".encode() + _http_part(o, cid) for o, cid in outcomes)
    inner += f"--{cs_boundary}--\r\n".encode()
    head = f"Content-Type: multipart/mixed; boundary={cs_boundary}\r\n\r\n".encode()
    return head + inner + b"\r\n", None


def _run_one(
    dispatch: Dispatch, outer: Call, part: Part, references: dict[str, str], events: list[WriteEvent]
) -> Outcome:
    try:
        url = _resolve_references(part.url, references)
        path, query = _relative(url)
        body = part.body
        if body:
            body = _bind_references(body, references)
        inner = Call(part.method, path, query, part.request_headers, body, outer.base_url)
        outcome = dispatch(inner, events)
    except ODataError as err:
        outcome = Outcome.error(err)
    if part.content_id and outcome.status < 400:
        entity = next((v for k, v in outcome.headers if k == "OData-EntityId"), None)
        if entity:
            references[part.content_id] = entity
    return outcome


def _resolve_references(url: str, references: dict[str, str]) -> str:
    m = re.match(r"^\$(\w+)(.*)$", url)
    if m is None:
        return url
    target = references.get(m.group(1))
    if target is None:
        raise ODataError(
            400, errors.INVALID_ARGUMENT, f"Content-ID Reference: '${m.group(1)}' does not exist in the batch context."
        )
    return target + m.group(2)


def _bind_references(body: bytes, references: dict[str, str]) -> bytes:
    """Replace "$n" in @odata.bind values (also inside nested objects such as activity parties)."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if not isinstance(data, dict):
        return body
    return json.dumps(_swap_binds(data, references)).encode()


def _swap_binds(value: Any, references: dict[str, str], bind: bool = False) -> Any:
    if bind and isinstance(value, str) and re.fullmatch(r"\$\w+", value):
        return _resolve_references(value, references)
    if isinstance(value, list):
        return [_swap_binds(v, references) for v in value]
    if isinstance(value, dict):
        return {k: _swap_binds(v, references, k.endswith("@odata.bind")) for k, v in value.items()}
    return value


def _relative(url: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(url)
    path = parts.path
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    elif path.startswith("/"):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The batch request URL '{url}' is not under {API_PREFIX}.")
    return path, parse_qsl(parts.query, keep_blank_values=True)


def _http_part(outcome: Outcome, content_id: str | None) -> bytes:
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        lines.append(f"Content-ID: {content_id}")
    lines.append("")
    reason = HTTPStatus(outcome.status).phrase
    lines.append(f"HTTP/1.1 {outcome.status} {reason}")
    headers = list(outcome.headers)
    if outcome.content_type:
        headers.append(("Content-Type", outcome.content_type))
    for name, value in headers:
        lines.append(f"{name}: {value}")
        if name == "OData-EntityId":
            lines.append(f"Location: {value}")
    lines.append("")
    return ("\r\n".join(lines) + "\r\n").encode() + outcome.body + b"\r\n"


# --- parsing ---


def _boundary(content_type: str) -> str:
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/mixed") or m is None:
        raise ODataError(
            400, errors.INVALID_ARGUMENT, "A $batch request needs Content-Type: multipart/mixed; boundary=..."
        )
    return m.group(1)


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    text = body.replace(b"\r\n", b"\n")
    delimiter = b"--" + boundary.encode()
    if delimiter + b"--" not in text:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"The $batch body does not end with '--{boundary}--'.")
    segments = text.split(delimiter)
    parts: list[Part] = []
    for segment in segments[1:]:
        if segment.startswith(b"--"):
            break
        parts.append(_parse_part(segment.lstrip(b" \t").removeprefix(b"\n")))
    return parts


def _parse_part(segment: bytes) -> Part:
    head, _, content = segment.partition(b"\n\n")
    headers = _headers(head)
    ctype = headers.get("Content-Type", "")
    if ctype.lower().startswith("multipart/mixed"):
        inner = parse_multipart(content, _boundary(ctype))
        for p in inner:
            if p.changeset is not None:
                raise ODataError(400, errors.INVALID_ARGUMENT, "Changesets cannot be nested.")
        return Part(headers=headers, changeset=inner)
    if not ctype.lower().startswith("application/http"):
        raise ODataError(400, errors.INVALID_ARGUMENT, f"A batch part must be application/http, not '{ctype}'.")
    request_head, _, request_body = content.partition(b"\n\n")
    lines = request_head.decode("utf-8").split("\n")
    # Clients write query options into the request line as they are (Microsoft's SDK sends
    # "GET .../contacts?$filter=statecode eq 0 HTTP/1.1"), so the URL runs up to the protocol version.
    m = re.fullmatch(r"(GET|POST|PATCH|PUT|DELETE)\s+(.+?)(?:\s+HTTP/1\.1)?\s*", lines[0])
    if m is None:
        raise ODataError(400, errors.INVALID_ARGUMENT, f"Bad request line in batch part: '{lines[0]}'.")
    if request_body.endswith(b"\n"):
        request_body = request_body[:-1]
    return Part(
        headers=headers,
        method=m.group(1),
        url=m.group(2),
        request_headers=_headers("\n".join(lines[1:]).encode()),
        body=request_body.strip() if request_body.strip() else b"",
    )


def _headers(block: bytes) -> Headers:
    headers = Headers()
    for line in block.decode("utf-8").split("\n"):
        if ":" in line:
            name, value = line.split(":", 1)
            headers.add(name.strip(), value.strip())
    return headers
