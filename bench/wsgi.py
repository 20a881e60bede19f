"""gunicorn entry points for the HTTP benchmarks (never for production): `bench.wsgi:skill_app()`.

`skill_app()` is the production app, `skill.web.create_app` on `Settings.from_env()`, with one
change: its request verifier serves the certificate chain from the file named by
`BENCH_CERT_CHAIN_FILE` instead of downloading it, so verification stays ON with a local chain
(the root is trusted through `GENTLE_BACK_TRUSTED_ROOTS`, as an operator would configure it).
Only the benchmark's own certificate URL is served; any other URL fails as a download would.
`bare_app()` is the baseline: a bare Flask app around the hello-world skill.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from bench.pki import CERT_URL

CHAIN_ENV = "BENCH_CERT_CHAIN_FILE"


def skill_app() -> Flask:
    """Gentle Back's web app with a verifier that reads the local chain from a file."""
    from skill.config import Settings
    from skill.verify import RequestVerifier, load_roots
    from skill.web import create_app

    settings = Settings.from_env()
    if not settings.verify_requests or settings.trusted_roots is None:
        raise RuntimeError("the benchmark server runs with verification on and a local root")
    chain = Path(os.environ[CHAIN_ENV]).read_bytes()

    def fetch_pem(url: str) -> bytes:
        if url != CERT_URL:
            raise OSError(f"no certificate chain at {url}")
        return chain

    verifier = RequestVerifier(
        skill_id=settings.skill_id,
        trusted_roots=load_roots(settings.trusted_roots),
        fetch_pem=fetch_pem,
    )
    return create_app(settings, verifier=verifier)


def bare_app() -> Flask:
    """The baseline: the hello-world skill behind a bare Flask route."""
    from bench.baseline import create_bare_app

    return create_bare_app()
