"""Scoring benchmark: single decisions (p50/p99 with reasons) and batch rows/s against bare Booster.predict.

Run: .venv/bin/python bench/score.py [--registry DIR] [--loans N] [--sections inprocess]
Without --registry (or with an empty one) a model is trained on the portfolio simulator first.
Each section is a function taking the shared context and returning printable figures; the HTTP
what-if section plugs into SECTIONS the same way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from ruralcredit_cashflow.model import loan_book_file
from ruralcredit_cashflow.model.simulated_loans import simulate_loan_book
from ruralcredit_scoring.domain import Application
from ruralcredit_scoring.model import pipeline
from ruralcredit_scoring.model.crossfit import BookConfig
from ruralcredit_scoring.model.registry import ModelLoadError, Registry
from ruralcredit_scoring.model.scorer import Scorer
from ruralcredit_scoring.model.train import n_leaves


@dataclass
class Context:
    """What every section shares: the scorer, a scored portfolio and the applications built from it."""

    scorer: Scorer
    frame: pd.DataFrame
    apps: list[Application]
    registry_dir: str


def applications(frame: pd.DataFrame, features: list[str], n: int) -> list[Application]:
    """Applications whose daily P10 collections match each row's coverage of its repayment."""
    out = []
    for i, row in enumerate(frame.head(n).itertuples(index=False)):
        feats = {f: float(getattr(row, f)) for f in features}
        amount = Decimal(str(round(float(getattr(row, "loan_amount", getattr(row, "amount", 50000.0))), 2)))
        term = int(getattr(row, "term_days", 90))
        daily = float(feats.get("coverage_p10", 1.0)) * float(amount) * (1 + 0.1 * term / 365) / term
        p10, p50 = [daily] * (term + 30), [daily * 1.3] * (term + 30)
        out.append(Application(f"a{i}", f"m{i}", amount, term, dt.date(2026, 6, 1), feats, p10, p50))
    return out


def _percentiles(samples_s: list[float]) -> dict[str, float]:
    ms = np.asarray(samples_s) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)), "max_ms": float(ms.max())}


def bench_single(ctx: Context, repeats: int = 3) -> dict[str, object]:
    """Single decisions in process, reasons and remedies included."""
    for app in ctx.apps[:200]:
        ctx.scorer.decide(app)  # warm caches and lazy allocations
    times, cpu, outcomes = [], [], {}
    for _ in range(repeats):
        for app in ctx.apps:
            t, c = time.perf_counter(), time.thread_time()
            d = ctx.scorer.decide(app)
            times.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
            outcomes[d.outcome] = outcomes.get(d.outcome, 0) + 1
    # CPU time per decision shows what the code costs when other processes take the cores.
    cpu_ms = np.asarray(cpu) * 1e3
    figures = {"decisions": len(times), **_percentiles(times), "cpu_p99_ms": float(np.percentile(cpu_ms, 99))}
    return {**figures, "load_avg_1m": os.getloadavg()[0], "outcome_mix": outcomes}


