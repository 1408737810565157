"""Kafka producer and consumer loop with the suite's reliability rules.

The consumer applies each event in one database transaction together with the record of its
event id, commits offsets only after that transaction, retries transient failures with
backoff, and sends what it can never apply to `<topic>.dlq` with the error and original bytes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import CommitFailedError, TopicAlreadyExistsError
from kafka.partitioner.default import murmur2
from kafka.structs import OffsetAndMetadata, TopicPartition
from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ruralcredit_common import metrics
from ruralcredit_common.contracts import dead_letters, dlq_topic
from ruralcredit_common.contracts.envelope import RawEnvelope, decode
from ruralcredit_common.db import utcnow
from ruralcredit_common.errors import PermanentEventError, StartupError
from ruralcredit_common.logging import handling

log = logging.getLogger(__name__)

# Applies the events of one poll, in order, inside the caller's transaction.
Handler = Callable[[Session, list[RawEnvelope]], None]

# Group timings short enough that a new consumer is assigned in seconds, not the ~23 s that
# kafka-python's defaults take against the local broker: a member that dies is noticed after
# the 6 s session. max_poll_interval_ms bounds the time to apply one poll (it is also the
# rebalance timeout); a backlog of MAX_POLL_RECORDS on a starved machine needs well over 10 s.
GROUP_TIMINGS = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 1000, "max_poll_interval_ms": 30000}
# One poll is applied in one transaction: under load, hundreds of events share one commit and
# one vectorised pass instead of paying for each on its own.
MAX_POLL_RECORDS = 500


def make_producer(bootstrap: str, **overrides: Any) -> KafkaProducer:
    """A producer that waits for full acknowledgement and batches for a few milliseconds only."""
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap.split(","),
        "acks": "all",
        "linger_ms": 2,
        "retries": 5,
        "max_block_ms": 5000,
        "request_timeout_ms": 10000,
    }
    config.update(overrides)
    return KafkaProducer(**config)


def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner puts `key` on, for a topic of `partitions` partitions."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def broker_reachable(bootstrap: str, timeout: float = 0.5) -> bool:
    """Whether any bootstrap address accepts a TCP connection (cheap enough for /readyz)."""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout):
                return True
        except (OSError, ValueError):
            continue
    return False


def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int) -> list[str]:
    """Create the topics and their dead-letter topics if missing; returns the ones created."""
    if not broker_reachable(bootstrap, timeout=2):
        raise StartupError(f"Kafka broker unreachable at {bootstrap}")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), request_timeout_ms=10000)
    try:
        existing = set(admin.list_topics())
        wanted = []
        for topic in topics:
            wanted += [topic, dlq_topic(topic)]
        missing = [t for t in wanted if t not in existing]
        for topic in missing:
            try:
                admin.create_topics([NewTopic(topic, partitions, 1)])
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        admin.close()


def each(apply_one: Callable[[Session, RawEnvelope], None]) -> Handler:
    """A handler that applies the events of a poll one after the other."""

    def handle(session: Session, envelopes: list[RawEnvelope]) -> None:
        for envelope in envelopes:
            apply_one(session, envelope)

    return handle


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the consumer's transaction has committed (metrics, caches), never on a rollback."""
    session.info.setdefault("after_commit", []).append(action)


def received_at(session: Session) -> dt.datetime:
    """When the consumer took the events it is applying from the broker (for hop timings)."""
    return session.info.get("received_at") or utcnow()


