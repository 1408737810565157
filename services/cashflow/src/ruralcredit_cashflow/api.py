"""Cashflow HTTP API: a merchant's forecast in a plot-friendly shape (for internal callers;
loan officers reach it through the applications service, which checks their consent)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel

from ruralcredit_cashflow import store
from ruralcredit_cashflow.assessment import BUSINESS_TZ, forecaster, history
from ruralcredit_cashflow.domain.assess import assess
from ruralcredit_common.http import internal_caller

router = APIRouter(prefix="/v1", tags=["forecasts"])
class ForecastOut(BaseModel):
    merchant_id: str
    as_of: dt.date
    method: str
    settlement_lag_days: int
    history_days: int
    dates: list[dt.date]
    sales_p10: list[float]
    sales_p50: list[float]
    sales_p90: list[float]
    collections_p10: list[float]
    collections_p50: list[float]
    collections_p90: list[float]


@router.get("/merchants/{merchant_id}/forecast", response_model=ForecastOut, dependencies=[Depends(internal_caller)])
def merchant_forecast(
    merchant_id: str,
    request: Request,
    horizon: Annotated[int, Query(ge=1, le=365, description="days ahead")] = 90,
) -> ForecastOut:
    """Daily sales and collections ahead with P10/P50/P90 bands."""
    runtime = request.app.state.runtime
    settings = runtime.settings
    as_of = dt.datetime.now(BUSINESS_TZ).date() - dt.timedelta(days=1)
    with runtime.factory() as session:
        terms = store.platform_terms(session, merchant_id)
        if terms is None:
            raise HTTPException(404, "no sales recorded for this merchant")
        hist = history(session, merchant_id, as_of, settings.max_history_days, terms.produce)
    lag = terms.settlement_lag_days
    # The forecast spans `horizon` days: ask for a loan term that makes the horizon that long.
    result = assess(hist, amount=1.0, term_days=max(1, horizon - lag), annual_rate_guess=0.0, settlement=lag,
                    as_of=as_of, forecaster=forecaster(settings.forecast_model_path))
    n = min(horizon, len(result.dates))

    def cut(a: np.ndarray) -> list[float]:
        return [round(float(v), 2) for v in a[0][:n]]

    return ForecastOut(
        merchant_id=merchant_id, as_of=as_of, method=result.method, settlement_lag_days=lag,
        history_days=hist.n_days, dates=result.dates[:n],
        sales_p10=cut(result.sales.p10), sales_p50=cut(result.sales.p50), sales_p90=cut(result.sales.p90),
        collections_p10=cut(result.collections.p10), collections_p50=cut(result.collections.p50),
        collections_p90=cut(result.collections.p90),
    )
