"""Verify that an HTTP request really comes from Alexa, for web-service hosting.

Amazon's rules (docs/alexa-platform.md, section 5): the certificate URL must point into Amazon's
`echo.api` bucket, the certificate it serves must be in date, named `echo-api.amazon.com` and chain
to a trusted root, the `Signature-256` header must sign the exact raw body with that certificate's
key, the request timestamp must be recent, and the envelope must be addressed to this skill.

This module knows nothing of Flask or any other host: the web app hands `RequestVerifier.verify`
the headers and raw body and turns a `VerificationError` into HTTP 400. The checks run cheapest
first, and nothing is downloaded until the headers and the URL have passed; nothing in the body is
read until its signature holds.
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
import string
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final, Protocol
from urllib.parse import urlsplit

import certifi
import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification

from skill.limits import (
    CERT_URL_HOST,
    CERT_URL_PATH_PREFIX,
    CERT_URL_PORT,
    REQUEST_TIMESTAMP_TOLERANCE_SECONDS,
    SIGNING_CERT_SAN,
    SKILL_EVENT_TIMESTAMP_TOLERANCE_SECONDS,
)

CERT_URL_HEADER: Final = "SignatureCertChainUrl"
SIGNATURE_HEADER: Final = "Signature-256"

#: Amazon's chain is a few kilobytes; anything far larger is not it.
MAX_CERT_CHAIN_BYTES: Final = 64 * 1024
#: Amazon rotates through a handful of certificate URLs; a few more slots cost nothing.
MAX_CACHED_CHAINS: Final = 16
#: Skill events (SkillEnabled, SkillAccountLinked, ...) may arrive up to an hour late.
SKILL_EVENT_TYPE_PREFIX: Final = "AlexaSkillEvent."

_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_PERCENT_ESCAPE: Final = re.compile(r"%([0-9A-Fa-f]{2})")
_PEM_CERTIFICATE: Final = re.compile(
    rb"-----BEGIN CERTIFICATE-----\r?\n.+?-----END CERTIFICATE-----", re.DOTALL
)

PemFetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]


class HeaderItems(Protocol):
    """Anything that lists headers as (name, value) pairs: a dict, or werkzeug's `Headers`."""

    def items(self) -> Iterable[tuple[str, str]]: ...


class VerificationError(Exception):
    """The request is not a genuine, fresh Alexa request for this skill.

    The message is a short reason, safe to show to the caller; the underlying exception, if any,
    is chained for the logs.
    """


@dataclass(frozen=True)
class _TrustedKey:
    """A signing key whose chain verified, and the window in which that verdict holds."""

    public_key: rsa.RSAPublicKey
    valid_from: datetime
    valid_until: datetime


