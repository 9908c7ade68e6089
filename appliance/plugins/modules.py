"""Plugin code under a fresh module name for every load, with imports private to the plugin.

Each load of a plugin folder makes a private package `_appliance_plugin_<name>_<n>` whose search
path is the folder, then its `lib/`: `plugin.py` runs as `<package>.plugin`, a sibling `rules.py`
as `<package>.rules`, a package installed into lib/ with `pip install --target lib` as
`<package>.<its name>`. The plugin's modules, and those lib/ brings, get their own `__import__`,
which resolves top-level names found in the folder or lib/ inside the private package and every
other name as usual. So two plugins may carry different versions of one library, neither shadows
the appliance's own, `sys.path` is never touched, and a reload (a new package name, like
mitmproxy's script addon; never importlib.reload) cannot see the previous version's modules.
Unloading drops the package's modules from sys.modules; the objects go once nothing uses them.
"""

from __future__ import annotations

import builtins
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import re
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from appliance.errors import PluginError

PREFIX = "_appliance_plugin_"
_counter = itertools.count(1)
_lock = threading.Lock()
_packages: dict[str, _Package] = {}  # private package name → its import rules


@dataclass
class LoadedCode:
    package: str  # every module of this load lives under this name
    module: ModuleType  # the plugin's entry module

    def unload(self) -> None:
        with _lock:
            _packages.pop(self.package, None)
            for name in [n for n in sys.modules if n == self.package or n.startswith(self.package + ".")]:
                del sys.modules[name]


class _Package:
    def __init__(self, name: str, path: list[str]) -> None:
        self.name = name
        self.path = path
        self.local: dict[str, bool] = {}  # top-level name → found in the folder or lib/
        self.builtins: dict[str, Any] = dict(builtins.__dict__, __import__=self.import_)

    def is_local(self, top: str) -> bool:
        found = self.local.get(top)
        if found is None:
            spec = importlib.machinery.PathFinder.find_spec(top, self.path)
            found = spec is not None and spec.origin is not None  # not a bare folder (namespace)
            self.local[top] = found
        return found

    def import_(
        self,
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> ModuleType:
        if level or not self.is_local(name.partition(".")[0]):
            return builtins.__import__(name, globals, locals, fromlist, level)
        module = importlib.import_module(f"{self.name}.{name}")
        return module if fromlist else sys.modules[f"{self.name}.{name.partition('.')[0]}"]


class _Loader(importlib.abc.Loader):
    """The path finder's own loader, giving each module the package's `__import__` before it runs."""

    def __init__(self, inner: importlib.abc.Loader, package: _Package) -> None:
        self.inner = inner
        self.package = package

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        module.__dict__["__builtins__"] = self.package.builtins
        self.inner.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # get_data, get_resource_reader, is_package...
        return getattr(self.inner, name)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules of the private packages, and only those."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(PREFIX):
            return None
        package = _packages.get(fullname.partition(".")[0])
        if package is None or path is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _Loader(spec.loader, package)
        return spec


_FINDER = _Finder()


def load_code(plugin: str, folder: Path, module: str = "plugin", lib: str = "", tag: str = "") -> LoadedCode:
    """Run `module` (a dotted name relative to `folder`) under a fresh private package."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    safe = re.sub(r"\W", "_", plugin)
    name = f"{PREFIX}{safe}_{tag or next(_counter)}"
    path = [str(folder)] + ([lib] if lib else [])
    package_module = ModuleType(name)
    package_module.__path__ = path
    package_module.__package__ = name
    with _lock:
        _packages[name] = _Package(name, path)
        sys.modules[name] = package_module
    loaded = LoadedCode(name, package_module)
    try:
        loaded.module = importlib.import_module(f"{name}.{module}")
    except SyntaxError as e:
        loaded.unload()
        where = f"{e.filename}:{e.lineno}" if e.filename else str(folder)
        raise PluginError(f"{where}: syntax error: {e.msg}") from e
    except BaseException as e:  # whatever the module raises while it runs, SystemExit included
        loaded.unload()
        if isinstance(e, KeyboardInterrupt):
            raise
        raise PluginError(f"{folder / module.replace('.', '/')}.py: fails on import: {_describe(e)}") from e
    return loaded


def module_file(folder: Path, module: str) -> Path:
    return folder / (module.replace(".", "/") + ".py")


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
