"""gunicorn settings for serving Gentle Back as a web service: `.venv/bin/gunicorn` from the repo.

Put it behind an HTTPS reverse proxy (Alexa only calls HTTPS endpoints with a trusted certificate)
and leave request verification on. Every value can be tuned from the environment; the defaults
suit one small machine. Timeouts stay under Alexa's 8-second deadline: a request still running
after that has already failed for the user, so the worker is recycled rather than left stuck.
"""

import os

wsgi_app = "skill.wsgi:app"
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8080')}"
workers = int(os.environ.get("GENTLE_BACK_WEB_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
# Threads let one worker answer several requests; the SQLite store and the verifier are
# thread-safe. Each worker builds its own app (no preload), so no connection crosses a fork.
worker_class = "gthread"
threads = int(os.environ.get("GENTLE_BACK_WEB_THREADS") or 4)
preload_app = False
timeout = 7
graceful_timeout = 7
keepalive = 5
# Matches GENTLE_BACK_MAX_BODY_BYTES's spirit at the HTTP layer: no huge request lines or headers.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# One access line per request: address, request line, status, size, milliseconds. Alexa puts the
# user id in the body, never the URL, so nothing here identifies a user; no user agent or referer.
# The app adds its own line per request with the Alexa request type (logger `skill.web`).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GENTLE_BACK_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms'


def post_fork(server: object, worker: object) -> None:
    """Send the skill's own log lines to stderr beside gunicorn's, before the app is built."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s",
            datefmt="%Y-%m-%d %H:%M:%S %z",
        )
    )
    skill_logger = logging.getLogger("skill")
    skill_logger.addHandler(handler)
    skill_logger.setLevel(loglevel.upper())
    skill_logger.propagate = False
