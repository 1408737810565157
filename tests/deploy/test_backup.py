"""The backup and restore steps of deploy/README.md, for real: pg_dump a service's database
while the service runs, pg_restore it into a fresh database, and start the service on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.deploy.conftest import DEPLOY, free_port, run
from tests.support import unique, wait_for
from tests.support.suite import environ_has_postgres

ADMIN = "backup-admin-key-01"


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore take it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def _env(database_url: str, bootstrap: str, port: int = 0) -> dict[str, str]:
    return {
        **os.environ, "APPLICATIONS_DATABASE_URL": database_url, "APPLICATIONS_KAFKA_BOOTSTRAP": bootstrap,
        "APPLICATIONS_ADMIN_API_KEY": ADMIN, "APPLICATIONS_HTTP_PORT": str(port),
    }


def _ready(client: httpx.Client, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, f"the api exited with {proc.returncode}"
    try:
        return client.get("/readyz").status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def api(database_url: str, bootstrap: str, log: Path) -> Iterator[httpx.Client]:
    """The applications API as its own process (the `api` role), on a database."""
    port = free_port()
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "ruralcredit_applications", "api"],
                                env=_env(database_url, bootstrap, port), stdout=out, stderr=out)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"X-API-Key": ADMIN}, timeout=10)
    try:
        wait_for(lambda: _ready(client, proc), timeout=60, interval=0.2, what=f"the api on port {port} (log: {log})")
        yield client
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def postgres_url(database_url_factory):
    """A fresh PostgreSQL database: dumps are a PostgreSQL matter."""
    if not environ_has_postgres():
        pytest.skip("set DATABASE_URL to a PostgreSQL server (the README's test set-up) to test backups")
    for name in ("pg_dump", "pg_restore"):
        if shutil.which(name) is None:
            pytest.skip(f"{name} not found (Debian's postgresql-client)")
    return database_url_factory


@pytest.mark.slow
def test_a_dump_restored_into_a_fresh_database_passes_the_migration_check_and_serves_its_data(postgres_url, broker, tmp_path):
    source, restored = postgres_url("applications"), postgres_url("restored")
    run(sys.executable, "-m", "ruralcredit_applications", "migrate", env=_env(source, broker.bootstrap))
    platform, bank = unique("Backup platform"), unique("Backup bank")
    with api(source, broker.bootstrap, tmp_path / "source.log") as client:
        assert client.post("/v1/platforms", json={"name": platform, "settlement_lag_days": 15}).status_code == 201
        assert client.post("/v1/institutions", json={"name": bank}).status_code == 201
        # The dump is taken while the service runs, as a nightly backup would be.
        dump = tmp_path / "applications.dump"
        run("pg_dump", "--format=custom", f"--file={dump}", _libpq(source))

    # A database that is not at head is refused: the check below is a real one.
    refused = subprocess.run([sys.executable, "-m", "ruralcredit_applications", "api"],
                             env=_env(restored, broker.bootstrap, free_port()), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "migrate" in refused.stderr, refused.stderr

    run("pg_restore", "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={_libpq(restored)}", dump)
    # The dump is of the current schema, so the README's `migrate` after a restore has nothing
    # to do: the service's own start-up check must accept the restored database as it is.
    with api(restored, broker.bootstrap, tmp_path / "restored.log") as client:
        assert platform in [p["name"] for p in client.get("/v1/platforms").json()]
        assert bank in [i["name"] for i in client.get("/v1/institutions").json()]


def test_the_readme_says_how_to_back_up_restore_and_how_long_things_are_kept():
    readme = (DEPLOY / "README.md").read_text()
    section = readme.split("## Backups, restore and retention", 1)[1].split("\n## ", 1)[0]
    for needed in ("pg_dump --format=custom", "pg_restore", "applications-migrate", "--reset-offsets",
                   "promoted.json", "tar -C var/compose", "VolumeSnapshot"):
        assert needed in section, needed
    for kept in ("topics", "dead-letter topics", "outbox rows", "`processed_events`"):
        assert f"| {kept}" in section, kept
