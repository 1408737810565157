"""From stored series to a cashflow.v1 assessment for one application."""

from __future__ import annotations

import datetime as dt
import functools
import math
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from ruralcredit_cashflow import store
from ruralcredit_cashflow.domain import cashgap
from ruralcredit_cashflow.domain.assess import Assessment, Request, assess_many
from ruralcredit_cashflow.domain.forecast.base import Forecaster
from ruralcredit_cashflow.domain.series import DailySeries
from ruralcredit_cashflow.model.gbm import load_forecaster
from ruralcredit_cashflow.orm import PurchasePlan
from ruralcredit_cashflow.settings import Settings
from ruralcredit_common import calendar as cal
from ruralcredit_common.contracts import applications as applications_v1
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
    """The merchant's daily series up to as_of; payouts unreported (NaN) if none ever arrived."""
    since = as_of - dt.timedelta(days=max_days - 1)
    recorded = store.recorded_days(session, {merchant_id}, since, as_of).get(merchant_id)
    return _series(recorded, since, as_of, produce)


def _series(recorded: store.RecordedDays | None, since: dt.date, as_of: dt.date, produce: str | None) -> DailySeries:
    """A DailySeries from recorded days.

    A produce this calendar has no harvest window for counts as none: the merchant loses the
    harvest features, not its forecast.
    """
    if recorded is None:
        start, arrays = as_of, {k: np.zeros(1) for k in ("gross_sales", "refunds", "payouts")}
    else:
        start, arrays = recorded.window(since, as_of)
    payouts = arrays["payouts"] if arrays["payouts"].any() else None
    category = produce if produce in cal.CATEGORIES else None
    return DailySeries.from_sales(start, arrays["gross_sales"], arrays["refunds"], payouts, category=category)


def _other_flows(past: dict[str, np.ndarray] | None, as_of: dt.date, horizon: int, plans: list[PurchasePlan]) -> cashgap.AccountFlows | None:
    """Projected account flows (recent average per day) plus the purchase plans' outflows."""
    if past is None and not plans:
        return None
    inflow = np.full(horizon, past["inflow"].mean() if past else 0.0)
    outflow = np.full(horizon, past["outflow"].mean() if past else 0.0)
    for plan in plans:
        outflow += cashgap.PurchasePlan(float(plan.amount), plan.start, plan.end).daily(as_of, horizon)
    return cashgap.AccountFlows(inflow, outflow)


def assess_applications(
    session: Session, submitted: list[applications_v1.ApplicationSubmitted], settings: Settings
) -> list[cashflow_v1.CashflowAssessed]:
    """Forecasts and features for many submitted applications at once, as cashflow.v1 payloads.

    The merchants' series, terms, flows and plans are read in one query each, and the forecast
    runs once over all of them: a poll of applications costs little more than one.
    """
    merchants = {a.merchant_id for a in submitted}
    as_of = {a.application_id: as_of_for(a.submitted_at) for a in submitted}
    first, last = min(as_of.values()), max(as_of.values())
    since = first - dt.timedelta(days=settings.max_history_days - 1)
    days = store.recorded_days(session, merchants, since, last)
    terms = store.platform_terms_of(session, merchants)
    plans = store.purchase_plans_of(session, merchants, first)
    flows = store.account_flows_of(session, merchants, first - dt.timedelta(days=FLOW_WINDOW_DAYS - 1), last)
    requests, lags = [], []
    for a in submitted:
        day, t = as_of[a.application_id], terms.get(a.merchant_id)
        lag = t.settlement_lag_days if t else settings.default_settlement_lag_days
        horizon = min(365, a.term_days + max(lag, 1) + 7)
        own_plans = [p for p in plans.get(a.merchant_id, []) if p.end > day]
        past = flows[a.merchant_id].window(day - dt.timedelta(days=FLOW_WINDOW_DAYS - 1), day) if a.merchant_id in flows else None
        requests.append(Request(
            _series(days.get(a.merchant_id), day - dt.timedelta(days=settings.max_history_days - 1), day, t.produce if t else None),
            day, float(a.amount), a.term_days, lag, _other_flows(past, day, horizon, own_plans),
        ))
        lags.append(lag)
    results = assess_many(requests, annual_rate_guess=settings.assumed_annual_rate, forecaster=forecaster(settings.forecast_model_path))
    return [to_contract(r, application=a, lag=lag) for r, a, lag in zip(results, submitted, lags, strict=True)]


def to_contract(result: Assessment, *, application: applications_v1.ApplicationSubmitted, lag: int) -> cashflow_v1.CashflowAssessed:
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
