"""Every response carries a request id, 500s included, and so does the line that logs it; every
request leaves one access-log line that names its route and caller but never its key."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from ruralcredit_common import http
from ruralcredit_common.server import MAX_HEAD_BYTES
from tests.common.integration.logs import captured
from tests.support import wait_for
from tests.support.serving import serving

SERVICE_KEY, ADMIN_KEY = "service-key-for-tests", "admin-key-for-tests"
LOGGERS = ("ruralcredit.access", "ruralcredit.http")
router = APIRouter()


class Broken(Exception):
    pass


@router.get("/items/{item_id}")
def item(item_id: int, _: Annotated[None, Depends(http.internal_caller)]) -> dict[str, int]:
    return {"id": item_id}


@router.get("/boom")
def boom() -> None:
    raise RuntimeError("the database said no")


@router.get("/broken-handler")
def broken_handler() -> None:
    raise Broken


class FailingMiddleware:
    """A middleware that fails on one path, before the route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/middleware-fails":
            raise RuntimeError("middleware failed")
        await self.app(scope, receive, send)


def make_app() -> http.ServiceApp:
    settings = SimpleNamespace(max_body_bytes=2048, service_api_key=SERVICE_KEY, admin_api_key=ADMIN_KEY)
    runtime = SimpleNamespace(name="tests", settings=settings, readiness=lambda: (True, {"database": True}))
    app = http.service_app(runtime, title="t", description="t", routers=[router])
    app.add_middleware(FailingMiddleware)

    @app.exception_handler(Broken)
    async def _broken(*_: object) -> None:
        raise RuntimeError("the error handler failed too")

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # As the server would: an error must come back as a response, never as an exception.
    with TestClient(make_app(), raise_server_exceptions=True) as c:
        yield c


