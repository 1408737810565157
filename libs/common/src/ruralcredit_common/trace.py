"""`ruralcredit trace APPLICATION_ID`: one application's path across the three services, read
from their databases (and, if given, their logs).

What it reads: the application, its decision and audit trail (applications); its assessment
(cashflow); the decision made (scoring); in each database the outbox rows of its events and
the processed_events rows that record who applied them. The five hops are timed from the
stamps the services write as they go, so the first hop not reached names where it waits.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Engine, Float, MetaData, String, Table, create_engine, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from ruralcredit_common.db import UtcDateTime, make_base
from ruralcredit_common.errors import StartupError

SERVICES = ("applications", "cashflow", "scoring")
HOPS = ("applications → cashflow", "cashflow", "cashflow → scoring", "scoring", "scoring → applications")
# The stamps that start and end each hop, in order.
MARKS = ("submitted", "cashflow received", "cashflow assessed", "scoring received", "scoring decided", "decision stored")
MAX_LOG_LINES = 12
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")

_shared = make_base()
OUTBOX, PROCESSED = _shared.metadata.tables["outbox"], _shared.metadata.tables["processed_events"]
_meta = MetaData()
APPLICATIONS = Table("applications", _meta, Column("id", String), Column("merchant_id", String), Column("status", String),
                     Column("grade", String), Column("status_reason", String), Column("created_at", UtcDateTime()))
APP_DECISIONS = Table("decisions", _meta, Column("application_id", String), Column("outcome", String), Column("pd", Float),
                      Column("model_version", String), Column("recorded_at", UtcDateTime()))
AUDIT = Table("audit_entries", _meta, Column("application_id", String), Column("actor", String), Column("action", String),
              Column("detail", JSON), Column("at", UtcDateTime()))
ASSESSMENTS = Table("assessments", MetaData(), Column("application_id", String), Column("received_at", UtcDateTime()),
                    Column("created_at", UtcDateTime()))
SCORED = Table("decisions", MetaData(), Column("application_id", String), Column("outcome", String), Column("grade", String),
               Column("pd", Float), Column("model_version", String), Column("received_at", UtcDateTime()),
               Column("decided_at", UtcDateTime()))


@dataclass
class Event:
    """One event of the application, as its producer's outbox holds it."""

    producer: str
    topic: str
    type: str
    event_id: str
    queued: dt.datetime | None
    published: dt.datetime | None
    applied: list[tuple[str, dt.datetime]] = field(default_factory=list)


@dataclass
class Trace:
    """Everything found about one application."""

    application_id: str
    application: dict[str, Any] | None = None
    marks: dict[str, dt.datetime] = field(default_factory=dict)
    decision: dict[str, Any] | None = None
    audit: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    log_matches: int = 0

    def hops(self) -> list[tuple[str, dt.datetime | None, float | None]]:
        """Each hop with when it started and how long it took (None where it was not reached)."""
        out = []
        for hop, start, end in zip(HOPS, MARKS, MARKS[1:], strict=False):
            a, b = self.marks.get(start), self.marks.get(end)
            out.append((hop, a, (b - a).total_seconds() if a and b else None))
        return out


def database_urls(var: Path) -> dict[str, str]:
    """Each service's database, from the variables the services read, else the embedded files under `var`."""
    return {name: os.environ.get(f"{name.upper()}_DATABASE_URL") or f"sqlite:///{var / name}.db" for name in SERVICES}


def collect(application_id: str, urls: dict[str, str], logs: Path | None = None) -> Trace:
    """Read one application's path from the three databases (and the logs under `logs`)."""
    if not _ID.fullmatch(application_id):
        raise StartupError("an application id is at most 64 letters, digits and _.:-")
    trace = Trace(application_id)
    engines = {name: _engine(url, name, trace) for name, url in urls.items()}
    try:
        _read(engines, "applications", _read_applications, trace)
        _read(engines, "cashflow", _read_cashflow, trace)
        _read(engines, "scoring", _read_scoring, trace)
        for name in SERVICES:
            _read(engines, name, _read_outbox, trace, name, trace.marks.get("submitted"))
        ids = {e.event_id for e in trace.events}
        for name in SERVICES:
            _read(engines, name, _read_processed, trace, name, ids)
    finally:
        for engine in engines.values():
            if engine is not None:
                engine.dispose()
    if logs is not None:
        _read_logs(logs, trace)
    return trace


