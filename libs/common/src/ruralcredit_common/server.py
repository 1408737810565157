"""The HTTP server protocol the services run: uvicorn's httptools parser with a bound on the
request head.

uvicorn bounds the request line and headers (16 KiB) only with its h11 parser. With httptools a
client could make the server hold megabytes of headers before any check of ours runs, and
before authentication. This protocol answers 431 and closes the connection instead. Both that
and uvicorn's own 400 for a request it cannot parse are sent as problem details, like every
other error of the services.
"""

from __future__ import annotations

import uuid
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ruralcredit_common.observe import access, problem_bytes

# As uvicorn's h11 parser allows.
MAX_HEAD_BYTES = 16 * 1024


def _problem(status: int, reason: str, title: str, detail: str) -> bytes:
    """The raw response, with a request id of its own (the request's was never read) that its
    access-log line carries too."""
    rid = uuid.uuid4().hex
    body = problem_bytes(status, title, detail, rid)
    access.info("request refused before routing", extra={"status": status, "request_id": rid})
    return (
        b"HTTP/1.1 %d %s\r\ncontent-type: application/problem+json\r\nconnection: close\r\n"
        b"x-request-id: %s\r\ncontent-length: %d\r\n\r\n%s" % (status, reason.encode(), rid.encode(), len(body), body)
    )


def _too_large() -> bytes:
    return _problem(431, "Request Header Fields Too Large", "Request header fields too large",
                    f"the request line and headers may take at most {MAX_HEAD_BYTES} bytes")


def _unreadable() -> bytes:
    return _problem(400, "Bad Request", "Bad request", "the request is not valid HTTP/1.1")


class _HeadTooLarge(Exception):
    pass


class BoundedHttpTools(HttpToolsProtocol):
    """httptools, refusing a request whose line and headers exceed MAX_HEAD_BYTES."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head_bytes = 0  # of the parsed line and headers
        self._read_in_head = 0  # bytes read while the head was incomplete
        self._too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes, self._read_in_head = True, 0, 0

    def _count(self, n: int) -> None:
        self._head_bytes += n
        if self._head_bytes > MAX_HEAD_BYTES:
            self._too_large = True
            # Raised inside a parser callback: httptools stops parsing and uvicorn answers
            # through send_400_response, which sends the 431 below instead.
            raise _HeadTooLarge

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        self.transport.write(_too_large() if self._too_large else _unreadable())
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # One header still incomplete after many reads is held by the parser and reaches no
        # callback until it ends: bound what was read meanwhile. Counted after parsing, so a
        # body arriving with its headers is not taken for headers.
        if self._in_head and not self.transport.is_closing():
            self._read_in_head += len(data)
            if self._read_in_head > MAX_HEAD_BYTES:
                self._too_large = True
                self.send_400_response("")