class RequestVerifier:
    """Checks Alexa's request signature, certificate chain, timestamp and skill id.

    One instance serves the whole process and may be shared between threads: it caches each
    verified certificate chain by URL until the first certificate in it expires. `trusted_roots`
    defaults to certifi's bundle; `fetch_pem` (given the normalised URL, returning the PEM bytes,
    raising `OSError` or `VerificationError` on failure) defaults to an HTTPS download capped at
    `MAX_CERT_CHAIN_BYTES`; `clock` must return an aware datetime and defaults to UTC now. With
    `skill_id` None the application id is not checked (for local tools only).
    """

    def __init__(
        self,
        *,
        skill_id: str | None,
        trusted_roots: list[x509.Certificate] | None = None,
        fetch_pem: PemFetcher | None = None,
        clock: Clock | None = None,
        download_timeout: float = 5.0,
    ) -> None:
        roots = trusted_roots if trusted_roots is not None else _certifi_roots()
        if not roots:
            raise ValueError("trusted_roots is empty: no request could ever verify")
        self._skill_id = skill_id
        self._store = verification.Store(roots)
        self._fetch_pem: PemFetcher = fetch_pem or partial(download_pem, timeout=download_timeout)
        self._clock: Clock = clock or _utc_now
        self._lock = threading.Lock()
        self._trusted_keys: dict[str, _TrustedKey] = {}

    def verify(self, headers: HeaderItems, body: bytes) -> dict[str, Any]:
        """Return the parsed request envelope if every rule holds, else raise VerificationError.
        Header names match case-insensitively; `body` must be the raw bytes as received, because
        the signature covers them exactly and a re-encoded body would not verify.
        """
        now = self._clock()
        if now.tzinfo is None:
            raise TypeError("the verifier's clock must return an aware datetime")
        cert_url = _header(headers, CERT_URL_HEADER)
        if cert_url is None or not cert_url.strip():
            raise VerificationError(f"missing {CERT_URL_HEADER} header")
        encoded_signature = _header(headers, SIGNATURE_HEADER)
        if encoded_signature is None or not encoded_signature.strip():
            raise VerificationError(f"missing {SIGNATURE_HEADER} header")
        url = normalise_cert_url(cert_url)
        signature = _decode_signature(encoded_signature)

        public_key = self._signing_key(url, now)
        try:
            public_key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("request signature does not match the body") from None

        envelope = _parse_envelope(body)
        _check_timestamp(envelope, now)
        if self._skill_id is not None and _application_id(envelope) != self._skill_id:
            raise VerificationError("request is not addressed to this skill")
        return envelope

    def _signing_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        with self._lock:
            cached = self._trusted_keys.get(url)
            if cached is not None:
                if cached.valid_from <= now <= cached.valid_until:
                    return cached.public_key
                del self._trusted_keys[url]
        # Download outside the lock: a slow fetch must not hold up requests whose chain is cached.
        trusted = self._verify_chain(self._download(url), now)
        with self._lock:
            if len(self._trusted_keys) >= MAX_CACHED_CHAINS:
                del self._trusted_keys[next(iter(self._trusted_keys))]
            self._trusted_keys[url] = trusted
        return trusted.public_key

    def _download(self, url: str) -> bytes:
        try:
            pem = self._fetch_pem(url)
        except OSError as exc:  # requests' exceptions are OSErrors too
            raise VerificationError("could not download the signing certificate") from exc
        if len(pem) > MAX_CERT_CHAIN_BYTES:
            raise VerificationError("signing certificate chain is too large")
        return pem

    def _verify_chain(self, pem: bytes, now: datetime) -> _TrustedKey:
        try:
            leaf, *intermediates = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            raise VerificationError("signing certificate chain is not valid PEM") from exc
        # The chain verifier would catch these too; checking first gives the caller a clear reason.
        if now < leaf.not_valid_before_utc:
            raise VerificationError("signing certificate is not yet valid")
        if now > leaf.not_valid_after_utc:
            raise VerificationError("signing certificate has expired")
        if SIGNING_CERT_SAN not in _dns_names(leaf):
            raise VerificationError(f"signing certificate is not issued for {SIGNING_CERT_SAN}")
        try:
            public_key = leaf.public_key()
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise VerificationError("signing certificate key is unreadable") from exc
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationError("signing certificate key is not RSA")

        verifier = (
            verification.PolicyBuilder()
            .store(self._store)
            .time(now)
            .build_server_verifier(x509.DNSName(SIGNING_CERT_SAN))
        )
        try:
            chain = verifier.verify(leaf, intermediates)
        except verification.VerificationError as exc:
            raise VerificationError("signing certificate is not trusted") from exc
        return _TrustedKey(
            public_key=public_key,
            valid_from=max(cert.not_valid_before_utc for cert in chain),
            valid_until=min(cert.not_valid_after_utc for cert in chain),
        )


def normalise_cert_url(raw: str) -> str:
    """Return the canonical form of a `SignatureCertChainUrl`, or raise VerificationError.
    The URL must be https on s3.amazonaws.com (port 443 if one is given) with a path that, once
    percent-escaped unreserved characters are decoded and dot segments resolved, starts with
    `/echo.api/`. User info, query strings, fragments and backslashes are refused outright, since
    Amazon never sends them and each is a classic way to make two parsers disagree. The canonical
    form is what gets downloaded, so the URL checked and the URL fetched are the same.
    """
    if "\\" in raw:
        raise VerificationError("certificate URL contains a backslash")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise VerificationError("certificate URL is malformed") from exc
    if parts.scheme != "https":  # urlsplit lower-cases the scheme
        raise VerificationError("certificate URL must use https")
    if "@" in parts.netloc:
        raise VerificationError("certificate URL must not carry user info")
    if parts.hostname != CERT_URL_HOST:  # urlsplit lower-cases the host
        raise VerificationError(f"certificate URL must be on {CERT_URL_HOST}")
    if port is not None and port != CERT_URL_PORT:
        raise VerificationError(f"certificate URL must use port {CERT_URL_PORT}")
    if parts.query or parts.fragment:
        raise VerificationError("certificate URL must not have a query or fragment")
    path = _normalise_path(parts.path)
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationError(f"certificate URL path must start with {CERT_URL_PATH_PREFIX}")
    return f"https://{CERT_URL_HOST}{path}"