def _engine(url: str, name: str, trace: Trace) -> Engine | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        trace.notes.append(f"{name}: no database at {parsed.database} (set {name.upper()}_DATABASE_URL or --var)")
        return None
    return create_engine(url)


def _read(engines: dict[str, Engine | None], name: str, read: Callable[..., None], trace: Trace, *args: Any) -> None:
    """One reading of one service's database; a database that cannot be read becomes a note."""
    engine = engines.get(name)
    if engine is None:
        return
    try:
        read(engine, trace, *args)
    except SQLAlchemyError as exc:
        note = f"{name}: cannot read its database ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})"
        if note not in trace.notes:
            trace.notes.append(note)


def _read_applications(engine: Engine, trace: Trace) -> None:
    app_id = trace.application_id
    with engine.connect() as conn:
        row = conn.execute(select(APPLICATIONS).where(APPLICATIONS.c.id == app_id)).mappings().first()
        if row is None:
            return
        trace.application = dict(row)
        trace.marks["submitted"] = row["created_at"]
        decision = conn.execute(select(APP_DECISIONS).where(APP_DECISIONS.c.application_id == app_id)).mappings().first()
        if decision is not None and decision["recorded_at"] is not None:
            trace.marks["decision stored"] = decision["recorded_at"]
        trace.audit = [dict(r) for r in conn.execute(
            select(AUDIT).where(AUDIT.c.application_id == app_id).order_by(AUDIT.c.at)).mappings()]


def _read_cashflow(engine: Engine, trace: Trace) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(ASSESSMENTS).where(ASSESSMENTS.c.application_id == trace.application_id)).mappings().first()
    if row is not None:
        if row["received_at"] is not None:
            trace.marks["cashflow received"] = row["received_at"]
        trace.marks["cashflow assessed"] = row["created_at"]


def _read_scoring(engine: Engine, trace: Trace) -> None:
    with engine.connect() as conn:
        row = conn.execute(select(SCORED).where(SCORED.c.application_id == trace.application_id)).mappings().first()
    if row is not None:
        trace.decision = dict(row)
        if row["received_at"] is not None:
            trace.marks["scoring received"] = row["received_at"]
        trace.marks["scoring decided"] = row["decided_at"]


