"""What the cashflow service keeps of a merchant's terms from its sales events, on a real database."""

from __future__ import annotations

import pytest

from ruralcredit_cashflow import store
from ruralcredit_cashflow.bootstrap import build
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common.contracts import sales


@pytest.fixture
def runtime(database_url_factory):
    rt = build(Settings(database_url=database_url_factory("cashflow_terms"), kafka_bootstrap="127.0.0.1:1"))
    rt.migrate()
    yield rt
    rt.engine.dispose()


def event(day: str, **extra: object) -> sales.DailySalesRecorded:
    return sales.DailySalesRecorded.model_validate({
        "merchant_id": "mer_1", "platform_id": "plt_1", "settlement_lag_days": 15, "fee_rate": 0.02,
        "days": [{"day": day, "orders": 1, "gross_sales": "10.00", "refunds": "0.00", "payouts": "0.00"}], **extra,
    })


def test_produce_is_kept_until_an_event_names_another_or_none(runtime):
    def produce() -> str | None:
        with runtime.factory() as s:
            return store.platform_terms(s, "mer_1").produce

    def apply(*events: sales.DailySalesRecorded) -> None:
        with runtime.factory() as s, s.begin():
            store.add_daily_sales(s, list(events))

    apply(event("2026-06-01", produce="mango"))
    assert produce() == "mango"
    apply(event("2026-06-02"))  # an older producer's event: no word on the produce
    assert produce() == "mango"
    apply(event("2026-06-03", produce="tea"))
    assert produce() == "tea"
    apply(event("2026-06-04", produce=None))  # the platform says the merchant now sells all year
    assert produce() is None

    # Several events of one poll: the last that speaks of the produce wins; silence keeps it.
    apply(event("2026-06-05", produce="pear"), event("2026-06-05"))
    assert produce() == "pear"
    apply(event("2026-06-06", produce="tea"), event("2026-06-06", produce=None), event("2026-06-07"))
    assert produce() is None


def test_increments_of_one_poll_add_up_per_day(runtime):
    from sqlalchemy import select

    from ruralcredit_cashflow.orm import MerchantDay

    with runtime.factory() as s, s.begin():
        store.add_daily_sales(s, [event("2026-06-01"), event("2026-06-01"), event("2026-06-02")])
    with runtime.factory() as s, s.begin():
        store.add_daily_sales(s, [event("2026-06-01")])
    with runtime.factory() as s:
        days = {d.day.isoformat(): (d.orders, str(d.gross_sales)) for d in s.scalars(select(MerchantDay))}
    assert days == {"2026-06-01": (3, "30.00"), "2026-06-02": (1, "10.00")}
