"""A local certificate authority and a server certificate for 127.0.0.1, so https clients can reach the emulators.

Microsoft's Dataverse SDK refuses ``http://`` organization URLs, as Dataverse serves https only. The devstack
therefore serves the Dataverse emulator over TLS too, with a certificate signed by a CA made for this machine:
a client trusts it by pointing ``REQUESTS_CA_BUNDLE`` (requests, and so the SDK) or ``SSL_CERT_FILE`` at
``ca.pem``. The CA's key is used once and never written, and a name constraint limits the CA to loopback
names, so trusting ``ca.pem`` can never vouch for a real site.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from devstack.instance import write_atomically

__all__ = ["LocalCertificates", "local_certificates"]

_LOOPBACK_NAMES = ("localhost",)
_LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
# Long enough for a devstack folder to live for years; short enough to stay under the 825-day limit
# browsers apply to server certificates.
_SERVER_DAYS = 800
_CA_DAYS = 3650


@dataclass(frozen=True)
class LocalCertificates:
    """Paths of the CA certificate (what clients trust) and the server's certificate chain and key."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def local_certificates(folder: Path) -> LocalCertificates:
    """The certificates in ``folder``, made on first use and reused while still valid for a day more."""
    certs = LocalCertificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    if _usable(certs):
        return certs
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SMS Bridge devstack local CA")])
    permitted = [x509.DNSName(name) for name in _LOOPBACK_NAMES] + [
        x509.IPAddress(ipaddress.ip_network(address)) for address in _LOOPBACK_ADDRESSES
    ]
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names = [x509.DNSName(name) for name in _LOOPBACK_NAMES] + [
        x509.IPAddress(ipaddress.ip_address(address)) for address in _LOOPBACK_ADDRESSES
    ]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=_SERVER_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    # Each file is replaced in one rename, the CA last: a reader never sees half a file, and _usable() refuses a
    # key that does not match its certificate (a run stopped between two renames).
    write_atomically(certs.key_file, server_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), mode=0o600)
    write_atomically(certs.cert_file, server_cert.public_bytes(pem) + ca_cert.public_bytes(pem))
    write_atomically(certs.ca_file, ca_cert.public_bytes(pem))
    return certs


def _usable(certs: LocalCertificates) -> bool:
    if not (certs.ca_file.is_file() and certs.cert_file.is_file() and certs.key_file.is_file()):
        return False
    try:
        chain = x509.load_pem_x509_certificates(certs.cert_file.read_bytes())
        key = serialization.load_pem_private_key(certs.key_file.read_bytes(), password=None)
        ca = x509.load_pem_x509_certificate(certs.ca_file.read_bytes())
    except ValueError:
        return False
    server = chain[0]
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    matching = server.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)
    return matching and chain[-1] == ca and server.not_valid_after_utc > datetime.now(UTC) + timedelta(days=1)
