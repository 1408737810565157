"""Prometheus metrics shared by every service; the service name is a label, not a prefix."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
