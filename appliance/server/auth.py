"""Bearer tokens from a file, checked by a small ASGI middleware in front of /mcp.

The file holds one `TOKEN SCOPE` per line (scope `read` or `admin`), `#` starts a comment. A
presented token is hashed and compared with every configured token's hash by
`hmac.compare_digest`, all of them every time, so neither the position of a match nor a common
prefix shows in the timing. An authenticated request carries the SDK's `AuthenticatedUser` in
`scope["user"]`: the session manager then binds each MCP session to the token that opened it,
and tools read the caller's scopes from it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from starlette.authentication import AuthCredentials
from starlette.types import ASGIApp, Receive, Scope, Send

from appliance.errors import ConfigError

READ = "read"
ADMIN = "admin"
SCOPES = {READ: (READ,), ADMIN: (READ, ADMIN)}  # admin implies read
MIN_TOKEN_LENGTH = 16


@dataclass(frozen=True)
class Token:
    digest: bytes  # sha256 of the token; the token itself is not kept
    scopes: tuple[str, ...]
    principal: str  # names the token in logs and session bindings without revealing it


def parse_tokens(text: str, source: str) -> list[Token]:
    tokens: list[Token] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) != 2 or parts[1] not in SCOPES:
            raise ConfigError(f"{source}:{number}: expected `TOKEN read` or `TOKEN admin`")
        secret, scope = parts
        if len(secret) < MIN_TOKEN_LENGTH:
            raise ConfigError(f"{source}:{number}: token shorter than {MIN_TOKEN_LENGTH} characters")
        digest = hashlib.sha256(secret.encode()).digest()
        tokens.append(Token(digest, SCOPES[scope], f"token-{digest.hex()[:12]}"))
    return tokens


def load_tokens(path: Path) -> list[Token]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read the tokens file: {e.strerror}") from e
    tokens = parse_tokens(text, str(path))
    if not tokens:
        raise ConfigError(f"{path}: no tokens (one `TOKEN read|admin` per line)")
    return tokens


def match_token(tokens: Iterable[Token], presented: str) -> Token | None:
    """The token presented, compared in constant time with every configured token."""
    digest = hashlib.sha256(presented.encode("utf-8", "surrogateescape")).digest()
    found: Token | None = None
    for token in tokens:
        if hmac.compare_digest(token.digest, digest):
            found = token
    return found


def caller_scopes(request: Any, auth_enabled: bool) -> tuple[str, ...]:
    """The scopes of whoever sent `request` (a Starlette request, or None on stdio).

    Without tokens the server listens on loopback only (or was told --insecure-no-auth), and every
    caller has every scope; so does the process at the other end of a stdio pipe."""
    if not auth_enabled or request is None:
        return SCOPES[ADMIN]
    user = getattr(request, "scope", {}).get("user")
    return tuple(user.scopes) if isinstance(user, AuthenticatedUser) else ()


class BearerAuth:
    """Requires `Authorization: Bearer TOKEN` on the protected path prefixes; 401 otherwise."""

    def __init__(self, app: ASGIApp, tokens: list[Token], protected: tuple[str, ...] = ("/mcp",)) -> None:
        self.app = app
        self.tokens = tokens
        self.protected = protected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._protects(scope["path"]):
            await self.app(scope, receive, send)
            return
        presented = _bearer(scope)
        token = match_token(self.tokens, presented) if presented else None
        if token is None:
            await _unauthorized(send, "missing bearer token" if not presented else "invalid token")
            return
        access = AccessToken(token=token.principal, client_id=token.principal, scopes=list(token.scopes))
        scope["user"] = AuthenticatedUser(access)
        scope["auth"] = AuthCredentials(list(token.scopes))
        await self.app(scope, receive, send)

    def _protects(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.protected)


def _bearer(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            kind, _, credentials = value.decode("latin-1").partition(" ")
            return credentials.strip() if kind.lower() == "bearer" else ""
    return ""


async def _unauthorized(send: Send, reason: str) -> None:
    challenge = 'Bearer realm="appliance"'
    if reason == "invalid token":
        challenge += ', error="invalid_token"'
    body = json.dumps(
        {"error": "unauthorized", "error_description": f"{reason}: send Authorization: Bearer TOKEN"}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", challenge.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})
