"""kafka-python against the local broker: consumer groups, rebalances, committed offsets.

The local broker is not in kafka-python's test matrix, so the group behaviour the suite
relies on is checked here directly."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from kafka import KafkaConsumer, TopicPartition

from ruralcredit_common.kafka import GROUP_TIMINGS, ensure_topics, make_producer
from tests.support import unique, wait_for

PARTITIONS = 4


class Member(threading.Thread):
    """One group member in its own thread (kafka-python consumers are not thread-safe)."""

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            bootstrap_servers=[bootstrap], group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", fetch_max_wait_ms=20, **GROUP_TIMINGS,
        )
        self.consumer.subscribe([topic])
        self.stop = threading.Event()
        self.assignment: set[int] = set()
        self.seen: list[tuple[int, int, bytes]] = []
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stop.is_set():
            batches = self.consumer.poll(timeout_ms=100)
            with self.lock:
                self.assignment = {tp.partition for tp in self.consumer.assignment()}
                for tp, records in batches.items():
                    self.seen += [(tp.partition, r.offset, r.value) for r in records]
            if batches:
                self.consumer.commit()
        self.consumer.close()

    def halt(self) -> None:
        self.stop.set()
        self.join(timeout=30)


def _partitioned(members: list[Member]) -> bool:
    parts = [m.assignment for m in members]
    union = set().union(*parts)
    return all(parts) and union == set(range(PARTITIONS)) and sum(map(len, parts)) == PARTITIONS


def _produce(bootstrap: str, topic: str, start: int, n: int) -> None:
    producer = make_producer(bootstrap)
    for i in range(start, start + n):
        producer.send(topic, key=f"m{i % 17}".encode(), value=str(i).encode())
    producer.flush()
    producer.close()


@pytest.mark.slow
def test_group_shares_partitions_rebalances_and_keeps_offsets(broker):
    topic, group = unique("compat"), unique("group")
    ensure_topics(broker.bootstrap, [topic], partitions=PARTITIONS)
    a, b = Member(broker.bootstrap, topic, group), Member(broker.bootstrap, topic, group)
    a.start()
    b.start()
    wait_for(lambda: _partitioned([a, b]), timeout=60, what="two members to share the partitions")
    _produce(broker.bootstrap, topic, 0, 400)
    wait_for(lambda: len(a.seen) + len(b.seen) >= 400, what="the first 400 messages")

    c = Member(broker.bootstrap, topic, group)
    c.start()
    wait_for(lambda: _partitioned([a, b, c]), timeout=60, what="a rebalance that gives the third member partitions")
    time.sleep(1)
    before = {id(m): len(m.seen) for m in (a, b, c)}
    _produce(broker.bootstrap, topic, 400, 600)
    wait_for(lambda: sum(len(m.seen) for m in (a, b, c)) >= 1000, what="the messages after the rebalance")
    time.sleep(1)
    after = [v for m in (a, b, c) for v in m.seen[before[id(m)]:]]
    counts = Counter(v for _, _, v in after)
    assert sorted(int(v) for v in counts) == list(range(400, 1000))
    assert max(counts.values()) == 1, "nothing may be delivered to the group twice after the rebalance"
    assert all(len(m.seen) > before[id(m)] for m in (a, b, c)), "every member takes part"
    for m in (a, b, c):
        m.halt()

    # A restarted member resumes from the committed offsets: it sees only what is new.
    _produce(broker.bootstrap, topic, 1000, 10)
    d = Member(broker.bootstrap, topic, group)
    d.start()
    wait_for(lambda: len(d.seen) >= 10, timeout=60, what="the restarted member to read the new messages")
    time.sleep(1)
    d.halt()
    assert sorted(int(v) for _, _, v in d.seen) == list(range(1000, 1010))


def test_committed_offsets_are_stored_by_the_broker(broker):
    topic, group = unique("offsets"), unique("group")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    _produce(broker.bootstrap, topic, 0, 5)
    member = Member(broker.bootstrap, topic, group)
    member.start()
    wait_for(lambda: len(member.seen) >= 5, timeout=60, what="five messages")
    member.halt()
    probe = KafkaConsumer(bootstrap_servers=[broker.bootstrap], group_id=group, enable_auto_commit=False)
    try:
        assert probe.committed(TopicPartition(topic, 0)) == 5
    finally:
        probe.close()
