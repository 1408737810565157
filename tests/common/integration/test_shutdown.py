"""SIGTERM in the middle of a stream: the consumer finishes what it holds, and nothing is lost."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from ruralcredit_common.kafka import ensure_topics, make_producer
from tests.common.integration import ledger
from tests.support import unique, wait_for

N = 3000


def _spawn(url, bootstrap, topic, group):
    return subprocess.Popen([sys.executable, "-m", "tests.common.integration.ledger_consumer", url, bootstrap, topic, group])


@pytest.mark.slow
def test_sigterm_mid_stream_loses_nothing(broker, database_url_factory):
    topic, group = unique("sigterm"), unique("g")
    ensure_topics(broker.bootstrap, [topic], partitions=3)
    url = database_url_factory("sigterm")
    engine, factory = ledger.setup(url)
    producer = make_producer(broker.bootstrap)
    for i in range(N):
        producer.send(topic, key=f"m{i % 40}".encode(), value=ledger.wire(f"m{i % 40}", str(i)))
    producer.flush()
    producer.close()

    first = _spawn(url, broker.bootstrap, topic, group)
    wait_for(lambda: ledger.count(factory) >= 200, timeout=60, what="the consumer to get going")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0, "SIGTERM must end the consumer cleanly"
    stopped_at = ledger.count(factory)
    assert stopped_at < N, "the signal should have arrived mid-stream"

    second = _spawn(url, broker.bootstrap, topic, group)
    try:
        wait_for(lambda: ledger.count(factory) >= N, timeout=120, what="the rest of the stream")
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
    assert sorted(map(int, ledger.notes(factory))) == list(range(N))
    engine.dispose()
