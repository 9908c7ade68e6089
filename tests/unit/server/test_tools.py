"""Every tool through the protocol: the SDK's client session against the app, in process.

Results are read from `structuredContent` (what the output schema promises); errors must be
`isError` results with a message a person can act on, and the session must keep working after them.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

pytestmark = pytest.mark.anyio

TOOLS = {
    "search_code",
    "find_symbol",
    "find_references",
    "file_outline",
    "read_file",
    "list_repos",
    "index_status",
    "reindex",
    "list_plugins",
}


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def error(client: Client, tool: str, **arguments: Any) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result.structured_content
    text: str = result.content[0].text  # type: ignore[union-attr]
    return text


async def test_tools_are_listed_with_descriptions_schemas_and_hints(served, connect) -> None:
    async with connect(served.app()) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema is not None, tool.name
        for name, prop in tool.input_schema.get("properties", {}).items():
            assert prop.get("description"), f"{tool.name}.{name} has no description"
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is (tool.name != "reindex"), tool.name
    limit = tools["search_code"].input_schema["properties"]["limit"]
    assert limit["maximum"] == 500 and limit["minimum"] == 1


async def test_search_code_pages_through_every_match(served, connect) -> None:
    async with connect(served.app()) as client:
        everything = await call(client, "search_code", pattern="user", ignore_case=True, limit=500)
        assert everything["complete"] and everything["next_offset"] is None
        total = everything["total"]
        assert total == len(everything["matches"]) > 4

        seen = []
        offset: int | None = 0
        while offset is not None:
            page = await call(client, "search_code", pattern="user", ignore_case=True, limit=3, offset=offset)
            assert page["total"] == total and page["offset"] == offset
            assert len(page["matches"]) <= 3
            seen += [(m["path"], m["line"]) for m in page["matches"]]
            offset = page["next_offset"]
    assert seen == [(m["path"], m["line"]) for m in everything["matches"]]


async def test_search_code_options(served, connect) -> None:
    async with connect(served.app()) as client:
        literal = await call(client, "search_code", pattern="hello")
        assert [(m["path"], m["line"]) for m in literal["matches"]] == [("docs/README.txt", 2)]
        folded = await call(client, "search_code", pattern="hello", ignore_case=True, context=1)
        assert folded["total"] == 3
        second = folded["matches"][1]
        assert second["before"] == ["Hello World"] and second["after"] == ["HELLO LOUD WORLD"]
        regex = await call(client, "search_code", pattern=r"def \w+_user\(", regex=True, repo="repo")
        assert {m["text"].strip() for m in regex["matches"]} == {
            "def get_user(self, user_id):",
            "def save_user(self, user):",
        }
        only_py = await call(
            client, "search_code", pattern="user", glob="*.py, !src/helpers.py", language="python"
        )
        assert {m["path"] for m in only_py["matches"]} == {"src/users.py"}
        counted = await call(client, "search_code", pattern="user", count_only=True)
        assert counted["matches"] == [] and counted["total"] > 0 and counted["files"] == 2
        assert counted["next_offset"] is None
        none = await call(client, "search_code", pattern="no such text anywhere")
        assert none["total"] == 0 and none["matches"] == []


async def test_find_symbol_ranks_pages_and_counts(served, connect) -> None:
    async with connect(served.app()) as client:
        found = await call(client, "find_symbol", name="get_user")
        assert [(s["path"], s["match"]) for s in found["symbols"]][:2] == [
            ("src/helpers.py", "exact"),
            ("src/users.py", "exact"),
        ]
        assert {s["name"] for s in found["symbols"]} == {"get_user", "getUser"}
        method = found["symbols"][1]
        assert method["kind"] == "method" and method["container"] == "UserStore" and method["line"] == 7
        fuzzy = await call(client, "find_symbol", name="get_user", fuzzy=True)
        assert "get_usr" in {s["name"] for s in fuzzy["symbols"]}
        classes = await call(client, "find_symbol", name="UserStore", kind="class")
        assert [s["path"] for s in classes["symbols"]] == ["src/users.py"]
        first = await call(client, "find_symbol", name="get_user", limit=1)
        assert first["total"] == 3 and first["next_offset"] == 1 and len(first["symbols"]) == 1
        rest = await call(client, "find_symbol", name="get_user", limit=5, offset=1)
        assert rest["next_offset"] is None and len(rest["symbols"]) == 2
        counted = await call(client, "find_symbol", name="get_user", count_only=True)
        assert counted == {"total": 3, "offset": 0, "next_offset": None, "symbols": []}


async def test_find_references(served, connect) -> None:
    async with connect(served.app()) as client:
        refs = await call(client, "find_references", name="fetch_row")
        assert [(r["path"], r["line"], r["container"]) for r in refs["symbols"]] == [
            ("src/users.py", 8, "get_user"),
        ]
        counted = await call(client, "find_references", name="get_user", count_only=True)
        assert counted["total"] >= 1 and counted["symbols"] == []


async def test_file_outline_and_read_file(served, connect) -> None:
    async with connect(served.app()) as client:
        outline = await call(client, "file_outline", repo="repo", path="src/users.py")
        assert outline["language"] == "python"
        top = {e["name"]: e for e in outline["outline"]}
        assert [c["name"] for c in top["UserStore"]["children"]] == ["get_user", "save_user"]
        text = await call(client, "read_file", repo="repo", path="src/users.py", start_line=4, end_line=5)
        assert text["text"] == 'class UserStore:\n    """Keeps users."""'
        assert (text["start_line"], text["end_line"], text["total_lines"]) == (4, 5, 19)
        whole = await call(client, "read_file", repo="repo", path="docs/README.txt")
        assert whole["text"].split("\n")[0] == "Hello World" and whole["next_start_line"] is None


async def test_list_repos_index_status_and_plugins(served, connect) -> None:
    async with connect(served.app()) as client:
        repos = await call(client, "list_repos")
        assert repos["total"] == 1 and repos["repos"][0]["name"] == "repo"
        assert repos["repos"][0]["files"] == 3 and repos["repos"][0]["indexed_at"]
        status = await call(client, "index_status")
        assert status["ready"] and status["mode"] == "read-only"
        (repo,) = status["repos"]
        assert repo["state"] == "indexed" and repo["age_seconds"] >= 0 and repo["lag_seconds"] is None
        plugins = (await call(client, "list_plugins"))["plugins"]
        python = next(p for p in plugins if p["name"] == "python")
        assert python["state"] == "active" and ".py" in python["extensions"] and python["version"]


@pytest.mark.parametrize(
    ("tool", "arguments", "expected"),
    [
        ("search_code", {"pattern": "(", "regex": True}, "invalid regex"),
        ("search_code", {"pattern": "x", "limit": 501}, "limit: Input should be less than or equal to 500"),
        ("search_code", {"pattern": "x" * (1 << 20)}, "pattern: String should have at most 4096 characters"),
        ("search_code", {"pattern": "a\0b"}, "NUL"),
        ("search_code", {"pattern": 42}, "pattern: Input should be a valid string"),
        ("search_code", {}, "pattern: Field required"),
        ("find_symbol", {"name": ""}, "name: String should have at least 1 character"),
        ("find_symbol", {"name": "x", "offset": -1}, "offset: Input should be greater than or equal to 0"),
        ("read_file", {"repo": "repo", "path": "../../etc/passwd"}, "'..' is refused"),
        ("read_file", {"repo": "repo", "path": "/etc/passwd"}, "absolute paths are refused"),
        ("read_file", {"repo": "repo", "path": "src/\0users.py"}, "NUL byte"),
        ("read_file", {"repo": "repo", "path": "src/users.py", "start_line": 99}, "past the end"),
        ("read_file", {"repo": "nope", "path": "a.py"}, "no repository named 'nope'"),
        ("file_outline", {"repo": "repo", "path": "src/missing.py"}, "is not in the index"),
        ("no_such_tool", {}, "Unknown tool: no_such_tool"),
    ],
)
async def test_bad_input_is_an_error_result_and_the_session_goes_on(
    served, connect, tool: str, arguments: dict[str, Any], expected: str
) -> None:
    async with connect(served.app()) as client:
        message = await error(client, tool, **arguments)
        assert expected in message
        assert len(message) < 500  # a sentence, not a dump of the input
        assert (await call(client, "list_repos"))["total"] == 1


async def test_catastrophic_regex_answers_at_once(served, connect) -> None:
    async with connect(served.app()) as client:
        result = await call(client, "search_code", pattern="(a+)+$", regex=True)
        assert result["complete"] and result["total"] == 0
        result = await call(client, "search_code", pattern="(x+x+)+y", regex=True, count_only=True)
        assert result["complete"]


async def test_symlinks_out_of_the_repository_are_not_served(tmp_path, connect, served) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("top secret\n")
    (served.root / "src" / "leak.txt").symlink_to(outside)
    async with connect(served.app()) as client:
        message = await error(client, "read_file", repo="repo", path="src/leak.txt")
        assert "not in the index" in message
        assert (await call(client, "search_code", pattern="top secret"))["total"] == 0


async def test_indexed_files_are_resources(served, connect) -> None:
    async with connect(served.app()) as client:
        templates = (await client.list_resource_templates()).resource_templates
        assert [t.uri_template for t in templates] == ["repo://{repo}/{+path}"]
        contents = (await client.read_resource("repo://repo/src/users.py")).contents
        assert contents[0].text.startswith("import os\n")  # type: ignore[union-attr]
        assert contents[0].mime_type == "text/plain"
        completion = await client.complete(
            ref={"type": "ref/resource", "uri": "repo://{repo}/{+path}"},
            argument={"name": "repo", "value": "re"},
        )
        assert completion.completion.values == ["repo"]


@pytest.mark.parametrize(
    "uri", ["repo://repo/../../etc/passwd", "repo://repo/%2Fetc%2Fpasswd", "repo://repo/nope.py"]
)
async def test_resources_outside_the_index_are_errors(served, connect, uri: str) -> None:
    from mcp.shared.exceptions import MCPError

    async with connect(served.app()) as client:
        with pytest.raises(MCPError):
            await client.read_resource(uri)
        assert (await call(client, "list_repos"))["total"] == 1


async def test_tool_calls_are_counted_by_tool_and_outcome(served, connect) -> None:
    async with connect(served.app()) as client:
        await call(client, "list_repos")
        await error(client, "search_code", pattern="(", regex=True)
        await error(client, "made_up_tool_name")
    assert served.sample("appliance_tool_calls_total", {"tool": "list_repos", "outcome": "ok"}) == 1
    assert served.sample("appliance_tool_calls_total", {"tool": "search_code", "outcome": "error"}) == 1
    assert served.sample("appliance_tool_calls_total", {"tool": "unknown", "outcome": "error"}) == 1
    assert served.sample("appliance_tool_call_duration_seconds_count", {"tool": "list_repos"}) == 1


async def test_sessions_open_goes_up_and_down(served, connect) -> None:
    app = served.app()
    async with connect(app):
        assert served.sample("appliance_mcp_sessions_open") == 1
    assert served.sample("appliance_mcp_sessions_open") == 0
