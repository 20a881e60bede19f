"""The web-service host: a Flask app that runs the one skill object behind Alexa's HTTP contract.

`create_app()` builds everything when called and nothing at import time. The skill endpoint reads
the raw body (capped at `max_body_bytes`), verifies Alexa's signature over those exact bytes when
verification is on, checks the envelope's shape, hands it to `skill.invoke` and returns the
response envelope as JSON. Bad input of any kind gets a 400 with a short reason, never a 500; a 500
means the skill itself raised past its own catch-all handler. `/healthz` answers load balancers and
`/audio/<file>` serves the rendered sounds with long-lived caching headers.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Final

from flask import Flask, Response, g, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException, NotFound

from skill.config import Settings
from skill.envelope import EnvelopeError, application_id, parse_envelope
from skill.limits import MAX_RESPONSE_BYTES

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

    from skill.verify import RequestVerifier

logger = logging.getLogger(__name__)

VERIFY_OFF_WARNING: Final = (
    "Request verification is OFF (GENTLE_BACK_VERIFY_REQUESTS=off): for local development only"
)
#: Rendered audio never changes under a given name, so devices and CDNs may keep it for a day.
AUDIO_MAX_AGE_SECONDS: Final = 86400
#: What /audio serves, by extension; Alexa's <audio> tag plays MP3 only, the rest are for people.
AUDIO_TYPES: Final = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
}


def create_app(
    settings: Settings | None = None,
    *,
    skill: CustomSkill | None = None,
    verifier: RequestVerifier | None = None,
) -> Flask:
    """Build the Flask app around one skill object.

    `settings` default to `Settings.from_env()`; `skill` defaults to `build_skill(settings)`.
    Requests are verified when `settings.verify_requests` is on, with `verifier` or else a
    `RequestVerifier` for `settings.skill_id` trusting `settings.trusted_roots` (certifi's bundle
    when unset); when it is off, a warning is logged once here and `verifier` is ignored.
    """
    settings = settings if settings is not None else Settings.from_env()
    if skill is None:
        from skill.builder import build_skill

        skill = build_skill(settings)
    if settings.verify_requests:
        verifier = verifier if verifier is not None else _default_verifier(settings)
        if settings.skill_id is None:
            logger.warning("GENTLE_BACK_SKILL_ID is not set: requests for any skill will pass")
    else:
        logger.warning(VERIFY_OFF_WARNING)
        verifier = None

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    endpoint = _SkillEndpoint(skill, verifier, settings.skill_id)
    app.add_url_rule(settings.alexa_path, "alexa", endpoint.handle, methods=["POST"])
    app.add_url_rule("/healthz", "healthz", _healthz, methods=["GET"])
    audio_dir = settings.audio_dir

    @app.get("/audio/<path:filename>")
    def audio(filename: str) -> Response:
        return _send_audio(audio_dir, filename)

    app.before_request(_start_timer)
    app.after_request(_log_request)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    return app


class _SkillEndpoint:
    """POST handler for the skill path: verify, parse, invoke, answer."""

    def __init__(
        self, skill: CustomSkill, verifier: RequestVerifier | None, skill_id: str | None
    ) -> None:
        self._skill = skill
        self._verifier = verifier
        self._skill_id = skill_id

    def handle(self) -> tuple[Response, int]:
        body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
        if self._verifier is not None:
            from skill.verify import VerificationError

            try:
                self._verifier.verify(dict(request.headers.items()), body)
            except VerificationError as exc:
                return _error(400, str(exc))
        try:
            request_type, envelope = parse_envelope(body, self._skill)
        except EnvelopeError as exc:
            return _error(400, str(exc))
        g.request_type = request_type
        if self._skill_id is not None and application_id(envelope) != self._skill_id:
            # ask-sdk-core would raise on this inside invoke(); it is the caller's mistake.
            return _error(400, "request is for another skill")
        try:
            response_envelope = self._skill.invoke(request_envelope=envelope, context=None)
            payload = self._skill.serializer.serialize(response_envelope)
        except Exception:
            logger.exception("the skill raised while answering a %s", request_type)
            return _error(500, "internal error")
        response = jsonify(payload)
        if response.content_length and response.content_length > MAX_RESPONSE_BYTES:
            logger.warning(
                "response to a %s is %d bytes, over the %d-byte safe limit",
                request_type,
                response.content_length,
                MAX_RESPONSE_BYTES,
            )
        return response, 200


def _default_verifier(settings: Settings) -> RequestVerifier:
    from skill.verify import RequestVerifier, load_roots

    roots = load_roots(settings.trusted_roots) if settings.trusted_roots is not None else None
    return RequestVerifier(skill_id=settings.skill_id, trusted_roots=roots)


def _healthz() -> Response:
    return jsonify(status="ok")


def _send_audio(audio_dir: Path, filename: str) -> Response:
    name = filename.rsplit("/", 1)[-1]
    mimetype = AUDIO_TYPES.get("." + name.rsplit(".", 1)[-1].lower()) if "." in name else None
    if mimetype is None or name.startswith("."):
        raise NotFound()
    # send_from_directory refuses paths that escape audio_dir (404) and answers If-None-Match.
    return send_from_directory(
        audio_dir, filename, mimetype=mimetype, max_age=AUDIO_MAX_AGE_SECONDS
    )


def _error(status: int, reason: str) -> tuple[Response, int]:
    return jsonify(error=reason), status


def _start_timer() -> None:
    g.started = time.perf_counter()
    g.request_type = "-"


def _log_request(response: Response) -> Response:
    started: float = g.get("started", time.perf_counter())
    elapsed_ms = (time.perf_counter() - started) * 1000
    # Path and request type only: the body (and so the user id) is never logged.
    logger.info(
        "%s %s %s %d %.0fms",
        request.method,
        request.path,
        g.get("request_type", "-"),
        response.status_code,
        elapsed_ms,
    )
    return response


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    status = exc.code or 500
    return _error(status, (exc.name or "error").lower())


def _unexpected_error(exc: Exception) -> tuple[Response, int]:
    logger.exception("unexpected error while serving %s", request.path, exc_info=exc)
    return _error(500, "internal error")
