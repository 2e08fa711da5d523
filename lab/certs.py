"""The lab's own certificate authority and the server certificate every BMC presents.

`ensure_certificates` creates `ca.pem`/`ca-key.pem` once per state directory and keeps
them, so a client can trust the lab CA across restarts, and renews `server.pem` when it is
missing or near expiry. Keys are ECDSA P-256: TLS handshakes with 200 BMCs then cost the
emulator little CPU.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_DAYS = 3650
SERVER_DAYS = 397
RENEW_BEFORE = datetime.timedelta(days=7)


@dataclass(frozen=True)
class CertificatePaths:
    ca: Path
    ca_key: Path
    server: Path
    server_key: Path


def paths(state_dir: Path) -> CertificatePaths:
    return CertificatePaths(
        ca=state_dir / "ca.pem",
        ca_key=state_dir / "ca-key.pem",
        server=state_dir / "server.pem",
        server_key=state_dir / "server-key.pem",
    )


def _write_private(path: Path, data: bytes) -> None:
    path.write_bytes(b"")
    os.chmod(path, 0o600)
    path.write_bytes(data)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _key_usage(certificate_authority: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=certificate_authority,
        crl_sign=certificate_authority,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        encipher_only=False,
        decipher_only=False,
    )


def _make_ca(files: CertificatePaths) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aifactory.infra lab"),
        x509.NameAttribute(NameOID.COMMON_NAME, "aifactory.infra lab CA"),
    ])
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificate_authority=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(files.ca_key, _key_pem(key))
    files.ca.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _make_server(files: CertificatePaths) -> None:
    ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(
            x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                x509.DNSName("localhost"),
            ]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(certificate_authority=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_private(files.server_key, _key_pem(key))
    files.server.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _valid(path: Path) -> bool:
    try:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
    except (OSError, ValueError):
        return False
    return certificate.not_valid_after_utc - RENEW_BEFORE > _now()


def ensure_certificates(state_dir: Path) -> CertificatePaths:
    """Create or renew the lab CA and server certificate under `state_dir`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    files = paths(state_dir)
    new_ca = not (files.ca_key.is_file() and _valid(files.ca))
    if new_ca:
        _make_ca(files)
    if new_ca or not (files.server_key.is_file() and _valid(files.server)):
        _make_server(files)
    return files
