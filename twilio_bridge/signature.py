"""Proof that a webhook request comes from Twilio (``X-Twilio-Signature``).

Verification is its own step, before any parsing::

    request = WebhookRequest(
        public_base_url="https://bridge.example.com",  # SMSB_PUBLIC_URL, not the URL the host saw
        path="/api/twilio/messages",
        raw_query="m=42",                               # exactly as received, still percent-encoded
        form=req.form,                                  # werkzeug MultiDict, Mapping[str, Sequence[str]],
                                                        # pairs, or None to parse ``raw_body``
        raw_body=req.get_body(),
        content_type=req.headers.get("Content-Type", ""),
        headers=req.headers,                            # looked up case-insensitively
    )
    verified = verify(request, [current_token, previous_token])   # -> VerifiedWebhook
    verified.params                                     # every (name, value) pair, repeats kept

``WebhookRequest.from_request_url(public_base_url, request_url, ...)`` takes the path and raw query
from the URL the host saw and puts them behind the public base URL.

What is signed (Twilio's algorithm, as in twilio-python's ``RequestValidator``): the URL Twilio
requested, then, for a form body, each parameter name in sorted order followed by its sorted distinct
values, no separators; HMAC-SHA1 of that, Base64. ``X-Twilio-Webhooks-Signature-Settings`` may ask for
HMAC-SHA256 (Webhook Shared Keys; pass the shared key secret among the tokens then). A JSON body is
signed through the URL alone: Twilio adds ``bodySHA256=<hex sha256 of the body>`` to the query, so the
hash is checked against the raw body as well.

Every failure raises ``InvalidSignature`` with the reason; a missing header is one such failure.
``sign()`` and ``signed_headers()`` produce real signatures so that tests and emulators never need to
bypass ``verify()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from twilio_bridge.errors import InvalidSignature

__all__ = [
    "HMAC_SHA1",
    "HMAC_SHA256",
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "SIGNATURE_SETTINGS_HEADER",
    "FormInput",
    "SupportsGetList",
    "VerifiedWebhook",
    "WebhookRequest",
    "form_pairs",
    "json_signed_url",
    "sign",
    "signed_headers",
    "verify",
]

SIGNATURE_HEADER = "X-Twilio-Signature"
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"

_DIGESTS = {HMAC_SHA1: hashlib.sha1, HMAC_SHA256: hashlib.sha256}
_BODY_HASH_PARAM = "bodySHA256"
_NETLOC = re.compile(r"(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>\d+))?")
_DEFAULT_PORTS = {"https": "443", "http": "80"}


@runtime_checkable
class SupportsGetList(Protocol):
    """A multi-dict such as werkzeug's ``MultiDict`` (what ``func.HttpRequest.form`` is)."""

    def __iter__(self) -> Iterator[str]: ...

    def getlist(self, key: str) -> list[str]: ...


FormInput = SupportsGetList | Mapping[str, str | Sequence[str]] | Iterable[tuple[str, str]]


