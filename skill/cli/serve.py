"""`gentle-back serve [--host H] [--port P] [--verify | --no-verify]`: the skill as a local web app.

Runs the same Flask app as production (`skill.web.create_app`) on werkzeug's threaded development
server, with the store the settings choose (SQLite by default). Request verification is decided,
first match wins, by: the `--verify`/`--no-verify` flag; then `GENTLE_BACK_VERIFY_REQUESTS` when
set; then the bind address, off on loopback (127.0.0.1, ::1, localhost) and on anywhere else.
Why: on loopback the only callers are the developer's own tools (`simulate`, curl), which cannot
sign like Alexa, so `make run` works from a fresh clone with no certificates; an address other
machines can reach keeps verification on unless someone turns it off by name. One caveat is
printed with the banner: a tunnel (ngrok and friends) makes a loopback server public, so pass
`--verify` when Alexa is to reach it through one.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skill.config import Settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
VERIFY_ENV = "GENTLE_BACK_VERIFY_REQUESTS"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind (default: %(default)s)"
    )
    verify = parser.add_mutually_exclusive_group()
    verify.add_argument(
        "--verify",
        dest="verify",
        action="store_true",
        default=None,
        help="check Alexa's request signatures even on loopback",
    )
    verify.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="accept unsigned requests (local development only)",
    )


def decide_verification(flag: bool | None, env: Mapping[str, str], host: str) -> bool:
    """Whether to verify requests: the flag, else the environment, else on unless loopback."""
    if flag is not None:
        return flag
    if env.get(VERIFY_ENV, "").strip():
        from skill.config import Settings

        return Settings.from_env({VERIFY_ENV: env[VERIFY_ENV]}).verify_requests
    return host not in LOOPBACK_HOSTS


def local_audio_base(settings: Settings, host: str, port: int) -> str | None:
    """In development, chimes come from this server's /audio/ when they have been rendered.

    A configured GENTLE_BACK_AUDIO_BASE_URL always wins. Alexa itself only fetches HTTPS audio,
    so this serves the simulator and local previews; production sets an HTTPS base URL.
    """
    if settings.audio_base_url is not None:
        return settings.audio_base_url
    if not any(settings.audio_dir.glob("*.mp3")):
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/audio"


def launch_request(skill_id: str | None) -> str:
    """A minimal LaunchRequest envelope, stamped now, for the curl example."""
    from datetime import UTC, datetime

    app = {"applicationId": skill_id or "amzn1.ask.skill.local"}
    user = {"userId": "amzn1.ask.account.local-developer"}
    envelope = {
        "version": "1.0",
        "session": {"new": True, "sessionId": "local", "application": app, "user": user},
        "context": {"System": {"application": app, "user": user}},
        "request": {
            "type": "LaunchRequest",
            "requestId": "local",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "locale": "en-US",
        },
    }
    return json.dumps(envelope, separators=(",", ":"))


def banner(settings: Settings, host: str, port: int) -> str:
    """What `serve` prints on start: where it listens and how to talk to it."""
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}{settings.alexa_path}"
    verify = settings.verify_requests
    lines = [
        f"Gentle Back is listening on {url} (store: {settings.store})",
        "In another terminal:",
        f"  .venv/bin/gentle-back simulate --url {url}",
        f"  curl -s http://{shown_host}:{port}/healthz",
        f"  curl -s -H 'Content-Type: application/json' -d '{launch_request(settings.skill_id)}' "
        f"{url}",
    ]
    if verify:
        lines[-1] += "   (answers 400: it is not signed)"
    if verify:
        lines.append("Request verification is ON: only requests signed by Alexa are answered.")
    else:
        lines += [
            "",
            "!" * 78,
            "!! Request verification is OFF: anyone who can reach this port can talk to the",
            "!! skill. Fine on your own machine; pass --verify before exposing it (a tunnel",
            "!! such as ngrok counts).",
            "!" * 78,
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import logging

    from werkzeug.serving import run_simple

    from skill.catalogue import CatalogueError
    from skill.config import ConfigError, Settings
    from skill.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
        verify = decide_verification(args.verify, os.environ, args.host)
        settings = dataclasses.replace(
            settings,
            verify_requests=verify,
            audio_base_url=local_audio_base(settings, args.host, args.port),
        )
        app = create_app(settings)
    except ConfigError as exc:
        print(f"gentle-back serve: {exc}", file=sys.stderr)
        return 2
    except CatalogueError as exc:
        print(exc, file=sys.stderr)
        print("gentle-back serve: fix the content first (gentle-back validate)", file=sys.stderr)
        return 1
    print(banner(settings, args.host, args.port), flush=True)
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)
    return 0
