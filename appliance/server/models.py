"""What the MCP tools return: typed models, published as each tool's output schema.

Built from the engine's own result types by `from_*` constructors; the fields a client pages
with (`offset`, `next_offset`, `total`) are the same on every paginated result.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from appliance.index.lookup import FileText, OutlineNode, SymbolHit
from appliance.index.search import Match
from appliance.index.store import RepoInfo

RANKS = ("exact", "exact ignoring case", "same words", "prefix", "fuzzy")


def next_offset(offset: int, shown: int, total: int) -> int | None:
    return offset + shown if shown and offset + shown < total else None


def iso(timestamp: float) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None


class Page(BaseModel):
    total: int = Field(description="How many results there are in all (matching lines for search_code).")
    offset: int = Field(description="How many results were skipped (the offset asked for).")
    next_offset: int | None = Field(
        description="Pass this as `offset` to get the next page; null when this page is the last."
    )


class CodeMatch(BaseModel):
    repo: str = Field(description="Repository name.")
    path: str = Field(description="Path of the file inside the repository.")
    line: int = Field(description="Line number, from 1.")
    column: int = Field(description="Byte column of the first match on the line, from 1.")
    text: str = Field(description="The matching line.")
    before: list[str] = Field(default_factory=list, description="Lines before the match (when context > 0).")
    after: list[str] = Field(default_factory=list, description="Lines after the match (when context > 0).")

    @classmethod
    def from_match(cls, m: Match) -> CodeMatch:
        return cls(
            repo=m.repo,
            path=m.path,
            line=m.line,
            column=m.column,
            text=m.text,
            before=list(m.before),
            after=list(m.after),
        )


class SearchResults(Page):
    files: int = Field(description="How many files hold at least one matching line.")
    complete: bool = Field(
        description="False when the time budget ran out: totals are then lower bounds, "
        "and later pages may miss results."
    )
    matches: list[CodeMatch] = Field(description="This page of matching lines (empty with count_only).")


class Symbol(BaseModel):
    repo: str = Field(description="Repository name.")
    path: str = Field(description="Path of the file inside the repository.")
    line: int = Field(description="Line where the symbol (or reference) starts, from 1.")
    column: int = Field(description="Column where its name starts, from 1.")
    end_line: int = Field(description="Line where the definition ends (the reference's line for references).")
    name: str = Field(description="The name as written in the source.")
    kind: str = Field(description="function, method, class, struct, call, ...")
    container: str = Field(
        description="Enclosing definition (class of a method, function of a call); empty at top level."
    )
    language: str = Field(description="Language of the file.")
    signature: str = Field(description="First line of the definition, when known.")
    match: str = Field(description=f"How the name matched the query: {', '.join(RANKS)}.")

    @classmethod
    def from_hit(cls, h: SymbolHit) -> Symbol:
        return cls(
            repo=h.repo,
            path=h.path,
            line=h.line,
            column=h.column,
            end_line=h.end_line,
            name=h.name,
            kind=h.kind,
            container=h.container,
            language=h.language,
            signature=h.signature,
            match=RANKS[min(h.rank, len(RANKS) - 1)],
        )


class SymbolResults(Page):
    symbols: list[Symbol] = Field(
        description="This page of results, best matches first (empty with count_only)."
    )


class OutlineEntry(BaseModel):
    name: str = Field(description="Name of the definition.")
    kind: str = Field(description="function, class, method, ...")
    line: int = Field(description="First line, from 1.")
    end_line: int = Field(description="Last line.")
    signature: str = Field(description="First line of the definition, when known.")
    children: list[OutlineEntry] = Field(
        default_factory=list, description="Definitions nested inside this one."
    )

    @classmethod
    def from_node(cls, n: OutlineNode) -> OutlineEntry:
        return cls(
            name=n.name,
            kind=n.kind,
            line=n.line,
            end_line=n.end_line,
            signature=n.signature,
            children=[cls.from_node(c) for c in n.children],
        )


class FileOutline(BaseModel):
    repo: str = Field(description="Repository name.")
    path: str = Field(description="Path of the file inside the repository.")
    language: str = Field(description="Language of the file (empty when no plugin parses it).")
    outline: list[OutlineEntry] = Field(description="Top-level definitions, each with the ones nested in it.")


class FileSlice(BaseModel):
    repo: str = Field(description="Repository name.")
    path: str = Field(description="Path of the file inside the repository.")
    language: str = Field(description="Language of the file.")
    start_line: int = Field(description="First line returned, from 1.")
    end_line: int = Field(description="Last line returned.")
    total_lines: int = Field(description="Lines in the whole file.")
    text: str = Field(description="The lines start_line..end_line, joined by newlines.")
    next_start_line: int | None = Field(
        description="Where the rest begins when the answer stopped short of the requested end "
        "(line cap); else null."
    )

    @classmethod
    def from_text(cls, t: FileText, wanted_end: int | None) -> FileSlice:
        goal = t.total_lines if wanted_end is None else min(wanted_end, t.total_lines)
        return cls(
            repo=t.repo,
            path=t.path,
            language=t.language,
            start_line=t.start,
            end_line=t.end,
            total_lines=t.total_lines,
            text=t.text,
            next_start_line=t.end + 1 if t.end < goal else None,
        )


class Repo(BaseModel):
    name: str = Field(description="Repository name, used as `repo` by the other tools.")
    root: str = Field(description="Folder the repository was indexed from.")
    files: int = Field(description="Files in the index.")
    symbols: int = Field(description="Definitions and references in the index.")
    bytes: int = Field(description="Source bytes in the index.")
    indexed_at: str | None = Field(
        description="When a change to this repository last reached the index (UTC, ISO 8601)."
    )

    @classmethod
    def from_info(cls, info: RepoInfo) -> Repo:
        return cls(
            name=info.name,
            root=info.root,
            files=info.files,
            symbols=info.symbols,
            bytes=info.bytes,
            indexed_at=iso(info.indexed_at),
        )


class RepoList(BaseModel):
    repos: list[Repo] = Field(description="Every indexed repository, by name.")
    total: int = Field(description="How many repositories are indexed.")


class Progress(BaseModel):
    files_done: int = Field(description="Files looked at so far in this pass.")
    files_total: int = Field(description="Files this pass has to look at.")
    bytes_done: int = Field(description="Bytes read so far.")
    bytes_total: int = Field(description="Bytes this pass has to read.")
    percent: float = Field(description="bytes_done / bytes_total, in percent.")


class RepoStatus(Repo):
    state: str = Field(
        description="queued, indexing, watching (kept current by this server), failed, or indexed "
        "(kept current by a separate indexer process, if one runs)."
    )
    age_seconds: float | None = Field(description="Seconds since the last change reached the index.")
    lag_seconds: float | None = Field(
        description="Age of the oldest change seen but not yet searchable; 0 when current; null when this "
        "server does not watch the repository."
    )
    progress: Progress | None = Field(
        description="How far the current indexing pass is; null when none runs."
    )
    error: str | None = Field(description="Why the last indexing pass failed, if it did.")


class IndexStatus(BaseModel):
    ready: bool = Field(description="True when the index is open and can answer queries.")
    reason: str | None = Field(description="Why the index is not ready, when it is not.")
    mode: str = Field(
        description="`indexing` when this server indexes and watches its repositories, else `read-only`."
    )
    data_dir: str = Field(description="Data directory holding the index.")
    repos: list[RepoStatus] = Field(description="Every repository, indexed or queued.")


class Plugin(BaseModel):
    name: str = Field(description="Plugin name (its folder name when it failed to load).")
    version: str = Field(description="Plugin version, from its manifest.")
    type: str = Field(description="Plugin type: language, tool or hooks.")
    languages: list[str] = Field(description="Languages it indexes.")
    extensions: list[str] = Field(description="File extensions it claims.")
    tools: list[str] = Field(default_factory=list, description="MCP tools it adds (tool plugins).")
    state: str = Field(description="active, loaded, discovered, failed or disabled (docs/plugins.md).")
    error: str | None = Field(description="Why it failed, or why its newest version failed, when it did.")


class PluginList(BaseModel):
    plugins: list[Plugin] = Field(description="Every plugin found, active ones first.")


class ReindexResult(BaseModel):
    queued: list[str] = Field(description="Repositories queued for a rescan.")
    message: str = Field(description="What happens next.")
