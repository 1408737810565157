"""The what-if and batch endpoints over HTTP, against a migrated database and a promoted model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ruralcredit_scoring.bootstrap import attach_engine, build
from ruralcredit_scoring.settings import Settings

KEY = {"X-API-Key": "test-service-key-01"}


@pytest.fixture
def client(database_url_factory, model_registry) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url_factory("scoring_api"), registry_dir=str(model_registry.root),
                        service_api_key=KEY["X-API-Key"], kafka_bootstrap="127.0.0.1:1", max_body_bytes=256 * 1024)
    runtime = build(settings)
    runtime.migrate()
    attach_engine(runtime)
    with TestClient(runtime.make_app(runtime), raise_server_exceptions=False) as c:
        yield c
    runtime.engine.dispose()


def what_if(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "merchant_id": "mer_1", "amount": "20000.00", "term_days": 60, "as_of": "2026-06-01",
        "features": {"history_days": 700, "coverage_p10": 1.6, "coverage_p50": 2.2, "volatility": 0.2,
                     "refund_rate": 0.03, "growth": 0.1},
        "collections": {"p10": [900.0] * 90, "p50": [1200.0] * 90},
    }
    body.update(changes)
    return body


def test_what_if_answers_a_decision_with_its_price_and_schedule(client, trained_scorer):
    r = client.post("/v1/score", json=what_if(), headers=KEY)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["outcome"] == "approve" and d["model_version"] == trained_scorer.version
    assert d["pd"] == pytest.approx(trained_scorer.pd(what_if()["features"]), abs=1e-6)
    assert d["rate"]["annual_rate"] and d["schedule"]
    assert r.headers["content-type"] == "application/json" and r.headers["x-request-id"]


def test_a_weak_applicant_is_told_what_would_have_to_change(client):
    # Everything sound but the coverage: raising it alone would reach a better grade.
    weak = what_if(features={**what_if()["features"], "coverage_p10": 0.45, "coverage_p50": 0.6})
    d = client.post("/v1/score", json=weak, headers=KEY).json()
    assert d["outcome"] in ("refer", "decline")
    coverage = next(r for r in d["reasons"] if r["feature"] == "coverage_p10")
    assert coverage["to_improve"] and "coverage" in coverage["to_improve"].lower(), d["reasons"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (what_if(amount="-5"), "amount"),
        (what_if(term_days=3), "term_days"),
        (what_if(as_of="June"), "as_of"),
        (what_if(collections={"p50": [1.0]}), "collections.p10"),
        (what_if(collections={"p10": [1.0] * 401}), "collections.p10"),
        (what_if(surprise=1), "surprise"),
        ({"amount": "10.00"}, "merchant_id"),
        (what_if(collections={"p10": [1e308] * 90}), "collections.p10"),
        (what_if(features={"coverage_p10": 1e300}), "features.coverage_p10"),
    ],
)
def test_bad_fields_are_named_with_a_reason(client, body, field):
    r = client.post("/v1/score", json=body, headers=KEY)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["field"] == field or e["field"].startswith(field + ".") for e in errors), errors
    assert all(e["in"] == "body" and e["reason"] for e in errors)


def test_a_body_that_is_not_json_is_a_422_not_a_500(client):
    r = client.post("/v1/score", content=b"{not json", headers={**KEY, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["in"] == "body"
    # JSON's extensions for infinities parse as floats: they must not reach the sums.
    body = b'{"merchant_id": "m", "amount": "10.00", "term_days": 30, "as_of": "2026-06-01", "features": {}, ' \
           b'"collections": {"p10": [Infinity, 1.0]}}'
    r = client.post("/v1/score", content=body, headers={**KEY, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("collections.p10"), r.text


def test_a_cashflow_forecast_can_be_pasted_in_whole(client):
    collections = {"start": "2026-06-02", "p10": [900.0] * 90, "p50": [1200.0] * 90, "p90": [1500.0] * 90,
                   "term_p10": 60000.0, "term_p50": 72000.0, "term_p90": 90000.0}
    r = client.post("/v1/score", json=what_if(collections=collections), headers=KEY)
    assert r.status_code == 200, r.text


def test_every_endpoint_needs_the_service_key(client):
    paths = client.app.openapi()["paths"]
    routes = [(m.upper(), p) for p, ops in paths.items() if p.startswith("/v1/") for m in ops]
    assert {p for _, p in routes} >= {"/v1/score", "/v1/score:batch", "/v1/models"}
    for method, path in routes:
        for headers in ({}, {"X-API-Key": "guess-the-key-0001"}):
            assert client.request(method, path, json={}, headers=headers).status_code == 401, (method, path, headers)


def test_an_oversized_body_is_refused_before_it_is_read(client):
    r = client.post("/v1/score", content=b"x" * (300 * 1024), headers={**KEY, "content-type": "application/json"})
    assert r.status_code == 413


def test_batch_rescoring_gives_the_scorers_pd_for_each_row(client, trained_scorer, book):
    rows = book.head(50)[trained_scorer.features].to_dict("records")
    r = client.post("/v1/score:batch", json={"rows": rows}, headers=KEY)
    assert r.status_code == 200, r.text
    pds = [x["pd"] for x in r.json()["results"]]
    assert pds == pytest.approx(trained_scorer.score_frame(book.head(50))["pd"].tolist(), abs=1e-12)


def test_the_documented_request_body_is_the_what_if_schema(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/v1/score"]["post"]
    assert op["security"] == [{"ServiceKey": []}]
    assert doc["components"]["securitySchemes"]["ServiceKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key", "description": "Service or admin key"}
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) >= {"merchant_id", "amount", "term_days", "as_of", "features", "collections"}
    assert schema["examples"]
    # Self-contained: a `#/$defs/...` reference would point at nothing inside the OpenAPI document.
    assert "$ref" not in str(schema) and "p10" in schema["properties"]["collections"]["properties"]


def test_batch_text_for_a_numeric_feature_is_a_422_naming_the_row(client):
    r = client.post("/v1/score:batch", json={"rows": [{"history_days": 400}, {"history_days": "abc"}]}, headers=KEY)
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [{"field": "rows.1.history_days", "in": "body", "reason": "must be a number (or null) for this model"}]


@pytest.mark.parametrize("rows", [[{}], [{}, {}], [{}, {"coverage_p10": 1.5}, {}]], ids=["one-empty", "two-empty", "mixed"])
def test_batch_answers_one_result_per_row_in(client, trained_scorer, rows):
    r = client.post("/v1/score:batch", json={"rows": rows}, headers=KEY)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert len(results) == len(rows)
    # An empty row is every feature missing, as in the scorer itself.
    assert results[0]["pd"] == pytest.approx(trained_scorer.pd({}), abs=1e-9) and results[-1] == results[0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (what_if(settlement_lag_days=False), "settlement_lag_days"),
        (what_if(term_days=True), "term_days"),
        (what_if(term_days=60.5), "term_days"),
        (what_if(amount=20000), "amount"),
        (what_if(features={"history_days": True}), "features.history_days"),
        (what_if(collections={"p10": [True, 1.0]}), "collections.p10.0"),
        (what_if(as_of="0001-01-01"), "as_of"),
        (what_if(as_of="1999-12-31"), "as_of"),
        (what_if(payout_days=["3000-01-01"]), "payout_days.0"),
        (what_if(merchant_id="mer\u202e1"), "merchant_id"),
        (what_if(merchant_id="mer\x001"), "merchant_id"),
    ],
)
def test_booleans_old_dates_and_hidden_characters_are_refused(client, body, field):
    r = client.post("/v1/score", json=body, headers=KEY)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}, r.json()["errors"]


def test_batch_values_may_not_be_booleans(client):
    r = client.post("/v1/score:batch", json={"rows": [{"history_days": True}]}, headers=KEY)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].startswith("rows.0.history_days"), r.text


def test_missing_evidence_is_decided_never_approved(client):
    # The body: no history_days, no coverage_p10.
    body = {"merchant_id": "m", "amount": "100", "term_days": 90, "as_of": "2026-06-01", "features": {}, "collections": {"p10": [400]}}
    r = client.post("/v1/score", json=body, headers=KEY)
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] in ("refer", "decline")
