"""Certificates and keys for the lab Kubernetes API server and its etcd.

The layout follows what kubeadm creates for a single control-plane node, reduced to the files
that kube-apiserver and etcd read. One CA signs the Kubernetes serving and client
certificates. A separate etcd CA signs etcd's, so a Kubernetes client certificate cannot reach
etcd directly. The service-account signing key pair and an admin client certificate in the
``system:masters`` group complete it.
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

# Lab certificates are short-lived on purpose. A state directory older than this gets a new
# PKI on the next start instead of serving an expired certificate.
VALIDITY = datetime.timedelta(days=30)
RENEW_BEFORE = datetime.timedelta(days=1)

PKI_FILES = (
    "ca.crt", "ca.key", "etcd-ca.crt", "etcd-ca.key",
    "apiserver.crt", "apiserver.key", "apiserver-etcd-client.crt", "apiserver-etcd-client.key",
    "etcd-server.crt", "etcd-server.key", "admin.crt", "admin.key", "sa.key", "sa.pub",
)


@dataclass(frozen=True)
class PkiPaths:
    """Paths of every certificate and key file under ``<state_dir>/pki``."""

    root: Path

    def file(self, name: str) -> Path:
        """Return the path of one PKI file, for example ``file("ca.crt")``."""
        return self.root / name


def _new_key() -> ec.EllipticCurvePrivateKey:
    # P-256 keys are much faster to generate than RSA-2048 ones, and kube-apiserver and etcd
    # accept them for serving, client and service-account signing keys.
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_private(path, data)


def _write_private(path: Path, data: bytes) -> None:
    # Create with 0600 from the start so the key is never readable by others, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _validity() -> tuple[datetime.datetime, datetime.datetime]:
    now = datetime.datetime.now(datetime.timezone.utc)
    # Back-date a little so that a clock a few seconds behind still accepts the certificate.
    return now - datetime.timedelta(minutes=5), now + VALIDITY


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    # ECDSA keys only sign, so key encipherment (an RSA key exchange usage) stays off.
    return x509.KeyUsage(
        digital_signature=True, key_cert_sign=ca, crl_sign=ca, content_commitment=False,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        encipher_only=False, decipher_only=False,
    )


def _make_ca(common_name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    not_before, not_after = _validity()
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _issue(
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    common_name: str,
    *,
    organization: str | None = None,
    server: bool = False,
    client: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _new_key()
    not_before, not_after = _validity()
    usages = []
    if server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
    if client:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)

    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
    )
    if server:
        # Loopback only: the lab never listens on another address.
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def _is_current(cert_path: Path) -> bool:
    if not cert_path.is_file():
        return False
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    expires = cert.not_valid_after_utc
    return expires - datetime.datetime.now(datetime.timezone.utc) > RENEW_BEFORE


def ensure_pki(root: Path) -> PkiPaths:
    """Create the lab PKI under ``root`` unless a complete, unexpired one is already there.

    Reusing an existing PKI keeps service-account tokens and kubeconfig files valid across a
    restart that keeps the etcd data.
    """
    paths = PkiPaths(root)
    required = [paths.file(name) for name in PKI_FILES]
    if all(path.is_file() for path in required) and all(
        _is_current(path) for path in required if path.suffix == ".crt"
    ):
        return paths

    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)

    ca_cert, ca_key = _make_ca("aifactory-lab-kubernetes-ca")
    _write_cert(paths.file("ca.crt"), ca_cert)
    _write_key(paths.file("ca.key"), ca_key)

    etcd_ca_cert, etcd_ca_key = _make_ca("aifactory-lab-etcd-ca")
    _write_cert(paths.file("etcd-ca.crt"), etcd_ca_cert)
    _write_key(paths.file("etcd-ca.key"), etcd_ca_key)

    issued = {
        "apiserver": (ca_cert, ca_key, dict(common_name="kube-apiserver", server=True)),
        "admin": (ca_cert, ca_key,
                  dict(common_name="admin", organization="system:masters", client=True)),
        "etcd-server": (etcd_ca_cert, etcd_ca_key,
                        dict(common_name="etcd-server", server=True, client=True)),
        "apiserver-etcd-client": (etcd_ca_cert, etcd_ca_key,
                                  dict(common_name="kube-apiserver-etcd-client", client=True)),
    }
    for stem, (issuer_cert, issuer_key, options) in issued.items():
        cert, key = _issue(issuer_cert, issuer_key, **options)
        _write_cert(root / f"{stem}.crt", cert)
        _write_key(root / f"{stem}.key", key)

    sa_key = _new_key()
    _write_key(paths.file("sa.key"), sa_key)
    paths.file("sa.pub").write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths
