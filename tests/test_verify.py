"""Request verification: each rule Amazon's certification probes, against a local PKI.

Nothing here touches the network. Certificate chains are served by `FakeCertificateHost`, which
counts downloads, so the tests can prove both that bad URLs are refused before any download and
that a good chain is downloaded once. Time stands still at `certs.NOW` unless a test moves it.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import certifi
import pytest
import requests
from certs import NOW, LocalPki, Signer, local_pki, sign_with
from cryptography.hazmat.primitives import serialization
from werkzeug.datastructures import Headers

from skill.verify import (
    MAX_CERT_CHAIN_BYTES,
    RequestVerifier,
    VerificationError,
    download_pem,
    load_roots,
    normalise_cert_url,
)

SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
CANONICAL_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


class FakeCertificateHost:
    """Stands in for Amazon's S3 bucket: serves PEM chains by URL and records every download."""

    def __init__(self, chains: dict[str, bytes]) -> None:
        self.chains = chains
        #: Served for any URL not in `chains`; None answers those with a 404.
        self.fallback: bytes | None = None
        self.calls: list[str] = []

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        pem = self.chains.get(url, self.fallback)
        if pem is None:
            raise ConnectionError(f"404 Not Found: {url}")
        return pem


class Clock:
    """A clock the test can move."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def cert_url(signer: Signer) -> str:
    """Where the fake host publishes `signer`'s chain."""
    return f"https://s3.amazonaws.com/echo.api/{signer.name}.pem"


def envelope(
    *,
    request_type: str = "LaunchRequest",
    timestamp: datetime | str | None = NOW,
    application_id: str | None = SKILL_ID,
) -> dict[str, Any]:
    """A minimal Alexa request envelope, addressed to `application_id` in context and session."""
    request: dict[str, Any] = {
        "type": request_type,
        "requestId": "amzn1.echo-api.request.test",
        "locale": "en-GB",
    }
    if isinstance(timestamp, datetime):
        request["timestamp"] = timestamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    elif timestamp is not None:
        request["timestamp"] = timestamp
    application = {} if application_id is None else {"applicationId": application_id}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": "amzn1.echo-api.session.test",
            "application": application,
        },
        "context": {
            "System": {"application": application, "user": {"userId": "amzn1.ask.account.test"}}
        },
        "request": request,
    }


def encode(envelope: dict[str, Any]) -> bytes:
    """Serialise an envelope the way Alexa sends it (compact, not sorted)."""
    return json.dumps(envelope, separators=(",", ":")).encode()


def signed_headers(body: bytes, signer: Signer, *, url: str | None = None) -> dict[str, str]:
    """Headers as Alexa would send them for `body` signed by `signer`."""
    return {
        "Content-Type": "application/json",
        "SignatureCertChainUrl": cert_url(signer) if url is None else url,
        "Signature-256": signer.sign(body),
    }


@pytest.fixture(scope="session")
def pki() -> LocalPki:
    return local_pki()


@pytest.fixture
def host(pki: LocalPki) -> FakeCertificateHost:
    chains = {cert_url(signer): signer.chain_pem() for signer in pki.signers()}
    chains[CANONICAL_URL] = pki.leaf.chain_pem()
    return FakeCertificateHost(chains)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def verifier(pki: LocalPki, host: FakeCertificateHost, clock: Clock) -> RequestVerifier:
    return RequestVerifier(
        skill_id=SKILL_ID, trusted_roots=[pki.root.certificate], fetch_pem=host, clock=clock
    )


@pytest.fixture
def body() -> bytes:
    return encode(envelope())


def assert_rejected(
    verifier: RequestVerifier, headers: dict[str, str], body: bytes, reason: str
) -> None:
    with pytest.raises(VerificationError, match=reason):
        verifier.verify(headers, body)


# --- the happy path ---------------------------------------------------------------------------


def test_a_correctly_signed_request_is_accepted_and_its_envelope_returned(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost
) -> None:
    sent = envelope(request_type="IntentRequest")
    body = encode(sent)

    assert verifier.verify(signed_headers(body, pki.leaf), body) == sent
    assert host.calls == [cert_url(pki.leaf)]


def test_header_names_are_matched_whatever_their_case(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = {
        "signaturecertchainurl": cert_url(pki.leaf),
        "SIGNATURE-256": pki.leaf.sign(body),
    }

    assert verifier.verify(headers, body)["request"]["type"] == "LaunchRequest"


def test_werkzeug_headers_are_accepted_as_flask_passes_them(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = Headers(signed_headers(body, pki.leaf))

    assert verifier.verify(headers, body)["request"]["type"] == "LaunchRequest"


# --- the certificate URL ----------------------------------------------------------------------

BAD_CERT_URLS = {
    "http scheme": "http://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "ftp scheme": "ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "no scheme": "//s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "other host": "https://notamazon.com/echo.api/echo-api-cert.pem",
    "host as a prefix": "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem",
    "path case differs": "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem",
    "other path": "https://s3.amazonaws.com/invalid.path/echo-api-cert.pem",
    "other port": "https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem",
    "port not a number": "https://s3.amazonaws.com:https/echo.api/echo-api-cert.pem",
    "port out of range": "https://s3.amazonaws.com:99999/echo.api/echo-api-cert.pem",
    "dot-dot out of the folder": "https://s3.amazonaws.com/echo.api/../echo-api-cert.pem",
    "encoded dot-dot": "https://s3.amazonaws.com/echo.api/%2e%2E/echo-api-cert.pem",
    "backslash dot-dot": "https://s3.amazonaws.com/echo.api/..\\echo-api-cert.pem",
    "double slash": "https://s3.amazonaws.com//echo.api/echo-api-cert.pem",
    "folder without slash": "https://s3.amazonaws.com/echo.api",
    "host without path": "https://s3.amazonaws.com",
    "root path": "https://s3.amazonaws.com/",
    "user info": "https://evil@s3.amazonaws.com/echo.api/x",
    "user info hiding the host": "https://s3.amazonaws.com@evil.example/echo.api/x",
    "query string": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem?versionId=1",
    "fragment": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem#leaf",
    "ip address": "https://52.216.0.1/echo.api/echo-api-cert.pem",
    "garbage": "not a url at all",
    "empty": "",
    "blank": "   ",
}

GOOD_CERT_URLS = {
    "canonical": "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "scheme in capitals": "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
    "host in capitals": "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert.pem",
    "explicit port 443": "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    "dot-dot back into the folder": "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
    "dot segment": "https://s3.amazonaws.com/echo.api/./echo-api-cert.pem",
    "dot-dot within the folder": "https://s3.amazonaws.com/echo.api/old/../echo-api-cert.pem",
    "encoded letter": "https://s3.amazonaws.com/echo.api/%65cho-api-cert.pem",
}


@pytest.mark.parametrize("url", BAD_CERT_URLS.values(), ids=BAD_CERT_URLS.keys())
def test_a_bad_certificate_url_is_rejected_without_downloading(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes, url: str
) -> None:
    headers = signed_headers(body, pki.leaf, url=url)
    # The fake host serves a good chain at every URL, so only the URL check can stop this.
    host.fallback = pki.leaf.chain_pem()

    with pytest.raises(VerificationError, match=r"SignatureCertChainUrl|certificate URL"):
        verifier.verify(headers, body)
    assert host.calls == []


@pytest.mark.parametrize("url", GOOD_CERT_URLS.values(), ids=GOOD_CERT_URLS.keys())
def test_a_good_certificate_url_is_accepted_and_fetched_in_canonical_form(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes, url: str
) -> None:
    verifier.verify(signed_headers(body, pki.leaf, url=url), body)

    assert host.calls == [CANONICAL_URL]


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "HTTPS://S3.AmazonAWS.com:443/echo.api/a/../b.pem",
            "https://s3.amazonaws.com/echo.api/b.pem",
        ),
        ("https://s3.amazonaws.com/echo.api/", "https://s3.amazonaws.com/echo.api/"),
        ("https://s3.amazonaws.com/echo.api/old/..", "https://s3.amazonaws.com/echo.api/"),
        (
            "https://s3.amazonaws.com/echo.api/%7Ecert%2d1.pem",
            "https://s3.amazonaws.com/echo.api/~cert-1.pem",
        ),
        (
            "https://s3.amazonaws.com/echo.api/a%2fb.pem",
            "https://s3.amazonaws.com/echo.api/a%2Fb.pem",
        ),
    ],
    ids=[
        "case, port and dot-dot",
        "folder",
        "dot-dot to the folder",
        "unreserved escapes",
        "reserved escape",
    ],
)
def test_a_certificate_url_is_normalised_before_it_is_checked(url: str, canonical: str) -> None:
    assert normalise_cert_url(url) == canonical


def test_an_invalid_certificate_url_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf, url="https://s3.amazonaws.com/invalid.path/cert.pem")

    assert_rejected(verifier, headers, body, "path must start with /echo.api/")
    assert host.calls == []


def test_a_request_without_a_certificate_url_header_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf)
    del headers["SignatureCertChainUrl"]

    assert_rejected(verifier, headers, body, "missing SignatureCertChainUrl header")
    assert host.calls == []


# --- the signature ----------------------------------------------------------------------------


def test_a_request_without_a_signature_header_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf)
    del headers["Signature-256"]

    assert_rejected(verifier, headers, body, "missing Signature-256 header")
    assert host.calls == []


def test_the_legacy_sha1_signature_header_is_not_enough(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf)
    headers["Signature"] = headers.pop("Signature-256")

    assert_rejected(verifier, headers, body, "missing Signature-256 header")


def test_a_request_with_an_empty_signature_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf) | {"Signature-256": ""}

    assert_rejected(verifier, headers, body, "missing Signature-256 header")
    assert host.calls == []


def test_a_signature_that_is_not_base64_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf) | {"Signature-256": "not*base64!"}

    assert_rejected(verifier, headers, body, "Signature-256 is not valid base64")


def test_a_signature_with_one_flipped_bit_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    signature = bytearray(base64.b64decode(pki.leaf.sign(body)))
    signature[100] ^= 0x01
    headers = signed_headers(body, pki.leaf) | {
        "Signature-256": base64.b64encode(signature).decode()
    }

    assert_rejected(verifier, headers, body, "signature does not match the body")


def test_a_body_altered_after_signing_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf)
    altered = body.replace(b"LaunchRequest", b"SessionEndedRequest")

    assert_rejected(verifier, headers, altered, "signature does not match the body")


def test_a_body_reserialised_after_signing_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf)
    same_json_other_bytes = json.dumps(json.loads(body), indent=2).encode()

    assert_rejected(verifier, headers, same_json_other_bytes, "signature does not match the body")


def test_a_signature_made_with_another_key_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf) | {"Signature-256": sign_with(pki.stranger_key, body)}

    assert_rejected(verifier, headers, body, "signature does not match the body")


def test_the_body_is_not_read_until_its_signature_holds(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    headers = signed_headers(b"{}", pki.leaf)

    assert_rejected(verifier, headers, b"not json", "signature does not match the body")


# --- the signing certificate ------------------------------------------------------------------


def test_a_certificate_without_the_echo_api_name_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf_without_san)

    assert_rejected(verifier, headers, body, "not issued for echo-api.amazon.com")


def test_an_expired_signing_certificate_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.expired_leaf)

    assert_rejected(verifier, headers, body, "signing certificate has expired")


def test_a_signing_certificate_that_is_not_yet_valid_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.future_leaf)

    assert_rejected(verifier, headers, body, "signing certificate is not yet valid")


def test_a_request_signed_by_an_untrusted_root_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.untrusted_leaf)

    assert_rejected(verifier, headers, body, "signing certificate is not trusted")


def test_a_chain_missing_its_intermediate_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    leaf_only = pki.leaf.certificate.public_bytes(serialization.Encoding.PEM)
    host.chains[CANONICAL_URL] = leaf_only
    headers = signed_headers(body, pki.leaf, url=CANONICAL_URL)

    assert_rejected(verifier, headers, body, "signing certificate is not trusted")


def test_a_signing_certificate_with_a_non_rsa_key_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.ec_leaf)

    assert_rejected(verifier, headers, body, "signing certificate key is not RSA")


# --- downloading and caching the chain --------------------------------------------------------


def test_a_failed_download_is_reported_as_a_verification_error(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    headers = signed_headers(body, pki.leaf, url="https://s3.amazonaws.com/echo.api/missing.pem")

    assert_rejected(verifier, headers, body, "could not download the signing certificate")


@pytest.mark.parametrize(
    "served",
    [
        b"",
        b"<Error><Code>AccessDenied</Code></Error>",
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    ],
    ids=["empty", "s3 error page", "pem armour around garbage"],
)
def test_a_download_that_is_not_a_pem_chain_is_reported_as_a_verification_error(
    verifier: RequestVerifier,
    pki: LocalPki,
    host: FakeCertificateHost,
    body: bytes,
    served: bytes,
) -> None:
    host.chains[CANONICAL_URL] = served
    headers = signed_headers(body, pki.leaf, url=CANONICAL_URL)

    assert_rejected(verifier, headers, body, "signing certificate chain is not valid PEM")


def test_an_oversized_download_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    host.chains[CANONICAL_URL] = pki.leaf.chain_pem() + b"\n" * MAX_CERT_CHAIN_BYTES
    headers = signed_headers(body, pki.leaf, url=CANONICAL_URL)

    assert_rejected(verifier, headers, body, "signing certificate chain is too large")


def test_the_certificate_chain_is_downloaded_once_per_url(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost
) -> None:
    first = encode(envelope(request_type="LaunchRequest"))
    second = encode(envelope(request_type="SessionEndedRequest"))

    verifier.verify(signed_headers(first, pki.leaf), first)
    verifier.verify(signed_headers(second, pki.leaf), second)

    assert host.calls == [cert_url(pki.leaf)]


def test_a_cached_chain_still_checks_each_signature(
    verifier: RequestVerifier, pki: LocalPki, body: bytes
) -> None:
    verifier.verify(signed_headers(body, pki.leaf), body)
    forged = signed_headers(body, pki.leaf) | {"Signature-256": sign_with(pki.stranger_key, body)}

    assert_rejected(verifier, forged, body, "signature does not match the body")


def test_a_rejected_chain_is_not_cached(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    headers = signed_headers(body, pki.untrusted_leaf)

    for _ in range(2):
        assert_rejected(verifier, headers, body, "not trusted")
    assert host.calls == [cert_url(pki.untrusted_leaf)] * 2


def test_a_cached_chain_is_dropped_once_the_signing_certificate_expires(
    verifier: RequestVerifier, pki: LocalPki, host: FakeCertificateHost, clock: Clock
) -> None:
    verifier.verify(signed_headers(encode(envelope()), pki.leaf), encode(envelope()))
    clock.now = pki.leaf.certificate.not_valid_after_utc + timedelta(seconds=1)
    later = encode(envelope(timestamp=clock.now))

    assert_rejected(verifier, signed_headers(later, pki.leaf), later, "has expired")
    assert host.calls == [cert_url(pki.leaf)] * 2


# --- the timestamp ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_type", "offset_seconds"),
    [
        ("LaunchRequest", -149),
        ("LaunchRequest", 149),
        ("IntentRequest", -150),
        ("AlexaSkillEvent.SkillEnabled", -3000),
        ("AlexaSkillEvent.SkillDisabled", -3600),
    ],
    ids=[
        "149 s old",
        "149 s ahead",
        "exactly 150 s old",
        "skill event 3000 s old",
        "skill event exactly an hour old",
    ],
)
def test_a_request_within_its_time_tolerance_is_accepted(
    verifier: RequestVerifier, pki: LocalPki, request_type: str, offset_seconds: int
) -> None:
    sent = envelope(request_type=request_type, timestamp=NOW + timedelta(seconds=offset_seconds))
    body = encode(sent)

    assert verifier.verify(signed_headers(body, pki.leaf), body) == sent


def test_a_request_151_seconds_old_is_rejected(verifier: RequestVerifier, pki: LocalPki) -> None:
    body = encode(envelope(timestamp=NOW - timedelta(seconds=151)))

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "timestamp is too far from now")