@pytest.mark.parametrize("path", ["/boom", "/middleware-fails", "/broken-handler"])
def test_a_500_carries_its_request_id_in_header_body_and_one_log_line(client, path):
    with captured(*LOGGERS) as lines:
        r = client.get(path, headers={"X-Request-ID": "req-500-check"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-request-id"] == "req-500-check"
    assert r.json()["request_id"] == "req-500-check"
    errors = lines.saying("unhandled error")
    assert len(errors) == 1, "logged once, not again by the server"
    assert errors[0]["request_id"] == "req-500-check" and errors[0]["level"] == "ERROR"
    assert "RuntimeError" in errors[0]["exc"]
    [access] = lines.saying("request")
    assert (access["status"], access["request_id"]) == (500, "req-500-check")


def test_a_refused_body_carries_the_request_id_too(client):
    r = client.post("/boom", content=b"x" * 5000)
    assert r.status_code == 413
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    assert r.json()["request_id"] == r.headers["x-request-id"]


@pytest.mark.parametrize("given", ["0f8fad5b-d9cb-469f-a165-70867728950e", "Root=1-5759e988-bd862e3fe1be46a994272793", "a"])
def test_a_sane_inbound_request_id_is_kept(client, given):
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given


@pytest.mark.parametrize("given", ["x" * 65, "two words", "quote\"d", "ünïcode", "-leading-dash", "a\tb"])
def test_an_unsafe_or_oversized_request_id_is_replaced(client, given):
    r = client.get("/healthz", headers={"X-Request-ID": given.encode("utf-8")})
    assert r.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_one_access_line_per_request_with_route_caller_and_timing_but_no_key(client):
    with captured(*LOGGERS) as lines:
        ok = client.get("/items/42", headers={"X-API-Key": SERVICE_KEY})
        client.get("/items/43", headers={"X-API-Key": ADMIN_KEY})
        client.get("/items/44", headers={"X-API-Key": "not-a-key-of-ours"})
    assert ok.status_code == 200
    served, admin, refused = lines.saying("request")
    assert served["method"] == "GET" and served["route"] == "/items/{item_id}" and served["status"] == 200
    assert served["request_id"] == ok.headers["x-request-id"]
    assert isinstance(served["duration_ms"], float) and 0 <= served["duration_ms"] < 10_000
    assert (served["caller_kind"], admin["caller_kind"]) == ("service", "admin")
    assert refused["status"] == 401 and "caller_kind" not in refused
    for line in lines.raw:
        assert SERVICE_KEY not in line and ADMIN_KEY not in line and "not-a-key-of-ours" not in line


def test_probes_and_scrapes_log_only_at_debug(client):
    with captured(*LOGGERS, level=logging.INFO) as lines:
        for path in ("/healthz", "/readyz", "/metrics"):
            client.get(path)
    assert lines.saying("request") == []
    with captured(*LOGGERS, level=logging.DEBUG) as lines:
        client.get("/readyz")
    [line] = lines.saying("request")
    assert line["level"] == "DEBUG" and line["route"] == "/readyz"


def test_an_unmatched_path_is_logged_without_the_path():
    with TestClient(make_app()) as c, captured(*LOGGERS) as lines:
        c.get("/merchants/13800138000/secret")
    [line] = lines.saying("request")
    assert line["route"] == "unmatched" and line["status"] == 404
    assert "13800138000" not in lines.raw[0]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """The app under the services' own HTTP server."""
    with serving(make_app()) as url:
        yield url


def test_under_the_real_server_a_500_has_its_id_and_the_server_logs_nothing_more(server):
    with captured(*LOGGERS, "uvicorn.error") as lines:
        r = httpx.get(f"{server}/boom", headers={"X-Request-ID": "real-server-500"})
        # The error is logged once the answer is on its way: wait for the access line, the last.
        wait_for(lambda: lines.saying("request"), timeout=10, what="the access line")
        time.sleep(0.2)
    assert r.status_code == 500 and r.headers["x-request-id"] == "real-server-500"
    assert r.json()["request_id"] == "real-server-500"
    assert [(d["msg"], d["request_id"]) for d in lines.docs if d["level"] == "ERROR"] == [("unhandled error", "real-server-500")]


def test_a_request_refused_before_routing_has_a_request_id(server):
    host, port = server.removeprefix("http://").split(":")
    with captured(*LOGGERS) as lines, socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (2 * MAX_HEAD_BYTES) + b"\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431 ")
    rid = re.search(rb"x-request-id: ([0-9a-f]{32})", head).group(1).decode()
    assert f'"request_id":"{rid}"' in body.decode()
    [line] = lines.saying("request refused before routing")
    assert line["request_id"] == rid and line["status"] == 431


def test_the_applications_access_line_names_the_platform_but_not_its_key(database_url_factory):
    from ruralcredit_applications.bootstrap import build
    from ruralcredit_applications.settings import Settings

    admin = {"X-API-Key": "admin-key-for-access-log"}
    runtime = build(Settings(database_url=database_url_factory("access"), admin_api_key=admin["X-API-Key"],
                             kafka_bootstrap="127.0.0.1:1"))
    runtime.migrate()
    with TestClient(runtime.make_app(runtime)) as c, captured(*LOGGERS) as lines:
        made = c.post("/v1/platforms", json={"name": "Access log platform", "settlement_lag_days": 15}, headers=admin).json()
        key = made["key"]["api_key"]
        assert c.get("/v1/platform/merchants/nobody", headers={"X-API-Key": key}).status_code == 404
    runtime.engine.dispose()
    by_admin, by_platform = lines.saying("request")
    assert (by_admin["caller_kind"], by_admin.get("caller_id")) == ("admin", None)
    assert (by_platform["caller_kind"], by_platform["caller_id"]) == ("platform", made["id"])
    assert by_platform["route"] == "/v1/platform/merchants/{merchant_ref}" and by_platform["status"] == 404
    assert not any(key in line or admin["X-API-Key"] in line for line in lines.raw)
