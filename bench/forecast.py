"""Forecast throughput: merchants/s for full assessments (settlement, sales and collections, features).

python bench/forecast.py                      # 10,000 merchants × 2 years, global_gbm
python bench/forecast.py --merchants 1000     # quick run
python bench/forecast.py --model gbm.json     # reuse a trained artefact
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from ruralcredit_cashflow.domain.assess import assess_batch
from ruralcredit_cashflow.model.gbm import load_forecaster
from ruralcredit_cashflow.model.training import cut, train_simulated
from ruralcredit_dev.simulator import simulate_merchants


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print merchants/s."""
    ap = argparse.ArgumentParser(description="forecast throughput")
    ap.add_argument("--merchants", type=int, default=10_000)
    ap.add_argument("--term", type=int, default=60, help="loan term, days; horizon = term + settlement lag")
    ap.add_argument("--chunk", type=int, default=2000)
    ap.add_argument("--model", help="global_gbm artefact; trained first (not timed) if omitted")
    ap.add_argument("--seasonal-profile", action="store_true", help="bench the artefact-free forecaster")
    a = ap.parse_args(argv)

    if a.seasonal_profile:
        forecaster = load_forecaster(None)
    else:
        path = a.model
        if path is None:
            path = str(Path(tempfile.mkdtemp()) / "global_gbm.json")
            t = time.perf_counter()
            train_simulated(path)
            print(f"trained global_gbm in {time.perf_counter() - t:.1f}s (not counted)")
        forecaster = load_forecaster(path)

    t = time.perf_counter()
    panel = simulate_merchants(a.merchants, start=date(2024, 1, 1), n_days=730, seed=11, min_history=730)
    print(f"simulated {a.merchants} merchants × 730 days in {time.perf_counter() - t:.1f}s (not counted)")
    rows = np.arange(a.merchants)
    origin = np.full(a.merchants, 729)

    t0 = time.perf_counter()
    done, horizon = 0, 0
    for k in range(0, a.merchants, a.chunk):
        w = cut(panel, rows[k : k + a.chunk], origin[k : k + a.chunk], horizon=0, length=730)
        res = assess_batch(w.batch, amount=20_000.0, term_days=a.term, annual_rate_guess=0.08, forecaster=forecaster)
        done += w.batch.n
        horizon = res.horizon
        rate = done / (time.perf_counter() - t0)
        print(f"  {done:>6}/{a.merchants} merchants, {rate:,.0f} merchants/s", flush=True)
    elapsed = time.perf_counter() - t0
    print(
        f"{forecaster.name}: {a.merchants} merchants, horizon {horizon} days, {elapsed:.1f}s, "
        f"{a.merchants / elapsed:,.0f} merchants/s (target ≥ 200/s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
