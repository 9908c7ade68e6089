"""Running the server: Hypercorn in this process (one worker), Hypercorn's workers, or stdio.

The listening socket is made here, before any worker starts: a port in use fails at once with a
clear message, and clients that connect while the app starts wait in the backlog instead of
being refused, so READY=1 (sent when the app has started) is true when it is sent. With several
workers the socket is handed to Hypercorn by file descriptor and the workers build the app from
the configuration in their environment (appliance.server.worker).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import tempfile
from pathlib import Path
from typing import cast

import anyio
from hypercorn.asyncio.run import worker_serve
from hypercorn.config import Config
from hypercorn.run import run as hypercorn_run
from hypercorn.typing import Framework
from hypercorn.utils import wrap_app

from appliance.errors import ConfigError, UsageError
from appliance.index.indexer import IndexOptions
from appliance.metrics import METRICS
from appliance.server.app import build_app, build_mcp, build_service
from appliance.server.auth import Token, load_tokens
from appliance.server.config import CONFIG_ENV, ServerConfig, check_exposure
from appliance.server.exposition import prepare_multiprocess_dir

log = logging.getLogger(__name__)

BACKLOG = 1024
GRACEFUL_SECONDS = 5.0


def load_configured_tokens(config: ServerConfig) -> list[Token]:
    return load_tokens(Path(config.tokens_file)) if config.tokens_file else []


def serve_http(config: ServerConfig, index_options: IndexOptions | None = None) -> int:
    tokens = load_configured_tokens(config)
    check_exposure(config, bool(tokens))
    hypercorn = hypercorn_config(config)
    sock = listen(config)
    if config.workers == 1:
        service = build_service(config, METRICS, index_options)
        app = build_app(config, service, METRICS, tokens)
        hypercorn.bind = [f"fd://{sock.fileno()}"]
        sockets = hypercorn.create_sockets()
        sock.detach()  # the descriptor now belongs to Hypercorn's socket object
        framework = cast(Framework, app)  # an ASGI app; Hypercorn spells the ASGI types its own way
        asyncio.run(
            worker_serve(
                wrap_app(framework, hypercorn.wsgi_max_body_size, "asgi"), hypercorn, sockets=sockets
            )
        )
        return 0
    if config.repos:
        raise UsageError(
            "--workers > 1 serves an index another process writes: run `appliance watch PATH...` beside "
            "`appliance serve --workers N` (as the image does), or serve PATHs with one worker"
        )
    metrics_dir = Path(config.metrics_dir or tempfile.mkdtemp(prefix="appliance-metrics-"))
    prepare_multiprocess_dir(metrics_dir)
    os.environ[CONFIG_ENV] = config.to_json()
    hypercorn.bind = [f"fd://{sock.detach()}"]
    hypercorn.application_path = "appliance.server.worker:create_app()"
    return hypercorn_run(hypercorn)


def serve_stdio(config: ServerConfig, index_options: IndexOptions | None = None) -> int:
    service = build_service(config, METRICS, index_options)
    mcp = build_mcp(config, service, METRICS, auth_enabled=False)
    if service.background is not None:
        service.background.start()
    if service.plugin_runtime is not None:
        service.plugin_runtime.start()
    try:
        anyio.run(mcp.run_stdio_async)
    finally:
        if service.background is not None:
            service.background.stop()
        if service.plugin_runtime is not None:
            service.plugin_runtime.stop()
    return 0


def hypercorn_config(config: ServerConfig) -> Config:
    hypercorn = Config()
    hypercorn.workers = config.workers
    hypercorn.backlog = BACKLOG
    hypercorn.graceful_timeout = GRACEFUL_SECONDS
    hypercorn.accesslog = None
    hypercorn.errorlog = logging.getLogger("hypercorn.error")  # through our logging setup, once
    if config.certfile:
        if not config.keyfile:
            raise UsageError("--certfile needs --keyfile (the certificate's private key)")
        for path in (config.certfile, config.keyfile):
            if not os.access(path, os.R_OK):
                raise ConfigError(f"{path}: cannot read the TLS certificate or key")
        hypercorn.certfile = config.certfile
        hypercorn.keyfile = config.keyfile
    return hypercorn


def listen(config: ServerConfig) -> socket.socket:
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as e:
        sock.close()
        raise UsageError(f"cannot listen on {config.host}:{config.port}: {e.strerror}") from e
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock
