"""Access tokens for the Web API.

The transport only knows :class:`TokenProvider`; :func:`token_provider_for` picks the implementation
from the configuration: client secret or certificate (msal confidential client), managed identity
(system-assigned, or user-assigned when only ``client_id`` is given), or a static token, which is
accepted only for a loopback URL so that a development shortcut can never reach a real organisation.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import msal  # type: ignore[import-untyped]  # msal ships no type information
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from dataverse.config import DataverseConfig
from dataverse.errors import AuthError

__all__ = ["MsalTokenProvider", "StaticTokenProvider", "TokenProvider", "token_provider_for"]

log = logging.getLogger(__name__)

# Renew this long before expiry so that a token never expires in flight (Entra ID tokens live 60-90 min).
_REFRESH_MARGIN_SECONDS = 300.0


@runtime_checkable
class TokenProvider(Protocol):
    def get_token(self, *, force_refresh: bool = False) -> str:
        """A bearer token for the Web API. ``force_refresh`` drops any cached token (after a 401)."""
        ...


class StaticTokenProvider:
    """A fixed token, for the local emulator."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "StaticTokenProvider(<redacted>)"

    def get_token(self, *, force_refresh: bool = False) -> str:  # noqa: ARG002 - nothing to refresh
        return self._token


class MsalTokenProvider:
    """Caches what an msal ``acquire`` call returns and asks again shortly before expiry.

    ``acquire`` is one of msal's ``acquire_token_for_client`` calls bound to its arguments. msal keeps its
    own cache as well; ours saves the lookup on every request and lets tests drive expiry with a clock.
    """

    def __init__(
        self,
        acquire: Callable[[], Mapping[str, Any]],
        *,
        description: str,
        clock: Callable[[], float] = time.time,
        refresh_margin: float = _REFRESH_MARGIN_SECONDS,
    ) -> None:
        self._acquire = acquire
        self._description = description
        self._clock = clock
        self._refresh_margin = refresh_margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def __repr__(self) -> str:
        return f"MsalTokenProvider({self._description})"

    def get_token(self, *, force_refresh: bool = False) -> str:
        with self._lock:
            now = self._clock()
            if self._token is not None and not force_refresh and now < self._refresh_at:
                return self._token
            result = self._call_msal()
            token = result.get("access_token")
            if not isinstance(token, str) or not token:
                raise AuthError(self._failure_text(result))
            lifetime = float(result.get("expires_in") or 0)
            refresh_at = now + max(lifetime - self._refresh_margin, lifetime / 2)
            refresh_in = result.get("refresh_in")
            if refresh_in:
                refresh_at = min(refresh_at, now + float(refresh_in))
            self._token, self._refresh_at = token, refresh_at
            log.debug("acquired a Dataverse token via %s, valid for %.0f s", self._description, lifetime)
            return token

    def _call_msal(self) -> Mapping[str, Any]:
        try:
            return self._acquire()
        except (requests.RequestException, ValueError, OSError) as exc:
            # msal raises ValueError for unusable authorities or credentials and lets transport
            # errors through; either way no token can be had.
            reason = f"{type(exc).__name__}: {exc}"
            raise AuthError(f"{self._description}: token request failed: {reason}") from exc

    def _failure_text(self, result: Mapping[str, Any]) -> str:
        error = result.get("error") or "no access_token in the response"
        description = str(result.get("error_description") or "").splitlines()
        first_line = description[0] if description else ""
        return f"{self._description}: {error}" + (f": {first_line}" if first_line else "")


def token_provider_for(
    config: DataverseConfig,
    *,
    http_session: requests.Session | None = None,
    clock: Callable[[], float] = time.time,
) -> TokenProvider:
    """The token provider the configuration asks for.

    Order: static token (loopback URLs only), client secret, certificate, managed identity.
    """
    if config.static_token is not None:
        if not config.is_loopback:
            raise AuthError(
                "a static Dataverse token is only accepted for a loopback URL (the local emulator); "
                f"{config.org_url} needs an app registration or a managed identity"
            )
        return StaticTokenProvider(config.static_token)
    session = http_session if http_session is not None else requests.Session()
    if config.client_secret is not None or config.certificate_path is not None:
        return _confidential_client(config, session, clock)
    return _managed_identity(config, session, clock)


def _confidential_client(
    config: DataverseConfig, session: requests.Session, clock: Callable[[], float]
) -> TokenProvider:
    if not (config.tenant_id and config.client_id):
        raise AuthError("client secret and certificate authentication need tenant_id and client_id")
    credential: str | dict[str, str]
    if config.certificate_path is not None:
        credential = _certificate_credential(Path(config.certificate_path))
        kind = "certificate"
    else:
        credential = str(config.client_secret)
        kind = "client secret"
    authority = f"https://{config.authority_host.strip('/')}/{config.tenant_id}"
    try:
        app = msal.ConfidentialClientApplication(
            config.client_id, client_credential=credential, authority=authority, http_client=session,
        )
    except (requests.RequestException, ValueError) as exc:
        raise AuthError(f"cannot use authority {authority}: {type(exc).__name__}: {exc}") from exc
    scopes = [config.scope]
    return MsalTokenProvider(
        lambda: app.acquire_token_for_client(scopes=scopes),
        description=f"{kind} of app {config.client_id} in tenant {config.tenant_id}",
        clock=clock,
    )


def _managed_identity(
    config: DataverseConfig, session: requests.Session, clock: Callable[[], float]
) -> TokenProvider:
    identity: msal.SystemAssignedManagedIdentity | msal.UserAssignedManagedIdentity
    if config.client_id:
        identity = msal.UserAssignedManagedIdentity(client_id=config.client_id)
        description = f"user-assigned managed identity {config.client_id}"
    else:
        identity = msal.SystemAssignedManagedIdentity()
        description = "system-assigned managed identity"
    client = msal.ManagedIdentityClient(identity, http_client=session)
    resource = config.org_url
    return MsalTokenProvider(
        lambda: client.acquire_token_for_client(resource=resource), description=description, clock=clock,
    )


def _certificate_credential(path: Path) -> dict[str, str]:
    """msal's certificate credential from one PEM file holding the private key and the certificate."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise AuthError(f"cannot read the client certificate {path}: {exc.strerror}") from exc
    try:
        certificate = x509.load_pem_x509_certificate(pem)
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise AuthError(
            f"{path} must hold an unencrypted PEM private key and its PEM certificate"
        ) from exc
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption(),
    ).decode("ascii")
    # Entra ID identifies the certificate by its SHA-1 thumbprint (the x5t header of the assertion),
    # which is what the portal shows for an uploaded certificate.
    thumbprint = hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()  # noqa: S324
    return {"private_key": key_pem, "thumbprint": thumbprint.upper()}
