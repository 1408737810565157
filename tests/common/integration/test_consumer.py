"""The consumer loop: idempotent apply across a crash, dead letters, ordered progress."""

from __future__ import annotations

import threading
import time

import orjson
import pytest

from ruralcredit_common import metrics
from ruralcredit_common.contracts import dlq_topic
from ruralcredit_common.kafka import ConsumerLoop, each, ensure_topics, make_producer
from tests.common.integration import ledger
from tests.support import read_topic, unique, wait_for


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing in the loop catches it."""


def _loop(broker, factory, topic, group, **kw):
    return ConsumerLoop(
        service="tests", bootstrap=broker.bootstrap, group_id=group, topics=[topic], handler=each(ledger.handle),
        factory=factory, processed_model=ledger.Base.ProcessedEvent, **kw,
    )


def _start(loop):
    stop = threading.Event()
    errors: list[BaseException] = []

    def run():
        try:
            loop.run(stop)
        except BaseException as exc:  # noqa: BLE001 - the test inspects the crash
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return stop, thread, errors


@pytest.mark.slow
def test_crash_after_effect_before_commit_does_not_apply_twice(broker, database_url_factory):
    topic, group = unique("crash"), unique("g")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("crash"))
    producer = make_producer(broker.bootstrap)
    producer.send(topic, key=b"m1", value=ledger.wire("m1", "once")).get(timeout=10)

    def die():
        raise Crash

    # The process "dies" right after the database transaction committed, before the offset commit.
    stop, thread, errors = _start(_loop(broker, factory, topic, group, on_applied=die))
    thread.join(timeout=60)
    assert errors and isinstance(errors[0], Crash)
    assert ledger.count(factory) == 1

    duplicates = metrics.EVENTS_CONSUMED.labels("tests", topic, "duplicate")._value.get()
    stop, thread, errors = _start(_loop(broker, factory, topic, group))
    wait_for(lambda: metrics.EVENTS_CONSUMED.labels("tests", topic, "duplicate")._value.get() > duplicates,
             what="the redelivered event to be recognised")
    stop.set()
    thread.join(timeout=30)
    assert not errors
    assert ledger.count(factory) == 1, "the redelivered event must not be applied again"
    producer.close()
    engine.dispose()


@pytest.mark.slow
def test_malformed_and_poison_messages_go_to_dlq_and_consumer_goes_on(broker, database_url_factory):
    topic, group = unique("dlq"), unique("g")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("dlq"))
    producer = make_producer(broker.bootstrap)
    producer.send(topic, key=b"m1", value=b"{not json").get(timeout=10)
    producer.send(topic, key=b"m1", value=ledger.wire("m1", "poison")).get(timeout=10)
    producer.send(topic, key=b"m1", value=ledger.wire("m1", "after the bad ones")).get(timeout=10)
    stop, thread, _errors = _start(_loop(broker, factory, topic, group))
    wait_for(lambda: ledger.count(factory) == 1, what="the good event after the bad ones")
    stop.set()
    thread.join(timeout=30)
    assert ledger.notes(factory) == ["after the bad ones"]
    dead = read_topic(broker.bootstrap, dlq_topic(topic), expect=2)
    assert next(r.value for r in dead) == b"{not json"
    headers = [dict(r.headers) for r in dead]
    assert b"not JSON" in headers[0]["error"]
    assert b"poison note" in headers[1]["error"]
    assert headers[1]["source_topic"] == topic.encode()
    producer.close()
    engine.dispose()


@pytest.mark.slow
def test_dead_letters_can_be_replayed_into_their_topic(broker):
    from ruralcredit_common.replay import replay

    topic = unique("replay")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    producer = make_producer(broker.bootstrap)
    for i in range(3):
        producer.send(dlq_topic(topic), key=b"m1", value=ledger.wire("m1", f"fixed-{i}")).get(timeout=10)
    producer.close()
    assert replay(broker.bootstrap, topic, group=unique("replay-group")) == 3
    back = read_topic(broker.bootstrap, topic, expect=3)
    assert len(back) == 3 and all(r.key == b"m1" for r in back)
    assert [orjson.loads(r.value)["payload"]["note"] for r in back] == ["fixed-0", "fixed-1", "fixed-2"]


@pytest.mark.slow
def test_a_groups_lag_is_read_from_the_broker_and_shows_while_its_consumers_are_gone(broker, database_url_factory):
    from ruralcredit_common.kafka import GroupLag

    topic, group = unique("lag"), unique("g")
    ensure_topics(broker.bootstrap, [topic], partitions=2)
    engine, factory = ledger.setup(database_url_factory("lag"))
    producer = make_producer(broker.bootstrap)

    def send(n: int) -> None:
        for i in range(n):
            producer.send(topic, key=f"m{i}".encode(), value=ledger.wire(f"m{i}", "note")).get(timeout=10)

    lag = GroupLag(broker.bootstrap, group, [topic])
    send(5)
    assert lag.measure() == {topic: 5}, "a group that committed nothing is behind by everything"
    stop, thread, errors = _start(_loop(broker, factory, topic, group))
    wait_for(lambda: ledger.count(factory) == 5, what="the five events applied")
    wait_for(lambda: lag.measure() == {topic: 0}, what="the group's commits to reach the broker")
    stop.set()
    thread.join(timeout=30)
    send(3)  # the group has no consumer now: its lag still grows
    assert lag.measure() == {topic: 3}
    lag.record()
    assert metrics.GROUP_LAG.labels(group, topic)._value.get() == 3
    lag.close()
    producer.close()
    engine.dispose()
    assert not errors


@pytest.mark.slow
def test_a_poll_that_outlasts_the_group_is_applied_once_and_the_consumer_goes_on(broker, database_url_factory):
    topic, group = unique("slow"), unique("g")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("slow"))
    slow = threading.Event()

    def handle(session, envelopes):
        for env in envelopes:
            ledger.handle(session, env)
        if not slow.is_set():
            slow.set()
            time.sleep(5)  # longer than the group allows between polls: the member is dropped

    loop = ConsumerLoop(
        service="tests", bootstrap=broker.bootstrap, group_id=group, topics=[topic], handler=handle, factory=factory,
        processed_model=ledger.Base.ProcessedEvent, consumer_overrides={"max_poll_interval_ms": 2000},
    )
    producer = make_producer(broker.bootstrap)
    producer.send(topic, key=b"m1", value=ledger.wire("m1", "slow one")).get(timeout=10)
    duplicates = metrics.EVENTS_CONSUMED.labels("tests", topic, "duplicate")._value.get()
    stop, thread, errors = _start(loop)
    # The commit after the slow poll fails; the event comes back and is recognised as applied.
    wait_for(lambda: metrics.EVENTS_CONSUMED.labels("tests", topic, "duplicate")._value.get() > duplicates, timeout=60,
             what="the redelivered event to be recognised")
    producer.send(topic, key=b"m1", value=ledger.wire("m1", "after")).get(timeout=10)
    wait_for(lambda: ledger.count(factory) == 2, what="the next event, by the same consumer")
    assert thread.is_alive() and not errors
    stop.set()
    thread.join(timeout=30)
    producer.close()
    engine.dispose()


def test_partition_for_names_the_partition_the_producer_picks(broker):
    from ruralcredit_common.kafka import partition_for

    topic = unique("parts")
    ensure_topics(broker.bootstrap, [topic], partitions=6)
    producer = make_producer(broker.bootstrap)
    keys = [f"mer_{i}" for i in range(40)]
    landed = {k: producer.send(topic, key=k.encode(), value=b"x").get(timeout=10).partition for k in keys}
    producer.close()
    assert landed == {k: partition_for(k, 6) for k in keys}
