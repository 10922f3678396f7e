"""Request headers: which Dataverse headers and ``Prefer`` preferences the emulator honours, which it refuses by
name, and the public address of the service behind a TLS-terminating proxy.

Dataverse's own headers ("Compose HTTP requests and handle errors",
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors, and
"Bypass custom Dataverse logic", https://learn.microsoft.com/power-apps/developer/data-platform/bypass-custom-business-logic):

* ``Consistency: Strong`` is honoured: the emulator is always strongly consistent;
* ``MSCRM.SuppressDuplicateDetection: true`` is honoured (the emulator runs no duplicate detection rules);
  ``false`` asks for duplicate detection and is refused;
* ``MSCRMCallerID`` impersonates (``impersonation.py``);
* ``MSCRM.SolutionUniqueName`` and ``MSCRM.MergeLabels`` belong to metadata requests and pass there;
* ``CallerObjectId``, the bypass headers and every other ``MSCRM.`` header answer 501 naming the header, as do
  ``Prefer`` preferences other than ``return=representation|minimal``, ``odata.include-annotations``,
  ``odata.maxpagesize`` and ``odata.continue-on-error`` ("Prefer headers" in
  https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors).

Ordinary HTTP and OData headers (``Accept``, ``OData-MaxVersion``, ``User-Agent``, ``x-ms-client-request-id``…)
are of course fine.

Behind a proxy that terminates TLS, absolute URLs in answers (``@odata.nextLink``, ``OData-EntityId``,
``@odata.context``, upload ``Location``) must name the address the client used, so :func:`public_base_url` reads
``Forwarded`` (RFC 7239) or ``X-Forwarded-Proto`` / ``X-Forwarded-Host`` / ``X-Forwarded-Port``. The emulator is
a local development service, so it trusts them from any client.
"""

from __future__ import annotations

from werkzeug.datastructures import Headers

from . import errors
from .errors import ODataError

__all__ = ["check_headers", "public_base_url"]

_METADATA_ROOTS = ("EntityDefinitions", "RelationshipDefinitions", "GlobalOptionSetDefinitions", "CreateEntities",
                   "RetrieveMetadataChanges", "ManagedPropertyDefinitions")
_METADATA_HEADERS = {"mscrm.solutionuniquename": "MSCRM.SolutionUniqueName", "mscrm.mergelabels": "MSCRM.MergeLabels"}
_REFUSED = {
    "callerobjectid": "impersonation by Microsoft Entra object id (the CallerObjectId header); the emulator"
                      " impersonates with MSCRMCallerID",
    "mscrm.bypasscustompluginexecution": "bypassing custom logic (the MSCRM.BypassCustomPluginExecution header)",
    "mscrm.bypassbusinesslogicexecution": "bypassing custom logic (the MSCRM.BypassBusinessLogicExecution header)",
    "mscrm.bypassbusinesslogicexecutionstepids": "bypassing plug-in steps (the"
                                                 " MSCRM.BypassBusinessLogicExecutionStepIds header)",
}
_PREFERENCES = frozenset({"return", "odata.include-annotations", "odata.maxpagesize", "odata.continue-on-error"})


def check_headers(path: str, headers: Headers) -> None:
    """Refuse, by name, a Dataverse header or preference this request carries and the emulator cannot honour."""
    metadata = path.startswith(_METADATA_ROOTS)
    for name, raw in headers.items():
        lower = name.lower()
        value = raw.strip()
        if lower == "consistency":
            if value.lower() != "strong":
                raise errors.unsupported(f"the Consistency header value '{value}' (only Strong)")
        elif lower == "mscrm.suppressduplicatedetection":
            if value.lower() not in ("true", "false"):
                raise ODataError(400, errors.INVALID_ARGUMENT,
                                 f"MSCRM.SuppressDuplicateDetection is true or false, not '{value}'.")
            if value.lower() == "false":
                raise errors.unsupported("duplicate detection rules (MSCRM.SuppressDuplicateDetection: false)")
        elif lower in _REFUSED:
            if value.lower() != "false":
                raise errors.unsupported(_REFUSED[lower])
        elif lower in _METADATA_HEADERS:
            if not metadata:
                raise errors.unsupported(f"the {_METADATA_HEADERS[lower]} header on a data request")
        elif lower.startswith("mscrm.") and lower != "mscrmcallerid":
            # the server's header parsing may have changed the name's case; say it as Dataverse spells the prefix
            raise errors.unsupported(f"the MSCRM.{name[6:]} header")
        elif lower == "prefer":
            _check_prefer(value)


def _check_prefer(value: str) -> None:
    for part in _split(value):
        key, _, raw = part.partition("=")
        key = key.strip().lower()
        raw = raw.strip().strip('"')
        if key not in _PREFERENCES:
            raise errors.unsupported(f"the preference '{part.strip()}' (Prefer)")
        if key == "return" and raw not in ("representation", "minimal"):
            raise errors.unsupported(f"the preference 'return={raw}' (Prefer)")


def _split(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p for p in (x.strip() for x in parts) if p]


def public_base_url(headers: Headers, scheme: str, host: str) -> str:
    """``scheme://host`` as the client addressed the service: a proxy's ``Forwarded`` or ``X-Forwarded-*`` headers
    win over the connection's own scheme and host."""
    forwarded = headers.get("Forwarded")
    if forwarded:
        first = forwarded.split(",")[0]
        pairs = {}
        for item in first.split(";"):
            key, _, raw = item.strip().partition("=")
            pairs[key.lower()] = raw.strip().strip('"')
        scheme = pairs.get("proto") or scheme
        host = pairs.get("host") or host
        return f"{scheme}://{host}"
    proto = (headers.get("X-Forwarded-Proto") or "").split(",")[0].strip()
    forwarded_host = (headers.get("X-Forwarded-Host") or "").split(",")[0].strip()
    port = (headers.get("X-Forwarded-Port") or "").split(",")[0].strip()
    scheme = proto or scheme
    if forwarded_host:
        host = forwarded_host
    default_port = (scheme == "https" and port == "443") or (scheme == "http" and port == "80")
    if port and ":" not in host.rsplit("]", 1)[-1] and not default_port:
        host = f"{host}:{port}"
    return f"{scheme}://{host}"
