"""Discovery: folders, conventions, origins, shadowing, fingerprints, entry points."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from appliance.plugins.discovery import (
    Root,
    bundled_plugins_dir,
    default_roots,
    discover,
    folder_fingerprint,
    is_temporary,
    plugin_dirs,
)

if TYPE_CHECKING:
    from conftest import Plugins


def test_folders_with_a_manifest_are_plugins_named_by_it(plugins: Plugins) -> None:
    plugins.language("snake")
    plugins.write("renamed-folder", {"plugin.yaml": "name: other\nversion: '1'\ntype: tool\n"})
    plugins.write("notes", {"README.md": "not a plugin"})
    found = discover([Root(plugins.root, "mounted")], entry_points=False)
    assert sorted(found.candidates) == ["other", "snake"]
    assert found.candidates["other"].folder == plugins.root / "renamed-folder"
    assert {c.origin for c in found.candidates.values()} == {"mounted"}


def test_a_manifest_in_flow_style_is_named_too(plugins: Plugins) -> None:
    plugins.write("folder", {"plugin.yaml": '{"name": "jsonish", "version": "1", "type": "tool"}\n'})
    plugins.write("quoted", {"plugin.yaml": "version: '1'\nname: 'quoted-name'  # a comment\n"})
    found = discover([Root(plugins.root, "mounted")], entry_points=False)
    assert sorted(found.candidates) == ["jsonish", "quoted-name"]


def test_an_unreadable_manifest_still_names_the_plugin_after_its_folder(plugins: Plugins) -> None:
    plugins.write("broken", {"plugin.yaml": "name: [unclosed\n"})
    found = discover([Root(plugins.root, "mounted")], entry_points=False)
    assert list(found.candidates) == ["broken"]


@pytest.mark.parametrize("name", [".hidden", "draft.tmp", "copy.part", "x.partial", ".#lock", "backup~"])
def test_temporary_and_hidden_folders_are_ignored(plugins: Plugins, name: str) -> None:
    plugins.language("snake", root=None)
    (plugins.root / "snake").rename(plugins.root / name)
    assert is_temporary(name)
    assert discover([Root(plugins.root, "mounted")], entry_points=False).candidates == {}


def test_a_plugin_py_alone_is_a_tool_plugin_named_after_its_folder(plugins: Plugins) -> None:
    plugins.write("counter", {"plugin.py": "pass\n"})
    candidate = discover([Root(plugins.root, "mounted")], entry_points=False).candidates["counter"]
    assert candidate.convention == "tool"
    assert candidate.manifest_data == {
        "name": "counter",
        "version": "0",
        "type": "tool",
        "description": f"plugin.py in {plugins.root / 'counter'}",
    }


def test_a_tags_query_alone_is_a_language_plugin_for_tree_sitter_folder(plugins: Plugins) -> None:
    plugins.write("python", {"queries/tags.scm": "", "samples/a.py": "", "samples/b.pyi": ""})
    candidate = discover([Root(plugins.root, "mounted")], entry_points=False).candidates["python"]
    assert candidate.convention == "language"
    assert candidate.manifest_data is not None
    assert candidate.manifest_data["grammar"] == "tree_sitter_python"
    assert candidate.manifest_data["file_extensions"] == [".py", ".pyi"]


def test_a_convention_folder_with_an_invalid_name_is_reported(plugins: Plugins) -> None:
    plugins.write("Bad Name", {"plugin.py": "pass\n"})
    candidate = discover([Root(plugins.root, "mounted")], entry_points=False).candidates["Bad Name"]
    assert "is not" in candidate.error


def test_mounted_shadows_bundled_of_the_same_name(plugins: Plugins, tmp_path: Path) -> None:
    bundled = tmp_path / "bundled"
    plugins.language("snake", root=bundled)
    plugins.language("snake")
    found = discover([Root(bundled, "bundled"), Root(plugins.root, "mounted")], entry_points=False)
    assert found.candidates["snake"].origin == "mounted"
    [(loser, winner)] = found.shadowed
    assert (loser.origin, winner.origin) == ("bundled", "mounted")


def test_the_fingerprint_changes_with_any_file_and_ignores_temporary_ones(plugins: Plugins) -> None:
    folder = plugins.language("snake")
    first = folder_fingerprint(folder)
    assert folder_fingerprint(folder) == first
    (folder / "queries" / ".tags.scm.swp").write_text("editor state")
    (folder / "plugin.py~").write_text("backup")
    assert folder_fingerprint(folder) == first
    query = folder / "queries" / "tags.scm"
    query.write_text(query.read_text() + "\n")
    assert folder_fingerprint(folder) != first


def test_plugin_dirs_default_to_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert plugin_dirs([tmp_path]) == [tmp_path]
    monkeypatch.setenv("APPLIANCE_PLUGINS_DIR", f"{tmp_path}/a:{tmp_path}/b")
    assert plugin_dirs(None) == [tmp_path / "a", tmp_path / "b"]


def test_the_bundled_plugins_are_discovered() -> None:
    found = discover(default_roots(), entry_points=False)
    bundled = {p.name for p in bundled_plugins_dir().iterdir() if (p / "plugin.yaml").is_file()}
    assert bundled <= set(found.candidates)
    assert all(found.candidates[name].origin == "bundled" for name in bundled)


def _install_entry_points(site: Path, entry_points: str) -> None:
    info = site / "demo_plugins-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: demo-plugins\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[appliance.plugins]\n" + textwrap.dedent(entry_points))


def test_entry_points_name_folders_modules_and_manifest_objects(
    plugins: Plugins, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    package = site / "demo_plugins"
    package.mkdir(parents=True)
    folder = plugins.language("snake", root=package)
    (package / "__init__.py").write_text(f"FOLDER = {str(folder)!r}\n")
    (package / "inline.py").write_text(
        "from appliance.plugins.hookspecs import hookimpl\n"
        "manifest = {'name': 'inline', 'version': '2', 'type': 'hooks'}\n"
        "class hooks:\n"
        "    @staticmethod\n"
        "    @hookimpl\n"
        "    def adjust_symbols(symbols):\n"
        "        return symbols\n"
    )
    _install_entry_points(
        site,
        """\
        snake = demo_plugins:FOLDER
        inline = demo_plugins.inline
        broken = demo_plugins.missing
        """,
    )
    monkeypatch.syspath_prepend(str(site))
    found = discover([], entry_points=True)
    assert found.candidates["snake"].folder == folder
    assert found.candidates["snake"].origin == "package"
    inline = found.candidates["inline"]
    assert inline.manifest_data == {"name": "inline", "version": "2", "type": "hooks"}
    assert (inline.module, inline.attribute) == ("demo_plugins.inline", "hooks")
    assert "cannot import" in found.candidates["broken"].error
    assert "demo-plugins 1.0" in found.candidates["broken"].source
