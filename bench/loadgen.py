"""A small HTTP/1.1 load client: N threads, one keep-alive connection each, pre-built requests.

Every request is encoded to bytes before the run (headers, signature and body), so a thread only
sends bytes and reads the answer's status line, headers and `Content-Length` body: a few tens of
microseconds of Python per request, which the run measures and reports (`client_cpu_seconds`), so
the reader can check that the client is not the bottleneck. Requests are taken round robin from
the pool; clients join one by one during the warm-up. A run is bounded both in time (`duration`)
and in count (`limit`), and every socket has a timeout, so it always stops by itself. Anything
but a 200 counts as an error.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

SOCKET_TIMEOUT_SECONDS: Final = 10.0


def build_request(port: int, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """One POST with a JSON body, as raw HTTP/1.1 bytes on a keep-alive connection."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


@dataclass
class LoadResult:
    """What a run measured: latencies of answered requests, errors by kind, client CPU time."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    #: Every exchange, warm-up included, answered or not (for CPU per request).
    exchanges: int = 0

    @property
    def answered(self) -> int:
        """Requests answered with a 200 in the measured window."""
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def merge(results: list[LoadResult]) -> LoadResult:
    """Several runs against the same server as one: samples pooled, counts and times added."""
    total = LoadResult()
    for result in results:
        total.latencies_ms += result.latencies_ms
        total.errors += result.errors
        total.seconds += result.seconds
        total.client_cpu_seconds += result.client_cpu_seconds
        total.exchanges += result.exchanges
    return total


class _Connection:
    """One keep-alive connection that sends a request and reads the whole answer."""

    def __init__(self, port: int) -> None:
        self._port = port
        self._sock: socket.socket | None = None
        self._buffer = bytearray()

    def exchange(self, request: bytes) -> int:
        """Send `request`, read the answer, return its status; reconnects when needed."""
        if self._sock is None:
            self._sock = socket.create_connection(
                ("127.0.0.1", self._port), timeout=SOCKET_TIMEOUT_SECONDS
            )
            self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._buffer.clear()
        self._sock.sendall(request)
        head = self._read_until(b"\r\n\r\n")
        lines = bytes(head).split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = None, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        if length is None:
            raise ConnectionError("answer without Content-Length")
        while len(self._buffer) < length:
            self._receive()
        del self._buffer[:length]
        if close:
            self.close()
        return status

    def _read_until(self, marker: bytes) -> bytearray:
        while (end := self._buffer.find(marker)) < 0:
            self._receive()
        head = self._buffer[:end]
        del self._buffer[: end + len(marker)]
        return head

    def _receive(self) -> None:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self._buffer += chunk

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None


def run_load(
    port: int,
    requests: Sequence[bytes],
    *,
    connections: int,
    duration: float,
    warmup: float = 0.0,
    limit: int | None = None,
    rate: float | None = None,
) -> LoadResult:
    """Drive the server with `connections` threads for `warmup` + `duration` seconds, or until
    `limit` requests have been sent; only requests started after the warm-up are measured.

    With `rate`, the load is paced (open loop): request n is due at start + n / rate, and its
    latency counts from when it was due, so time spent waiting for a free connection shows up
    as latency instead of being silently skipped (what wrk2 calls coordinated omission).
    Without it, each connection sends its next request as soon as the last is answered."""
    result = LoadResult()
    lock = threading.Lock()
    numbers = itertools.count()
    started = time.perf_counter()
    measure_from = started + warmup
    deadline = measure_from + duration

    def client(ramp: float) -> None:
        time.sleep(ramp)
        connection = _Connection(port)
        mine: list[float] = []
        errors: Counter[str] = Counter()
        exchanges = 0
        clock = time.perf_counter
        while (begin := clock()) < deadline:
            number = next(numbers)
            if limit is not None and number >= limit:
                break
            if rate is not None:
                begin = started + number / rate
                if begin >= deadline:
                    break
                time.sleep(max(0.0, begin - clock()))
            exchanges += 1
            try:
                status = connection.exchange(requests[number % len(requests)])
            except (OSError, ValueError, IndexError) as error:  # refused, reset, garbled
                connection.close()
                status = -1
                if begin >= measure_from:
                    errors[type(error).__name__] += 1
            if begin >= measure_from and status != -1:
                if status == 200:
                    mine.append((clock() - begin) * 1000)
                else:
                    errors[f"HTTP {status}"] += 1
        connection.close()
        with lock:
            result.latencies_ms += mine
            result.errors += errors
            result.exchanges += exchanges

    cpu_before = time.process_time()
    # Clients join one by one over half the warm-up: a burst of simultaneous connects would all
    # be accepted by whichever worker is awake first, and keep-alive would pin them there.
    step = warmup / 2 / connections
    threads = [
        threading.Thread(target=client, args=(i * step,), daemon=True) for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=warmup + duration + 2 * SOCKET_TIMEOUT_SECONDS)
    ended = time.perf_counter()
    result.client_cpu_seconds = time.process_time() - cpu_before
    result.seconds = max(0.0, min(ended, deadline) - max(started, measure_from))
    return result
