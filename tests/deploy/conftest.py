"""What the deployment tests share: the repository's paths, the tools they need (skipped with
the reason when absent), and the rendered Kubernetes overlays."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
ALERTMANAGER_CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "ruralcredit.json"
OVERLAYS = sorted(p.parent.name for p in (DEPLOY / "k8s" / "overlays").glob("*/kustomization.yaml"))
SERVICES = ("applications", "cashflow", "scoring")
ROLES = ("api", "consumer", "relay")


def tool(name: str) -> str:
    """The path of a command-line tool, or skip the test saying how to get it."""
    path = shutil.which(name)
    if path is None:
        hint = {
            "promtool": "Debian's `prometheus` package (make install adds it when run as root with apt)",
            "prometheus": "Debian's `prometheus` package (make install adds it when run as root with apt)",
            "amtool": "Debian's `prometheus-alertmanager` package (make install adds it when run as root with apt)",
            "kubectl": "kubectl (its built-in kustomize renders the overlays)",
        }.get(name, name)
        pytest.skip(f"{name} not found: install {hint}")
    return path


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it does not succeed."""
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def alert_rules() -> list[dict[str, Any]]:
    """Every alerting rule of alerts.yml."""
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[dict[str, Any]]]:
    """Every overlay rendered by kustomize: overlay name → its resources."""
    kubectl = tool("kubectl")
    return {
        name: [doc for doc in yaml.safe_load_all(run(kubectl, "kustomize", DEPLOY / "k8s" / "overlays" / name).stdout) if doc]
        for name in OVERLAYS
    }


def of_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    """The resources of one kind, by name."""
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}
