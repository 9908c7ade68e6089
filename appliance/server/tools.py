"""The MCP tools: typed functions that ask the index and shape the answer. No logic of their own.

Each tool's docstring is its description, each argument's `Field` description its schema text,
and its return model its output schema. An `ApplianceError` from the index becomes a `ToolError`
at this boundary, which the SDK answers as an `isError` result carrying the message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from appliance.errors import ApplianceError
from appliance.index.lookup import SymbolQuery
from appliance.index.search import MAX_PATTERN, SearchQuery
from appliance.server.auth import ADMIN, caller_scopes
from appliance.server.models import (
    CodeMatch,
    FileOutline,
    FileSlice,
    IndexStatus,
    OutlineEntry,
    PluginList,
    ReindexResult,
    Repo,
    RepoList,
    SearchResults,
    Symbol,
    SymbolResults,
    next_offset,
)
from appliance.server.service import IndexService

T = TypeVar("T")

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
MAX_CONTEXT = 20
MAX_NAME = 400
MAX_PATH = 4096

READ_ONLY = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
ADMIN_ACTION = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

Repo_ = Annotated[
    str | None, Field(description="Only this repository (a name from list_repos).", max_length=MAX_NAME)
]
Language = Annotated[
    str | None, Field(description="Only files of this language (python, c, cpp, ...).", max_length=64)
]
Limit = Annotated[int, Field(description=f"At most this many results (1..{MAX_LIMIT}).", ge=1, le=MAX_LIMIT)]
Offset = Annotated[
    int,
    Field(description="Skip this many results: pass the previous answer's next_offset.", ge=0, le=MAX_OFFSET),
]
CountOnly = Annotated[bool, Field(description="Answer with the totals only, no results.")]
Name = Annotated[
    str,
    Field(
        description="Symbol name, e.g. get_user, UserStore, parse_args.", min_length=1, max_length=MAX_NAME
    ),
]
Kind = Annotated[
    str | None, Field(description="Only this kind: function, method, class, struct, call, ...", max_length=64)
]
Prefix = Annotated[bool, Field(description="Also names that start with `name`.")]
Fuzzy = Annotated[bool, Field(description="Also names within a few typos of `name`.")]
RepoName = Annotated[
    str, Field(description="Repository name (from list_repos).", min_length=1, max_length=MAX_NAME)
]
Path_ = Annotated[
    str,
    Field(
        description="Path of a file inside the repository, e.g. src/app/main.py.",
        min_length=1,
        max_length=MAX_PATH,
    ),
]


@contextmanager
def errors() -> Iterator[None]:
    """Turn the index's errors into tool errors: the client sees the message, not a crash."""
    try:
        yield
    except ApplianceError as e:
        raise ToolError(str(e)) from e


# Worker threads for the slow questions: enough to overlap a few searches, few enough that their
# memory stays small (each thread that decompresses files gets a malloc arena of its own, which
# is resident memory that stays).
THREADS = anyio.CapacityLimiter(8)


async def ask(work: Callable[[], T], *, quick: bool) -> T:
    """Run a question to the index. Quick ones (bounded, well under a millisecond) run on the event
    loop: a hop to a worker thread and back costs more than they do, in CPU and in latency. The rest
    (searches, reference lists, prefix and fuzzy scans) run on a worker thread, so a long one never
    holds up other clients."""
    with errors():
        return work() if quick else await anyio.to_thread.run_sync(work, limiter=THREADS)


