"""Replaying a dead-letter topic into its original topic once the cause is fixed."""

from __future__ import annotations

import time

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata

from ruralcredit_common.contracts import dlq_topic
from ruralcredit_common.errors import StartupError
from ruralcredit_common.kafka import GROUP_TIMINGS, make_producer


def replay(bootstrap: str, topic: str, *, group: str, limit: int | None = None, idle_seconds: float = 3.0) -> int:
    """Re-publish dead letters (key and bytes unchanged); the group's offsets remember what was replayed."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", fetch_max_wait_ms=100, **GROUP_TIMINGS,
    )
    consumer.subscribe([dlq_topic(topic)])
    producer = make_producer(bootstrap)
    n = 0
    try:
        started = quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_seconds or not consumer.assignment():
            if not consumer.assignment() and time.monotonic() - started > 30:
                raise StartupError(f"no partition of {dlq_topic(topic)} assigned within 30 s")
            want = 500 if limit is None else min(500, limit - n)
            for tp, records in consumer.poll(timeout_ms=200, max_records=want).items():
                for record in records:
                    producer.send(topic, key=record.key, value=record.value).get(timeout=10)
                    n += 1
                    if n % 100 == 0:
                        print(f"  replayed {n} …", flush=True)
                consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)})
                quiet_since = time.monotonic()
            if limit is not None and n >= limit:
                break
    finally:
        producer.close()
        consumer.close()
    return n
