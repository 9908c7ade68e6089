"""What `appliance serve` was asked to do, as one value: where to listen, whom to let in, what to index.

`ServerConfig` crosses process boundaries (Hypercorn workers are spawned, not forked) as JSON in
the environment, so it holds plain values only.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass

from mcp.server.transport_security import TransportSecuritySettings

from appliance.errors import UsageError
from appliance.metrics import SERVER_PORT

DEFAULT_BIND = f"127.0.0.1:{SERVER_PORT}"
CONFIG_ENV = "APPLIANCE_SERVER_CONFIG"
TOKENS_ENV = "APPLIANCE_TOKENS_FILE"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
ANY_HOST = "*"


@dataclass(frozen=True)
class ServerConfig:
    data_dir: str
    host: str = "127.0.0.1"
    port: int = SERVER_PORT
    workers: int = 1
    certfile: str | None = None
    keyfile: str | None = None
    tokens_file: str | None = None
    insecure_no_auth: bool = False
    allowed_hosts: tuple[str, ...] = ()  # in addition to the bind address and the loopback names
    repos: tuple[tuple[str, str], ...] = ()  # (name, root): indexed in the background, then watched
    poll: bool = False
    plugin_roots: tuple[str, ...] = ()  # () means the bundled plugins
    plugin_dirs: tuple[str, ...] = ()  # mounted plugin folders, watched for plugins coming and going
    plugins_config: str | None = None  # plugins.yaml; None means DATA/plugins.yaml
    conformance_fixtures: bool = False
    metrics_dir: str | None = None  # PROMETHEUS_MULTIPROC_DIR when workers > 1

    @property
    def tls(self) -> bool:
        return self.certfile is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}/mcp"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ServerConfig:
        data = json.loads(text)
        data["allowed_hosts"] = tuple(data["allowed_hosts"])
        data["repos"] = tuple((name, root) for name, root in data["repos"])
        data["plugin_roots"] = tuple(data["plugin_roots"])
        data["plugin_dirs"] = tuple(data.get("plugin_dirs", ()))
        return cls(**data)

    @classmethod
    def from_environment(cls) -> ServerConfig:
        text = os.environ.get(CONFIG_ENV)
        if not text:
            raise UsageError(f"{CONFIG_ENV} is not set: start workers through `appliance serve`")
        return cls.from_json(text)


def parse_bind(bind: str) -> tuple[str, int]:
    """`HOST:PORT`, `[IPV6]:PORT` or `:PORT` (loopback) → (host, port)."""
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise UsageError(f"--bind {bind!r}: expected HOST:PORT, for example {DEFAULT_BIND}")
    host = host.removeprefix("[").removesuffix("]") or "127.0.0.1"
    return host, int(port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(config: ServerConfig, has_tokens: bool) -> None:
    """Refuse to serve an unauthenticated index beyond this machine, unless told to."""
    if has_tokens or config.insecure_no_auth or is_loopback(config.host):
        return
    raise UsageError(
        f"refusing to listen on {config.host}:{config.port} without authentication: anyone who can reach "
        f"the port could read every indexed file. Give a tokens file (--tokens-file or ${TOKENS_ENV}; "
        "one `TOKEN read|admin` per line), bind to 127.0.0.1, or pass --insecure-no-auth if a proxy "
        "in front of the server authenticates."
    )


def transport_security(config: ServerConfig) -> TransportSecuritySettings:
    """DNS-rebinding protection: the Host and Origin headers a browser may legitimately send.

    Allowed: the loopback names, the bind address when it is a specific one, and every
    --allowed-host, each with or without a port. `--allowed-host '*'` turns the check off
    (behind a reverse proxy that rewrites Host, with tokens required)."""
    if ANY_HOST in config.allowed_hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    names = list(LOOPBACK_NAMES)
    if config.host not in ("0.0.0.0", "::", "") and not is_loopback(config.host):
        names.append(f"[{config.host}]" if ":" in config.host else config.host)
    names += [h for h in config.allowed_hosts if h not in names]
    hosts = [pattern for name in names for pattern in (name, f"{name}:*")]
    origins = [f"{scheme}://{pattern}" for scheme in ("http", "https") for pattern in hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=hosts, allowed_origins=origins
    )
