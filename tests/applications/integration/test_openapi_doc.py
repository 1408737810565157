"""The applications OpenAPI document says what the service answers (the shared app factory
writes the same for cashflow and scoring)."""

from __future__ import annotations

from tests.applications.integration.conftest import ADMIN


def test_problems_are_documented_as_they_are_sent(api):
    doc = api.client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    op = doc["paths"]["/v1/applications"]["post"]["responses"]
    assert set(op) >= {"201", "400", "401", "403", "404", "413", "422", "431"}
    assert op["422"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/ValidationProblem"}
    assert op["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert "409" in doc["paths"]["/v1/applications/{application_id}/override"]["post"]["responses"]
    assert "409" not in doc["paths"]["/v1/applications/{application_id}"]["get"]["responses"]
    # What a 422 really looks like matches the documented shape.
    body = api.client.post("/v1/platforms", json={"name": ""}, headers=ADMIN).json()
    problem = doc["components"]["schemas"]["ValidationProblem"]["allOf"][1]
    assert set(problem["required"]) <= set(body) and set(body["errors"][0]) == {"field", "in", "reason"}


def test_metrics_are_documented_as_prometheus_text(api):
    doc = api.client.get("/openapi.json").json()
    assert list(doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == ["text/plain"]
    assert api.client.get("/metrics").headers["content-type"].startswith("text/plain")


def test_what_if_documents_its_request_body(api):
    doc = api.client.get("/openapi.json").json()
    schema = doc["paths"]["/v1/what-if"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) >= {"merchant_id", "amount", "term_days", "as_of", "features", "collections"}
    assert "$ref" not in str(schema)


def test_a_405_allows_every_method_of_the_path(api):
    _, plat = api.platform("P")
    for method in ("DELETE", "OPTIONS"):
        r = api.client.request(method, "/v1/platform/merchants/shop-1", headers=plat)
        assert r.status_code == 405
        assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "PUT"}
