"""Every line logged while an event is handled names its correlation and application ids, in the
consumer loop every service runs, over the real broker and database; and so does the relay's
line about an event it cannot publish."""

from __future__ import annotations

import logging
import threading

import pytest
from pydantic import BaseModel

from ruralcredit_common.contracts.envelope import Envelope, encode
from ruralcredit_common.errors import PermanentEventError
from ruralcredit_common.kafka import ConsumerLoop, ensure_topics, make_producer
from ruralcredit_common.outbox import OutboxRelay, add_event
from tests.common.integration import ledger
from tests.common.integration.logs import captured
from tests.support import unique, wait_for

handler_log = logging.getLogger("tests.handler")


class Submitted(BaseModel):
    application_id: str
    merchant_id: str
    note: str = ""


def submitted(app_id: str, note: str = "", **kw: str) -> Envelope[Submitted]:
    return Envelope[Submitted](type="tests.submitted", version=1, producer="tests", key="m1", correlation_id=app_id,
                               payload=Submitted(application_id=app_id, merchant_id="m1", note=note), **kw)


def handle(session, envelopes):
    """Log one line per call, saying which events it was given."""
    handler_log.info("handling", extra={"given": sorted(e.correlation_id for e in envelopes)})
    for env in envelopes:
        if env.payload["note"] == "poison":
            raise PermanentEventError("this application cannot be applied")


def _run(broker, factory, topic, handler, until):
    loop = ConsumerLoop(service="tests", bootstrap=broker.bootstrap, group_id=unique("g"), topics=[topic], handler=handler,
                        factory=factory, processed_model=ledger.Base.ProcessedEvent)
    stop = threading.Event()
    thread = threading.Thread(target=loop.run, args=(stop,))
    thread.start()
    try:
        wait_for(until, timeout=60, what="the events handled")
    finally:
        stop.set()
        thread.join(timeout=30)


@pytest.mark.slow  # a consumer group joins the broker first
def test_lines_logged_while_a_poll_is_handled_name_its_events(broker, database_url_factory):
    topic = unique("traced")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("traced"))
    apps = [f"app_{i:04d}" for i in range(5)]
    producer = make_producer(broker.bootstrap)
    for app in apps:  # all on the topic before the consumer starts: polls of several events
        producer.send(topic, key=b"m1", value=encode(submitted(app))).get(timeout=10)
    producer.close()
    with captured("tests.handler") as lines:
        _run(broker, factory, topic, handle,
             lambda: sorted(a for d in lines.saying("handling") for a in d["given"]) == apps)
        handler_log.info("after the poll")
    engine.dispose()
    for line in lines.saying("handling"):
        given = line["given"]
        if len(given) == 1:
            assert (line["correlation_id"], line["application_id"]) == (given[0], given[0])
        else:
            assert line["correlation_ids"] == given and line["application_ids"] == given and line["events"] == len(given)
    [after] = lines.saying("after the poll")
    assert not {"correlation_id", "correlation_ids", "application_id", "events"} & after.keys()


@pytest.mark.slow  # a consumer group joins the broker first
def test_the_warnings_about_an_event_that_fails_name_its_application(broker, database_url_factory):
    topic = unique("traced-dlq")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("traced_dlq"))
    producer = make_producer(broker.bootstrap)
    producer.send(topic, key=b"m1", value=encode(submitted("app_fine"))).get(timeout=10)
    producer.send(topic, key=b"m1", value=encode(submitted("app_poison", note="poison"))).get(timeout=10)
    producer.close()
    with captured("ruralcredit_common.kafka", level=logging.WARNING) as lines:
        _run(broker, factory, topic, handle, lambda: lines.saying("event dead-lettered"))
    engine.dispose()
    failed = lines.saying("event failed")
    assert failed and all(d["correlation_id"] == d["application_id"] == "app_poison" for d in failed)
    [dead] = lines.saying("event dead-lettered")
    assert dead["correlation_id"] == dead["application_id"] == "app_poison"


def test_the_relays_line_about_an_event_it_cannot_publish_names_its_application(broker, database_url_factory):
    topic = unique("traced-outbox")
    ensure_topics(broker.bootstrap, [topic], partitions=1)
    engine, factory = ledger.setup(database_url_factory("traced_outbox"))
    with factory() as session, session.begin():
        # Larger than the producer may send: the broker never gets it, the row stays.
        add_event(session, ledger.Base.OutboxRow, topic, submitted("app_too_big", note="x" * 4000))
    relay = OutboxRelay(service="tests", factory=factory, row_model=ledger.Base.OutboxRow, idle_wait=0.05,
                        producer_factory=lambda: make_producer(broker.bootstrap, max_request_size=2000))
    stop = threading.Event()
    with captured("ruralcredit_common.outbox", level=logging.WARNING) as lines:
        thread = threading.Thread(target=relay.run, args=(stop,))
        thread.start()
        try:
            wait_for(lambda: lines.saying("outbox relay cannot publish yet"), timeout=30, what="the relay's warning")
        finally:
            stop.set()
            thread.join(timeout=30)
    assert relay.pending() == 1
    engine.dispose()
    line = lines.saying("outbox relay cannot publish yet")[0]
    assert line["correlation_id"] == line["application_id"] == "app_too_big"
