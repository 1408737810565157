"""Two consumer processes per service in one group share the partitions; when one is killed
mid-load the other takes its partitions over, and nothing is lost or decided twice."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from ruralcredit_applications import consumer as applications_consumer
from ruralcredit_cashflow import consumer as cashflow_consumer
from ruralcredit_dev.broker import LocalBroker
from ruralcredit_scoring import consumer as scoring_consumer
from tests.support import wait_for
from tests.support.load import Load, assert_each_decided_once, assert_orders_once, seed_tenants
from tests.support.suite import ROOM_FOR_RESTARTS, Suite, start_suite

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
PARTITIONS = 6
# Every partition of every topic a service reads, from the services' own lists.
HELD = {name: len(c.TOPICS) * PARTITIONS for name, c in
        (("applications", applications_consumer), ("cashflow", cashflow_consumer), ("scoring", scoring_consumer))}


@pytest.fixture(scope="module")
def scaled(database_url_factory, model_registry, tmp_path_factory) -> Iterator[tuple[Suite, LocalBroker]]:
    broker = LocalBroker().start()
    suite, _ = start_suite(broker, database_url_factory, model_registry, tmp_path_factory.mktemp("scaled"),
                           roles=("all",), consumers=2, partitions=PARTITIONS, extra_env=ROOM_FOR_RESTARTS)
    try:
        yield suite, broker
    finally:
        suite.stop()
        broker.stop()


def test_two_consumers_share_the_partitions_and_one_takes_over_when_the_other_dies(scaled):
    suite, _ = scaled
    tenants = seed_tenants(suite, merchants=4)

    def held(service: str) -> list[int]:
        return [suite.partitions(f"{service}:all"), suite.partitions(f"{service}:consumer:2")]

    # cashflow reads sales.v1 and applications.v1: 2 topics × 6 partitions, split evenly between the two.
    half = HELD["cashflow"] // 2
    wait_for(lambda: held("cashflow") == [half, half], timeout=60, what="an even split of cashflow's partitions")
    wait_for(lambda: all(sum(held(s)) == HELD[s] and 0 not in held(s) for s in ("scoring", "applications")),
             timeout=60, what="the other services' partitions shared")
    load = Load(tenants).start()
    time.sleep(6)
    for service in ("applications", "cashflow", "scoring"):
        suite.kill(f"{service}:consumer:2", signal.SIGKILL)
    for service, total in HELD.items():
        wait_for(lambda s=service, t=total: suite.partitions(f"{s}:all") == t, timeout=60, what=f"{service}'s survivor to hold every partition")
    time.sleep(5)
    load.finish()
    assert_each_decided_once(suite, load.application_ids)
    assert_orders_once(suite)
