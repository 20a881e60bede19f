"""A local PKI for the request-verification tests, shaped like Amazon's.

Alexa signs each request with the key of a certificate for `echo-api.amazon.com`, issued by an
intermediate CA under a public root, and publishes the chain (signing certificate first) on S3.
`local_pki()` builds the same shape offline: a trusted root, an intermediate, a good signing
certificate and the broken variants certification probes with, plus an untrusted root and a stray
key. Every certificate carries the extensions the Web PKI profile demands (basicConstraints, key
usage, serverAuth, subject and authority key identifiers), so the tests go through cryptography's
real chain verifier rather than around it. Keys are RSA 2048 and made once per test session.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.limits import SIGNING_CERT_SAN

#: The moment every test takes as "now"; certificate validity is laid out around it.
NOW: Final = datetime(2026, 11, 21, 19, 30, tzinfo=UTC)

_DAY: Final = timedelta(days=1)

SigningKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
AuthorityKey = rsa.RSAPrivateKey


@dataclass(frozen=True)
class Authority:
    """A certificate authority: its certificate and the key it signs with."""

    certificate: x509.Certificate
    key: AuthorityKey


@dataclass(frozen=True)
class Signer:
    """Someone who signs Alexa requests: a key and the chain published for it, leaf first."""

    name: str
    key: SigningKey
    chain: tuple[x509.Certificate, ...]

    @property
    def certificate(self) -> x509.Certificate:
        """The signing certificate, first in the chain."""
        return self.chain[0]

    def chain_pem(self) -> bytes:
        """The chain as one PEM file, signing certificate first, as Amazon serves it."""
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in self.chain)

    def sign(self, body: bytes) -> str:
        """The `Signature-256` header value for `body`: base64 RSA PKCS#1 v1.5 over SHA-256."""
        return sign_with(self.key, body)


@dataclass(frozen=True)
class LocalPki:
    """Everything the verification tests sign with or trust."""

    root: Authority
    intermediate: Authority
    #: A good signing certificate: in date, named echo-api.amazon.com, under the trusted root.
    leaf: Signer
    leaf_without_san: Signer
    expired_leaf: Signer
    future_leaf: Signer
    #: Good in every way except that its key is elliptic-curve, which Alexa never uses.
    ec_leaf: Signer
    #: Named echo-api.amazon.com and in date, but issued under a root nobody trusts.
    untrusted_root: Authority
    untrusted_leaf: Signer
    #: A key no certificate vouches for.
    stranger_key: rsa.RSAPrivateKey

    def signers(self) -> tuple[Signer, ...]:
        """Every signer, for serving all their chains at once."""
        return (
            self.leaf,
            self.leaf_without_san,
            self.expired_leaf,
            self.future_leaf,
            self.ec_leaf,
            self.untrusted_leaf,
        )


def sign_with(key: SigningKey, body: bytes) -> str:
    """Base64 signature of `body` with `key` (PKCS#1 v1.5 for RSA, ECDSA otherwise), SHA-256."""
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    else:
        signature = key.sign(body, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode("ascii")


@cache
def local_pki() -> LocalPki:
    """Build the test PKI once per process; RSA key generation is the slow part."""
    root = _root("Gentle Back Test Root CA")
    intermediate = _intermediate("Gentle Back Test Issuing CA", root)
    leaf_key = _rsa_key()

    def leaf(name: str, *, san: bool = True, start: datetime, end: datetime) -> Signer:
        certificate = _leaf_certificate(
            leaf_key,
            intermediate,
            dns_names=[SIGNING_CERT_SAN] if san else [],
            start=start,
            end=end,
        )
        return Signer(name, leaf_key, (certificate, intermediate.certificate))

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_certificate = _leaf_certificate(
        ec_key,
        intermediate,
        dns_names=[SIGNING_CERT_SAN],
        start=NOW - 30 * _DAY,
        end=NOW + 300 * _DAY,
    )
    untrusted_root = _root("Untrusted Test Root CA")
    untrusted_key = _rsa_key()
    untrusted_certificate = _leaf_certificate(
        untrusted_key,
        untrusted_root,
        dns_names=[SIGNING_CERT_SAN],
        start=NOW - 30 * _DAY,
        end=NOW + 300 * _DAY,
    )
    return LocalPki(
        root=root,
        intermediate=intermediate,
        leaf=leaf("valid", start=NOW - 30 * _DAY, end=NOW + 300 * _DAY),
        leaf_without_san=leaf("no-san", san=False, start=NOW - 30 * _DAY, end=NOW + 300 * _DAY),
        expired_leaf=leaf("expired", start=NOW - 400 * _DAY, end=NOW - _DAY),
        future_leaf=leaf("not-yet-valid", start=NOW + _DAY, end=NOW + 400 * _DAY),
        ec_leaf=Signer("ec", ec_key, (ec_certificate, intermediate.certificate)),
        untrusted_root=untrusted_root,
        # An impostor publishes its own root alongside; that must not make it trusted.
        untrusted_leaf=Signer(
            "untrusted", untrusted_key, (untrusted_certificate, untrusted_root.certificate)
        ),
        stranger_key=_rsa_key(),
    )


def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gentle Back Tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def _root(common_name: str) -> Authority:
    key = _rsa_key()
    name = _name(common_name)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - 3650 * _DAY)
        .not_valid_after(NOW + 3650 * _DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def _intermediate(common_name: str, issuer: Authority) -> Authority:
    key = _rsa_key()
    certificate = (
        _issued_by(issuer, key.public_key(), _name(common_name))
        .not_valid_before(NOW - 1825 * _DAY)
        .not_valid_after(NOW + 1825 * _DAY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .sign(issuer.key, hashes.SHA256())
    )
    return Authority(certificate, key)


def _leaf_certificate(
    key: SigningKey,
    issuer: Authority,
    *,
    dns_names: list[str],
    start: datetime,
    end: datetime,
) -> x509.Certificate:
    builder = (
        _issued_by(issuer, key.public_key(), _name(SIGNING_CERT_SAN))
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=isinstance(key, rsa.RSAPrivateKey),
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
    )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
    return builder.sign(issuer.key, hashes.SHA256())


def _issued_by(
    issuer: Authority,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    subject: x509.Name,
) -> x509.CertificateBuilder:
    issuer_ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_ski.value),
            critical=False,
        )
    )
