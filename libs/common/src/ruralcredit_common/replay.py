"""Replaying a dead-letter topic into its original topic once the cause is fixed."""

from __future__ import annotations

import time

from kafka import KafkaConsumer
from kafka.structs import OffsetAndMetadata

from ruralcredit_common.contracts import dlq_topic
from ruralcredit_common.errors import StartupError
from ruralcredit_common.kafka import GROUP_TIMINGS, make_producer

ASSIGNMENT_TIMEOUT = 30.0


def replay(bootstrap: str, topic: str, *, group: str, limit: int | None = None) -> int:
    """Re-publish dead letters (key and bytes unchanged); the group's offsets remember what was replayed.

    It replays what the dead-letter topic held when its partitions were assigned, then stops:
    the end is read from the broker, not guessed from a quiet spell.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False,
        auto_offset_reset="earliest", fetch_max_wait_ms=100, **GROUP_TIMINGS,
    )
    consumer.subscribe([dlq_topic(topic)])
    producer = make_producer(bootstrap)
    n = 0
    try:
        deadline = time.monotonic() + ASSIGNMENT_TIMEOUT
        while not consumer.assignment():
            if time.monotonic() > deadline:
                raise StartupError(f"no partition of {dlq_topic(topic)} assigned within {ASSIGNMENT_TIMEOUT:.0f} s")
            consumer.poll(timeout_ms=200, max_records=1, update_offsets=False)
        parts = consumer.assignment()
        ends = consumer.end_offsets(list(parts))
        while any(consumer.position(tp) < ends[tp] for tp in parts) and (limit is None or n < limit):
            want = 500 if limit is None else min(500, limit - n)
            for tp, records in consumer.poll(timeout_ms=200, max_records=want).items():
                records = [r for r in records if r.offset < ends[tp]]
                for record in records:
                    producer.send(topic, key=record.key, value=record.value).get(timeout=10)
                    n += 1
                    if n % 100 == 0:
                        print(f"  replayed {n} …", flush=True)
                if records:
                    consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "", -1)})
    finally:
        producer.close()
        consumer.close()
    return n
