"""A suite with each role of each service in its own process, on a broker of its own (the
tests pause it), under a steady load of applications and orders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ruralcredit_dev.broker import LocalBroker
from tests.support.load import Tenants, seed_tenants
from tests.support.suite import ROOM_FOR_RESTARTS, Suite, start_suite


@pytest.fixture(scope="module")
def own_broker() -> Iterator[LocalBroker]:
    """A broker only this module uses, so pausing it disturbs no other test."""
    b = LocalBroker().start()
    yield b
    b.stop()


@pytest.fixture(scope="module")
def split_suite(own_broker, database_url_factory, model_registry, tmp_path_factory) -> Iterator[Suite]:
    """api, relay and consumer of each service as separate processes."""
    var = tmp_path_factory.mktemp("faults")
    suite, _ = start_suite(own_broker, database_url_factory, model_registry, var, roles=("api", "relay", "consumer"), extra_env=ROOM_FOR_RESTARTS)
    try:
        yield suite
    finally:
        suite.stop()


@pytest.fixture(scope="module")
def tenants(split_suite) -> Tenants:
    return seed_tenants(split_suite, merchants=5)
