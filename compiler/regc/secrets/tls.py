"""A CA and server certificates with `cryptography`; checks of a certificate the user provides."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_VALIDITY_DAYS = 3650
BACKDATE = datetime.timedelta(minutes=5)  # tolerate clocks slightly behind ours


@dataclass(frozen=True)
class CertificateInfo:
    not_after: datetime.datetime
    names: tuple[str, ...]
    algorithm: str


def _new_key(algorithm: str) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    if algorithm == "rsa-2048":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: CertificateIssuerPrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_ca(common_name: str, algorithm: str, now: datetime.datetime) -> tuple[str, str]:
    """A self-signed CA that may sign server certificates only (path length 0)."""
    key = _new_key(algorithm)
    name = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "regc"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=CA_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _cert_pem(cert), _key_pem(key)


def issue_server(
    ca_cert_pem: str, ca_key_pem: str, names: list[str], algorithm: str, now: datetime.datetime, days: int
) -> tuple[str, str]:
    """A server certificate for `names` (DNS names and IP addresses), signed by the CA."""
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem.encode())
    ca_key = serialization.load_pem_private_key(ca_key_pem.encode(), password=None)
    if not isinstance(ca_key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("the CA's key is neither RSA nor ECDSA")
    key = _new_key(algorithm)
    rsa_key = algorithm.startswith("rsa")
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=rsa_key,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return _cert_pem(cert), _key_pem(key)


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def inspect(cert_pem: str) -> CertificateInfo:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = (*sans.get_values_for_type(x509.DNSName), *(str(ip) for ip in sans.get_values_for_type(x509.IPAddress)))
    except x509.ExtensionNotFound:
        names = ()
    return CertificateInfo(cert.not_valid_after_utc, names, _algorithm(cert.public_key()))


def _algorithm(public_key: PublicKeyTypes) -> str:
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"rsa-{public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1":
        return "ecdsa-p256"
    return "other"


def covers(cert_names: tuple[str, ...], name: str) -> bool:
    """Whether a certificate's names cover `name`, as TLS clients match (one-label wildcards)."""
    for candidate in cert_names:
        if candidate == name:
            return True
        if candidate.startswith("*.") and "." in name and name.split(".", 1)[1] == candidate[2:]:
            return True
    return False


def provided_problems(
    cert_pem: str, key_pem: str, names: list[str], now: datetime.datetime, renew_before: datetime.timedelta
) -> list[str]:
    """What is wrong with a certificate the user provides; messages hold no key material."""
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode())
    except ValueError:
        return ["tls.cert: not a PEM certificate"]
    try:
        key = serialization.load_pem_private_key(key_pem.encode(), password=None)
    except (ValueError, TypeError):
        return ["tls.key: not an unencrypted PEM private key"]
    problems = []
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        problems.append("tls.key: does not match tls.cert")
    info = inspect(cert_pem)
    missing = [n for n in names if not covers(info.names, n)]
    if missing:
        problems.append(f"tls.cert: its names do not cover {', '.join(missing)}")
    if info.not_after <= now:
        problems.append(f"tls.cert: expired on {info.not_after:%Y-%m-%d}")
    elif info.not_after - now <= renew_before:
        problems.append(f"tls.cert: ends on {info.not_after:%Y-%m-%d}, within the renewal window")
    return problems


def signed_by(cert_pem: str, ca_cert_pem: str) -> bool:
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    ca = x509.load_pem_x509_certificate(ca_cert_pem.encode())
    try:
        cert.verify_directly_issued_by(ca)
        return True
    except (ValueError, TypeError, InvalidSignature):
        return False
