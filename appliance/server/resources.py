"""Indexed files as MCP resources, `repo://{repo}/{+path}`, and completion of the repository name.

The path is a reserved expansion (`{+path}`, RFC 6570) so it keeps its slashes:
`repo://app/src/main.py`. The SDK's resource security rejects `..`, absolute paths and NUL bytes
in the parameters before the index is asked; the index serves only what it holds.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError
from mcp_types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from appliance.errors import ApplianceError
from appliance.index.lookup import MAX_READ_LINES
from appliance.server.service import IndexService

FILE_TEMPLATE = "repo://{repo}/{+path}"
MAX_COMPLETIONS = 100


def register_resources(mcp: MCPServer[Any], service: IndexService) -> None:
    @mcp.resource(
        FILE_TEMPLATE,
        name="indexed-file",
        title="Indexed file",
        mime_type="text/plain",
        description="The text of a file in the index: repo://REPO/PATH "
        "(a name from list_repos, a path inside it).",
    )
    def indexed_file(repo: str, path: str) -> str:
        try:
            lookup = service.lookup()
            chunks = [lookup.read(repo, path, 1, MAX_READ_LINES)]
            while chunks[-1].end < chunks[-1].total_lines:
                start = chunks[-1].end + 1
                chunks.append(lookup.read(repo, path, start, start + MAX_READ_LINES - 1))
        except ApplianceError as e:
            raise ResourceNotFoundError(str(e)) from e
        return "\n".join(c.text for c in chunks)

    @mcp.completion()  # type: ignore[no-untyped-call, untyped-decorator]
    async def complete(
        ref: ResourceTemplateReference | PromptReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        if (
            not isinstance(ref, ResourceTemplateReference)
            or ref.uri != FILE_TEMPLATE
            or argument.name != "repo"
        ):
            return None
        try:
            names = sorted(n for n in service.repos() if n.startswith(argument.value))
        except ApplianceError:
            names = []
        return Completion(
            values=names[:MAX_COMPLETIONS], total=len(names), has_more=len(names) > MAX_COMPLETIONS
        )
