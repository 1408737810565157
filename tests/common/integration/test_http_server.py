"""The services' HTTP server over real sockets: the request head is bounded, bodies are not
mistaken for headers, keep-alive connections go on working."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI, Request

from ruralcredit_common.server import MAX_HEAD_BYTES
from tests.support.serving import serving

app = FastAPI()


@app.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"body": len(await request.body()), "headers": len(request.headers)}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serving(app) as base:
        yield base


def raw_request(url: str, head: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        try:
            s.sendall(head)
        except OSError:
            pass  # the server may close before it has read everything: that is the point
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_an_oversized_header_is_refused_before_the_app_sees_it(url):
    head = b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Filler: " + b"a" * (4 * MAX_HEAD_BYTES) + b"\r\ncontent-length: 0\r\n\r\n"
    assert raw_request(url, head).startswith(b"HTTP/1.1 431 ")


def test_many_headers_adding_up_past_the_bound_are_refused(url):
    headers = b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 200) for i in range(200))
    assert raw_request(url, b"POST /echo HTTP/1.1\r\nHost: x\r\n" + headers + b"content-length: 0\r\n\r\n").startswith(b"HTTP/1.1 431 ")


def test_a_header_that_never_ends_is_refused_once_it_passes_the_bound(url):
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nX-Filler: ")
        for _ in range(2 * MAX_HEAD_BYTES // 1024):
            try:
                s.sendall(b"a" * 1024)
            except OSError:
                break
            time.sleep(0.002)
        assert s.recv(65536).startswith(b"HTTP/1.1 431 ")


def test_large_bodies_and_normal_headers_pass_on_one_connection(url):
    with httpx.Client(base_url=url) as client:
        for size in (10, 300_000, 10):
            r = client.post("/echo", content=b"x" * size, headers={"X-Trace": "t" * 4000})
            assert r.status_code == 200 and r.json()["body"] == size
