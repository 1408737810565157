"""Replaying a dead-letter topic into its original topic once the cause is fixed."""

from __future__ import annotations

from kafka import KafkaConsumer

from ruralcredit_common.contracts import dlq_topic
from ruralcredit_common.kafka import GROUP_TIMINGS, make_producer


def replay(bootstrap: str, topic: str, *, group: str, limit: int | None = None, idle_seconds: float = 3.0) -> int:
    """Re-publish dead letters (key and bytes unchanged); the group's offsets remember what was replayed."""
    consumer = KafkaConsumer(
        dlq_topic(topic), bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", consumer_timeout_ms=int(idle_seconds * 1000), **GROUP_TIMINGS,
    )
    producer = make_producer(bootstrap)
    n = 0
    try:
        for record in consumer:
            producer.send(topic, key=record.key, value=record.value).get(timeout=10)
            consumer.commit()
            n += 1
            if n % 100 == 0:
                print(f"  replayed {n} …", flush=True)
            if limit is not None and n >= limit:
                break
    finally:
        producer.close()
        consumer.close()
    return n
