"""Event contracts: the exported JSON Schemas are current, and fixtures satisfy both the
schemas and the typed models."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import jsonschema
import pytest

from ruralcredit_common.contracts import export
from ruralcredit_common.contracts.envelope import decode

FIXTURES = Path(__file__).with_name("fixtures")


def test_exported_schemas_are_current():
    for filename, text in export.render().items():
        path = export.SCHEMA_DIR / filename
        assert path.exists(), f"{filename} missing: run python -m ruralcredit_common.contracts.export"
        assert path.read_text() == text, f"{filename} is stale: run python -m ruralcredit_common.contracts.export"


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_fixture_matches_schema_and_model(fixture: Path):
    doc = json.loads(fixture.read_text())
    topic_and_type = fixture.stem.replace("__", "/")
    model = export.PAYLOADS[topic_and_type]
    schema = json.loads((export.SCHEMA_DIR / f"{fixture.stem}.schema.json").read_text())
    jsonschema.validate(doc["payload"], schema)
    jsonschema.validate(doc, json.loads((export.SCHEMA_DIR / "envelope.schema.json").read_text()))
    envelope = decode(fixture.read_bytes())
    payload = envelope.bind(model)
    assert payload.model_dump(mode="json") is not None
    contract = importlib.import_module(f"ruralcredit_common.contracts.{topic_and_type.split('.')[0]}")
    assert envelope.key == contract.key(payload), "every topic is keyed by merchant_id"


def test_a_batch_of_merchants_is_keyed_so_each_stays_on_its_own_partition():
    from ruralcredit_common.kafka import partition_for

    doc = json.loads((FIXTURES / "sales.v1__sales.daily_batch_recorded.json").read_text())
    merchants = [m["merchant_id"] for m in doc["payload"]["merchants"]]
    # The fixture's two merchants share a partition of a 6-partition topic, as the producer groups them.
    assert len({partition_for(m, 6) for m in merchants}) == 1
    assert partition_for(doc["key"], 6) == partition_for(merchants[1], 6)


def test_every_contract_has_a_fixture():
    have = {p.stem.replace("__", "/") for p in FIXTURES.glob("*.json")}
    assert have == set(export.PAYLOADS) - {"envelope"}


def test_unknown_payload_fields_are_refused():
    doc = json.loads((FIXTURES / "applications.v1__application.submitted.json").read_text())
    doc["payload"]["surprise"] = 1
    from ruralcredit_common.contracts import applications
    from ruralcredit_common.errors import PermanentEventError

    with pytest.raises(PermanentEventError, match="surprise"):
        decode(json.dumps(doc).encode()).bind(applications.ApplicationSubmitted)


def test_a_sales_event_from_before_produce_still_binds_and_says_nothing_about_it():
    from ruralcredit_common.contracts import sales

    doc = json.loads((FIXTURES / "sales.v1__sales.daily_recorded.json").read_text())
    assert doc["payload"]["produce"] == "mango"
    del doc["payload"]["produce"]
    payload = decode(json.dumps(doc).encode()).bind(sales.DailySalesRecorded)
    assert payload.produce is None and "produce" not in payload.model_fields_set
