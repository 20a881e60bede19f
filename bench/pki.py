"""A local certificate chain shaped like Alexa's, so the HTTP benchmark runs with verification ON.

`LocalChain.create()` makes a root CA, an intermediate and a signing certificate for
`echo-api.amazon.com` (with the extensions cryptography's Web PKI verifier demands), valid around
the real clock. The served chain (signing certificate first) and the root go to PEM files: the
server trusts the root through `GENTLE_BACK_TRUSTED_ROOTS` and serves the chain from a file
instead of downloading it; the load client signs each distinct body once with the leaf's key.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.limits import SIGNING_CERT_SAN

#: Where the benchmark says the chain lives; it passes every URL rule, and is never downloaded.
CERT_URL: Final = "https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem"
_DAY: Final = timedelta(days=1)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Certificate, rsa.RSAPrivateKey] | None,
    *,
    ca: bool,
) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, issuer_key = (issuer[0].subject, issuer[1]) if issuer else (name, key)
    issuer_public = issuer_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _DAY)
        .not_valid_after(now + 30 * _DAY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(
            x509.SubjectAlternativeName([x509.DNSName(SIGNING_CERT_SAN)]), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass(frozen=True)
class LocalChain:
    """A signing key and the PEM files a benchmark server needs to trust it."""

    key: rsa.RSAPrivateKey
    chain_file: Path
    root_file: Path

    @classmethod
    def create(cls, folder: Path) -> LocalChain:
        """Make root, intermediate and signing certificate; write `chain.pem` and `root.pem`."""
        root_key, middle_key, leaf_key = _key(), _key(), _key()
        root = _certificate("Gentle Back Bench Root", root_key, None, ca=True)
        middle = _certificate("Gentle Back Bench Issuing CA", middle_key, (root, root_key), ca=True)
        leaf = _certificate(SIGNING_CERT_SAN, leaf_key, (middle, middle_key), ca=False)
        pem = serialization.Encoding.PEM
        chain_file, root_file = folder / "chain.pem", folder / "root.pem"
        chain_file.write_bytes(leaf.public_bytes(pem) + middle.public_bytes(pem))
        root_file.write_bytes(root.public_bytes(pem))
        return cls(leaf_key, chain_file, root_file)

    def headers(self, body: bytes) -> dict[str, str]:
        """The two headers Alexa sends with `body`: the chain URL and the SHA-256 signature."""
        signature = self.key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "SignatureCertChainUrl": CERT_URL,
            "Signature-256": base64.b64encode(signature).decode("ascii"),
        }
