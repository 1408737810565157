"""Backtest of the sales and collection forecasts on simulated merchants.

One origin per merchant (random date, at least 30 days of history). For every method, per
horizon: MASE (mean over merchants of MAE ÷ the in-sample weekly seasonal-naive MAE) and
the share of actual days inside the P10–P90 band, for daily sales and daily collections.
Collections of every sales forecaster go through the same settlement code; the seasonal
naive baseline for collections repeats the last week of payouts. statsforecast's AutoETS
and MSTL run on the same series in the same run.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np

from ruralcredit_cashflow.domain import settlement as st
from ruralcredit_cashflow.domain.forecast import profile as prof
from ruralcredit_cashflow.domain.forecast.base import Forecaster, SalesForecast, SeasonalNaive, SeasonalProfile
from ruralcredit_cashflow.domain.forecast.collections import CollectionForecast, forecast_collections
from ruralcredit_cashflow.domain.series import SeriesBatch
from ruralcredit_cashflow.model.training import random_windows, train_simulated
from ruralcredit_common import calendar as cal
from ruralcredit_dev.simulator import simulate_merchants

HORIZONS = (15, 30, 90)
CANDIDATES = ("seasonal_profile", "global_gbm")


@dataclass
class Score:
    """One method at one horizon."""

    method: str
    horizon: int
    sales_mase: float
    sales_coverage: float
    collections_mase: float
    collections_coverage: float


def _scale(x: np.ndarray) -> np.ndarray:
    d = np.abs(x[:, 7:] - x[:, :-7])[:, -365:]
    c = np.isfinite(d).sum(axis=1)
    return np.where(c > 0, np.nansum(d, axis=1) / np.maximum(c, 1), np.nan)


def _mase(pred: np.ndarray, actual: np.ndarray, scale: np.ndarray, h: int) -> float:
    err = np.nanmean(np.abs(pred[:, :h] - actual[:, :h]), axis=1) / scale
    return float(np.mean(err[np.isfinite(err) & (scale > 0)]))


def _coverage(lo: np.ndarray, hi: np.ndarray, actual: np.ndarray, h: int) -> float:
    a = actual[:, :h]
    ok = np.isfinite(a)
    return float(((a >= lo[:, :h] - 1e-9) & (a <= hi[:, :h] + 1e-9))[ok].mean())


def library_forecasts(batch, horizon: int) -> dict[str, SalesForecast]:
    """AutoETS (weekly season) and MSTL (weekly, plus yearly with two years of history) per series."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL, AutoETS

    frames, long_ids = [], []
    for i in range(batch.n):
        g = batch.gross[i]
        first = int(np.argmax(np.isfinite(g)))
        y = np.nan_to_num(g[first:])
        end = cal.from_index(int(batch.end_index[i]))
        ds = pd.date_range(end=pd.Timestamp(end), periods=len(y), freq="D")
        frames.append(pd.DataFrame({"unique_id": i, "ds": ds, "y": y}))
        if len(y) >= 2 * 365 + 7:
            long_ids.append(i)
    df = pd.concat(frames, ignore_index=True)
    long_mask = df["unique_id"].isin(long_ids)
    runs: dict[str, list[tuple[Any, pd.DataFrame]]] = {
        "AutoETS": [(AutoETS(season_length=7), df)],
        "MSTL": [
            (MSTL(season_length=[7, 365], trend_forecaster=AutoETS(model="ZZN")), df[long_mask]),
            (MSTL(season_length=7, trend_forecaster=AutoETS(model="ZZN")), df[~long_mask]),
        ],
    }
    out = {}
    for name, parts in runs.items():
        p = np.zeros((3, batch.n, horizon))
        for model, part in parts:
            if part.empty:
                continue
            fc = StatsForecast(models=[model], freq="D", n_jobs=1).forecast(df=part, h=horizon, level=[80])
            ids = fc["unique_id"].to_numpy().reshape(-1, horizon)[:, 0].astype(int)
            for k, col in enumerate((f"{name}-lo-80", name, f"{name}-hi-80")):
                p[k, ids] = np.clip(fc[col].to_numpy().reshape(-1, horizon), 0.0, None)
        out[name] = SalesForecast(p[0], p[1], p[2], name, p[1])  # point forecasts are means
    return out


def run_backtest(
    n_merchants: int = 300,
    seed: int = 2024,
    horizons=HORIZONS,
    progress=print,
    *,
    model_path: str | None = None,
    train_merchants: int = 5000,
    library: bool = True,
    save_model: str | None = None,
) -> dict:
    """Backtest every method on ``n_merchants`` simulated merchants; returns scores and the winner."""
    H = max(horizons)
    t0 = time.perf_counter()
    panel = simulate_merchants(n_merchants, start=date(2023, 1, 1), n_days=900, seed=seed)
    w = random_windows(panel, 1, H, np.random.default_rng(seed))
    progress(f"simulated {n_merchants} merchants ({time.perf_counter() - t0:.1f}s)")
    if model_path:
        from ruralcredit_cashflow.model.gbm import GlobalGBM

        gbm = GlobalGBM.load(model_path)
    else:
        progress(f"training global_gbm on {train_merchants} other simulated merchants (seed {seed + 1})")
        t = time.perf_counter()
        gbm = train_simulated(save_model, n_merchants=train_merchants, seed=seed + 1)
        progress(f"trained in {time.perf_counter() - t:.1f}s" + (f", saved to {save_model}" if save_model else ""))
    profile = prof.build(w.batch, H)
    settlement = st.learn(w.batch)
    methods: list[Forecaster] = [SeasonalNaive(), SeasonalProfile(), gbm]
    sales = {}
    for m in methods:
        t = time.perf_counter()
        sales[m.name] = m.predict(w.batch, H, profile)
        progress(f"{m.name}: {time.perf_counter() - t:.2f}s")
    if library:
        t = time.perf_counter()
        sales.update(library_forecasts(w.batch, H))
        progress(f"statsforecast AutoETS + MSTL: {time.perf_counter() - t:.1f}s")
    coll = {k: forecast_collections(w.batch, f, settlement) for k, f in sales.items()}
    coll["seasonal_naive"] = _naive_payouts(w.batch, H)

    s_scale, c_scale = _scale(np.nan_to_num(w.batch.gross)), _scale(w.batch.payouts)
    scores = [
        Score(
            k,
            h,
            _mase(f.p50, w.future_gross, s_scale, h),
            _coverage(f.p10, f.p90, w.future_gross, h),
            _mase(coll[k].p50, w.future_payouts, c_scale, h),
            _coverage(coll[k].p10, coll[k].p90, w.future_payouts, h),
        )
        for k, f in sales.items()
        for h in horizons
    ]
    ref_h = 30 if 30 in horizons else horizons[0]
    best = min((s for s in scores if s.method in CANDIDATES and s.horizon == ref_h), key=lambda s: s.collections_mase)
    progress(f"done in {time.perf_counter() - t0:.1f}s")
    return {"scores": scores, "winner": best.method, "n_series": int(w.batch.n), "reference_horizon": ref_h}


def _naive_payouts(batch: SeriesBatch, horizon: int) -> CollectionForecast:
    """Seasonal naive on the payout series itself, with its own weekly-difference band."""
    unknown = np.full(batch.n, -1, dtype=np.int64)
    fake = SeriesBatch(batch.payouts, batch.refunds, batch.payouts, batch.end_index, unknown)
    f = SeasonalNaive().predict(fake, horizon)
    return CollectionForecast(f.p10, f.p50, f.p90, f.p50)


def format_table(results: dict) -> str:
    """The backtest as a plain-text table, with each method's gain over seasonal naive."""
    scores = results["scores"]
    base = {(s.horizon): s for s in scores if s.method == "seasonal_naive"}
    lines = [f"{'method':<18}{'h':>4}{'sales MASE':>12}{'cov':>7}{'coll MASE':>11}{'vs naive':>10}{'cov':>7}"]
    for s in sorted(scores, key=lambda s: (s.horizon, s.method)):
        gain = 1 - s.collections_mase / base[s.horizon].collections_mase
        lines.append(
            f"{s.method:<18}{s.horizon:>4}{s.sales_mase:>12.3f}{s.sales_coverage:>7.1%}"
            f"{s.collections_mase:>11.3f}{gain:>+10.1%}{s.collections_coverage:>7.1%}"
        )
    lines.append(
        f"series: {results['n_series']}; chosen method (lowest {results['reference_horizon']}-day collections MASE): {results['winner']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``python -m ruralcredit_cashflow.backtest --merchants 300``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--merchants", type=int, default=500)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--horizons", type=int, nargs="+", default=list(HORIZONS))
    ap.add_argument("--model", help="global_gbm artefact (trained in the run if omitted)")
    ap.add_argument("--save-model", help="where to save the global_gbm trained in the run")
    ap.add_argument("--no-library", action="store_true", help="skip statsforecast models")
    a = ap.parse_args(argv)
    res = run_backtest(
        a.merchants, a.seed, tuple(a.horizons), print, model_path=a.model, library=not a.no_library, save_model=a.save_model
    )
    print(format_table(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["Score", "asdict", "format_table", "main", "run_backtest"]