def test_a_request_151_seconds_in_the_future_is_rejected(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = encode(envelope(timestamp=NOW + timedelta(seconds=151)))

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "timestamp is too far from now")


def test_an_ordinary_request_3000_seconds_old_is_rejected(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = encode(envelope(request_type="IntentRequest", timestamp=NOW - timedelta(seconds=3000)))

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "timestamp is too far from now")


def test_a_skill_event_more_than_an_hour_old_is_rejected(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = encode(
        envelope(
            request_type="AlexaSkillEvent.SkillEnabled",
            timestamp=NOW - timedelta(hours=1, seconds=1),
        )
    )

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "timestamp is too far from now")


def test_a_timestamp_with_an_offset_is_compared_in_utc(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = encode(envelope(timestamp="2026-11-21T21:30:00+02:00"))

    assert verifier.verify(signed_headers(body, pki.leaf), body)["request"]["timestamp"]


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        (None, "timestamp is missing"),
        (1795289400000, "timestamp is not ISO 8601"),
        ("yesterday at noon", "timestamp is not ISO 8601"),
        ("2026-11-21T19:30:00", "timestamp has no time zone"),
    ],
    ids=["missing", "a number", "garbled", "no time zone"],
)
def test_a_request_with_an_unreadable_timestamp_is_rejected(
    verifier: RequestVerifier, pki: LocalPki, timestamp: object, reason: str
) -> None:
    sent = envelope()
    if timestamp is None:
        del sent["request"]["timestamp"]
    else:
        sent["request"]["timestamp"] = timestamp
    body = encode(sent)

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, reason)


# --- the body and the skill id ----------------------------------------------------------------


def test_a_body_that_is_not_json_is_rejected(verifier: RequestVerifier, pki: LocalPki) -> None:
    body = b"version=1.0&request=LaunchRequest"

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "body is not valid JSON")


def test_a_json_body_that_is_not_an_object_is_rejected(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = b'["version", "1.0"]'

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "body is not a JSON object")


def test_an_envelope_without_a_request_is_rejected(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = b'{"version": "1.0"}'

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "envelope has no request")


def test_a_request_for_another_skill_is_rejected(verifier: RequestVerifier, pki: LocalPki) -> None:
    body = encode(envelope(application_id="amzn1.ask.skill.someone-else"))

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "not addressed to this skill")


def test_a_request_without_an_application_id_is_rejected_when_a_skill_id_is_configured(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    body = encode(envelope(application_id=None))

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "not addressed to this skill")


def test_the_session_application_id_is_used_when_the_context_has_none(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    sent = envelope()
    del sent["context"]

    body = encode(sent)

    assert verifier.verify(signed_headers(body, pki.leaf), body) == sent


def test_the_context_application_id_wins_over_the_session_one(
    verifier: RequestVerifier, pki: LocalPki
) -> None:
    sent = envelope()
    sent["context"]["System"]["application"] = {"applicationId": "amzn1.ask.skill.someone-else"}
    body = encode(sent)

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "not addressed to this skill")


