"""Prometheus metrics shared by every service; the service name is a label, not a prefix.

Labelled counters whose label values are known when a process starts are exported at 0 from
then on (start_consumer, start_relay): a series that first appears at 1 has no earlier sample,
so `increase()` reads the first dead letter or failure as no change at all.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from ruralcredit_common.contracts import ALL_TOPICS, dead_letters

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "ruralcredit_http_requests_total", "HTTP requests served", ["service", "route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "ruralcredit_http_request_seconds", "HTTP request latency", ["service", "route"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_CONSUMED = Counter(
    "ruralcredit_events_consumed_total", "Events taken from a topic, by result",
    ["service", "topic", "result"],
)
EVENT_SECONDS = Histogram(
    "ruralcredit_event_processing_seconds", "Time to apply one event", ["service", "topic"],
    buckets=LATENCY_BUCKETS,
)
DEAD_LETTERS = Counter(
    "ruralcredit_dead_letters_total", "Events sent to a dead-letter topic", ["service", "topic"]
)
CONSUMER_LAG = Gauge(
    "ruralcredit_consumer_lag", "Messages behind the end of the partition", ["service", "topic"]
)
GROUP_LAG = Gauge(
    "ruralcredit_consumer_group_lag",
    "Messages behind the end of the topic by the group's committed offsets, read from the broker",
    ["group", "topic"],
)
ASSIGNED_PARTITIONS = Gauge(
    "ruralcredit_consumer_partitions", "Partitions this consumer process holds in its group", ["service", "topic"]
)
OUTBOX_PENDING = Gauge("ruralcredit_outbox_pending", "Outbox rows not yet published", ["service"])
OUTBOX_PUBLISHED = Counter(
    "ruralcredit_outbox_published_total", "Outbox rows published", ["service", "topic"]
)
OUTBOX_ERRORS = Counter(
    "ruralcredit_outbox_publish_errors_total", "Failed attempts to publish the outbox", ["service"]
)


# What a consumer may do with an event of a topic, and with a dead-letter notice.
RESULTS = ("applied", "duplicate", "dead_lettered")
NOTICE_RESULTS = ("applied", "duplicate", "dropped")


def start_consumer(service: str, topics: Iterable[str]) -> None:
    """Export a consumer's counters at 0 for each topic it reads (named as on the broker)."""
    for topic in topics:
        notices = dead_letters.is_dead_letter_topic(topic)
        for result in NOTICE_RESULTS if notices else RESULTS:
            EVENTS_CONSUMED.labels(service, topic, result)
        EVENT_SECONDS.labels(service, topic)
        if not notices:
            DEAD_LETTERS.labels(service, topic)


def start_relay(service: str) -> None:
    """Export a relay's counters at 0: its errors, and what it publishes on each topic it produces."""
    OUTBOX_ERRORS.labels(service)
    for topic in published_by(service):
        OUTBOX_PUBLISHED.labels(service, topic)


def published_by(service: str) -> list[str]:
    """The topics whose contract names `service` as their producer (the default of its `event()`)."""
    topics = []
    for contract in ALL_TOPICS:
        producer = inspect.signature(contract.event).parameters.get("producer")
        if producer is not None and producer.default == service:
            topics.append(contract.TOPIC)
    return topics
