"""The app of one Hypercorn worker when `appliance serve --workers N` runs several.

Hypercorn spawns each worker as a fresh interpreter and builds the app by evaluating
`appliance.server.worker:create_app()`; the configuration comes from the environment, where
`appliance serve` put it (with PROMETHEUS_MULTIPROC_DIR, read when prometheus_client loads).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette

from appliance.metrics import METRICS
from appliance.server.app import build_app, build_service
from appliance.server.auth import load_tokens
from appliance.server.config import ServerConfig


def create_app() -> Starlette:
    config = ServerConfig.from_environment()
    tokens = load_tokens(Path(config.tokens_file)) if config.tokens_file else []
    return build_app(config, build_service(config, METRICS), METRICS, tokens)
