"""The applications API over HTTP against a real, migrated database (no relay running, so
the events a request queued can be read straight from the outbox)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ruralcredit_applications.bootstrap import build
from ruralcredit_applications.orm import Base
from ruralcredit_applications.settings import Settings

ADMIN = {"X-API-Key": "test-admin-key-0001"}


class Api:
    """A test client with helpers to create tenants."""

    def __init__(self, client: TestClient, runtime: Any) -> None:
        self.client = client
        self.runtime = runtime

    def platform(self, name: str, lag: int = 15) -> tuple[str, dict[str, str]]:
        r = self.client.post("/v1/platforms", json={"name": name, "settlement_lag_days": lag}, headers=ADMIN)
        assert r.status_code == 201, r.text
        return r.json()["id"], {"X-API-Key": r.json()["key"]["api_key"]}

    def officer(self, institution: str) -> tuple[str, dict[str, str]]:
        r = self.client.post("/v1/institutions", json={"name": institution}, headers=ADMIN)
        inst = r.json()["id"]
        r = self.client.post(f"/v1/institutions/{inst}/officers", json={"name": f"officer of {institution}"}, headers=ADMIN)
        assert r.status_code == 201, r.text
        return inst, {"X-API-Key": r.json()["key"]["api_key"]}

    def merchant(self, headers: dict[str, str], ref: str) -> str:
        r = self.client.put(f"/v1/platform/merchants/{ref}", headers=headers, json={
            "merchant_ref": ref, "name": f"Shop {ref}", "county": "Tianyang", "category": "fruit", "onboarded_on": "2024-01-01",
        })
        assert r.status_code == 200, r.text
        return r.json()["id"]

    def consent(self, headers: dict[str, str], merchant_id: str, scope: list[str] | None = None) -> None:
        now = dt.datetime.now(dt.UTC)
        r = self.client.post(f"/v1/merchants/{merchant_id}/consents", headers=headers, json={
            "granted_by": "owner", "granted_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "scope": scope or ["sales"], "expires_at": (now + dt.timedelta(days=90)).isoformat(),
        })
        assert r.status_code == 201, r.text

    def sales_increments(self) -> list[dict[str, Any]]:
        """Each merchant's increments in the queued sales.v1 events (a batch event carries several)."""
        out = []
        for event in self.outbox("sales.v1"):
            out += event["payload"]["merchants"] if event["type"] == "sales.daily_batch_recorded" else [event["payload"]]
        return out

    def outbox(self, topic: str | None = None) -> list[dict[str, Any]]:
        with self.runtime.factory() as s:
            rows = s.scalars(select(Base.OutboxRow).order_by(Base.OutboxRow.id)).all()
            return [orjson.loads(r.value) for r in rows if topic is None or r.topic == topic]


@pytest.fixture
def api(database_url_factory) -> Iterator[Api]:
    settings = Settings(database_url=database_url_factory("apps"), admin_api_key=ADMIN["X-API-Key"], max_batch_rows=5000,
                        kafka_bootstrap="127.0.0.1:1", max_body_bytes=4 * 1024 * 1024)
    runtime = build(settings)
    runtime.migrate()
    with TestClient(runtime.make_app(runtime), raise_server_exceptions=False) as client:
        yield Api(client, runtime)
    runtime.engine.dispose()
