"""X-ReadinessURL=: a Type=simple unit is ready once a GET on the URL answers 2xx."""

from __future__ import annotations

import asyncio
import logging
import ssl
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

FIRST_INTERVAL = 0.1
MAX_INTERVAL = 1.0
REQUEST_TIMEOUT = 2.0


async def http_status(url: str) -> int:
    """One GET over HTTP/1.0; the status code. Raises OSError, TimeoutError or ValueError."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(host, port, ssl=ssl.create_default_context() if https else None),
        REQUEST_TIMEOUT,
    )
    try:
        writer.write(f"GET {target} HTTP/1.0\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT)
    finally:
        writer.close()
    version, _, rest = status_line.decode("latin-1").partition(" ")
    if not version.startswith("HTTP/") or not rest[:3].isdigit():
        raise ValueError(f"not an HTTP response: {status_line[:80]!r}")
    return int(rest[:3])


async def wait_until_ready(url: str) -> None:
    """Poll `url` until it answers 2xx, backing off up to MAX_INTERVAL. The caller bounds the time."""
    interval = FIRST_INTERVAL
    while True:
        try:
            if 200 <= await http_status(url) < 300:
                return
        except (OSError, TimeoutError, ValueError) as e:
            log.debug("%s: not ready yet: %s", url, e)
        await asyncio.sleep(interval)
        interval = min(interval * 2, MAX_INTERVAL)