def form_pairs(form: FormInput | None) -> tuple[tuple[str, str], ...]:
    """Flatten a form into (name, value) pairs without losing repeated names or blank values."""
    if form is None:
        return ()
    if isinstance(form, SupportsGetList):
        return tuple((key, value) for key in form for value in form.getlist(key))
    if isinstance(form, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, values in form.items():
            if isinstance(values, str):
                pairs.append((key, values))
            else:
                pairs.extend((key, value) for value in values)
        return tuple(pairs)
    return tuple((key, value) for key, value in form)


@dataclass(frozen=True)
class WebhookRequest:
    """The parts of an HTTP request that Twilio's signature covers."""

    public_base_url: str
    path: str
    raw_query: str = ""
    form: FormInput | None = None
    raw_body: bytes = b""
    content_type: str = "application/x-www-form-urlencoded"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_request_url(
        cls,
        public_base_url: str,
        request_url: str,
        *,
        form: FormInput | None = None,
        raw_body: bytes = b"",
        content_type: str = "application/x-www-form-urlencoded",
        headers: Mapping[str, str] | None = None,
    ) -> WebhookRequest:
        """Keep the path and raw query the host saw, behind the public base URL."""
        parts = urlsplit(request_url)
        return cls(
            public_base_url=public_base_url,
            path=parts.path,
            raw_query=parts.query,
            form=form,
            raw_body=raw_body,
            content_type=content_type,
            headers=headers or {},
        )

    @property
    def url(self) -> str:
        """The URL Twilio signed: public base + path + raw query, without credentials or fragment."""
        base = _without_userinfo(self.public_base_url.split("#", 1)[0]).rstrip("/")
        url = f"{base}/{self.path.lstrip('/')}" if self.path else base
        query = self.raw_query.split("#", 1)[0].removeprefix("?")
        return f"{url}?{query}" if query else url

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def params(self) -> tuple[tuple[str, str], ...]:
        """Form parameters: the given multi-dict, else the raw body when it is form-encoded."""
        if self.form is not None:
            return form_pairs(self.form)
        if self.raw_body and _media_type(self.content_type) == "application/x-www-form-urlencoded":
            try:
                text = self.raw_body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidSignature("form body is not valid UTF-8") from exc
            return tuple(parse_qsl(text, keep_blank_values=True))
        return ()


@dataclass(frozen=True, slots=True)
class VerifiedWebhook:
    """A request whose signature matched. ``token_index`` 0 is the current token, 1 the previous."""

    url: str
    params: tuple[tuple[str, str], ...]
    body: bytes
    algorithm: str
    token_index: int
    idempotency_token: str | None


def sign(url: str, params: FormInput | None, token: str, algorithm: str = HMAC_SHA1) -> str:
    """Twilio's signature of a request to ``url`` carrying ``params`` (None or empty for JSON/GET)."""
    digest = _DIGESTS.get(algorithm.upper())
    if digest is None:
        raise ValueError(f"unsupported signature algorithm {algorithm!r}")
    values_by_name: dict[str, set[str]] = {}
    for name, value in form_pairs(params):
        values_by_name.setdefault(name, set()).add(value)
    payload = [url]
    for name in sorted(values_by_name):
        payload.extend(name + value for value in sorted(values_by_name[name]))
    mac = hmac.new(token.encode("utf-8"), "".join(payload).encode("utf-8", "surrogatepass"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def json_signed_url(url: str, raw_body: bytes) -> str:
    """The URL Twilio signs for a JSON body: ``url`` with ``bodySHA256`` appended to its query."""
    separator = "&" if urlsplit(url).query else "?"
    return f"{url}{separator}{_BODY_HASH_PARAM}={hashlib.sha256(raw_body).hexdigest()}"


def signed_headers(url: str, params: FormInput | None, token: str, algorithm: str = HMAC_SHA1) -> dict[str, str]:
    """Headers Twilio would send with such a request (signature, and settings for HMAC-SHA256)."""
    headers = {SIGNATURE_HEADER: sign(url, params, token, algorithm)}
    if algorithm.upper() != HMAC_SHA1:
        headers[SIGNATURE_SETTINGS_HEADER] = f"key=local,algorithm={algorithm.upper()}"
    return headers


def verify(request: WebhookRequest, tokens: Sequence[str]) -> VerifiedWebhook:
    """Check the request's signature against each token in turn; raise ``InvalidSignature``."""
    signature = (request.header(SIGNATURE_HEADER) or "").strip()
    if not signature:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    algorithm = _algorithm(request.header(SIGNATURE_SETTINGS_HEADER))
    candidates_tokens = [tokens] if isinstance(tokens, str) else list(tokens)
    usable = [(index, token) for index, token in enumerate(candidates_tokens) if token]
    if not usable:
        raise InvalidSignature("no auth token configured to verify the signature with")

    url = request.url
    body_hash = _query_value(url, _BODY_HASH_PARAM)
    if body_hash is None and _media_type(request.content_type) == "application/json":
        raise InvalidSignature(f"JSON body without {_BODY_HASH_PARAM} in the query")
    params = () if body_hash is not None else request.params()

    for index, token in usable:
        for candidate in _url_variants(url):
            expected = sign(candidate, params, token, algorithm)
            if hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace")):
                if body_hash is not None:
                    _check_body_hash(body_hash, request.raw_body)
                return VerifiedWebhook(
                    url=candidate,
                    params=params,
                    body=request.raw_body,
                    algorithm=algorithm,
                    token_index=index,
                    idempotency_token=request.header(IDEMPOTENCY_HEADER),
                )
    raise InvalidSignature(
        f"{SIGNATURE_HEADER} does not match {url!r} and its {len(params)} parameters "
        f"under any of {len(usable)} token(s)"
    )


def _check_body_hash(expected_hex: str, raw_body: bytes) -> None:
    actual = hashlib.sha256(raw_body).hexdigest()
    if not hmac.compare_digest(actual.encode("ascii"), expected_hex.lower().encode("utf-8", "replace")):
        raise InvalidSignature(f"body does not match {_BODY_HASH_PARAM} in the signed URL")


def _algorithm(settings_header: str | None) -> str:
    for part in (settings_header or "").split(","):
        name, separator, value = part.partition("=")
        if separator and name.strip().lower() == "algorithm" and value.strip():
            algorithm = value.strip().upper()
            if algorithm not in _DIGESTS:
                raise InvalidSignature(f"unsupported signature algorithm {value.strip()!r}")
            return algorithm
    return HMAC_SHA1


def _url_variants(url: str) -> list[str]:
    # Twilio's back end is not consistent about ports: some requests are signed over the URL with the
    # default port written out (":443"), others without any port, and over HTTPS a non-default port
    # may be dropped before signing. twilio-python therefore accepts a match on either form, and so
    # do we: the URL as given, plus the default port added when none is written, or the port removed
    # when one is.
    parts = urlsplit(url)
    match = _NETLOC.fullmatch(parts.netloc)
    if match is None:
        return [url]
    host, port = match.group("host"), match.group("port")
    if port is None:
        default = _DEFAULT_PORTS.get(parts.scheme.lower())
        if default is None:
            return [url]
        other = parts._replace(netloc=f"{host}:{default}")
    else:
        other = parts._replace(netloc=host)
    return [url, urlunsplit(other)]


def _without_userinfo(url: str) -> str:
    # Twilio drops credentials placed in a webhook URL (Basic auth) before signing.
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def _query_value(url: str, name: str) -> str | None:
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return value
    return None


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
