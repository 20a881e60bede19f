"""Start a gunicorn server on loopback for a benchmark, read its workers' CPU and memory, stop it.

The server runs the project's own `gunicorn.conf.py` (gthread workers, timeouts, access log), with
the bind address, worker count and app given on the command line, which override the file; when
the file is missing, the same settings are passed as flags. Its output goes to a log file in the
benchmark's temporary folder. Workers are found through `/proc` (Linux only), and the server is
always stopped, by its process id, when the `with` block ends.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parent.parent
CONFIG: Final = ROOT / "gunicorn.conf.py"
#: What gunicorn.conf.py sets, for when it is missing.
FALLBACK_FLAGS: Final = (
    "--worker-class=gthread",
    "--threads=4",
    "--timeout=7",
    "--keep-alive=5",
    "--access-logfile=-",
)
START_TIMEOUT_SECONDS: Final = 60.0
_TICKS: Final = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Server:
    """A running gunicorn: where it listens and its master's process id."""

    port: int
    pid: int
    log: Path

    def workers(self) -> list[int]:
        """The worker process ids (children of the master)."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        return [int(pid) for pid in children.split()]

    def cpu_seconds(self) -> float:
        """User plus system CPU time used so far by all workers together."""
        return sum(_cpu_seconds(pid) for pid in self.workers())

    def connections(self) -> list[int]:
        """How many established client connections each worker holds right now."""
        established = _established_inodes(self.port)
        return [sum(1 for link in _fd_links(pid) if link in established) for pid in self.workers()]

    def rss_bytes(self, pid: int) -> int:
        """The resident memory of one process, from /proc/<pid>/status."""
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError(f"no VmRSS for process {pid}")


def _cpu_seconds(pid: int) -> float:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _fd_links(pid: int) -> list[str]:
    links = []
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                links.append(str(fd.readlink()))
            except OSError:  # closed meanwhile
                continue
    except OSError:
        return []
    return links


def _established_inodes(port: int) -> set[str]:
    """Socket inodes (as `socket:[N]` links) of established TCP connections to local `port`."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(f"socket:[{fields[9]}]")
    return inodes


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def gunicorn(app: str, env: Mapping[str, str], log: Path, *, workers: int) -> Iterator[Server]:
    """Serve `app` (a gunicorn app spec) with `workers` workers until the block ends."""
    port = free_port()
    config = ["--config", str(CONFIG)] if CONFIG.exists() else list(FALLBACK_FLAGS)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        *config,
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        app,
    ]
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=output, stderr=subprocess.STDOUT
        )
    server = Server(port, process.pid, log)
    try:
        _wait_until_ready(server, process, workers)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_ready(server: Server, process: subprocess.Popen[bytes], workers: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(server.log)}")
        if len(server.workers()) == workers and _healthy(server.port):
            _wait_until_idle(server, deadline)
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become ready in time:\n{_tail(server.log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _wait_until_idle(server: Server, deadline: float) -> None:
    """Wait until no worker burns CPU for half a second: each has loaded the app and sits in its
    accept loop. Without this, clients that connect at once all land on the worker that booted
    first, and with keep-alive they stay there for the whole run."""
    last: list[float] = []
    while time.monotonic() < deadline:
        now = [_cpu_seconds(pid) for pid in server.workers()]
        if now == last:
            return
        last = now
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn workers did not settle in time:\n{_tail(server.log)}")


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()
