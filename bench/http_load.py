"""Figure 2: the skill under gunicorn on loopback, verification ON, against a bare Flask app.

Two gunicorn workers (the project's `gunicorn.conf.py`) serve `bench.wsgi:skill_app()`, which
verifies every request against a locally generated chain whose root is configured as trusted.
32 keep-alive clients send, for 20 s (two turns of 10 s alternating with the baseline's, each
after a short warm-up), a pool of signed bodies from 256 seeded returning users (mid-routine
"next" turns across every routine, every eighth a launch); each body is signed once, just before
the turn that sends it, so its timestamp is fresh. The baseline is the same
client, the same bodies and the same gunicorn settings against the bare hello-world Flask app.
Before measuring, one good request must get a 200 and a tampered signature a 400. After the
flat-out turns, paced turns offer the target rate (800 req/s) to show latency below saturation.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from bench import Figure
from bench.envelopes import SECRET, SKILL_ID, mixed_pool, seed_users
from bench.http_figures import RPS_TARGET, Measured, figures
from bench.loadgen import LoadResult, build_request, merge, run_load
from bench.pki import LocalChain
from bench.serving import Server, gunicorn
from bench.wsgi import CHAIN_ENV
from skill.catalogue import load_catalogue
from skill.config import DEFAULT_SESSIONS_DIR
from skill.persistence import SqliteStore
from skill.ssml import check

CONNECTIONS: Final = 32
USERS: Final = 256
WORKERS: Final = 2
#: Each server's measured time is split in this many turns, alternating with the other's.
SEGMENTS: Final = 2
SKILL_APP: Final = "bench.wsgi:skill_app()"
BARE_APP: Final = "bench.wsgi:bare_app()"


@dataclass(frozen=True)
class Setup:
    """A temporary folder with the local chain, a seeded database and the server environment."""

    folder: Path
    chain: LocalChain
    env: dict[str, str]
    routine_ids: list[str]

    @classmethod
    def create(cls, folder: Path, users: int) -> Setup:
        """Make the chain, seed `users` returning users, and describe the server's settings."""
        chain = LocalChain.create(folder)
        database = folder / "gentle-back.sqlite3"
        store = SqliteStore(database, SECRET)
        seed_users(store, users, datetime.now(UTC))
        store.close()
        env = {
            "GENTLE_BACK_VERIFY_REQUESTS": "on",
            "GENTLE_BACK_TRUSTED_ROOTS": str(chain.root_file),
            "GENTLE_BACK_SKILL_ID": SKILL_ID,
            "GENTLE_BACK_SQLITE_PATH": str(database),
            "GENTLE_BACK_USER_KEY_SECRET": SECRET.decode(),
            "GENTLE_BACK_DATA_DIR": str(folder),
            CHAIN_ENV: str(chain.chain_file),
        }
        routine_ids = sorted(load_catalogue(DEFAULT_SESSIONS_DIR).routines)
        return cls(folder, chain, env, routine_ids)

    def signed_pool(self, port: int, users: int) -> list[bytes]:
        """Fresh bodies for `users` users, each signed once, as raw HTTP requests."""
        bodies = mixed_pool(self.routine_ids, users, datetime.now(UTC))
        return [build_request(port, "/alexa", body, self.chain.headers(body)) for body in bodies]


def check_server(server: Server, setup: Setup) -> None:
    """One good request must get a valid 200 answer, and a tampered signature a 400."""
    body = mixed_pool(setup.routine_ids, 1, datetime.now(UTC))[0]
    status, answer = _post(server.port, body, setup.chain.headers(body))
    if status != 200:
        raise RuntimeError(f"a signed request got HTTP {status}: {answer[:200]!r}")
    ssml = json.loads(answer)["response"]["outputSpeech"]["ssml"]
    if check(ssml):
        raise RuntimeError(f"the answer breaks Alexa's SSML limits: {check(ssml)}")
    status, _ = _post(server.port, body, setup.chain.headers(body + b" "))
    if status != 400:
        raise RuntimeError(f"a tampered signature got HTTP {status}: is verification on?")


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", "/alexa", body, {"Content-Type": "application/json", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _segment(
    server: Server,
    setup: Setup,
    seconds: float,
    warmup: float,
    rate: float | None,
    split: list[int] | None = None,
) -> tuple[LoadResult, float]:
    """One bounded run against `server` with a freshly signed pool: (result, worker CPU s).
    With `split`, the connections each worker holds are sampled into it halfway through."""
    pool = setup.signed_pool(server.port, USERS)
    sampler = None
    if split is not None:
        sampler = threading.Timer(warmup + seconds / 2, lambda: split.extend(server.connections()))
        sampler.start()
    cpu_before = server.cpu_seconds()
    load = run_load(
        server.port, pool, connections=CONNECTIONS, duration=seconds, warmup=warmup, rate=rate
    )
    if sampler is not None:
        sampler.cancel()
    return load, server.cpu_seconds() - cpu_before


def run(quick: bool = False) -> list[Figure]:
    """Measure the skill and the bare baseline in alternating segments; return the figures.

    Both servers run side by side (the idle one costs nothing) and take turns: flat out for
    `SEGMENTS` segments each, then paced at the target rate, so a noisy spell on the shared
    machine lands on both rather than on whichever happened to run then.
    """
    duration, warmup = (6.0, 1.0) if quick else (20.0, 2.0)
    flat: dict[str, list[tuple[LoadResult, float]]] = {SKILL_APP: [], BARE_APP: []}
    paced: dict[str, list[tuple[LoadResult, float]]] = {SKILL_APP: [], BARE_APP: []}
    splits: dict[str, list[int]] = {SKILL_APP: [], BARE_APP: []}
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        setup = Setup.create(Path(tmp), USERS)
        with _server(SKILL_APP, setup) as ours, _server(BARE_APP, setup) as bare:
            check_server(ours, setup)
            servers = {SKILL_APP: ours, BARE_APP: bare}
            for number in range(2 * SEGMENTS):
                order = [SKILL_APP, BARE_APP] if number % 2 == 0 else [BARE_APP, SKILL_APP]
                for app in order:
                    if number < SEGMENTS:
                        split = splits[app] if number == 0 else None
                        flat[app].append(
                            _segment(servers[app], setup, duration / SEGMENTS, warmup, None, split)
                        )
                    else:
                        seconds = duration / 2 / SEGMENTS
                        paced[app].append(
                            _segment(servers[app], setup, seconds, warmup, RPS_TARGET)
                        )
    measured = {
        app: Measured(
            load=merge([load for load, _ in flat[app]]),
            server_cpu_seconds=sum(cpu for _, cpu in flat[app]),
            paced=merge([load for load, _ in paced[app]]),
            split=splits[app],
        )
        for app in (SKILL_APP, BARE_APP)
    }
    return figures(measured[SKILL_APP], measured[BARE_APP])


def _server(app: str, setup: Setup) -> AbstractContextManager[Server]:
    log = setup.folder / f"gunicorn-{app.split(':')[1].strip('()')}.log"
    return gunicorn(app, setup.env, log, workers=WORKERS)