def _read_outbox(engine: Engine, trace: Trace, name: str, since: dt.datetime | None) -> None:
    # Every event of the application was published after it was submitted: the sent_at index
    # narrows the scan; the id is then looked for in the event bytes.
    needle = trace.application_id.encode()
    if engine.dialect.name == "sqlite":  # SQLite's LIKE never matches inside a BLOB
        found = func.instr(OUTBOX.c.value, needle) > 0
    else:
        found = OUTBOX.c.value.like(b"%" + needle + b"%")
    query = select(OUTBOX).where(found)
    if since is not None:
        query = query.where(or_(OUTBOX.c.sent_at.is_(None), OUTBOX.c.sent_at >= since - dt.timedelta(minutes=1)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(OUTBOX.c.id)).mappings().all()
    for row in rows:
        doc = orjson.loads(row["value"])
        payload = doc.get("payload") or {}
        if trace.application_id in (doc.get("correlation_id"), payload.get("application_id")):
            trace.events.append(Event(name, row["topic"], doc.get("type", "?"), str(doc.get("event_id")),
                                      row["created_at"], row["sent_at"]))


def _read_processed(engine: Engine, trace: Trace, name: str, ids: set[str]) -> None:
    if not ids:
        return
    with engine.connect() as conn:
        applied: dict[str, dt.datetime] = dict(conn.execute(select(PROCESSED.c.event_id, PROCESSED.c.processed_at).where(PROCESSED.c.event_id.in_(ids))).all())
    for event in trace.events:
        if event.event_id in applied:
            event.applied.append((name, applied[event.event_id]))


def _read_logs(root: Path, trace: Trace) -> None:
    files = sorted(root.rglob("*.log")) if root.is_dir() else [root]
    if not files or not all(f.is_file() for f in files):
        trace.notes.append(f"logs: nothing to read at {root}")
        return
    found = []
    for path in files:
        for line in _lines_naming(path, trace.application_id):
            found.append(line)
    found.sort()
    trace.log_matches = len(found)
    trace.logs = [text for _, text in found[:MAX_LOG_LINES]]


def _lines_naming(path: Path, app_id: str) -> Iterator[tuple[str, str]]:
    """(time, summary) of each line of a log that concerns the application."""
    needle = app_id.encode()
    with path.open("rb") as f:
        for raw in f:
            if needle not in raw:
                continue
            try:
                doc = orjson.loads(raw)
            except orjson.JSONDecodeError:
                yield "", f"{path.name}: {raw.decode(errors='replace').strip()[:160]}"
                continue
            if not isinstance(doc, dict):
                continue
            ts = str(doc.get("ts", ""))
            extra = " ".join(f"{k}={doc[k]}" for k in ("topic", "error", "request_id") if k in doc)
            yield ts, f"{ts[11:23]}  {doc.get('service', path.stem):<12} {doc.get('level', ''):<7} {doc.get('msg', '')} {extra}"[:200]


def render(trace: Trace) -> str:
    """The trace as one screen of text."""
    out: list[str] = []
    app = trace.application
    if app is None and not trace.marks:
        out.append(f"application {trace.application_id}: not in the applications database")
        out.extend(f"note: {n}" for n in trace.notes)
        return "\n".join(out)
    if app is None:
        out.append(f"application {trace.application_id}: not in the applications database")
    else:
        made = trace.decision or {}
        grade = f", grade {made['grade']}, PD {made['pd']:.4f}, model {made['model_version']}" if made else ""
        out.append(f"application {app['id']} of merchant {app['merchant_id']}: {app['status']}{grade}")
        if app["status_reason"]:
            out.append(f"  reason: {app['status_reason']}")
        out.append(f"  submitted {_clock(app['created_at'], date=True)}")
    out.append("")
    out.append(f"{'hop':<28}{'started (UTC)':<16}{'took':>12}")
    for hop, started, took in trace.hops():
        out.append(f"  {hop:<26}{_clock(started):<16}{_ms(took):>12}")
    if "submitted" in trace.marks and "decision stored" in trace.marks:
        total = (trace.marks["decision stored"] - trace.marks["submitted"]).total_seconds()
        out.append(f"  {'submitted → decision stored':<42}{_ms(total):>12}")
    out.append("")
    out.append("events (outbox rows → processed_events)")
    for e in trace.events:
        applied = ", ".join(f"applied by {who} {_after(at, e.queued)}" for who, at in e.applied) or "not applied yet"
        published = f"published {_after(e.published, e.queued)}" if e.published else "not published yet"
        out.append(f"  {_clock(e.queued)}  {e.producer:<12} {e.type} on {e.topic} ({e.event_id[:8]}): {published}, {applied}")
    if not trace.events:
        out.append("  none in the outboxes (published rows are kept a day)")
    dead = [a for a in trace.audit if a["action"] == "dead_lettered"]
    out.append("dead letters:" + ("" if dead else " none"))
    for a in dead:
        d = a["detail"] or {}
        out.append(f"  {_clock(a['at'])}  {d.get('stage')} could not apply {d.get('event_type')} from {d.get('topic')}: {str(d.get('error'))[:100]}")
    out.append("")
    out.append("audit trail")
    for a in trace.audit:
        out.append(f"  {_clock(a['at'])}  {a['action']:<24} by {a['actor']}")
    if trace.log_matches:
        out.append("")
        out.append(f"log lines ({len(trace.logs)} of {trace.log_matches})")
        out.extend(f"  {line}" for line in trace.logs)
    out.extend(f"note: {n}" for n in trace.notes)
    return "\n".join(out)


def _clock(at: dt.datetime | None, *, date: bool = False) -> str:
    if at is None:
        return "-"
    at = at.astimezone(dt.UTC)
    clock = at.strftime("%H:%M:%S.") + f"{at.microsecond // 1000:03d}"
    return f"{at:%Y-%m-%d} {clock} UTC" if date else clock


def _ms(seconds: float | None) -> str:
    return "not reached" if seconds is None else f"{seconds * 1000:.0f} ms"


def _after(at: dt.datetime | None, since: dt.datetime | None) -> str:
    if at is None or since is None:
        return ""
    return f"+{(at - since).total_seconds() * 1000:.0f} ms"
