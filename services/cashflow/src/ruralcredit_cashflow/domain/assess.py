"""Single entry point: history + requested loan → forecast, cash gap and credit features.

``assess`` (one merchant) is ``assess_batch`` on a batch of one, so the loan book built for
scoring training and the live service run the same code.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ParamSpec, TypeVar

import numpy as np

from ruralcredit_cashflow.domain import cashgap, features
from ruralcredit_cashflow.domain import settlement as st
from ruralcredit_cashflow.domain.forecast.base import Forecaster, SalesForecast, SeasonalProfile
from ruralcredit_cashflow.domain.forecast.collections import CollectionForecast, forecast_collections, term_total
from ruralcredit_cashflow.domain.series import DailySeries, SeriesBatch, stack

MAX_HORIZON = 365


@dataclass
class BatchAssessment:
    """Forecasts and features for n merchants; feature arrays keyed by features.FEATURE_NAMES."""

    horizon: int
    sales: SalesForecast
    collections: CollectionForecast
    settlement: st.SettlementProfile
    features: dict[str, np.ndarray]
    due: np.ndarray  # repayment due, yuan
    term_collections: np.ndarray  # (n, 3) P10/P50/P90 total collections over the term, yuan
    position: np.ndarray  # (n, H) P50 closing cash, yuan
    lowest_day: np.ndarray  # 0-based forecast day of the lowest position
    repay_day: np.ndarray  # 0-based forecast day the position is back ≥ 0 (−1: none)


@dataclass(frozen=True)
class Assessment:
    """One merchant's forecast (days after as_of), cash gap and features; money in yuan."""

    as_of: date
    dates: list[date]
    sales: SalesForecast  # arrays (1, H)
    collections: CollectionForecast  # arrays (1, H)
    settlement: st.SettlementProfile
    cash_gap: cashgap.CashGap
    features: dict[str, float]
    repayment_due: float
    term_collections: tuple[float, float, float]  # P10/P50/P90 total collections over the term, yuan
    method: str


def horizon_for(term_days: np.ndarray, profile: st.SettlementProfile) -> int:
    """The loan term plus one settlement cycle (modal lag), capped at a year."""
    cycle = profile.lag_pmf.argmax(axis=1)
    return int(np.clip((np.asarray(term_days) + cycle).max(), 1, MAX_HORIZON))


P = ParamSpec("P")
R = TypeVar("R")


