"""Bad configuration fails at start with one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Each test starts a service process and waits for it to refuse to start.
pytestmark = pytest.mark.slow


def _start(module: str, env: dict[str, str], command: str = "all") -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("APPLICATIONS_", "CASHFLOW_", "SCORING_"))}
    full.update(env)
    return subprocess.run([sys.executable, "-m", module, command], env=full, capture_output=True, text=True, timeout=60)


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("{")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_unreachable_database(tmp_path):
    line = _one_line(_start("ruralcredit_applications", {"APPLICATIONS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}))
    assert line.startswith("error: database unreachable at postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_database_not_migrated(tmp_path):
    line = _one_line(_start("ruralcredit_cashflow", {"CASHFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}))
    assert line.startswith("error: database at sqlite:///") and "run `migrate` first" in line


def test_unreachable_broker(tmp_path, broker):
    env = {"CASHFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/c.db", "CASHFLOW_KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    assert _start("ruralcredit_cashflow", env, "migrate").returncode == 0
    line = _one_line(_start("ruralcredit_cashflow", env))
    assert line == "error: Kafka broker unreachable at 127.0.0.1:1"


def test_missing_model(tmp_path, broker):
    env = {"SCORING_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "SCORING_KAFKA_BOOTSTRAP": broker.bootstrap,
           "SCORING_REGISTRY_DIR": str(tmp_path / "empty-registry")}
    assert _start("ruralcredit_scoring", env, "migrate").returncode == 0
    line = _one_line(_start("ruralcredit_scoring", env))
    assert line.startswith("error:") and "model" in line


def test_prepare_never_trains_a_missing_model(tmp_path):
    env = {"SCORING_DATABASE_URL": f"sqlite:///{tmp_path}/s.db", "SCORING_REGISTRY_DIR": str(tmp_path / "none")}
    line = _one_line(_start("ruralcredit_scoring", env, "prepare"))
    assert line.startswith("error: no promoted model")


@pytest.mark.parametrize(("name", "value", "field"), [
    ("APPLICATIONS_DATABASE_URL", "mysql://x", "database_url"),
    ("APPLICATIONS_HTTP_PORT", "seventy", "http_port"),
])
def test_invalid_setting(name, value, field):
    line = _one_line(_start("ruralcredit_applications", {name: value}))
    assert line.startswith(f"error: bad setting {field}")


def test_an_unknown_role_among_several_is_refused_with_the_usage_line():
    done = _start("ruralcredit_cashflow", {}, "consumer,relays")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("usage:") and "[,role…]" in done.stderr
