"""The single-host stack: docker-compose.yml against the compose-spec schema, its first boot
free of races, its images from the one Dockerfile. (No Docker engine runs the tests: what an
engine would check at start-up is checked here by reading.)"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, ROOT, SERVICES

COMPOSE = ROOT / "docker-compose.yml"


def _validate(path) -> subprocess.CompletedProcess[str]:
    # check-jsonschema carries the compose-spec schema (vendor.compose-spec): no network.
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_the_compose_file_follows_the_compose_spec():
    done = _validate(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace("    restart: unless-stopped\n", "    restart: unless-stopped\n    restarts: 3\n", 1))
    assert _validate(broken).returncode != 0


def test_postgres_is_ready_only_when_it_answers_over_tcp(compose):
    """During first-boot initialisation the image serves the Unix socket only."""
    test = " ".join(compose["services"]["postgres"]["healthcheck"]["test"])
    assert re.search(r"pg_isready\b.*-h +(127\.0\.0\.1|localhost)\b", test), test


def test_migrations_retry_and_restart_until_the_database_answers(compose):
    for service in SERVICES:
        migrate = compose["services"][f"{service}-migrate"]
        assert migrate["restart"].startswith("on-failure"), service
        script = " ".join(migrate["entrypoint"])
        assert re.search(r"for attempt in .*\"\$\$@\" && exit 0.*sleep", script, re.S), script
        assert migrate["command"][:3] == ["python", "-m", f"ruralcredit_{service}"]
        assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
        for role in ("api", "consumer", "relay"):
            waits = compose["services"][f"{service}-{role}"]["depends_on"][f"{service}-migrate"]
            assert waits["condition"] == "service_completed_successfully"


def test_alerts_reach_alertmanager(compose):
    alertmanager = compose["services"]["alertmanager"]
    config = next(v for v in alertmanager["volumes"] if v.endswith(":/etc/alertmanager/alertmanager.yml:ro"))
    assert "./deploy/alertmanager/alertmanager.yml" in config and "${ALERTMANAGER_CONFIG:-" in config
    mounts = compose["services"]["prometheus"]["volumes"]
    for name in ("prometheus.yml", "alerts.yml"):
        source = next(v.split(":")[0] for v in mounts if v.endswith(f":/etc/prometheus/{name}:ro"))
        assert (ROOT / source).is_file()


def test_every_image_comes_from_the_one_dockerfile(compose):
    assert not list(ROOT.glob("services/*/Dockerfile")), "one Dockerfile at the root replaces them"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("ARG SERVICE") == 2, "declared in the build and the runtime stage"
    built = {}
    for name, svc in compose["services"].items():
        if "build" in svc:
            assert svc["build"]["dockerfile"] == "Dockerfile" and svc["build"]["context"] == "."
            built.setdefault(svc["image"], set()).add(svc["build"]["args"]["SERVICE"])
            assert svc["image"].startswith(f"ruralcredit/{svc['build']['args']['SERVICE']}:"), name
    assert sorted(s for services in built.values() for s in services) == sorted(SERVICES)
    for service in SERVICES:
        assert re.search(rf"\b{service}\b.*\) pip install", dockerfile), f"the Dockerfile installs {service}"
    # What the image copies from the context is not excluded by .dockerignore.
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines() if line.strip() and not line.startswith("#")}
    for copied in re.findall(r"^COPY (?!--from)(\S+)", dockerfile, re.M):
        assert copied.rstrip("/") not in ignored, copied


def test_the_kubernetes_images_are_the_ones_compose_builds(rendered, compose):
    from tests.deploy.conftest import of_kind

    names = {svc["image"].split(":")[0] for svc in compose["services"].values() if "build" in svc}
    for overlay, resources in rendered.items():
        for name, d in of_kind(resources, "Deployment").items():
            for c in d["spec"]["template"]["spec"]["containers"]:
                if c["image"].startswith("registry.example.com/"):
                    assert c["image"].split("/", 1)[1].split(":")[0] in names, f"{overlay}: {name} runs {c['image']}"


def test_secrets_example_names_every_variable_compose_requires(compose):
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE.read_text()))
    example = (DEPLOY / "compose" / "secrets.env.example").read_text()
    assert required <= set(re.findall(r"^(\w+)=", example, re.M))
    assert "ALERTMANAGER_CONFIG" in example