def _quiet(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` with numpy's warnings off: empty and all-NaN windows (new merchants, gaps) are handled explicitly inside."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)

    return wrapper


@_quiet
def assess_batch(
    batch: SeriesBatch,
    *,
    amount,
    term_days,
    annual_rate_guess,
    declared_lag=15,
    settlement: st.SettlementProfile | None = None,
    forecaster: Forecaster | None = None,
    inflows: np.ndarray | None = None,
    outflows: np.ndarray | None = None,
    opening_balance=0.0,
    horizon: int | None = None,
    row_horizon: np.ndarray | None = None,
) -> BatchAssessment:
    """Assess n merchants at once; amounts in yuan, terms in days, rates per year (0.08 = 8%).

    ``horizon`` defaults to term + one settlement cycle; features only read days 1..term,
    so any horizon ≥ the longest term gives the same features, except the cash gap, which
    looks at each row's first ``row_horizon`` days (all of them by default).
    """
    n = batch.n
    amount = np.broadcast_to(np.asarray(amount, float), (n,))
    term = np.broadcast_to(np.asarray(term_days, int), (n,))
    if (amount <= 0).any() or (term <= 0).any():
        raise ValueError("amount and term_days must be positive")
    profile = settlement if settlement is not None else st.learn(batch, declared_lag)
    H = horizon or horizon_for(term, profile)
    if term.max() > H:
        raise ValueError("horizon shorter than the loan term")
    model = forecaster or SeasonalProfile()
    sales = model.predict(batch, H)
    coll = forecast_collections(batch, sales, profile)
    due = features.repayment_due(amount, term, annual_rate_guess)

    zero = np.zeros((n, H))
    pos, lowest, low_day, repay = cashgap.positions(
        coll.p50, zero if inflows is None else inflows[:, :H], zero if outflows is None else outflows[:, :H], opening_balance,
        row_horizon,
    )
    feats = features.history_features(batch)
    totals = term_total(coll, term)
    feats.update(
        settlement_regularity=np.where(profile.learnt, profile.regularity, features.UNKNOWN_REGULARITY),
        coverage_p10=totals[:, 0] / due,
        coverage_p50=totals[:, 1] / due,
        term_harvest_share=features.term_harvest_share(batch, term, profile.lag_pmf.argmax(axis=1)),
        coverage_harvest=features.harvest_coverage(batch, term, profile.lag_pmf.argmax(axis=1), feats, due),
        cash_gap=np.maximum(0.0, -lowest),
        loan_amount=amount.astype(float),
        term_days=term.astype(float),
    )
    feats = {k: np.asarray(feats[k], dtype=float) for k in features.FEATURE_NAMES}
    return BatchAssessment(H, sales, coll, profile, feats, due, totals, pos, low_day, repay)


@dataclass(frozen=True)
class Request:
    """One merchant's application as the forecast sees it (yuan, days); flows cover days 1.. after as_of."""

    history: DailySeries
    as_of: date
    amount: float
    term_days: int
    settlement_lag: int = 15
    account_flows: cashgap.AccountFlows | None = None
    purchase_plan: cashgap.PurchasePlan | None = None
    opening_balance: float = 0.0


def assess(
    history: DailySeries,
    *,
    amount: float,
    term_days: int,
    annual_rate_guess: float,
    settlement: st.SettlementProfile | int = 15,
    account_flows: cashgap.AccountFlows | None = None,
    purchase_plan: cashgap.PurchasePlan | None = None,
    as_of: date,
    opening_balance: float = 0.0,
    forecaster: Forecaster | None = None,
) -> Assessment:
    """Forecast, cash gap and features for one merchant's application (yuan, days, rate per year).

    ``settlement`` is a learnt profile or the platform's declared lag (then learnt from payouts
    where reported); ``forecaster`` defaults to the artefact-free seasonal profile.
    """
    request = Request(
        history, as_of, amount, int(term_days), settlement if isinstance(settlement, int) else 15,
        account_flows, purchase_plan, opening_balance,
    )
    profile = settlement if isinstance(settlement, st.SettlementProfile) else None
    return assess_many([request], annual_rate_guess=annual_rate_guess, forecaster=forecaster, profile=profile)[0]


def assess_many(
    requests: list[Request],
    *,
    annual_rate_guess: float,
    forecaster: Forecaster | None = None,
    profile: st.SettlementProfile | None = None,
) -> list[Assessment]:
    """Assess many applications in one vectorised pass; each result equals its own ``assess``.

    Each application keeps its own horizon (its term plus one settlement cycle), so its cash
    gap and daily forecast are what it would get alone.
    """
    if not requests:
        return []
    as_of = [r.as_of for r in requests]
    batch = stack([r.history for r in requests], as_of)
    probe = profile or st.learn(batch, np.array([r.settlement_lag for r in requests]))
    terms = np.array([r.term_days for r in requests])
    own = np.clip(terms + probe.lag_pmf.argmax(axis=1), 1, MAX_HORIZON)
    H = int(own.max())
    inflow = outflow = None
    if any(r.account_flows is not None or r.purchase_plan is not None for r in requests):
        inflow, outflow = np.zeros((len(requests), H)), np.zeros((len(requests), H))
        for i, r in enumerate(requests):
            h = int(own[i])
            flows = r.account_flows or cashgap.AccountFlows(np.zeros(0), np.zeros(0))
            inflow[i, :h] = cashgap._fit(flows.inflows, h)
            outflow[i, :h] = cashgap._fit(flows.outflows, h) + (r.purchase_plan.daily(r.as_of, h) if r.purchase_plan else 0.0)
    b = assess_batch(
        batch,
        amount=[r.amount for r in requests],
        term_days=terms,
        annual_rate_guess=annual_rate_guess,
        settlement=probe,
        forecaster=forecaster,
        inflows=inflow,
        outflows=outflow,
        opening_balance=np.array([r.opening_balance for r in requests]),
        horizon=H,
        row_horizon=own,
    )
    return [_one(b, i, r.as_of, int(own[i])) for i, r in enumerate(requests)]


def _one(b: BatchAssessment, i: int, as_of: date, h: int) -> Assessment:
    """Row ``i`` of a batch, cut to its own horizon ``h``."""
    low, rep = int(b.lowest_day[i]), int(b.repay_day[i])
    gap = cashgap.CashGap(
        position=b.position[i, :h],
        lowest=float(b.position[i, low]),
        lowest_date=as_of + timedelta(days=low + 1),
        working_capital=float(b.features["cash_gap"][i]),
        repay_date=None if rep < 0 else as_of + timedelta(days=rep + 1),
    )
    s, c = b.sales, b.collections
    return Assessment(
        as_of=as_of,
        dates=[as_of + timedelta(days=k) for k in range(1, h + 1)],
        sales=SalesForecast(s.p10[i : i + 1, :h], s.p50[i : i + 1, :h], s.p90[i : i + 1, :h], s.method, s.mean[i : i + 1, :h]),
        collections=CollectionForecast(c.p10[i : i + 1, :h], c.p50[i : i + 1, :h], c.p90[i : i + 1, :h], c.mean[i : i + 1, :h]),
        settlement=b.settlement.row(i),
        cash_gap=gap,
        features={k: float(v[i]) for k, v in b.features.items()},
        repayment_due=float(b.due[i]),
        term_collections=(float(b.term_collections[i, 0]), float(b.term_collections[i, 1]), float(b.term_collections[i, 2])),
        method=b.sales.method,
    )
