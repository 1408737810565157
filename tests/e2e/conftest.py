"""The three services as real processes over the real broker and real databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.suite import ADMIN_KEY, Suite, start_suite, stop_suite

__all__ = ["ADMIN_KEY", "Suite", "start_suite", "stop_suite", "suite"]


@pytest.fixture(scope="package")
def suite(broker, database_url_factory, model_registry, tmp_path_factory) -> Iterator[Suite]:
    """The running suite, started once for the end-to-end tests: each makes its own tenants and
    sellers, and only test_loan_outcomes disburses loans (it counts the suite's loans)."""
    var = tmp_path_factory.mktemp("var")
    running, procs = start_suite(broker, database_url_factory, model_registry, var)
    try:
        yield running
    finally:
        stop_suite(procs)
