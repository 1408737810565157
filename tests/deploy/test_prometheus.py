"""A real Prometheus (and Alertmanager) against the running suite: after one decided
application, every dashboard and rule expression evaluates without error, every rule group
is healthy, and the core panels show data."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.deploy.conftest import ALERTMANAGER_CONFIG, ALERTS, DASHBOARD, free_port, tool
from tests.support import wait_for

pytestmark = pytest.mark.slow

# Panels (title, refId) that must show data after one decided application.
CORE = [
    ("HTTP throughput", "A"),
    ("Events consumed and published", "A"),
    ("Events consumed and published", "B"),
    ("Outbox pending", "A"),
    ("Decision mix", "A"),
    ("Processes up", "A"),
]
# Panels of metrics the services are gaining: checked for data as soon as Prometheus
# scrapes the metric, and only for parsing before.
ANNOUNCED = {
    ("Share decided within 0.5 s and 1 s", "A"): "ruralcredit_submit_to_decision_seconds_bucket",
    ("Share decided within 0.5 s and 1 s", "B"): "ruralcredit_submit_to_decision_seconds_bucket",
    ("Submit → decision p50 / p99", "A"): "ruralcredit_submit_to_decision_seconds_bucket",
    ("Error budget burn rate (SLO 99% within 1 s)", "A"): "ruralcredit_submit_to_decision_seconds_bucket",
    ("Oldest application awaiting a decision", "A"): "ruralcredit_undecided_oldest_seconds",
    ("Referred to an officer undecided (per hour)", "A"): "ruralcredit_referred_undecided_total",
    ("Consumer lag", "A"): "ruralcredit_consumer_group_lag",
}
WINDOW = "30s"  # stands for Grafana's $__rate_interval: 30 one-second scrapes


def _start(args: list[str], log: Path, ready_url: str) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=out)

    def ready() -> bool:
        assert proc.poll() is None, f"{args[0]} exited: {log.read_text()[-2000:]}"
        try:
            return httpx.get(ready_url, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(ready, timeout=60, interval=0.2, what=ready_url)
    return proc


@pytest.fixture(scope="module")
def running(running_suite):
    """The suite tests/e2e uses, with one decided application."""
    from ruralcredit_dev import demo

    keys = running_suite.var / "demo-keys.json"
    demo.seed(running_suite.urls["applications"], running_suite.admin_key, keys)
    app = demo.run(running_suite.urls["applications"], keys)
    assert app["decision"], app
    return running_suite


@pytest.fixture(scope="module")
def prometheus(running, tmp_path_factory) -> Iterator[httpx.Client]:
    """Prometheus scraping the suite every second, with the rules, sending to Alertmanager."""
    binary = tool("prometheus")
    root = tmp_path_factory.mktemp("prometheus")
    procs = []
    alerting = []
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if alertmanager:
        am_port = free_port()
        procs.append(_start([alertmanager, f"--config.file={ALERTMANAGER_CONFIG}", f"--storage.path={root / 'am'}",
                             f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="],
                            root / "alertmanager.log", f"http://127.0.0.1:{am_port}/-/ready"))
        alerting = [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]
    # The e2e suite runs each service as one `all` process: scraped as the API it serves.
    targets = [{"targets": [url.removeprefix("http://")], "labels": {"component": f"{name}-api", "role": "api"}}
               for name, url in running.urls.items()]
    (root / "alerts.yml").write_text(ALERTS.read_text())
    (root / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "alerting": {"alertmanagers": alerting},
        "scrape_configs": [{"job_name": "apis", "static_configs": targets}],
    }))
    port = free_port()
    procs.append(_start([binary, f"--config.file={root / 'prometheus.yml'}", f"--storage.tsdb.path={root / 'data'}",
                         f"--web.listen-address=127.0.0.1:{port}"], root / "prometheus.log", f"http://127.0.0.1:{port}/-/ready"))
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}/api/v1", timeout=30)
    try:
        # Enough one-second scrapes for rate() over WINDOW, and a decision in them.
        wait_for(lambda: len(_query(client, "count_over_time(ruralcredit_decisions_total[1m])")) and
                 float(_query(client, "max(count_over_time(ruralcredit_decisions_total[1m]))")[0]["value"][1]) >= 10,
                 timeout=90, interval=1, what="ten scrapes of the decision counter")
        yield client
    finally:
        client.close()
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)


def _query(client: httpx.Client, expr: str) -> list[dict]:
    body = client.get("/query", params={"query": expr}).json()
    assert body["status"] == "success", f"{expr}\n→ {body.get('errorType')}: {body.get('error')}"
    return body["data"]["result"]


def _panels() -> dict[tuple[str, str], str]:
    """(panel title, refId) → its expression, Grafana's variables filled in."""
    exprs = {}
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        for target in panel.get("targets", []):
            exprs[(panel["title"], target["refId"])] = (
                target["expr"].replace("$__rate_interval", WINDOW).replace('"$service"', '".*"')
            )
    return exprs


def test_every_dashboard_expression_evaluates(prometheus):
    for key, expr in _panels().items():
        assert "$" not in expr, f"{key}: a Grafana variable this test does not fill in"
        _query(prometheus, expr)


def test_every_rule_expression_evaluates_and_every_group_is_healthy(prometheus):
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    for rule in (r for g in groups for r in g["rules"]):
        _query(prometheus, rule["expr"])
    # Let the rule manager run each group a few times on the live data.
    wait_for(lambda: all(r.get("lastEvaluation", "").startswith("20") for g in _rules(prometheus) for r in g["rules"]),
             timeout=30, what="every rule evaluated")
    loaded = _rules(prometheus)
    assert {g["name"] for g in loaded} == {g["name"] for g in groups}
    for group in loaded:
        for rule in group["rules"]:
            assert rule["health"] == "ok", f"{rule['name']}: {rule.get('lastError')}"


def _rules(client: httpx.Client) -> list[dict]:
    return client.get("/rules").json()["data"]["groups"]


def test_the_core_panels_show_the_decided_application(prometheus):
    panels = _panels()
    scraped = set(prometheus.get("/label/__name__/values").json()["data"])
    core = CORE + [key for key, metric in ANNOUNCED.items() if metric in scraped]
    assert set(core) <= panels.keys(), "a core panel was renamed: update CORE"
    empty = [key for key in core if not _query(prometheus, panels[key])]
    assert not empty, f"no data in {empty}"
    outcomes = {r["metric"]["outcome"] for r in _query(prometheus, panels[("Decision mix", "A")])}
    assert outcomes & {"approve", "refer", "decline"}


def test_alerts_are_sent_to_a_live_alertmanager(prometheus):
    if not (shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")):
        pytest.skip("no alertmanager binary: Debian's prometheus-alertmanager package (make install adds it)")
    wait_for(lambda: prometheus.get("/alertmanagers").json()["data"]["activeAlertmanagers"], timeout=30,
             what="Prometheus to find Alertmanager")
