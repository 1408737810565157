"""The alert rules: valid, unit-tested case by case with promtool, each one routed by severity,
explained by its labels, and linked to its own runbook section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import ALERTMANAGER_CONFIG as ALERTMANAGER
from tests.deploy.conftest import ALERTS, DASHBOARD, DEPLOY, ROOT, SERVICES, alert_rules, run, tool

HERE = Path(__file__).parent
UNIT_TESTS = sorted(HERE.glob("alerts*_test.yml"))
RUNBOOKS = DEPLOY / "runbooks.md"
PROMETHEUS_CONFIGS = [DEPLOY / "prometheus" / "prometheus.yml", DEPLOY / "prometheus" / "prometheus-k8s.yml"]


def test_promtool_accepts_the_rules():
    out = run(tool("promtool"), "check", "rules", ALERTS).stdout
    assert "SUCCESS" in out


@pytest.mark.slow
def test_promtool_unit_tests_pass():
    """Each alert's firing and quiet cases (alerts_test.yml, alerts_days_test.yml)."""
    done = run(tool("promtool"), "test", "rules", *[p.name for p in UNIT_TESTS], cwd=HERE)
    assert done.stdout.count("SUCCESS") + done.stderr.count("SUCCESS") == len(UNIT_TESTS)


def test_every_alert_has_a_firing_and_a_quiet_unit_test():
    fires: set[str] = set()
    quiet: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (fires if check.get("exp_alerts") else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alert_rules()}
    assert names - fires == set(), "alerts without a case where they fire"
    assert names - quiet == set(), "alerts without a case where they stay quiet"
    assert (fires | quiet) - names == set(), "unit tests of alerts that do not exist"


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_says_how_bad_what_and_where_to_read_more(rule):
    assert rule["labels"]["severity"] in {"critical", "warning"}
    notes = rule["annotations"]
    assert notes["summary"].strip() and notes["description"].strip()
    # A description that names what fired: the alert's labels or its value.
    assert re.search(r"\{\{ *\$(labels\.\w+|value)", notes["description"]), notes["description"]
    url = notes["runbook_url"]
    assert url.startswith("https://") and url.split("#")[0].endswith("/deploy/runbooks.md")
    assert url.split("#")[1] == rule["alert"].lower()


def _runbook_sections() -> dict[str, str]:
    """`## Heading` → its text, keyed by the anchor a Markdown renderer gives the heading."""
    parts = re.split(r"^## (.+)$", RUNBOOKS.read_text(), flags=re.M)
    return {re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-"): body for title, body in zip(parts[1::2], parts[2::2])}


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_has_a_runbook_section_that_says_what_to_do(rule):
    section = _runbook_sections().get(rule["alert"].lower())
    assert section is not None, f"no '## {rule['alert']}' in deploy/runbooks.md"
    for part in ("**Meaning.**", "**Confirm.**", "**Mitigate.**", f"**Severity** {rule['labels']['severity']}"):
        assert part in section, f"{rule['alert']}: the runbook section lacks {part}"


def test_runbooks_say_how_to_replay_dead_letters_and_link_only_to_their_own_sections():
    sections = _runbook_sections()
    assert "ruralcredit dlq replay" in sections["replaying-dead-letters"]
    assert "#replaying-dead-letters" in sections["deadletters"]
    for anchor in re.findall(r"\]\(#([a-z0-9-]+)\)", RUNBOOKS.read_text()):
        assert anchor in sections, f"runbooks.md links to #{anchor}, which has no section"
    readme = (DEPLOY / "README.md").read_text()
    assert "runbooks.md" in readme and "| **ConsumerLagHigh**" not in readme, "the runbook table moved to runbooks.md"


def test_alertmanager_routes_each_severity_to_a_receiver():
    amtool = tool("amtool")
    run(amtool, "check-config", ALERTMANAGER)
    config = yaml.safe_load(ALERTMANAGER.read_text())
    receivers = {r["name"]: r for r in config["receivers"]}
    for severity in sorted({rule["labels"]["severity"] for rule in alert_rules()}):
        got = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}", f"severity={severity}").stdout.split()
        assert len(got) == 1 and got[0] in receivers, f"{severity} goes to {got}"
        assert receivers[got[0]].get("webhook_configs"), "the receiver a bank replaces is a webhook"
    page = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}", "severity=critical").stdout.strip()
    ticket = run(amtool, "config", "routes", "test", f"--config.file={ALERTMANAGER}", "severity=warning").stdout.strip()
    assert page != ticket, "critical alerts page someone; warnings do not"


@pytest.mark.parametrize("config", PROMETHEUS_CONFIGS, ids=lambda p: p.name)
def test_prometheus_loads_the_rules_and_sends_alerts_to_alertmanager(config, tmp_path):
    doc = yaml.safe_load(config.read_text())
    assert doc["rule_files"] == ["alerts.yml"]
    targets = [t for am in doc["alerting"]["alertmanagers"] for sc in am["static_configs"] for t in sc["targets"]]
    assert targets == ["alertmanager:9093"]
    # Debian's promtool is built without Kubernetes discovery: check the rest of the file with
    # the discovery swapped for a static target.
    for job in doc["scrape_configs"]:
        if job.pop("kubernetes_sd_configs", None) is not None:
            job["static_configs"] = [{"targets": ["127.0.0.1:9100"]}]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(doc))
    (tmp_path / "alerts.yml").write_text(ALERTS.read_text())
    run(tool("promtool"), "check", "config", tmp_path / "prometheus.yml")


def test_compose_scrape_jobs_give_every_target_its_component_and_role():
    """The target alerts group by `component` and `role`: each suite process must get both."""
    doc = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    names = {n for job in doc["scrape_configs"] for sd in job.get("dns_sd_configs", []) for n in sd["names"]}
    assert names == {f"{s}-{r}" for s in SERVICES for r in ("api", "consumer", "relay")}
    for job in doc["scrape_configs"]:
        if job.get("dns_sd_configs"):
            assert {c["target_label"] for c in job["relabel_configs"]} >= {"component", "role"}


def _metric_names(expr: str) -> set[str]:
    """The suite's metric names an expression reads, without histogram and counter suffixes."""
    return {re.sub(r"_(bucket|count|sum|total)$", "", m) for m in re.findall(r"\bruralcredit_[a-z_]+", expr)}


def _declared_metrics() -> set[str]:
    names = set()
    for path in [*ROOT.glob("libs/*/src/**/*.py"), *ROOT.glob("services/*/src/**/*.py")]:
        for name in re.findall(r'(?:Counter|Gauge|Histogram|Summary|MetricFamily)\(\s*"(ruralcredit_[a-z_]+)"', path.read_text()):
            names.add(re.sub(r"_total$", "", name))
    return names


# Added to the services alongside these rules; until they are there, their alerts and panels
# stay empty (they still parse: tests/deploy/test_prometheus.py).
ANNOUNCED = {
    "ruralcredit_submit_to_decision_seconds", "ruralcredit_undecided_oldest_seconds",
    "ruralcredit_referred_undecided", "ruralcredit_consumer_group_lag",
}


def test_rules_and_dashboard_read_only_metrics_the_services_declare():
    exprs = [rule["expr"] for g in yaml.safe_load(ALERTS.read_text())["groups"] for rule in g["rules"]]
    exprs += [t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p.get("targets", [])]
    used = set().union(*map(_metric_names, exprs))
    unknown = used - _declared_metrics() - ANNOUNCED
    assert not unknown, f"no service declares {sorted(unknown)}"
    assert ANNOUNCED <= used, "every announced metric has its alert or panel"
