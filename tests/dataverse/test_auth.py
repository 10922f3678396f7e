"""Token acquisition: msal is real, the identity platform is faked at its HTTP endpoints with `responses`."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from dataverse import (
    AuthError,
    DataverseClient,
    DataverseConfig,
    InvalidConfig,
    MsalTokenProvider,
    StaticTokenProvider,
    token_provider_for,
)
from tests.dataverse.conftest import API, ORG, FakeClock

TENANT = "8f1c2f4e-0000-4000-8000-000000000001"
APP = "5d2c9a71-0000-4000-8000-000000000002"
SECRET = "s3cr3t-value"


@pytest.fixture
def identity() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def add_authority(mock: responses.RequestsMock, host: str = "login.microsoftonline.com") -> str:
    token_endpoint = f"https://{host}/{TENANT}/oauth2/v2.0/token"
    mock.add("GET", f"https://{host}/{TENANT}/v2.0/.well-known/openid-configuration", json={
        "token_endpoint": token_endpoint,
        "authorization_endpoint": f"https://{host}/{TENANT}/oauth2/v2.0/authorize",
        "issuer": f"https://{host}/{TENANT}/v2.0",
    })
    # msal consults instance discovery when the token endpoint refuses the client.
    mock.add("GET", f"https://{host}/common/discovery/instance", json={
        "tenant_discovery_endpoint": f"https://{host}/{TENANT}/v2.0/.well-known/openid-configuration",
        "api-version": "1.1",
        "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}],
    })
    return token_endpoint


def token_calls(mock: responses.RequestsMock, endpoint: str) -> list[dict[str, list[str]]]:
    return [parse_qs(str(call.request.body)) for call in mock.calls if call.request.url == endpoint]


def test_client_secret_tokens_are_requested_for_the_org_scope_and_cached(identity: responses.RequestsMock) -> None:
    endpoint = add_authority(identity)
    identity.add("POST", endpoint, json={"access_token": "at-1", "expires_in": 3599, "token_type": "Bearer"})
    clock = FakeClock()
    config = DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, client_secret=SECRET)
    provider = token_provider_for(config, clock=clock)
    assert provider.get_token() == "at-1"
    assert provider.get_token() == "at-1"
    (form,) = token_calls(identity, endpoint)
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == [f"{ORG}/.default"]
    assert form["client_id"] == [APP]
    assert form["client_secret"] == [SECRET]
    assert SECRET not in repr(provider)


def test_tokens_are_renewed_before_they_expire(identity: responses.RequestsMock) -> None:
    endpoint = add_authority(identity)
    # Short-lived tokens: msal does not serve a token from its cache within five minutes of expiry.
    identity.add("POST", endpoint, json={"access_token": "at-1", "expires_in": 200, "token_type": "Bearer"})
    identity.add("POST", endpoint, json={"access_token": "at-2", "expires_in": 200, "token_type": "Bearer"})
    clock = FakeClock()
    provider = token_provider_for(DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, client_secret=SECRET),
                                  clock=clock)
    assert provider.get_token() == "at-1"
    clock.now += 90
    assert provider.get_token() == "at-1"
    clock.now += 20  # past half the lifetime of a token shorter than the renewal margin
    assert provider.get_token() == "at-2"
    assert len(token_calls(identity, endpoint)) == 2


def test_national_clouds_use_their_authority_host(identity: responses.RequestsMock) -> None:
    endpoint = add_authority(identity, host="login.microsoftonline.us")
    identity.add("POST", endpoint, json={"access_token": "gov", "expires_in": 3599, "token_type": "Bearer"})
    config = DataverseConfig(url="https://contoso.crm9.dynamics.com", tenant_id=TENANT, client_id=APP,
                             client_secret=SECRET, authority_host="login.microsoftonline.us")
    assert token_provider_for(config).get_token() == "gov"
    (form,) = token_calls(identity, endpoint)
    assert form["scope"] == ["https://contoso.crm9.dynamics.com/.default"]


def test_identity_platform_errors_become_auth_errors_without_the_secret(identity: responses.RequestsMock) -> None:
    endpoint = add_authority(identity)
    identity.add("POST", endpoint, status=401, json={
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
    })
    provider = token_provider_for(DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, client_secret=SECRET))
    with pytest.raises(AuthError) as caught:
        provider.get_token()
    assert "invalid_client" in str(caught.value)
    assert "AADSTS7000215" in str(caught.value)
    assert SECRET not in str(caught.value)


def write_certificate(path: Path) -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sms-bridge-test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                          serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )
    return certificate


def jwt_header(token: str) -> dict[str, str]:
    head = token.split(".", maxsplit=1)[0]
    decoded: dict[str, str] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return decoded


def test_certificate_credentials_sign_an_assertion_naming_the_thumbprint(identity: responses.RequestsMock,
                                                                         tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    certificate = write_certificate(pem)
    endpoint = add_authority(identity)
    identity.add("POST", endpoint, json={"access_token": "cert-token", "expires_in": 3599, "token_type": "Bearer"})
    config = DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, certificate_path=str(pem))
    assert token_provider_for(config).get_token() == "cert-token"
    (form,) = token_calls(identity, endpoint)
    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
    assert "client_secret" not in form
    sha1 = hashlib.sha1(certificate.public_bytes(serialization.Encoding.DER)).digest()  # noqa: S324
    x5t = jwt_header(form["client_assertion"][0])["x5t"]
    assert x5t.rstrip("=") == base64.urlsafe_b64encode(sha1).decode().rstrip("=")


def test_an_unreadable_certificate_is_an_auth_error(tmp_path: Path) -> None:
    missing = DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, certificate_path=str(tmp_path / "no.pem"))
    with pytest.raises(AuthError, match="cannot read"):
        token_provider_for(missing)
    (tmp_path / "bad.pem").write_text("not a certificate")
    bad = DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, certificate_path=str(tmp_path / "bad.pem"))
    with pytest.raises(AuthError, match="PEM"):
        token_provider_for(bad)


@pytest.fixture
def app_service_identity(monkeypatch: pytest.MonkeyPatch) -> str:
    # The variables Azure Functions / App Service set for managed identity; msal reads them itself.
    endpoint = "http://127.0.0.1:41999/msi/token"
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", "identity-header-value")
    return endpoint


def test_system_assigned_managed_identity_asks_for_the_org_resource(identity: responses.RequestsMock,
                                                                    app_service_identity: str) -> None:
    identity.add("GET", app_service_identity, json={"access_token": "mi-token", "token_type": "Bearer",
                                                    "expires_on": str(int(time.time()) + 3600),
                                                    "resource": ORG})
    provider = token_provider_for(DataverseConfig(url=ORG))
    assert provider.get_token() == "mi-token"
    request = identity.calls[0].request
    query = parse_qs(urlsplit(request.url or "").query)
    assert query["resource"] == [ORG]
    assert "client_id" not in query
    assert request.headers["X-IDENTITY-HEADER"] == "identity-header-value"


def test_user_assigned_managed_identity_names_its_client_id(identity: responses.RequestsMock,
                                                            app_service_identity: str) -> None:
    identity.add("GET", app_service_identity, json={"access_token": "uami", "token_type": "Bearer",
                                                    "expires_on": str(int(time.time()) + 3600),
                                                    "resource": ORG})
    assert token_provider_for(DataverseConfig(url=ORG, client_id=APP)).get_token() == "uami"
    query = parse_qs(urlsplit(identity.calls[0].request.url or "").query)
    assert query["client_id"] == [APP]


def test_a_static_token_is_refused_for_a_real_organisation() -> None:
    with pytest.raises(AuthError, match="loopback"):
        token_provider_for(DataverseConfig(url=ORG, static_token="dev-token"))


@pytest.mark.parametrize("url", ["http://127.0.0.1:7072", "http://localhost:7072", "http://[::1]:7072"])
def test_a_static_token_is_accepted_for_loopback_urls(url: str) -> None:
    provider = token_provider_for(DataverseConfig(url=url, static_token="dev-token"))
    assert isinstance(provider, StaticTokenProvider)
    assert provider.get_token() == "dev-token"
    assert "dev-token" not in repr(provider)


def test_configuration_refuses_what_cannot_work() -> None:
    with pytest.raises(InvalidConfig, match="https"):
        DataverseConfig(url="http://contoso.crm.dynamics.com")
    with pytest.raises(InvalidConfig, match="root"):
        DataverseConfig(url=f"{ORG}/api/data/v9.2")
    with pytest.raises(InvalidConfig, match="tenant_id"):
        DataverseConfig(url=ORG, client_secret=SECRET)
    with pytest.raises(InvalidConfig, match="max_concurrency"):
        DataverseConfig(url=ORG, max_concurrency=52)


def test_secrets_stay_out_of_the_configuration_repr() -> None:
    config = DataverseConfig(url="http://127.0.0.1:7072", tenant_id=TENANT, client_id=APP, client_secret=SECRET)
    assert SECRET not in repr(config)
    assert DataverseConfig(url=ORG).api_root == API


def test_the_client_sends_the_provider_token(identity: responses.RequestsMock) -> None:
    endpoint = add_authority(identity)
    identity.add("POST", endpoint, json={"access_token": "at-9", "expires_in": 3599, "token_type": "Bearer"})
    identity.add("GET", f"{API}WhoAmI", json={"UserId": TENANT, "BusinessUnitId": TENANT, "OrganizationId": TENANT})
    config = DataverseConfig(url=ORG, tenant_id=TENANT, client_id=APP, client_secret=SECRET)
    with DataverseClient.from_config(config) as client:
        client.who_am_i()
    assert identity.calls[-1].request.headers["Authorization"] == "Bearer at-9"


def test_msal_provider_wraps_transport_failures() -> None:
    def broken() -> dict[str, object]:
        raise ValueError("authority unreachable")

    with pytest.raises(AuthError, match="authority unreachable"):
        MsalTokenProvider(broken, description="test").get_token()
