"""What every HTTP request leaves behind: a request id on the response (a 500 included) and in
the logs, one access-log line, and the HTTP metrics.

`Observe` wraps the whole application, outside Starlette's own error handling, so that even a
failure in a middleware or an error handler is answered with the request id and logged once
with it. Plain ASGI: it costs microseconds rather than a task per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ruralcredit_common import metrics
from ruralcredit_common.logging import request_id_var

log = logging.getLogger("ruralcredit.http")
access = logging.getLogger("ruralcredit.access")

# An inbound id is kept only if it is short and made of characters that cannot break a log
# line or a header (UUIDs, ULIDs, hex, base64 and `Root=1-…` trace ids pass); anything else
# is replaced by an id of ours rather than trimmed into something misleading.
_SANE_ID = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._:=+/@-]{0,63}")
# Probes and scrapes arrive every few seconds from every replica: logged at DEBUG only.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID when it is sane, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            if _SANE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return uuid.uuid4().hex


def note_caller(request: Any, kind: str, caller_id: str | None = None) -> None:
    """Name the authenticated caller in the request's access-log line (never its key)."""
    request.state.caller = (kind, caller_id)


def problem_bytes(status: int, title: str, detail: str, rid: str) -> bytes:
    """A problem-details body for the responses made outside FastAPI's handlers."""
    return orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail, "request_id": rid})


class Observe:
    """Request id, access log, metrics, and the last word on an unhandled error."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        # The labelled series, looked up once: routes are templates, so there are few of them.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope.get("headers") or [])
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = [0]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode("ascii"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Starlette answered it already when it could (the error handler, with the id);
            # it re-raises for the server to log, which would log it again without the id.
            log.exception("unhandled error", extra={"method": scope["method"], "path": scope["path"][:200]})
            if not status[0]:
                await _internal_error(send_with_id, rid)
            status[0] = status[0] or 500
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", "unmatched")
            self._measure(route, scope["method"], status[0] or 500, seconds)
            self._log(scope, route, status[0] or 500, seconds)
            request_id_var.reset(token)

    def _measure(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                metrics.HTTP_REQUESTS.labels(self.service, route, method, str(status)),
                metrics.HTTP_LATENCY.labels(self.service, route),
            )
        series[0].inc()
        series[1].observe(seconds)

    @staticmethod
    def _log(scope: Scope, route: str, status: int, seconds: float) -> None:
        level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
        if not access.isEnabledFor(level):
            return
        line = {"method": scope["method"], "route": route, "status": status, "duration_ms": round(seconds * 1000, 2)}
        caller = (scope.get("state") or {}).get("caller")
        if caller:
            line["caller_kind"], line["caller_id"] = caller
        access.log(level, "request", extra=line)


async def _internal_error(send: Send, rid: str) -> None:
    body = problem_bytes(500, "Internal error", "the request id identifies this failure in the logs", rid)
    await send({"type": "http.response.start", "status": 500, "headers": [
        (b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
