"""Transactional outbox: events written with the state change, published later by a relay."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ruralcredit_common import metrics
from ruralcredit_common.contracts.envelope import Envelope, encode
from ruralcredit_common.db import utcnow
from ruralcredit_common.logging import traced

log = logging.getLogger(__name__)


def add_event(session: Session, row_model: Any, topic: str, envelope: Envelope[Any]) -> None:
    """Queue an event in the caller's transaction; it is published only if that commits."""
    session.add(row_model(topic=topic, key=envelope.key.encode(), value=encode(envelope)))


def add_events(session: Session, row_model: Any, topic: str, envelopes: list[Envelope[Any]]) -> None:
    """Queue many events in one statement, in order, in the caller's transaction."""
    if envelopes:
        now = utcnow()
        session.execute(insert(row_model), [
            {"topic": topic, "key": e.key.encode(), "value": encode(e), "created_at": now} for e in envelopes
        ])


class PublishFailed(RuntimeError):
    """The broker did not take an outbox row; `value` is that row's event."""

    def __init__(self, message: str, value: bytes) -> None:
        super().__init__(message)
        self.value = value


class OutboxRelay:
    """Publishes unsent outbox rows in id order and marks them sent; a broker outage only delays."""

    def __init__(
        self,
        *,
        service: str,
        factory: sessionmaker[Session],
        row_model: Any,
        producer_factory: Any,
        batch_size: int = 1000,
        idle_wait: float = 0.2,
        keep_sent: dt.timedelta = dt.timedelta(days=1),
        topic_prefix: str = "",
        read_engine: Engine | None = None,
    ) -> None:
        self.topic_prefix = topic_prefix
        self.service = service
        self.factory = factory
        self.row = row_model
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.idle_wait = idle_wait
        self.keep_sent = keep_sent
        self._producer: Any = None
        self._wake = threading.Event()
        self.engine = factory.kw["bind"]
        # Finding what to publish only reads: on SQLite it need not wait for the writer.
        self.read_engine = read_engine or self.engine
        metrics.start_relay(service)

    def wake(self) -> None:
        """Publish now rather than at the next poll (called after a commit that queued events)."""
        self._wake.set()

    def publish_pending(self) -> int:
        """Publish one batch of unsent rows; returns how many were published."""
        table = self.row.__table__
        # Core on a plain connection: the relay runs after every commit, so its own overhead
        # is on every event's path.
        with self.read_engine.begin() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.topic, table.c.key, table.c.value)
                .where(table.c.sent_at.is_(None))
                .order_by(table.c.id)
                .limit(self.batch_size)
            ).all()
        if not rows:
            return 0
        producer = self._get_producer()
        futures = []
        for r in rows:
            try:
                futures.append(producer.send(self.topic_prefix + r.topic, key=r.key, value=r.value))
            except Exception as exc:  # the broker unknown or away, an event too large: nothing is marked sent
                raise PublishFailed(f"publish failed: {exc!r}", r.value) from exc
        producer.flush(timeout=10)
        sent_ids = []
        for r, fut in zip(rows, futures, strict=True):
            # Stop at the first failure so a key's events are never published out of order.
            if not fut.succeeded():
                break
            sent_ids.append(r.id)
            metrics.OUTBOX_PUBLISHED.labels(self.service, r.topic).inc()
        if sent_ids:
            with self.engine.begin() as conn:
                conn.execute(update(table).where(table.c.id.in_(sent_ids)).values(sent_at=utcnow()))
        if len(sent_ids) < len(rows):
            failed = futures[len(sent_ids)]
            raise PublishFailed(f"publish failed: {failed.exception!r}", rows[len(sent_ids)].value)
        return len(sent_ids)

    def pending(self) -> int:
        """How many rows wait to be published."""
        with Session(self.read_engine) as session:
            return session.scalar(
                select(func.count()).select_from(self.row).where(self.row.sent_at.is_(None))
            ) or 0

    def purge_sent(self) -> None:
        """Forget rows published long enough ago; the topic is the record from then on."""
        with self.factory() as session, session.begin():
            session.execute(delete(self.row).where(self.row.sent_at < utcnow() - self.keep_sent))

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, backing off while the broker or database is unavailable."""
        backoff = 0.0
        last_purge = last_gauge = 0.0

        while not stop.is_set():
            try:
                n = self.publish_pending()
                if backoff:
                    log.info("outbox relay recovered", extra={"published": n})
                backoff = 0.0
                # The idle loop runs many times a second; the gauge needs no more than one count a second.
                if time.monotonic() - last_gauge > 1:
                    metrics.OUTBOX_PENDING.labels(self.service).set(self.pending())
                    last_gauge = time.monotonic()
                if time.monotonic() - last_purge > 600:
                    self.purge_sent()
                    last_purge = time.monotonic()
                if n == self.batch_size:
                    continue
                self._wake.wait(self.idle_wait)
                self._wake.clear()
            except Exception as exc:  # noqa: BLE001 - any failure means: keep the rows, retry later
                metrics.OUTBOX_ERRORS.labels(self.service).inc()
                backoff = min(5.0, max(0.1, backoff * 2))
                if backoff >= 5.0 or backoff == 0.1:
                    # The event held up names its application (read from its bytes only here).
                    held = traced(exc.value) if isinstance(exc, PublishFailed) else {}
                    log.warning("outbox relay cannot publish yet: %s", exc, extra=held)
                self._close_producer()
                stop.wait(backoff)
        self._close_producer()

    def _get_producer(self) -> Any:
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=2)
            except Exception:  # noqa: BLE001 - closing a broken producer may fail again
                pass
            self._producer = None
