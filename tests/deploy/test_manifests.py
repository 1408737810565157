"""The Kubernetes overlays as kustomize renders them: valid for a recent Kubernetes, and safe to
roll out, drain and lose a broker under."""

from __future__ import annotations

import re

import pytest

from tests.deploy.conftest import OVERLAYS, SERVICES, alert_rules, of_kind

# Strict: an unknown or misplaced field is an error, not silently dropped by the API server.
KUBERNETES = "1.37.0"


def _validate(resources, version: str, strict: bool) -> list[str]:
    import kubernetes_validate

    errors = []
    for r in resources:
        try:
            kubernetes_validate.validate(r, version, strict=strict)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{r['kind']}/{r['metadata']['name']}: {exc.message} at {'/'.join(map(str, exc.path))}")
    return errors


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_resource_is_valid_kubernetes(rendered, overlay):
    resources = rendered[overlay]
    assert len(resources) > 30, "kustomize rendered the whole suite"
    assert _validate(resources, KUBERNETES, strict=True) == []


def test_the_validator_rejects_a_misplaced_field(rendered):
    """The check above can fail: a probe put on the pod instead of the container."""
    broken = next(r for r in rendered["prod"] if r["kind"] == "Deployment")
    broken = {**broken, "spec": {**broken["spec"], "template": {**broken["spec"]["template"]}}}
    broken["spec"]["template"]["spec"] = {**broken["spec"]["template"]["spec"], "readinessProbe": {"tcpSocket": {"port": 1}}}
    assert _validate([broken], KUBERNETES, strict=True)


def _main_container(deployment):
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _workers(resources):
    return {name: d for name, d in of_kind(resources, "Deployment").items()
            if d["metadata"]["labels"].get("app.kubernetes.io/component") in {"consumer", "relay"}}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rollouts_wait_for_consumers_and_relays_to_be_ready(rendered, overlay):
    workers = _workers(rendered[overlay])
    assert sorted(workers) == sorted(f"{s}-{r}" for s in SERVICES for r in ("consumer", "relay"))
    for name, d in workers.items():
        container = _main_container(d)
        env = {e["name"]: e.get("value") for e in container["env"]}
        port = env[f"{name.split('-')[0].upper()}_METRICS_PORT"]
        probe = container.get("readinessProbe")
        assert probe, f"{name} has no readiness probe"
        named = {p["name"]: str(p["containerPort"]) for p in container["ports"]}
        assert probe["httpGet"]["path"] == "/metrics" and named[probe["httpGet"]["port"]] == port, name
        assert d["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"] == port, name
        assert d["spec"].get("minReadySeconds", 0) >= 5, f"{name} has no minReadySeconds"


def _min_replicas(resources, target: str) -> int:
    for hpa in of_kind(resources, "HorizontalPodAutoscaler").values():
        if hpa["spec"]["scaleTargetRef"]["name"] == target:
            return hpa["spec"].get("minReplicas", 1)
    return of_kind(resources, "Deployment")[target]["spec"].get("replicas", 1)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_no_disruption_budget_blocks_a_node_drain(rendered, overlay):
    """At its smallest, every workload must allow at least one pod to be evicted."""
    resources = rendered[overlay]
    deployments = of_kind(resources, "Deployment")
    for name, pdb in of_kind(resources, "PodDisruptionBudget").items():
        selected = [d for d, dep in deployments.items()
                    if pdb["spec"]["selector"]["matchLabels"].items() <= dep["spec"]["selector"]["matchLabels"].items()]
        assert len(selected) == 1, f"{name} selects {selected}"
        replicas = _min_replicas(resources, selected[0])
        spec = pdb["spec"]
        allowed = replicas - spec["minAvailable"] if "minAvailable" in spec else spec["maxUnavailable"]
        assert allowed >= 1, f"{overlay}: {name} lets no pod of {replicas} be evicted"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_topics_tolerate_losing_a_broker_without_losing_acknowledged_events(rendered, overlay):
    shared = of_kind(rendered[overlay], "ConfigMap")
    config = next(c["data"] for name, c in shared.items() if name.startswith("ruralcredit-shared"))
    replicas, in_sync = int(config["TOPIC_REPLICATION_FACTOR"]), int(config["TOPIC_MIN_INSYNC_REPLICAS"])
    if replicas >= 3:
        assert in_sync == 2
    assert 1 <= in_sync <= max(1, replicas - 1) or replicas == in_sync == 1
    script = of_kind(rendered[overlay], "Job")["kafka-topics"]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert script.count('min.insync.replicas="$TOPIC_MIN_INSYNC_REPLICAS"') == 3, "set on create (topic, dlq) and on existing topics"


def test_prod_keeps_three_copies_and_two_in_sync(rendered):
    config = next(c["data"] for n, c in of_kind(rendered["prod"], "ConfigMap").items() if n.startswith("ruralcredit-shared"))
    assert (config["TOPIC_REPLICATION_FACTOR"], config["TOPIC_MIN_INSYNC_REPLICAS"]) == ("3", "2")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_and_alertmanager_run_beside_the_suite(rendered, overlay):
    resources = rendered[overlay]
    namespace = of_kind(resources, "Namespace")
    assert len(namespace) == 1
    ns = next(iter(namespace))
    deployments, services = of_kind(resources, "Deployment"), of_kind(resources, "Service")
    assert {"prometheus", "alertmanager"} <= deployments.keys() & services.keys()
    config_maps = of_kind(resources, "ConfigMap")
    prom = next(c for n, c in config_maps.items() if n.startswith("prometheus-config-"))
    assert {"prometheus.yml", "alerts.yml"} <= prom["data"].keys()
    assert "alertmanager:9093" in prom["data"]["prometheus.yml"]
    mounted = {v["configMap"]["name"] for v in deployments["prometheus"]["spec"]["template"]["spec"]["volumes"] if "configMap" in v}
    assert mounted == {prom["metadata"]["name"]}, "the Deployment mounts the generated ConfigMap"
    # Pod discovery needs the Role bound to Prometheus's service account, in this namespace.
    binding = of_kind(resources, "RoleBinding")["prometheus"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "prometheus", "namespace": ns}]
    assert deployments["prometheus"]["spec"]["template"]["spec"]["serviceAccountName"] == "prometheus"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_suite_process_is_scraped_with_the_labels_the_alerts_use(rendered, overlay):
    """prometheus-k8s.yml builds `component` from the name and component labels of the pod."""
    for name, d in of_kind(rendered[overlay], "Deployment").items():
        template = d["spec"]["template"]
        labels = template["metadata"]["labels"]
        if labels["app.kubernetes.io/component"] == "monitoring":
            continue
        assert f"{labels['app.kubernetes.io/name']}-{labels['app.kubernetes.io/component']}" == name
        assert template["metadata"]["annotations"]["prometheus.io/scrape"] == "true", name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_component_with_no_process_found_at_all_still_alerts(rendered, overlay):
    """A crashed consumer takes its own series with it: ComponentDown names every component."""
    expr = next(r["expr"] for r in alert_rules() if r["alert"] == "ComponentDown")
    watched = set(re.findall(r'absent\(up\{component="([a-z]+-[a-z]+)"', expr))
    deployed = {name for name, d in of_kind(rendered[overlay], "Deployment").items()
                if d["metadata"]["labels"]["app.kubernetes.io/component"] in {"api", "consumer", "relay"}}
    assert watched == deployed == {f"{s}-{r}" for s in SERVICES for r in ("api", "consumer", "relay")}
