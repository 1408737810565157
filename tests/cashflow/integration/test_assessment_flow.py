"""The cashflow service over the real broker: sales.v1 and applications.v1 in, cashflow.v1 out,
with collections shifted by the settlement lag and features equal to the hand computation."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import numpy as np
import orjson
import pytest

from ruralcredit_cashflow.bootstrap import build
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common.contracts import applications, cashflow, sales
from ruralcredit_common.contracts.envelope import Envelope, encode
from ruralcredit_common.kafka import ensure_topics, make_producer
from tests.support import read_topic, wait_for

pytestmark = pytest.mark.slow

DAYS = 200
LAG = 15


def weekly_pattern(start: dt.date) -> list[tuple[dt.date, Decimal]]:
    """1,000 CNY on weekdays, 2,000 CNY on weekends: a shape the collections must carry LAG days later."""
    out = []
    for i in range(DAYS):
        day = start + dt.timedelta(days=i)
        out.append((day, Decimal("2000.00") if day.weekday() >= 5 else Decimal("1000.00")))
    return out


@pytest.fixture
def cashflow_service(broker, database_url_factory, topic_prefix):
    ensure_topics(broker.bootstrap, [topic_prefix + t.TOPIC for t in (sales, applications, cashflow)], partitions=2)
    settings = Settings(database_url=database_url_factory("cashflow"), kafka_bootstrap=broker.bootstrap,
                        topic_prefix=topic_prefix, consumer_group=f"{topic_prefix}cashflow")
    runtime = build(settings)
    runtime.migrate()
    loop = runtime.consumer()
    threads = [threading.Thread(target=loop.run, args=(runtime.stop,)), threading.Thread(target=runtime.relay.run, args=(runtime.stop,))]
    for t in threads:
        t.start()
    wait_for(loop.assigned.is_set, timeout=30, what="the consumer's partition assignment")
    yield runtime
    runtime.stop.set()
    for t in threads:
        t.join(timeout=30)
    runtime.engine.dispose()


def _stored_days(runtime) -> int:
    from sqlalchemy import func, select

    from ruralcredit_cashflow.orm import MerchantDay

    with runtime.factory() as s:
        return s.scalar(select(func.count()).select_from(MerchantDay).where(MerchantDay.merchant_id == "mer_weekly"))


def test_application_gets_forecast_shifted_by_settlement_lag(cashflow_service, broker, topic_prefix):
    submitted = dt.datetime.now(dt.UTC)
    as_of = (submitted + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    start = as_of - dt.timedelta(days=DAYS - 1)
    days = weekly_pattern(start)
    producer = make_producer(broker.bootstrap)
    for chunk in range(0, DAYS, 50):
        payload = sales.DailySalesRecorded(
            merchant_id="mer_weekly", platform_id="plt_1", settlement_lag_days=LAG, fee_rate=0.0,
            days=[sales.DailyTotals(day=d, orders=10, gross_sales=g, refunds=Decimal("0"), payouts=Decimal("0")) for d, g in days[chunk:chunk + 50]],
        )
        producer.send(topic_prefix + sales.TOPIC, key=b"mer_weekly", value=encode(Envelope[sales.DailySalesRecorded](
            type=sales.DAILY_SALES, version=1, producer="tests", key="mer_weekly", payload=payload)))
    producer.flush()
    # sales.v1 and applications.v1 are different topics: order holds within a topic only, so
    # the application goes out once the series is in, as it would days later in real life.
    wait_for(lambda: _stored_days(cashflow_service) == DAYS, timeout=30, what="the daily series")
    producer.send(topic_prefix + applications.TOPIC, key=b"mer_weekly", value=encode(Envelope[applications.ApplicationSubmitted](
        type=applications.SUBMITTED, version=1, producer="tests", key="mer_weekly", correlation_id="app_w",
        payload=applications.ApplicationSubmitted(application_id="app_w", merchant_id="mer_weekly", institution_id="inst",
                                                  amount=Decimal("10000.00"), term_days=30, purpose="festival_stock", submitted_at=submitted))))
    producer.flush()
    producer.close()

    [record] = read_topic(broker.bootstrap, topic_prefix + cashflow.TOPIC, expect=1, timeout=60)
    event = orjson.loads(record.value)
    assert event["type"] == cashflow.ASSESSED and event["correlation_id"] == "app_w" and record.key == b"mer_weekly"
    body = event["payload"]
    assert body["as_of"] == str(as_of) and body["settlement_lag_days"] == LAG

    # Collections on forecast day k come from the sales of day k − LAG: for k ≤ LAG those are
    # known sales, so the weekend days (2,000) must show up LAG days later as double collections.
    p50 = np.array(body["collections"]["p50"])
    first = dt.date.fromisoformat(body["collections"]["start"])
    assert first == as_of + dt.timedelta(days=1)
    known = {d: float(g) for d, g in days}
    assert all(p50[k] > 0 for k in range(LAG)), "every early day collects a known day's sales"
    weekend = [p50[k] for k in range(LAG) if (first + dt.timedelta(days=k - LAG)).weekday() >= 5]
    weekday = [p50[k] for k in range(LAG) if (first + dt.timedelta(days=k - LAG)).weekday() < 5]
    assert np.mean(weekend) / np.mean(weekday) == pytest.approx(2.0, rel=0.1)
    assert all(known[first + dt.timedelta(days=k - LAG)] > 0 for k in range(LAG))

    feats = body["features"]
    gross = np.array([float(g) for _, g in days])
    assert feats["history_days"] == DAYS
    assert feats["sales_level"] == pytest.approx(gross[-90:].mean())
    assert feats["volatility"] == pytest.approx(gross[-90:].std() / gross[-90:].mean())
    assert feats["refund_rate"] == 0.0
    assert feats["days_since_last_sale"] == 0.0
    assert feats["zero_day_share"] == 0.0
    assert feats["loan_amount"] == 10000.0 and feats["term_days"] == 30.0
    due = 10000.0 * (1 + cashflow_service.settings.assumed_annual_rate * 30 / 365)
    # 30-day blocks counted back from as_of over 360 days; with 200 days of history the
    # oldest block with data holds its last 20 days.
    blocks = np.array([gross[:20].mean(), *gross[-180:].reshape(-1, 30).mean(axis=1)])
    assert feats["biggest_month_share"] == pytest.approx(blocks.max() / blocks.sum())
    assert feats["peak_to_trough"] == pytest.approx(blocks.max() / blocks.min())
    assert feats["seasonality_strength"] == pytest.approx(blocks.std() / blocks.mean())
    # P10 of the term's total lies above the sum of daily P10s (bad days do not all coincide)
    # and below its P50; the service's figures are the domain's, computed on the same history.
    coll = body["collections"]
    assert sum(coll["p10"][:30]) / due <= feats["coverage_p10"] <= feats["coverage_p50"] <= sum(coll["p90"][:30]) / due
    from ruralcredit_cashflow.domain.assess import assess
    from ruralcredit_cashflow.domain.series import DailySeries

    direct = assess(DailySeries.from_sales(start, gross, np.zeros(DAYS), None), amount=10000.0, term_days=30,
                    annual_rate_guess=cashflow_service.settings.assumed_annual_rate, settlement=LAG, as_of=as_of)
    assert feats == pytest.approx({k: v for k, v in direct.features.items() if np.isfinite(v)} | {
        k: 0.0 for k, v in direct.features.items() if not np.isfinite(v)})


def _mango_year(start: dt.date, n: int) -> list[tuple[dt.date, Decimal]]:
    """600 CNY a day, 3,000 CNY a day in the mango harvest (June to August)."""
    return [(start + dt.timedelta(days=i), Decimal("3000.00") if 6 <= (start + dt.timedelta(days=i)).month <= 8 else Decimal("600.00"))
            for i in range(n)]


def test_the_merchants_produce_reaches_the_harvest_features(cashflow_service, broker, topic_prefix):
    submitted = dt.datetime.now(dt.UTC)
    as_of = (submitted + dt.timedelta(hours=8)).date() - dt.timedelta(days=1)
    n = 400
    start = as_of - dt.timedelta(days=n - 1)
    days = _mango_year(start, n)
    producer = make_producer(broker.bootstrap)
    # The same sales for a mango farm and for a merchant whose produce this calendar does not know.
    for merchant, produce in (("mer_mango", "mango"), ("mer_durian", "durian")):
        for chunk in range(0, n, 100):
            payload = sales.DailySalesRecorded(
                merchant_id=merchant, platform_id="plt_1", settlement_lag_days=LAG, fee_rate=0.0, produce=produce,
                days=[sales.DailyTotals(day=d, orders=5, gross_sales=g, refunds=Decimal("0"), payouts=Decimal("0"))
                      for d, g in days[chunk:chunk + 100]],
            )
            producer.send(topic_prefix + sales.TOPIC, key=merchant.encode(), value=encode(Envelope[sales.DailySalesRecorded](
                type=sales.DAILY_SALES, version=1, producer="tests", key=merchant, payload=payload)))
    producer.flush()

    def stored() -> int:
        from sqlalchemy import func, select

        from ruralcredit_cashflow.orm import MerchantDay

        with cashflow_service.factory() as s:
            return s.scalar(select(func.count()).select_from(MerchantDay).where(MerchantDay.merchant_id.in_(["mer_mango", "mer_durian"])))

    wait_for(lambda: stored() == 2 * n, timeout=30, what="both series")
    for merchant in ("mer_mango", "mer_durian"):
        producer.send(topic_prefix + applications.TOPIC, key=merchant.encode(), value=encode(Envelope[applications.ApplicationSubmitted](
            type=applications.SUBMITTED, version=1, producer="tests", key=merchant, correlation_id=f"app_{merchant}",
            payload=applications.ApplicationSubmitted(application_id=f"app_{merchant}", merchant_id=merchant, institution_id="inst",
                                                      amount=Decimal("20000.00"), term_days=60, purpose="harvest_purchase",
                                                      submitted_at=submitted))))
    producer.flush()
    producer.close()

    records = read_topic(broker.bootstrap, topic_prefix + cashflow.TOPIC, expect=2, timeout=60)
    feats = {orjson.loads(r.value)["payload"]["merchant_id"]: orjson.loads(r.value)["payload"]["features"] for r in records}
    # Five times the sales in season: ln 5 inside against outside, over the last 365 days.
    assert feats["mer_mango"]["harvest_lift"] == pytest.approx(np.log(5.0), abs=0.05)
    assert feats["mer_durian"]["harvest_lift"] == 0.0 and feats["mer_durian"]["recent_harvest_share"] == 0.0

    from ruralcredit_cashflow.domain.assess import assess
    from ruralcredit_cashflow.domain.series import DailySeries

    gross = np.array([float(g) for _, g in days])
    for merchant, category in (("mer_mango", "mango"), ("mer_durian", None)):
        direct = assess(DailySeries.from_sales(start, gross, np.zeros(n), None, category=category), amount=20000.0, term_days=60,
                        annual_rate_guess=cashflow_service.settings.assumed_annual_rate, settlement=LAG, as_of=as_of)
        expected = {k: (v if np.isfinite(v) else 0.0) for k, v in direct.features.items()}
        assert feats[merchant] == pytest.approx(expected), merchant
