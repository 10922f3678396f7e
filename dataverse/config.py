"""Connection settings for one Dataverse environment.

The client never reads the process environment: whoever builds the client maps its own settings onto
:class:`DataverseConfig` and passes it in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from dataverse.errors import InvalidConfig

__all__ = ["DataverseConfig", "is_loopback_url"]

# Dataverse trips its service-protection limit at 52 concurrent requests per user and per web server;
# staying far below it leaves room for the other workers of the same application user.
_DEFAULT_MAX_CONCURRENCY = 8


@dataclass(frozen=True)
class DataverseConfig:
    url: str
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    certificate_path: str | None = None
    authority_host: str = "login.microsoftonline.com"
    static_token: str | None = field(default=None, repr=False)
    api_version: str = "v9.2"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_concurrency: int = _DEFAULT_MAX_CONCURRENCY
    retry_budget_seconds: float = 60.0
    # False drops the web server affinity cookie (ARRAffinity), so requests spread over the environment's web servers,
    # each with its own service-protection limits.
    server_affinity: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(f"url must be an absolute http(s) URL, got {self.url!r}")
        elif parts.scheme == "http" and not is_loopback_url(self.url):
            problems.append("url must use https unless it points at a loopback address")
        if parts.path not in ("", "/"):
            problems.append("url must be the organisation root, without a path")
        if self.client_secret and self.certificate_path:
            problems.append("give either client_secret or certificate_path, not both")
        if (self.client_secret or self.certificate_path) and not (self.tenant_id and self.client_id):
            problems.append("client_secret and certificate_path need tenant_id and client_id")
        if self.max_concurrency < 1 or self.max_concurrency >= 52:
            problems.append("max_concurrency must be between 1 and 51")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            problems.append("timeouts must be positive")
        if self.retry_budget_seconds < 0:
            problems.append("retry_budget_seconds must not be negative")
        if problems:
            raise InvalidConfig("; ".join(problems))

    @property
    def org_url(self) -> str:
        """The organisation root without a trailing slash."""
        return self.url.rstrip("/")

    @property
    def api_root(self) -> str:
        """The Web API root, ending with a slash, e.g. ``https://contoso.crm.dynamics.com/api/data/v9.2/``."""
        return f"{self.org_url}/api/data/{self.api_version}/"

    @property
    def scope(self) -> str:
        return f"{self.org_url}/.default"

    @property
    def is_loopback(self) -> bool:
        return is_loopback_url(self.url)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
