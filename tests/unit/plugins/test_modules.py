"""Plugin code: a fresh module per load, imports private to the plugin (its folder and its lib/)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from appliance.errors import PluginError
from appliance.plugins.modules import PREFIX, load_code


def write(folder: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def test_each_load_is_a_fresh_module(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"plugin.py": "COUNT = []\nCOUNT.append(1)\n"})
    first, second = load_code("p", folder), load_code("p", folder)
    try:
        assert first.module is not second.module
        assert first.module.COUNT == second.module.COUNT == [1]
        assert first.package != second.package
    finally:
        first.unload()
        second.unload()


def test_sibling_modules_and_lib_packages_import_privately(tmp_path: Path) -> None:
    a = write(
        tmp_path / "a",
        {
            "plugin.py": "import rules\nimport shared_dep\nfrom shared_dep.sub import WHO\n"
            "VALUE = (rules.X, shared_dep.V, WHO)\n",
            "rules.py": "X = 'rules of a'\n",
            "lib/shared_dep/__init__.py": "V = 1\n",
            "lib/shared_dep/sub.py": "import shared_dep\nWHO = shared_dep.V\n",
        },
    )
    b = write(
        tmp_path / "b",
        {"plugin.py": "import shared_dep\nVALUE = shared_dep.V\n", "lib/shared_dep/__init__.py": "V = 2\n"},
    )
    code_a, code_b = load_code("a", a, lib=str(a / "lib")), load_code("b", b, lib=str(b / "lib"))
    try:
        assert code_a.module.VALUE == ("rules of a", 1, 1)
        assert code_b.module.VALUE == 2
        assert "rules" not in sys.modules
        assert "shared_dep" not in sys.modules
        assert f"{code_a.package}.shared_dep.sub" in sys.modules
    finally:
        code_a.unload()
        code_b.unload()
    assert not [name for name in sys.modules if name.startswith((code_a.package, code_b.package))]


def test_other_imports_are_the_usual_ones(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"plugin.py": "import json\nfrom appliance.plugins import hookspecs\n"})
    code = load_code("p", folder)
    try:
        assert code.module.json is sys.modules["json"]
        assert code.module.hookspecs is sys.modules["appliance.plugins.hookspecs"]
    finally:
        code.unload()


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", {"plugin.py": "x = 1\ndef broken(:\n"})
    with pytest.raises(PluginError, match=r"plugin\.py:2: syntax error"):
        load_code("p", folder)
    assert not [name for name in sys.modules if name.startswith(f"{PREFIX}p_")]


@pytest.mark.parametrize(
    "statement", ["raise RuntimeError('no')", "raise SystemExit(3)", "import missing_dep"]
)
def test_a_module_failing_on_import_is_a_plugin_error(tmp_path: Path, statement: str) -> None:
    folder = write(tmp_path / "p", {"plugin.py": statement + "\n"})
    with pytest.raises(PluginError, match="fails on import"):
        load_code("p", folder)
