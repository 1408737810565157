"""Every operation of the three services keeps its OpenAPI promise: schemathesis, with all its
checks and its stateful phase, against the running suite, once with each role's key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.openapi.conftest import Seeded

# The suite's start, its seeding and the runs side by side take a few minutes on two cores.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

# Per operation and phase: enough to reach every status an operation has, small enough that
# the whole run stays within a few minutes on two cores.
MAX_EXAMPLES = 10
SEED = 20261201

RUNS = [
    ("applications", "admin"),
    ("applications", "platform"),
    ("applications", "officer"),
    ("cashflow", "service"),
    ("scoring", "service"),
]


def config(seeded: Seeded, path: Path) -> Path:
    """A schemathesis.toml that draws path ids half of the time from the seeded tenants."""
    lines = []
    for name, values in seeded.ids.items():
        lines.append(f"[dictionaries.{name}]\nvalues = {json.dumps(values)}\n")
    lines.append("[parameters]")
    lines += [f'"path.{name}" = {{ dictionary = "{name}", probability = 0.5 }}' for name in seeded.ids]
    # 413 is how the services refuse a batch over the row limit: a rejection like 422.
    lines.append('\n[checks.negative_data_rejection]\nexpected-statuses = ["400", "401", "403", "404", "405", "409", "413", "422"]')
    path.write_text("\n".join(lines) + "\n")
    return path


def command(seeded: Seeded, service: str, role: str, out: Path) -> list[str]:
    """The schemathesis command line for one service and one role's key."""
    return [
        sys.executable, "-m", "schemathesis.cli", "--config-file", str(config(seeded, out / "schemathesis.toml")),
        "run", f"{seeded.suite.urls[service]}/openapi.json", "--header", f"X-API-Key: {seeded.keys[role]}",
        "--checks", "all", "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--request-timeout", "30",
        "--no-color", "--report", "json", "--report-json-path", str(out / "report.json"),
    ]


@pytest.fixture(scope="module")
def runs(seeded: Seeded, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple[Path, str]]:
    """Every run's report and output; the runs go side by side, as they share nothing but the suite."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.openapi.hooks", "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    started = {}
    for service, role in RUNS:
        out = tmp_path_factory.mktemp(f"{service}-{role}")
        log = open(out / "output.txt", "w")
        started[service, role] = out, log, subprocess.Popen(command(seeded, service, role, out), env=env, cwd=out, stdout=log, stderr=subprocess.STDOUT)
    done = {}
    try:
        for key, (out, log, proc) in started.items():
            proc.wait(timeout=800)
            log.close()
            done[key] = out, (out / "output.txt").read_text()
    finally:
        for _, log, proc in started.values():
            if proc.poll() is None:
                proc.kill()
            log.close()
    return done


@pytest.mark.parametrize(("service", "role"), RUNS, ids=[f"{s}-{r}" for s, r in RUNS])
def test_every_operation_keeps_its_openapi_promise(runs, service: str, role: str):
    out, output = runs[service, role]
    report = out / "report.json"
    assert report.exists(), output[-5000:]
    result = json.loads(report.read_text())
    figures = f"{service}/{role}: {result['operations']['tested']} operations, {result['test_cases']['generated']} cases, {result['running_time']:.1f} s"
    print(figures)
    assert not result["failures"] and not result["errors"], figures + "\n" + output[-20000:]
    assert result["exit_code"] == 0, output[-5000:]
    assert result["operations"]["tested"] == result["operations"]["total"], result["operations"]


@pytest.mark.parametrize("features", [{}, {"history_days": 700}, {"coverage_p10": 1.5}], ids=["none", "no-coverage", "no-history"])
def test_missing_evidence_is_a_decision_not_a_retry(seeded: Seeded, features: dict[str, float]):
    # The issue's body: what-if answered 503 "try again shortly", which retrying cannot fix.
    body = {"merchant_id": "m", "amount": "100", "term_days": 90, "as_of": "2026-06-01", "features": features,
            "collections": {"p10": [400]}}
    direct = httpx.post(f"{seeded.suite.urls['scoring']}/v1/score", json=body, headers={"X-API-Key": seeded.keys["service"]}, timeout=30)
    assert direct.status_code == 200, direct.text
    assert direct.json()["outcome"] in ("refer", "decline")
    officer = httpx.post(f"{seeded.suite.urls['applications']}/v1/what-if", json=body, headers={"X-API-Key": seeded.keys["officer"]}, timeout=30)
    assert officer.status_code == 200, officer.text
    assert officer.json()["outcome"] == direct.json()["outcome"]
