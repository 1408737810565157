"""The three services as real processes over the real broker and real databases."""

from __future__ import annotations

import pytest

from tests.support.suite import ADMIN_KEY, Suite

__all__ = ["ADMIN_KEY", "Suite", "suite"]


@pytest.fixture(scope="package")
def suite(running_suite: Suite) -> Suite:
    """The running suite, started once for the end-to-end tests (and the Prometheus test): each
    makes its own tenants and sellers, and only test_loan_outcomes disburses loans (it counts the
    suite's loans)."""
    return running_suite
