"""Fixtures for the plugin system end to end: the example plugins made ready to drop, with the Lua
grammar in the Lua plugin's own lib/ (the grammar is not among the appliance's dependencies).

The grammar comes from the tree-sitter-lua wheel: copied from this environment when it is installed
there, else installed with `pip install --target` (pip reaches PyPI in CI). A machine with neither
skips the tests that need it, outside CI; under CI=true they fail instead.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "plugins"
LUA_GRAMMAR = "tree-sitter-lua>=0.2,<1"


@pytest.fixture(scope="session")
def lua_lib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lib/ folder holding the tree_sitter_lua package, as `pip install --target lib` makes it."""
    target = tmp_path_factory.mktemp("lua-lib")
    try:
        dist = importlib.metadata.distribution("tree-sitter-lua")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None and dist.files:
        for file in dist.files:
            source = Path(str(dist.locate_file(file)))
            if source.is_file() and "__pycache__" not in file.parts:
                (target / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / file)
        return target
    pip = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--target",
        str(target),
        LUA_GRAMMAR,
    ]
    done = subprocess.run(pip, capture_output=True, text=True, check=False, timeout=300)
    if done.returncode != 0:
        reason = f"{LUA_GRAMMAR} is not installed and pip cannot install it: {done.stderr.strip()[-300:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return target


@pytest.fixture
def staged(tmp_path: Path, lua_lib: Path) -> Path:
    """The example plugins, complete, in a staging folder (lua/ with its lib/, word-count/)."""
    staging = tmp_path / "staging"
    shutil.copytree(EXAMPLES / "lua", staging / "lua", ignore=shutil.ignore_patterns("lib", "__pycache__"))
    shutil.copytree(lua_lib, staging / "lua" / "lib")
    shutil.copytree(
        EXAMPLES / "word-count", staging / "word-count", ignore=shutil.ignore_patterns("__pycache__")
    )
    return staging
