"""From stored series to a cashflow.v1 assessment for one application."""

from __future__ import annotations

import datetime as dt
import functools
import math
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from ruralcredit_cashflow import series as store
from ruralcredit_cashflow.domain import cashgap
from ruralcredit_cashflow.domain.assess import Assessment, assess, load_forecaster
from ruralcredit_cashflow.domain.forecast.base import Forecaster
from ruralcredit_cashflow.domain.series import DailySeries
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common import calendar as cal
from ruralcredit_common.contracts import cashflow as cashflow_v1

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
# Account flows other than platform payouts are projected forward from this many recent days.
FLOW_WINDOW_DAYS = 56


@functools.lru_cache(maxsize=4)
def forecaster(path: str | None) -> Forecaster:
    """The forecaster, loaded once per process."""
    return load_forecaster(path)


def as_of_for(submitted_at: dt.datetime) -> dt.date:
    """The last complete business day before the application was submitted."""
    return submitted_at.astimezone(BUSINESS_TZ).date() - dt.timedelta(days=1)


def history(session: Session, merchant_id: str, as_of: dt.date, max_days: int, produce: str | None = None) -> DailySeries:
    """The merchant's daily series up to as_of; payouts unreported (NaN) if none ever arrived.

    A produce this calendar has no harvest window for counts as none: the merchant loses the
    harvest features, not its forecast.
    """
    days = store.load_days(session, merchant_id, as_of - dt.timedelta(days=max_days - 1))
    days = [d for d in days if d.day <= as_of]
    start = days[0].day if days else as_of
    arrays = store.dense(days, start, as_of)
    payouts = arrays["payouts"] if arrays["payouts"].any() else None
    category = produce if produce in cal.CATEGORIES else None
    return DailySeries.from_sales(start, arrays["gross_sales"], arrays["refunds"], payouts, category=category)


def other_flows(session: Session, merchant_id: str, as_of: dt.date, horizon: int, plans: list) -> cashgap.AccountFlows | None:  # type: ignore[type-arg]
    """Projected account flows (recent average per day) plus the purchase plans' outflows."""
    past = store.account_flows(session, merchant_id, as_of - dt.timedelta(days=FLOW_WINDOW_DAYS - 1), as_of)
    if past is None and not plans:
        return None
    inflow = np.full(horizon, past["inflow"].mean() if past else 0.0)
    outflow = np.full(horizon, past["outflow"].mean() if past else 0.0)
    for plan in plans:
        outflow += cashgap.PurchasePlan(float(plan.amount), plan.start, plan.end).daily(as_of, horizon)
    return cashgap.AccountFlows(inflow, outflow)


def assess_application(session: Session, *, application, settings: Settings) -> cashflow_v1.CashflowAssessed:  # type: ignore[no-untyped-def]
    """Forecast and features for a submitted application, as the cashflow.v1 payload."""
    as_of = as_of_for(application.submitted_at)
    terms = store.platform_terms(session, application.merchant_id)
    hist = history(session, application.merchant_id, as_of, settings.max_history_days, terms.produce if terms else None)
    lag = terms.settlement_lag_days if terms else settings.default_settlement_lag_days
    plans = store.purchase_plans(session, application.merchant_id, as_of)
    horizon = min(365, application.term_days + max(lag, 1) + 7)
    result = assess(
        hist, amount=float(application.amount), term_days=application.term_days,
        annual_rate_guess=settings.assumed_annual_rate, settlement=lag,
        account_flows=other_flows(session, application.merchant_id, as_of, horizon, plans),
        as_of=as_of, forecaster=forecaster(settings.forecast_model_path),
    )
    return to_contract(result, application=application, lag=lag)


def to_contract(result: Assessment, *, application, lag: int) -> cashflow_v1.CashflowAssessed:  # type: ignore[no-untyped-def]
    """The domain assessment as the event payload (finite numbers only)."""
    coll = result.collections
    mean = float(coll.p50[0].mean()) if coll.p50.size else 0.0
    payout_days = [d for d, v in zip(result.dates, coll.p50[0], strict=True) if v > 0.05 * mean] if mean > 0 else []
    return cashflow_v1.CashflowAssessed(
        application_id=application.application_id, merchant_id=application.merchant_id, amount=application.amount,
        term_days=application.term_days, as_of=result.as_of, settlement_lag_days=lag, method=result.method,
        features={k: (v if math.isfinite(v) else 0.0) for k, v in result.features.items()},
        collections=cashflow_v1.CollectionsForecast(
            start=result.dates[0], p10=_round(coll.p10[0]), p50=_round(coll.p50[0]), p90=_round(coll.p90[0]),
            term_p10=round(result.term_collections[0], 2), term_p50=round(result.term_collections[1], 2),
            term_p90=round(result.term_collections[2], 2),
        ),
        payout_days=payout_days[:400],
    )


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 2) for v in np.nan_to_num(values)][:400]
