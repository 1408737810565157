"""A small HTTP/1.1 keep-alive load generator on asyncio streams (cheap per request, so the
server, not the client, is what gets measured)."""

from __future__ import annotations

import asyncio
import time


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; its status and body."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return int(head.split(b" ", 2)[1]), await reader.readexactly(length)


async def _connection(
    host: str, port: int, requests: list[bytes], first: int, stop_at: float, latencies: list[float], errors: list[int]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    i = first
    try:
        while time.perf_counter() < stop_at:
            request = requests[i % len(requests)]
            i += 1
            t0 = time.perf_counter()
            status, _ = await _exchange(reader, writer, request)
            latencies.append(time.perf_counter() - t0)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


def run(
    url: str, path: str, bodies: list[bytes], headers: dict[str, str], *, connections: int, seconds: float
) -> dict[str, float]:
    """POST the bodies in turn to `path` over `connections` connections for `seconds`; requests/s and latency percentiles."""
    host, port = url.removeprefix("http://").split(":")
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    requests = [
        (f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n{extra}"
         f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        for body in bodies
    ]
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        stop_at = time.perf_counter() + seconds
        t0 = time.perf_counter()
        # Each connection starts at its own place in the list, so the server sees the whole mix at once.
        step = max(1, len(requests) // connections)
        await asyncio.gather(*(
            _connection(host, int(port), requests, c * step, stop_at, latencies, errors) for c in range(connections)
        ))
        return time.perf_counter() - t0

    wall = asyncio.run(main())
    lat = sorted(latencies)
    return {
        "requests": len(lat), "errors": len(errors), "rps": len(lat) / wall,
        "p50_ms": lat[len(lat) // 2] * 1000, "p90_ms": lat[int(len(lat) * 0.9)] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, "max_ms": lat[-1] * 1000,
    }


class Pool:
    """Keep-alive connections for an open-loop client: a request waits for a free connection,
    never for the previous request's answer (use inside one event loop)."""

    def __init__(self, url: str, headers: dict[str, str], size: int) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.size = size
        self.opened = 0
        self.free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        """POST a JSON body; returns the status and the response body."""
        if self.free.empty() and self.opened < self.size:
            self.opened += 1
            try:
                conn = await asyncio.open_connection(self.host, self.port)
            except OSError:
                self.opened -= 1
                raise
        else:
            conn = await self.free.get()
        reader, writer = conn
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n{self.head}"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        try:
            answer = await _exchange(reader, writer, request)
        except (OSError, asyncio.IncompleteReadError):
            writer.close()
            self.opened -= 1
            raise
        self.free.put_nowait(conn)
        return answer

    async def close(self) -> None:
        """Close the idle connections."""
        while not self.free.empty():
            _, writer = self.free.get_nowait()
            writer.close()
