"""Structured (JSON line) logging with the request id of the request in hand, and the
correlation and application ids of the events in hand."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# At most this many ids on a line about a poll of many events; `events` says how many there were.
MAX_IDS = 20


class Traced(Protocol):
    """What a log line needs of an event: its envelope's correlation id and payload."""

    correlation_id: str | None
    payload: dict[str, Any]


class EventContext:
    """The events being handled. Their ids are read only when a line is logged, and once: the
    consumer sets this for every poll, and most polls log nothing."""

    __slots__ = ("_events", "_fields")

    def __init__(self, events: Sequence[Traced]) -> None:
        self._events = events
        self._fields: dict[str, Any] | None = None

    def fields(self) -> dict[str, Any]:
        """`correlation_id` and `application_id` for one event; their lists for a poll of several."""
        if self._fields is None:
            correlation = sorted({e.correlation_id for e in self._events if e.correlation_id})
            application = sorted({a for e in self._events if isinstance(a := e.payload.get("application_id"), str)})
            out: dict[str, Any] = {}
            for name, ids in (("correlation_id", correlation), ("application_id", application)):
                if len(ids) == 1:
                    out[name] = ids[0]
                elif ids:
                    out[name + "s"] = ids[:MAX_IDS]
            if len(self._events) > 1:
                out["events"] = len(self._events)
            self._fields = out
        return self._fields


event_var: contextvars.ContextVar[EventContext | None] = contextvars.ContextVar("events", default=None)


@contextlib.contextmanager
def handling(events: Sequence[Traced]) -> Iterator[None]:
    """Every line logged inside the block names the events' correlation and application ids."""
    token = event_var.set(EventContext(events))
    try:
        yield
    finally:
        event_var.reset(token)


def traced(raw: bytes) -> dict[str, Any]:
    """The ids of an event still in its wire bytes (for the rare line about one); empty if unreadable."""
    try:
        doc = orjson.loads(raw)
        payload = doc.get("payload")
        ids = {"correlation_id": doc.get("correlation_id"),
               "application_id": payload.get("application_id") if isinstance(payload, dict) else None}
    except (orjson.JSONDecodeError, AttributeError):
        return {}
    return {k: v for k, v in ids.items() if isinstance(v, str)}

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the request id or event ids in hand,
    and any extra fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            # UTC to the millisecond, like the timestamps in the databases: lines of the three
            # services can then be put in one order (`ruralcredit trace --logs`).
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            doc["request_id"] = rid
        events = event_var.get()
        if events is not None:
            doc.update(events.fields())
        for k, v in record.__dict__.items():
            if k not in _RESERVED and not k.startswith("_"):
                doc[k] = v
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


def configure(service: str, level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kafka-python logs every connection attempt at INFO; an outage would drown the log.
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
