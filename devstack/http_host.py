"""HTTP triggers served as a WSGI app, with the routing, methods and authorization levels of the Functions host.

- Routes live under host.json's `routePrefix`; templates use the host's syntax: `{id}`, `{id:int}`, `{id:guid}`,
  `{id:alpha}`, optional `{id?}` and catch-all `{*rest}`.
- `FUNCTION` level needs a key in the `code` query parameter or the `x-functions-key` header (the function key
  or the master key); `ADMIN` needs the master key; `ANONYMOUS` needs nothing. A missing or wrong key is `401`
  with an empty body, an unknown path `404`, a known path with another method `405`.
- After a successful invocation, queue output bindings are delivered; a failed one delivers nothing, as in Azure.
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import azure.functions as func
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import BaseConverter, Map, Rule
from werkzeug.wrappers import Request, Response

from devstack.functions import AuthLevel, FunctionSpec, TriggerKind
from devstack.invocation import invoke

__all__ = ["HttpHost", "route_rules"]

log = logging.getLogger("devstack.http")

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+)(?:\([^)]*\))?)?(\??)\}")


class _GuidConverter(BaseConverter):
    regex = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class _AlphaConverter(BaseConverter):
    regex = r"[A-Za-z]+"


_CONVERTERS = {"int": "int", "guid": "guid", "alpha": "alpha", "long": "int"}


def route_rules(prefix: str, template: str) -> list[str]:
    """Werkzeug rule strings for one Functions route template (two when a trailing parameter is optional)."""
    optional: list[str] = []

    def convert(match: re.Match[str]) -> str:
        catch_all, name, constraint, maybe = match.groups()
        if maybe:
            optional.append(name)
        if catch_all:
            return f"<path:{name}>"
        converter = _CONVERTERS.get((constraint or "").lower())
        return f"<{converter}:{name}>" if converter else f"<{name}>"

    body = _PARAM.sub(convert, template.strip("/"))
    base = "/" + "/".join(p for p in (prefix.strip("/"), body) if p)
    rules = [base]
    if optional:
        # Only a trailing optional segment can be left out of a URL; drop it for the second rule.
        shortened = base.rsplit("/", 1)[0] or "/"
        rules.append(shortened)
    return rules


class HttpHost:
    """The WSGI application serving every HTTP-triggered function of an app."""

    def __init__(
        self,
        functions: Iterable[FunctionSpec],
        *,
        route_prefix: str,
        function_key: str,
        master_key: str,
        deliver: Callable[[FunctionSpec, dict[str, Any]], None] | None = None,
    ) -> None:
        self._functions = {f.name: f for f in functions if f.kind is TriggerKind.HTTP}
        self._keys = (function_key, master_key)
        self._master_key = master_key
        self._deliver = deliver
        rules: list[Rule] = []
        for spec in self._functions.values():
            for rule in route_rules(route_prefix, spec.route or spec.name):
                rules.append(Rule(rule, endpoint=spec.name, methods=list(spec.methods) if spec.methods else None))
        self._map = Map(rules, converters={"guid": _GuidConverter, "alpha": _AlphaConverter},
                        strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        adapter = self._map.bind_to_environ(request.environ)
        try:
            endpoint, route_params = adapter.match()
        except MethodNotAllowed as exc:
            return Response(status=405, headers={"Allow": ", ".join(exc.valid_methods or [])})
        except NotFound:
            return Response(status=404)
        except HTTPException as exc:
            return Response(status=exc.code or 400)
        spec = self._functions[str(endpoint)]
        if not self._authorized(spec, request):
            return Response(status=401)
        return self._run(spec, request, {k: str(v) for k, v in route_params.items()})

    def _authorized(self, spec: FunctionSpec, request: Request) -> bool:
        if spec.auth_level is AuthLevel.ANONYMOUS:
            return True
        supplied = request.headers.get("x-functions-key") or request.args.get("code") or ""
        allowed = (self._master_key,) if spec.auth_level is AuthLevel.ADMIN else self._keys
        return any(hmac.compare_digest(supplied.encode(), key.encode()) for key in allowed)

    def _run(self, spec: FunctionSpec, request: Request, route_params: dict[str, str]) -> Response:
        http_request = func.HttpRequest(
            method=request.method,
            url=request.url,
            headers=dict(request.headers.items()),
            params={k: v for k, v in request.args.items()},
            route_params=route_params,
            body=request.get_data(),
        )
        invocation_id = str(uuid.uuid4())
        try:
            result = invoke(spec, http_request, invocation_id=invocation_id)
            if self._deliver is not None:
                self._deliver(spec, result.outputs)
        except Exception:
            log.exception("function %s failed (invocation %s)", spec.name, invocation_id)
            return Response(status=500)
        return _to_response(result.value)


def _to_response(value: Any) -> Response:
    if value is None:
        return Response(status=204)
    if isinstance(value, func.HttpResponse):
        headers = [(k, v) for k, v in value.headers.items() if k.lower() != "content-type"]
        mimetype = value.mimetype or "text/plain"
        content_type = f"{mimetype}; charset={value.charset}" if value.charset and mimetype.startswith(
            ("text/", "application/json")) else mimetype
        return Response(value.get_body(), status=value.status_code, headers=headers,
                        content_type=value.headers.get("content-type", content_type))
    if isinstance(value, (str, bytes)):
        return Response(value, status=200)
    raise TypeError(f"an HTTP function must return func.HttpResponse, str or bytes, not {type(value).__name__}")