def download_pem(url: str, *, timeout: float) -> bytes:
    """Download a certificate chain over HTTPS, refusing redirects and anything over the size cap.
    Raises VerificationError for a non-200 answer or an oversized body, and requests' own
    exceptions (which are OSErrors) for network failures; `RequestVerifier` turns those into
    VerificationError too.
    """
    with requests.get(url, timeout=timeout, stream=True, allow_redirects=False) as response:
        if response.status_code != 200:
            raise VerificationError(f"certificate download failed with HTTP {response.status_code}")
        received = bytearray()
        for chunk in response.iter_content(chunk_size=16 * 1024):
            received += chunk
            if len(received) > MAX_CERT_CHAIN_BYTES:
                raise VerificationError("signing certificate chain is too large")
    return bytes(received)


def load_roots(path: Path) -> list[x509.Certificate]:
    """Read a PEM bundle of trusted root certificates, such as certifi's `cacert.pem`.
    Certificates cryptography cannot parse are skipped rather than failing the whole bundle: a
    root left out only narrows trust. cryptography 50 warns about the handful of old roots with
    non-positive serial numbers (and means to refuse them later); those warnings are silenced
    here. Raises ValueError if the file holds no usable certificate.
    """
    return _parse_roots(path.read_bytes(), source=str(path))


def _certifi_roots() -> list[x509.Certificate]:
    return _parse_roots(certifi.contents().encode("ascii"), source="certifi")


def _parse_roots(bundle: bytes, *, source: str) -> list[x509.Certificate]:
    roots: list[x509.Certificate] = []
    # catch_warnings is process-wide, which is fine here: roots are read once, at start-up.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_CERTIFICATE.finditer(bundle):
            try:
                roots.append(x509.load_pem_x509_certificate(block.group()))
            except ValueError:
                continue
    if not roots:
        raise ValueError(f"{source}: no PEM certificates found")
    return roots


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _header(headers: HeaderItems, name: str) -> str | None:
    wanted = name.lower()
    # items() rather than iteration: werkzeug's Headers iterates over (name, value) pairs.
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _decode_signature(encoded: str) -> bytes:
    try:
        signature = base64.b64decode(encoded.strip(), validate=True)
    except ValueError as exc:  # binascii.Error, or non-ASCII text
        raise VerificationError(f"{SIGNATURE_HEADER} is not valid base64") from exc
    if not signature:
        raise VerificationError(f"missing {SIGNATURE_HEADER} header")
    return signature


def _normalise_path(path: str) -> str:
    # RFC 3986 6.2.2.2: %2E is a dot, so "%2e%2e" must count as ".." before resolving segments.
    def decode_unreserved(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group().upper()

    decoded = _PERCENT_ESCAPE.sub(decode_unreserved, path)
    if not decoded.startswith("/"):
        return decoded
    normalised = posixpath.normpath(decoded)
    # normpath drops a trailing slash; "/echo.api/" and "/echo.api/x/.." name a folder, keep it one.
    if decoded.endswith(("/", "/.", "/..")) and not normalised.endswith("/"):
        normalised += "/"
    return normalised


def _dns_names(certificate: x509.Certificate) -> set[str]:
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set()
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:
        raise VerificationError("signing certificate extensions are malformed") from exc
    return {name.lower() for name in san.value.get_values_for_type(x509.DNSName)}


def _parse_envelope(body: bytes) -> dict[str, Any]:
    try:
        envelope = json.loads(body)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise VerificationError("request body is not valid JSON") from exc
    if not isinstance(envelope, dict):
        raise VerificationError("request body is not a JSON object")
    return envelope


def _check_timestamp(envelope: Mapping[str, Any], now: datetime) -> None:
    request = envelope.get("request")
    if not isinstance(request, dict):
        raise VerificationError("request envelope has no request")
    raw = request.get("timestamp")
    if raw is None:
        raise VerificationError("request timestamp is missing")
    try:
        timestamp = datetime.fromisoformat(raw)
    except (TypeError, ValueError) as exc:
        raise VerificationError("request timestamp is not ISO 8601") from exc
    if timestamp.tzinfo is None:
        raise VerificationError("request timestamp has no time zone")
    request_type = request.get("type")
    is_skill_event = isinstance(request_type, str) and request_type.startswith(
        SKILL_EVENT_TYPE_PREFIX
    )
    tolerance = (
        SKILL_EVENT_TIMESTAMP_TOLERANCE_SECONDS
        if is_skill_event
        else REQUEST_TIMESTAMP_TOLERANCE_SECONDS
    )
    if abs((now - timestamp).total_seconds()) > tolerance:
        raise VerificationError("request timestamp is too far from now")


def _application_id(envelope: Mapping[str, Any]) -> str | None:
    paths = (
        ("context", "System", "application", "applicationId"),
        ("session", "application", "applicationId"),
    )
    for path in paths:
        node: Any = envelope
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, str):
            return node
    return None
