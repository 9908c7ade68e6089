"""Fixtures for the server's tests: a small indexed repository, the app around it, and MCP clients
that talk to the app in process through the real protocol (the SDK's Streamable HTTP client over
httpx's ASGI transport: JSON-RPC, sessions, SSE, headers and all, without a socket).

`served` builds an app over the indexed repository; the `connect` fixture, called with an app,
runs the app's lifespan and yields an initialized `mcp.Client`. Test modules import nothing from here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette

from appliance.index.indexer import Indexer, IndexOptions
from appliance.index.store import Store
from appliance.metrics import Metrics
from appliance.plugins.discovery import bundled_plugins_dir
from appliance.plugins.runtime import load_registry
from appliance.server.app import build_app, build_service
from appliance.server.auth import Token, parse_tokens
from appliance.server.config import ServerConfig

USERS_PY = '''\
import os


class UserStore:
    """Keeps users."""

    def get_user(self, user_id):
        return fetch_row(user_id)

    def save_user(self, user):
        return write_row(user)


def getUser(user_id):
    return UserStore().get_user(user_id)


def fetch_row(key):
    return os.environ.get(key)
'''

HELPERS_PY = """\
from users import UserStore


class AdminStore(UserStore):
    def get_user(self, user_id):
        return None


def get_usr(name):
    return name.title()
"""

README = "Hello World\nhello again, world\nHELLO LOUD WORLD\nnothing to see\n"

SMALL_REPO = {"src/users.py": USERS_PY, "src/helpers.py": HELPERS_PY, "docs/README.txt": README}
READ_TOKEN = "read-token-0123456789abcdef"
ADMIN_TOKEN = "admin-token-0123456789abcdef"
TOKENS_FILE = f"# tokens for the tests\n{READ_TOKEN} read\n{ADMIN_TOKEN} admin  # the operator\n"
HOST = "127.0.0.1:8080"


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@dataclass
class Served:
    """An indexed repository (named `repo`), and a way to build the app over it."""

    root: Path
    data: Path
    metrics: Metrics
    plugins: Path

    def config(self, **changes: Any) -> ServerConfig:
        changes.setdefault("plugin_roots", (str(self.plugins),))
        changes.setdefault("data_dir", str(self.data))
        return ServerConfig(**changes)

    def app(self, tokens: list[Token] | None = None, **changes: Any) -> Starlette:
        config = self.config(**changes)
        return build_app(config, build_service(config, self.metrics), self.metrics, tokens)

    def sample(self, name: str, labels: dict[str, str] | None = None) -> float:
        value = self.metrics.registry.get_sample_value(name, labels or {})
        return 0.0 if value is None else value


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def _close_stores() -> Iterator[None]:
    yield
    Store.close_all()


@pytest.fixture(scope="session")
def plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plugins folder holding the Python plugin alone: loading all ten takes seconds, per app."""
    root = tmp_path_factory.mktemp("plugins")
    (root / "python").symlink_to(bundled_plugins_dir() / "python")
    return root


def index_repo(
    base: Path, files: Mapping[str, str | bytes], plugins: Path, name: str = "repo"
) -> tuple[Path, Path]:
    root = base / name
    root.mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    data = base / "data"
    store = Store.open(data, writable=True)
    registry, _ = load_registry([plugins])
    Indexer(store, registry, IndexOptions(workers=1), Metrics(CollectorRegistry())).index(name, str(root))
    return root, data


@pytest.fixture
def served(tmp_path: Path, plugins: Path) -> Served:
    root, data = index_repo(tmp_path, SMALL_REPO, plugins)
    return Served(root, data, Metrics(CollectorRegistry()), plugins)


@pytest.fixture
def tokens() -> list[Token]:
    """A read token and an admin token, as the server loads them; `token_values` has the secrets."""
    return parse_tokens(TOKENS_FILE, "tokens")


@pytest.fixture
def token_values() -> dict[str, str]:
    return {"read": READ_TOKEN, "admin": ADMIN_TOKEN}


@asynccontextmanager
async def _http_client(
    app: Starlette, headers: Mapping[str, str] | None = None
) -> AsyncIterator[httpx2.AsyncClient]:
    """An HTTP client wired to `app` in process, with the app's lifespan running."""
    async with app.router.lifespan_context(app):
        transport = httpx2.ASGITransport(app=app)
        base = f"http://{HOST}"
        async with httpx2.AsyncClient(transport=transport, base_url=base, headers=headers) as http:
            yield http


@asynccontextmanager
async def _connect(app: Starlette, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with _http_client(app, headers) as http:
        url = f"http://{HOST}/mcp"
        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
            yield client


@pytest.fixture
def connect() -> Callable[..., Any]:
    """connect(app, token=None): an async context manager yielding an initialized mcp.Client."""
    return _connect


@pytest.fixture
def http_client() -> Callable[..., Any]:
    """http_client(app, headers=None): an async context manager yielding an httpx2.AsyncClient."""
    return _http_client