def bench_batch(ctx: Context, rounds: int = 5) -> dict[str, object]:
    """Batch PD + grade from a DataFrame against bare Booster.predict on the already-encoded rows."""
    x = ctx.scorer.matrix(ctx.frame)
    booster = ctx.scorer.booster

    def best(fn: Callable[[], object]) -> float:
        fn()
        return min(_timed(fn) for _ in range(rounds))

    bare = best(lambda: booster.predict(x))
    ours = best(lambda: ctx.scorer.score_frame(ctx.frame))
    rows = len(ctx.frame)
    return {"rows": rows, "bare_rows_per_s": rows / bare, "scorer_rows_per_s": rows / ours, "ratio": bare / ours}


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _wait_listening(port: int, proc, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def bench_http(ctx: Context, connections: int = 32, seconds: float = 15.0, rounds: int = 3) -> dict[str, object]:
    """What-if over HTTP at 32 connections on one uvicorn worker, against a bare FastAPI endpoint
    with the same request and response shapes, both measured in this run with the same client."""
    import subprocess
    import sys
    from pathlib import Path

    import orjson

    from ruralcredit_dev.broker import free_port
    from ruralcredit_dev.launcher import wait_ready

    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here))
    import _load

    # The first 200 applicants of the held-out portfolio, in turn: approvals, referrals and
    # declines (whose reasons come with what would have to change) in their natural mix.
    sample = ctx.apps[:200]
    bodies = [
        orjson.dumps({
            "merchant_id": a.merchant_id, "amount": str(a.amount), "term_days": a.term_days, "as_of": str(a.as_of),
            "features": dict(a.features), "collections": {"p10": list(a.daily_p10), "p50": list(a.daily_p50)},
        })
        for a in sample
    ]
    mix: dict[str, int] = {}
    for a in sample:
        outcome = ctx.scorer.decide(a).outcome
        mix[outcome] = mix.get(outcome, 0) + 1
    tmp = Path(tempfile.mkdtemp(prefix="score-http-"))
    key = "bench-service-key-01"
    servers = {
        # The same server settings as the service's runtime (asyncio loop, httptools parser).
        "bare": ([sys.executable, "-m", "uvicorn", "--app-dir", str(here), "_bare_app:app", "--log-level", "warning",
                  "--loop", "asyncio", "--http", "httptools"], {}),
        "scoring": ([sys.executable, "-m", "ruralcredit_scoring", "api"], {
            "SCORING_DATABASE_URL": f"sqlite:///{tmp}/s.db", "SCORING_REGISTRY_DIR": ctx.registry_dir,
            "SCORING_SERVICE_API_KEY": key, "SCORING_LOG_LEVEL": "WARNING", "SCORING_KAFKA_BOOTSTRAP": "127.0.0.1:1"}),
    }
    procs, urls = {}, {}
    try:
        for name, (cmd, env) in servers.items():
            port = free_port()
            full_env = {**os.environ, **env, "SCORING_HTTP_PORT": str(port)}
            if name == "scoring":
                subprocess.run([sys.executable, "-m", "ruralcredit_scoring", "migrate"], env=full_env, check=True,
                               capture_output=True)
            else:
                cmd = [*cmd, "--port", str(port)]
            procs[name] = subprocess.Popen(cmd, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            urls[name] = f"http://127.0.0.1:{port}"
        wait_ready(urls["scoring"], procs["scoring"])
        _wait_listening(int(urls["bare"].rsplit(":", 1)[1]), procs["bare"])
        headers = {"X-API-Key": key}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        for name in servers:
            _load.run(urls[name], "/v1/score", bodies, headers, connections=connections, seconds=2)  # warm-up
        # Rounds alternate between the two, so a slow spell of a shared host hits both alike;
        # the medians of the rounds are reported.
        for _ in range(rounds):
            for name in servers:
                runs[name].append(
                    _load.run(urls[name], "/v1/score", bodies, headers, connections=connections, seconds=seconds / rounds)
                )
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait(timeout=30)

    def median(name: str, figure: str) -> float:
        return float(np.median([r[figure] for r in runs[name]]))

    return {"connections": connections, "rounds": rounds, "bare_rps": median("bare", "rps"),
            "bare_p99_ms": median("bare", "p99_ms"), "scoring_rps": median("scoring", "rps"),
            "scoring_p50_ms": median("scoring", "p50_ms"), "scoring_p99_ms": median("scoring", "p99_ms"),
            "ratio": median("scoring", "rps") / median("bare", "rps"),
            "errors": sum(r["errors"] for rs in runs.values() for r in rs), "outcome_mix": mix}


SECTIONS: dict[str, Callable[[Context], dict[str, object]]] = {"single": bench_single, "batch": bench_batch, "http": bench_http}


def context(registry_dir: str | None, loans: int, seed: int) -> Context:
    """Load the promoted model (training one on the simulator if there is none) and a fresh portfolio."""
    registry_dir = registry_dir or tempfile.mkdtemp(prefix="scoring-bench-")
    reg = Registry(registry_dir)
    try:
        model = reg.load()
    except ModelLoadError:
        print("training a model on a simulated book (20,000 loans)")
        book, spec = Path(registry_dir) / "book.parquet", Path(registry_dir) / "book.spec.json"
        loan_book_file.write(20000, 0, book, spec, None, progress=lambda s: None)
        pipeline.register(pipeline.train_file(book, spec, BookConfig(champion="lightgbm"), log=lambda s: None), reg, promote=True, with_card=False)
        model = reg.load()
    scorer = Scorer(model)
    if scorer.booster is None:
        raise SystemExit(f"model {scorer.version} is a scorecard: these figures are for a LightGBM model (--registry)")
    frame, _ = simulate_loan_book(loans, seed)
    print(
        f"model {scorer.version}: {scorer.booster.num_trees()} trees, {n_leaves(scorer.booster)} leaves; portfolio {len(frame)} loans"
    )
    return Context(scorer, frame, applications(frame, scorer.features, 2000), registry_dir)


def main(argv: list[str] | None = None) -> int:
    """Run the selected sections and print their figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--registry")
    ap.add_argument("--loans", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=101)
    ap.add_argument("--sections", default=",".join(SECTIONS))
    args = ap.parse_args(argv)
    ctx = context(args.registry, args.loans, args.seed)
    for name in args.sections.split(","):
        figures = SECTIONS[name](ctx)
        print(
            f"[{name}] " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items())
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