def register_tools(mcp: MCPServer[Any], service: IndexService, auth_enabled: bool) -> None:
    @mcp.tool(title="Search code", annotations=READ_ONLY)
    async def search_code(
        pattern: Annotated[
            str,
            Field(
                description="Text to find, or an RE2 regular expression with regex=true. "
                "Matches within one line, like ripgrep.",
                min_length=1,
                max_length=MAX_PATTERN,
            ),
        ],
        regex: Annotated[bool, Field(description="Treat pattern as an RE2 regular expression.")] = False,
        ignore_case: Annotated[bool, Field(description="Match case-insensitively.")] = False,
        repo: Repo_ = None,
        glob: Annotated[
            str | None,
            Field(
                description="Only paths matching this glob (gitignore syntax, e.g. "
                "`*.py` or `src/**`); several separated by commas; `!GLOB` excludes.",
                max_length=MAX_PATH,
            ),
        ] = None,
        language: Language = None,
        limit: Limit = 50,
        offset: Offset = 0,
        context: Annotated[
            int,
            Field(
                description=f"Lines of context around each match (0..{MAX_CONTEXT}).", ge=0, le=MAX_CONTEXT
            ),
        ] = 0,
        count_only: CountOnly = False,
    ) -> SearchResults:
        """Exact code search over every indexed file: each line matching a literal string or a regular
        expression, with its repository, path, line and column, like ripgrep. Results are paged
        (offset, next_offset) and counted in full (total, files)."""
        query = SearchQuery(
            pattern=pattern,
            regex=regex,
            ignore_case=ignore_case,
            repos=(repo,) if repo else (),
            globs=tuple(g.strip() for g in (glob or "").split(",") if g.strip()),
            languages=(language,) if language else (),
            limit=0 if count_only else limit,
            offset=offset,
            context=context,
        )
        result = await ask(lambda: service.search(query), quick=False)
        shown = len(result.matches)
        return SearchResults(
            total=result.total,
            offset=offset,
            next_offset=None if count_only else next_offset(offset, shown, result.total),
            files=result.files,
            complete=result.complete,
            matches=[CodeMatch.from_match(m) for m in result.matches],
        )

    async def symbols(query: SymbolQuery, references: bool, count_only: bool) -> SymbolResults:
        # Definitions of one exact name are few; references to a common one can be tens of thousands.
        quick = not (references or query.prefix or query.fuzzy)
        result = await ask(lambda: service.lookup().symbols(query, references=references), quick=quick)
        return SymbolResults(
            total=result.total,
            offset=query.offset,
            next_offset=None if count_only else next_offset(query.offset, len(result.hits), result.total),
            symbols=[Symbol.from_hit(h) for h in result.hits],
        )

    @mcp.tool(title="Find a symbol's definitions", annotations=READ_ONLY)
    async def find_symbol(
        name: Name,
        kind: Kind = None,
        language: Language = None,
        repo: Repo_ = None,
        prefix: Prefix = False,
        fuzzy: Fuzzy = False,
        limit: Limit = 50,
        offset: Offset = 0,
        count_only: CountOnly = False,
    ) -> SymbolResults:
        """Where a function, class, method, type or variable is defined. Ranked: the exact name first,
        then the same name ignoring case and underscores (getUser finds get_user), then with prefix=true
        names starting with it, then with fuzzy=true names a few typos away."""
        query = SymbolQuery(
            name=name,
            kinds=(kind,) if kind else (),
            languages=(language,) if language else (),
            repos=(repo,) if repo else (),
            prefix=prefix,
            fuzzy=fuzzy,
            limit=0 if count_only else limit,
            offset=offset,
        )
        return await symbols(query, False, count_only)

    @mcp.tool(title="Find references to a symbol", annotations=READ_ONLY)
    async def find_references(
        name: Name,
        kind: Kind = None,
        language: Language = None,
        repo: Repo_ = None,
        prefix: Prefix = False,
        fuzzy: Fuzzy = False,
        limit: Limit = 50,
        offset: Offset = 0,
        count_only: CountOnly = False,
    ) -> SymbolResults:
        """Where a symbol is used: calls, type references and other uses by name, each with the
        definition that contains it. Ranked and paged like find_symbol."""
        query = SymbolQuery(
            name=name,
            kinds=(kind,) if kind else (),
            languages=(language,) if language else (),
            repos=(repo,) if repo else (),
            prefix=prefix,
            fuzzy=fuzzy,
            limit=0 if count_only else limit,
            offset=offset,
        )
        return await symbols(query, True, count_only)

    @mcp.tool(title="Outline a file", annotations=READ_ONLY)
    async def file_outline(repo: RepoName, path: Path_) -> FileOutline:
        """The definitions of one file as a tree (classes with their methods, and so on), each with its
        line range: the quickest way to see what a file holds before reading it."""
        meta, roots = await ask(lambda: service.lookup().outline(repo, path), quick=True)
        return FileOutline(
            repo=repo,
            path=meta.path,
            language=meta.language,
            outline=[OutlineEntry.from_node(n) for n in roots],
        )

    @mcp.tool(title="Read a file", annotations=READ_ONLY)
    async def read_file(
        repo: RepoName,
        path: Path_,
        start_line: Annotated[int, Field(description="First line to return, from 1.", ge=1)] = 1,
        end_line: Annotated[
            int | None,
            Field(
                description="Last line to return (default: the end of the file; at "
                "most 5000 lines per call).",
                ge=1,
            ),
        ] = None,
    ) -> FileSlice:
        """An indexed file's text, or a range of its lines. Only files in the index are served: paths
        with '..', absolute paths and symbolic links are refused."""
        text = await ask(lambda: service.lookup().read(repo, path, start_line, end_line), quick=True)
        return FileSlice.from_text(text, end_line)

    @mcp.tool(title="List repositories", annotations=READ_ONLY)
    async def list_repos() -> RepoList:
        """Every indexed repository with its size: names to pass as `repo` to the other tools."""
        infos = await ask(service.repos, quick=True)
        repos = [Repo.from_info(info) for _, info in sorted(infos.items())]
        return RepoList(repos=repos, total=len(repos))

    @mcp.tool(title="Index status", annotations=READ_ONLY)
    async def index_status() -> IndexStatus:
        """Whether the index is ready, and per repository: files, symbols, bytes, when it last changed,
        how far behind the files on disk it is, and the progress of any indexing under way."""
        return await ask(service.status, quick=True)

    @mcp.tool(title="List plugins", annotations=READ_ONLY)
    async def list_plugins() -> PluginList:
        """The language plugins: name, version, languages and file extensions, and whether each is
        active or failed to load (with the reason)."""
        return PluginList(plugins=service.plugins())

    @mcp.tool(title="Rescan repositories", annotations=ADMIN_ACTION)
    async def reindex(
        ctx: Context,
        repo: Annotated[
            str | None,
            Field(description="Repository to rescan; omit to rescan every repository.", max_length=MAX_NAME),
        ] = None,
    ) -> ReindexResult:
        """Bring the index in line with the files on disk now (admin scope only): changed and new files
        are indexed, deleted ones removed. Runs in the background; follow it with index_status."""
        if ADMIN not in caller_scopes(ctx.request_context.request, auth_enabled):
            raise ToolError("reindex needs a token with the admin scope; this token has the read scope only")
        queued = await ask(lambda: service.reindex(repo), quick=True)
        return ReindexResult(queued=queued, message="rescan queued; index_status shows its progress")
