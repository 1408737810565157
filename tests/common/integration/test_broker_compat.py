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

    # A restarted consumer resumes from the group's committed offsets: it sees only what is new.
    _produce(broker.bootstrap, topic, 1000, 10)
    assert sorted(int(v) for v in _read_from_committed(broker.bootstrap, topic, group, expect=10)) == list(range(1000, 1010))


def _read_from_committed(bootstrap: str, topic: str, group: str, expect: int) -> list[bytes]:
    # Partitions are assigned by hand here: see the known limitation below for why a fresh
    # group member is not used.
    consumer = KafkaConsumer(bootstrap_servers=[bootstrap], group_id=group, enable_auto_commit=False, fetch_max_wait_ms=20)
    try:
        parts = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, consumer.committed(tp))
        got: list[bytes] = []
        deadline = time.monotonic() + 30
        while len(got) < expect and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got += [r.value for r in records]
        time.sleep(0.5)
        for records in consumer.poll(timeout_ms=200).values():
            got += [r.value for r in records]
        return got
    finally:
        consumer.close()


@pytest.mark.slow
@pytest.mark.broker_bug
@pytest.mark.xfail(reason="local broker: after a group of three has fully left, a new member's JoinGroup "
                          "is sometimes never answered (seen in about two runs of three); Apache Kafka "
                          "answers within the rebalance timeout", strict=False)
def test_new_member_joins_after_a_rebalanced_group_left(broker):
    topic, group = unique("rejoin"), unique("group")
    ensure_topics(broker.bootstrap, [topic], partitions=PARTITIONS)
    members = [Member(broker.bootstrap, topic, group) for _ in range(2)]
    for m in members:
        m.start()
    wait_for(lambda: _partitioned(members), timeout=60, what="two members")
    third = Member(broker.bootstrap, topic, group)
    third.start()
    wait_for(lambda: _partitioned([*members, third]), timeout=60, what="three members")
    for m in (*members, third):
        m.halt()
    _produce(broker.bootstrap, topic, 0, 10)
    fresh = Member(broker.bootstrap, topic, group)
    fresh.start()
    try:
        wait_for(lambda: len(fresh.seen) >= 10, timeout=20, what="the fresh member to be assigned and read")
    finally:
        fresh.halt()


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
