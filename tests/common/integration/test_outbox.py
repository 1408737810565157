"""The outbox: an event written while the broker is down is published once it is back."""

from __future__ import annotations

import threading
import time

import orjson

from ruralcredit_common.kafka import ensure_topics, make_producer
from ruralcredit_common.outbox import OutboxRelay, add_event
from tests.common.integration import ledger
from tests.support import read_topic, unique, wait_for


def test_event_written_while_broker_down_arrives_after_it_is_back(broker, database_url_factory):
    topic = unique("outbox")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("outbox"))
    relay = OutboxRelay(
        service="tests", factory=factory, row_model=ledger.Base.OutboxRow, idle_wait=0.05,
        producer_factory=lambda: make_producer(broker.bootstrap, request_timeout_ms=1500, max_block_ms=1500, retries=0),
    )
    stop = threading.Event()
    broker.pause()
    try:
        with factory() as session, session.begin():
            session.add(ledger.Entry(event_id="state-change", merchant_id="m1", note="written with the event"))
            add_event(session, ledger.Base.OutboxRow, topic, ledger.envelope("m1", "hello"))
        thread = threading.Thread(target=relay.run, args=(stop,))
        thread.start()
        time.sleep(3)
        assert relay.pending() == 1, "the event must wait in the outbox while the broker is down"
    finally:
        broker.resume()
    try:
        wait_for(lambda: relay.pending() == 0, timeout=30, what="relay to publish after the broker came back")
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    records = read_topic(broker.bootstrap, topic, expect=1)
    assert len(records) == 1
    assert orjson.loads(records[0].value)["payload"] == {"merchant_id": "m1", "note": "hello"}
    assert records[0].key == b"m1"


def test_rolled_back_change_publishes_nothing(broker, database_url_factory):
    topic = unique("outbox-rollback")
    engine, factory = ledger.setup(database_url_factory("outbox_rb"))
    relay = OutboxRelay(service="tests", factory=factory, row_model=ledger.Base.OutboxRow,
                        producer_factory=lambda: make_producer(broker.bootstrap))
    try:
        with factory() as session:
            with session.begin():
                add_event(session, ledger.Base.OutboxRow, topic, ledger.envelope("m1", "never"))
                session.rollback()
        assert relay.pending() == 0
        assert relay.publish_pending() == 0
    finally:
        engine.dispose()