def test_any_skill_id_is_accepted_when_none_is_configured(
    pki: LocalPki, host: FakeCertificateHost
) -> None:
    verifier = RequestVerifier(
        skill_id=None, trusted_roots=[pki.root.certificate], fetch_pem=host, clock=lambda: NOW
    )
    body = encode(envelope(application_id="amzn1.ask.skill.someone-else"))

    assert verifier.verify(signed_headers(body, pki.leaf), body)["version"] == "1.0"


# --- the default downloader and trust store ---------------------------------------------------


class FakeGet:
    """Replaces requests.get: answers with one canned response and records the call."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status = status
        self.content = content
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append((url, kwargs))
        response = requests.Response()
        response.status_code = self.status
        response.raw = io.BytesIO(self.content)
        return response


@pytest.fixture
def fake_get(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, bytes], FakeGet]:
    def install(status: int, content: bytes) -> FakeGet:
        fake = FakeGet(status, content)
        monkeypatch.setattr(requests, "get", fake)
        return fake

    return install


def test_the_default_downloader_fetches_without_redirects_and_with_a_timeout(
    fake_get: Callable[[int, bytes], FakeGet], pki: LocalPki
) -> None:
    fake = fake_get(200, pki.leaf.chain_pem())

    assert download_pem(CANONICAL_URL, timeout=2.5) == pki.leaf.chain_pem()
    [(url, options)] = fake.calls
    assert url == CANONICAL_URL
    assert options["timeout"] == 2.5
    assert options["allow_redirects"] is False


def test_the_default_downloader_rejects_an_error_status(
    fake_get: Callable[[int, bytes], FakeGet],
) -> None:
    fake_get(403, b"<Error><Code>AccessDenied</Code></Error>")

    with pytest.raises(VerificationError, match="HTTP 403"):
        download_pem(CANONICAL_URL, timeout=1.0)


def test_the_default_downloader_stops_reading_past_the_size_cap(
    fake_get: Callable[[int, bytes], FakeGet],
) -> None:
    fake_get(200, b"A" * (MAX_CERT_CHAIN_BYTES + 1))

    with pytest.raises(VerificationError, match="too large"):
        download_pem(CANONICAL_URL, timeout=1.0)


def test_a_network_failure_in_the_default_downloader_becomes_a_verification_error(
    monkeypatch: pytest.MonkeyPatch, pki: LocalPki, body: bytes
) -> None:
    def unreachable(url: str, **kwargs: Any) -> requests.Response:
        raise requests.ConnectTimeout(f"timed out: {url}")

    monkeypatch.setattr(requests, "get", unreachable)
    verifier = RequestVerifier(
        skill_id=SKILL_ID, trusted_roots=[pki.root.certificate], clock=lambda: NOW
    )

    assert_rejected(verifier, signed_headers(body, pki.leaf), body, "could not download")


def test_certifis_bundle_loads_without_warnings() -> None:
    roots = load_roots(Path(certifi.where()))

    assert len(roots) > 100
    RequestVerifier(skill_id=SKILL_ID)  # the default trust store is that same bundle


def test_a_file_without_certificates_is_not_a_root_bundle(tmp_path: Path) -> None:
    empty = tmp_path / "roots.pem"
    empty.write_text("no certificates here\n")

    with pytest.raises(ValueError, match="no PEM certificates"):
        load_roots(empty)


def test_roots_loaded_from_a_file_are_trusted(
    tmp_path: Path, pki: LocalPki, host: FakeCertificateHost, body: bytes
) -> None:
    bundle = tmp_path / "roots.pem"
    bundle.write_bytes(pki.root.certificate.public_bytes(serialization.Encoding.PEM))
    verifier = RequestVerifier(
        skill_id=SKILL_ID, trusted_roots=load_roots(bundle), fetch_pem=host, clock=lambda: NOW
    )

    assert verifier.verify(signed_headers(body, pki.leaf), body)["version"] == "1.0"