class GroupLag:
    """A consumer group's lag per topic, from the offsets it committed on the broker.

    Read from the broker rather than reported by the consumers themselves, so a group whose
    consumers have all died still shows its lag growing.
    """

    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self.bootstrap, self.group, self.topics = bootstrap, group, topics
        self._admin: KafkaAdminClient | None = None
        self._meta: KafkaConsumer | None = None

    def measure(self) -> dict[str, int]:
        """Messages behind per topic; a partition with no committed offset counts from its start."""
        if self._admin is None or self._meta is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap.split(","), request_timeout_ms=10000)
            self._meta = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","), request_timeout_ms=11000)
        committed = self._admin.list_group_offsets({self.group: None}).get(self.group, {})
        lag = {}
        for topic in self.topics:
            parts = [TopicPartition(topic, p) for p in sorted(self._meta.partitions_for_topic(topic) or ())]
            ends = self._meta.end_offsets(parts) if parts else {}
            lag[topic] = sum(max(0, ends[tp] - (committed[tp].offset if tp in committed else 0)) for tp in parts)
        return lag

    def record(self) -> None:
        """Export the lag as a gauge; on failure, start over with fresh clients next time."""
        try:
            for topic, n in self.measure().items():
                metrics.GROUP_LAG.labels(self.group, topic).set(n)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Close the broker clients."""
        for client in (self._admin, self._meta):
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
        self._admin = self._meta = None


class StopRequested(Exception):
    """Raised inside the loop when shutdown interrupts a retry; the offset is not committed."""


@dataclass
class _Item:
    record: Any
    envelope: RawEnvelope
    dedupe_id: str


class ConsumerLoop:
    """Consumes topics in a group and applies each event exactly once to the database.

    A poll's events are applied together in one transaction; when that fails for a reason other
    than the database being away, they are applied one by one, so that only an event that can
    never be applied goes to the dead-letter topic. Records of a `.dlq` topic reach the handler
    as dead-letter notices (contracts.dead_letters).
    """

    def __init__(
        self,
        *,
        service: str,
        bootstrap: str,
        group_id: str,
        topics: list[str],
        handler: Handler,
        factory: sessionmaker[Session],
        processed_model: Any,
        fetch_max_wait_ms: int = 20,
        max_attempts: int = 3,
        on_applied: Callable[[], None] | None = None,
        consumer_overrides: dict[str, Any] | None = None,
        topic_prefix: str = "",
    ) -> None:
        self.topic_prefix = topic_prefix
        self.service = service
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.topics = topics
        self.handler = handler
        self.factory = factory
        self.processed = processed_model
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.max_attempts = max_attempts
        self.on_applied = on_applied
        self.consumer_overrides = consumer_overrides or {}
        self.assigned = threading.Event()
        metrics.start_consumer(service, [topic_prefix + t for t in topics])
        self._dlq_producer: KafkaProducer | None = None
        self._lag_at = 0.0
        self._held: set[TopicPartition] | None = None

    def _consumer(self) -> KafkaConsumer:
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap.split(","),
            "group_id": self.group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "fetch_max_wait_ms": self.fetch_max_wait_ms,
            "max_poll_records": MAX_POLL_RECORDS,
            **GROUP_TIMINGS,
        }
        config.update(self.consumer_overrides)
        return KafkaConsumer(**config)

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; finishes the poll in hand, commits, leaves the group."""
        consumer = self._consumer()
        consumer.subscribe([self.topic_prefix + t for t in self.topics])
        log.info("consumer started", extra={"topics": self.topics, "group": self.group_id})
        try:
            while not stop.is_set():
                batches = consumer.poll(timeout_ms=200)
                self._note_assignment(consumer.assignment())
                records = [r for rs in batches.values() for r in rs]
                if records:
                    done = self._process(records, stop)
                    offsets = _committable(records, done)
                    if offsets:
                        self._commit(consumer, offsets)
                if time.monotonic() - self._lag_at > 5:
                    self._record_lag(consumer)
                    self._lag_at = time.monotonic()
        finally:
            consumer.close()
            if self._dlq_producer is not None:
                self._dlq_producer.close(timeout=2)
            log.info("consumer stopped", extra={"group": self.group_id})

    def _process(self, records: list[Any], stop: threading.Event) -> set[int]:
        """Apply a poll's records; returns the indexes of those finished (applied, duplicate or dead-lettered)."""
        done: set[int] = set()
        items: list[tuple[int, _Item]] = []
        for i, record in enumerate(records):
            try:
                items.append((i, self._item(record)))
            except PermanentEventError as exc:
                try:
                    self._dead_letter(record, exc, stop)
                except StopRequested:
                    return done
                done.add(i)
        if not items:
            return done
        try:
            # Whatever is logged while the poll is applied names its events' correlation ids.
            with handling([it.envelope for _, it in items]):
                self._apply_with_retries([it for _, it in items], stop, split=len(items) > 1)
            done.update(i for i, _ in items)
        except _Split:
            for i, item in items:
                try:
                    with handling([item.envelope]):
                        self._apply_with_retries([item], stop, split=False)
                except StopRequested:
                    return done
                done.add(i)
        except StopRequested:
            pass
        return done

    @staticmethod
    def _commit(consumer: KafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        try:
            consumer.commit(offsets)
        except CommitFailedError as exc:
            # The group moved on while this poll was applied (a rebalance, or a poll that took
            # too long). The effects are in the database with their event ids, so whoever gets
            # these partitions next skips them as duplicates: nothing to undo.
            log.warning("offsets not committed, the events will be seen again as duplicates: %s", exc)

    def _item(self, record: Any) -> _Item:
        topic = record.topic.removeprefix(self.topic_prefix)
        if dead_letters.is_dead_letter_topic(topic):
            envelope = dead_letters.notice(topic, record.partition, record.offset, record.key, record.value, record.headers)
            return _Item(record, envelope, str(envelope.event_id))
        envelope = decode(record.value)
        return _Item(record, envelope, str(envelope.event_id))

    def _apply_with_retries(self, items: list[_Item], stop: threading.Event, *, split: bool) -> None:
        """Apply items in one transaction: the database is waited for, other failures retried, then the DLQ."""
        started = time.perf_counter()
        attempt = transient = 0
        while True:
            try:
                results, actions = self._apply(items)
                break
            except OperationalError as exc:
                # The database is away or locked: wait for it, however long, rather than
                # dead-letter an event that is fine.
                transient += 1
                log.warning("database unavailable, retrying: %s", type(exc).__name__)
                self._backoff(min(transient, 7), stop)
            except Exception as exc:  # unknown failures get bounded retries, then the DLQ
                if split:
                    log.warning("a poll of %d events failed together (%s); applying them one by one", len(items), exc)
                    raise _Split from exc
                attempt += 1
                permanent = isinstance(exc, PermanentEventError)
                log.warning("event failed (attempt %d): %s", attempt, exc, exc_info=attempt == 1 and not permanent)
                if permanent or attempt >= self.max_attempts:
                    self._dead_letter(items[0].record, exc, stop)
                    return
                self._backoff(attempt, stop)
        # The relay first: what this poll queued goes on its way before the bookkeeping.
        if "applied" in results and self.on_applied:
            self.on_applied()
        for action in actions:
            action()
        per_event = (time.perf_counter() - started) / len(items)
        for item, result in zip(items, results, strict=True):
            metrics.EVENTS_CONSUMED.labels(self.service, item.record.topic, result).inc()
            metrics.EVENT_SECONDS.labels(self.service, item.record.topic).observe(per_event)

    def _apply(self, items: list[_Item]) -> tuple[list[str], list[Callable[[], None]]]:
        received = utcnow()
        with self.factory() as session:
            session.info["received_at"] = received
            with session.begin():
                ids = [it.dedupe_id for it in items]
                seen = set(session.scalars(select(self.processed.event_id).where(self.processed.event_id.in_(ids))))
                fresh, results = [], []
                for it in items:
                    if it.dedupe_id in seen:
                        results.append("duplicate")
                    else:
                        seen.add(it.dedupe_id)
                        fresh.append(it)
                        results.append("applied")
                if fresh:
                    self.handler(session, [it.envelope for it in fresh])
                    session.execute(insert(self.processed), [
                        {"event_id": it.dedupe_id, "topic": it.record.topic.removeprefix(self.topic_prefix), "processed_at": received}
                        for it in fresh
                    ])
        return results, session.info.get("after_commit", [])

    def _dead_letter(self, record: Any, exc: BaseException, stop: threading.Event) -> None:
        error = f"{type(exc).__name__}: {exc}"[:2000]
        if dead_letters.is_dead_letter_topic(record.topic):
            # A dead letter's notice that cannot be applied is logged, never dead-lettered again.
            metrics.EVENTS_CONSUMED.labels(self.service, record.topic, "dropped").inc()
            log.error("dead-letter notice dropped", extra={"topic": record.topic, "offset": record.offset, "error": error})
            return
        headers = [
            ("error", error.encode()),
            ("source_topic", record.topic.encode()),
            ("source_partition", str(record.partition).encode()),
            ("source_offset", str(record.offset).encode()),
            ("service", self.service.encode()),
        ]
        attempt = 0
        while True:
            try:
                if self._dlq_producer is None:
                    self._dlq_producer = make_producer(self.bootstrap)
                self._dlq_producer.send(
                    dlq_topic(record.topic), key=record.key, value=record.value, headers=headers
                ).get(timeout=10)
                break
            except Exception as send_exc:  # noqa: BLE001 - the DLQ must hold the message before the offset is committed
                attempt += 1
                log.warning("dead-letter publish failed, retrying: %s", send_exc)
                self._backoff(attempt, stop)
        metrics.DEAD_LETTERS.labels(self.service, record.topic).inc()
        metrics.EVENTS_CONSUMED.labels(self.service, record.topic, "dead_lettered").inc()
        # Name the application it belonged to, so that ops can find it.
        traced = dead_letters.notice(record.topic, record.partition, record.offset, record.key, record.value, [])
        log.error(
            "event dead-lettered",
            extra={"topic": record.topic, "offset": record.offset, "error": error, "correlation_id": traced.correlation_id},
        )

    @staticmethod
    def _backoff(attempt: int, stop: threading.Event) -> None:
        if stop.wait(min(10.0, 0.1 * 2 ** (attempt - 1))):
            raise StopRequested

    def _note_assignment(self, held: set[TopicPartition]) -> None:
        if held:
            self.assigned.set()
        if held == self._held:
            return
        self._held = set(held)
        for topic in self.topics:
            full = self.topic_prefix + topic
            metrics.ASSIGNED_PARTITIONS.labels(self.service, full).set(sum(1 for tp in held if tp.topic == full))

    def _record_lag(self, consumer: KafkaConsumer) -> None:
        try:
            parts = consumer.assignment()
            ends = consumer.end_offsets(list(parts))
            per_topic: dict[str, int] = {}
            for tp in parts:
                pos = consumer.position(tp)
                per_topic[tp.topic] = per_topic.get(tp.topic, 0) + max(0, ends.get(tp, pos) - pos)
            # Topics this member no longer holds read zero, so summed lag is not overstated.
            for topic in self.topics:
                full = self.topic_prefix + topic
                metrics.CONSUMER_LAG.labels(self.service, full).set(per_topic.get(full, 0))
        except Exception:  # noqa: BLE001 - lag is best-effort observability
            pass


class _Split(Exception):
    """A poll's events failed together: apply them one by one to find the one that cannot be applied."""


def _committable(records: list[Any], done: set[int]) -> dict[TopicPartition, OffsetAndMetadata]:
    """Per partition, the offset after the last record that has every earlier record finished too."""
    offsets: dict[TopicPartition, OffsetAndMetadata] = {}
    blocked: set[TopicPartition] = set()
    for i, record in enumerate(records):
        tp = TopicPartition(record.topic, record.partition)
        if tp in blocked:
            continue
        if i in done:
            offsets[tp] = OffsetAndMetadata(record.offset + 1, "", -1)
        else:
            blocked.add(tp)
    return offsets
