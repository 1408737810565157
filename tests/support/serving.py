"""An ASGI app under the services' own HTTP server (uvicorn with the bounded httptools
protocol), in a thread, for tests that need real sockets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from ruralcredit_common.server import BoundedHttpTools
from ruralcredit_dev.broker import free_port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port until the block ends; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, loop="asyncio", http=BoundedHttpTools,
                                           log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
