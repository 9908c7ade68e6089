"""`appliance plugins ...`: discover, inspect, switch and test plugins.

Offline by default: the commands read the plugin folders and edit the config file (a running
appliance watches that file and applies a change within a second). With `--server URL --token
TOKEN` (env APPLIANCE_SERVER, APPLIANCE_TOKEN) they act on a running server through its admin API
instead: that is where `load`, `unload` and `reload` change what serves.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from appliance.cli.common import add_data_option, data_dir, print_json
from appliance.errors import ApplianceError, NotFoundError, UsageError
from appliance.plugins import config as cfg
from appliance.plugins.discovery import default_roots, describe, discover, plugin_dirs
from appliance.plugins.loader import read_manifest
from appliance.plugins.manager import PluginManager
from appliance.plugins.testing import run_test

SERVER_ENV = "APPLIANCE_SERVER"
TOKEN_ENV = "APPLIANCE_TOKEN"
TIMEOUT = 60.0


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "plugins",
        help="discover, list, switch and test plugins",
        description="Language and tool plugins: offline on the plugin folders and the config file, "
        "or on a running server with --server.",
    )
    sub = parser.add_subparsers(title="plugin commands", metavar="COMMAND", required=True)
    specs: list[tuple[str, str, list[str]]] = [
        ("discover", "the plugins found (nothing is loaded)", []),
        ("list", "every plugin and its state", []),
        ("info", "one plugin in detail", ["name"]),
        ("load", "load a plugin (offline: load and validate it)", ["name"]),
        ("unload", "stop a plugin serving (a running server only)", ["name"]),
        ("reload", "load a plugin again, even if unchanged", ["name"]),
        ("enable", "let a plugin load (plugins.yaml)", ["name"]),
        ("disable", "keep a plugin from loading (plugins.yaml)", ["name"]),
        ("set-config", "set one of a plugin's settings (plugins.yaml)", ["name", "key", "value"]),
        ("get-config", "a plugin's settings and where each comes from", ["name"]),
        ("test", "parse a plugin's samples (or FILE) and print the symbols, checked", ["name", "files"]),
    ]
    for command, help_text, positionals in specs:
        p = sub.add_parser(command, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        for positional in positionals:
            if positional == "files":
                p.add_argument("files", nargs="*", type=Path, metavar="FILE", help="files to parse instead")
            else:
                p.add_argument(positional, metavar=positional.upper())
        _add_common(p)
        p.set_defaults(run=run, command=command)


def add_plugin_options(parser: argparse.ArgumentParser) -> None:
    """--plugins-dir and --plugins-config, for every command that loads plugins."""
    parser.add_argument(
        "--plugins-dir",
        action="append",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of plugins (repeatable; env APPLIANCE_PLUGINS_DIR; default /plugins if it exists)",
    )
    parser.add_argument(
        "--plugins-config", type=Path, default=None, metavar="FILE", help="default DATA/plugins.yaml"
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_plugin_options(parser)
    add_data_option(parser)
    parser.add_argument("--server", default=None, metavar="URL", help=f"a running server (env {SERVER_ENV})")
    parser.add_argument("--token", default=None, metavar="TOKEN", help=f"its admin token (env {TOKEN_ENV})")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the loader does")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.CRITICAL, format="%(levelname)s %(message)s"
    )
    server = args.server or os.environ.get(SERVER_ENV)
    backend: _Backend = (
        _Remote(server, args.token or os.environ.get(TOKEN_ENV, "")) if server else _Offline(args)
    )
    command = args.command
    if command == "discover":
        records = backend.discover()
        _emit(args, {"plugins": records}, lambda: _print_discovery(records))
        return 0
    if command == "list":
        listing = backend.listing()
        _emit(args, listing, lambda: _print_list(listing))
        return 0
    if command == "get-config":
        settings = backend.get_config(args.name)
        _emit(args, settings, lambda: _print_config(settings))
        return 1 if settings.get("error") else 0
    if command == "set-config":
        settings = backend.set_config(args.name, args.key, args.value)
        _emit(args, settings, lambda: _print_config(settings))
        return 0
    if command == "test":
        files = [(str(f), _read(f)) for f in args.files]
        report = backend.test(args.name, files)
        _emit(args, report, lambda: _print_test(report))
        return 0 if report["ok"] else 1
    status = backend.info(args.name) if command == "info" else backend.act(args.name, command)
    _emit(args, status, lambda: _print_status(status))
    return 1 if status.get("state") == "failed" and command in ("load", "reload") else 0


class _Backend:
    def discover(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def listing(self) -> dict[str, Any]:
        raise NotImplementedError

    def info(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def act(self, name: str, action: str) -> dict[str, Any]:
        raise NotImplementedError

    def get_config(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def set_config(self, name: str, key: str, value: str) -> dict[str, Any]:
        raise NotImplementedError

    def test(self, name: str, files: list[tuple[str, bytes]]) -> dict[str, Any]:
        raise NotImplementedError


class _Offline(_Backend):
    """The plugin folders and the config file, in this process."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.dirs = plugin_dirs(args.plugins_dir)
        self.config_path: Path = args.plugins_config or data_dir(args) / cfg.DEFAULT_NAME
        self.roots = default_roots(self.dirs)

    def _manager(self) -> PluginManager:
        manager = PluginManager(self.dirs, config_path=self.config_path)
        manager.refresh()
        if manager.config_error:
            print(f"appliance: warning: {manager.config_error}", file=sys.stderr)
        return manager

    def _schema(self, name: str) -> dict[str, Any]:
        candidate = discover(self.roots).candidates.get(name)
        if candidate is None:
            raise NotFoundError(f"no plugin named {name!r} in {', '.join(str(r.path) for r in self.roots)}")
        return dict(read_manifest(candidate).config_schema)

    def discover(self) -> list[dict[str, Any]]:
        return describe(discover(self.roots))

    def listing(self) -> dict[str, Any]:
        manager = self._manager()
        try:
            return {
                "plugins": [p.to_json() for p in manager.list_plugins()],
                "config": {"path": str(self.config_path), "error": manager.config_error or None},
            }
        finally:
            manager.close()

    def info(self, name: str) -> dict[str, Any]:
        manager = self._manager()
        try:
            return manager.info(name).to_json()
        finally:
            manager.close()

    def act(self, name: str, action: str) -> dict[str, Any]:
        if action == "unload":
            raise UsageError(
                "offline, nothing is loaded to unload: give --server URL to unload a plugin from a running "
                "server, or `disable` it to keep it from loading"
            )
        if action in ("enable", "disable"):
            self._schema(name)  # the name must be a plugin's
            updated = cfg.update(self.config_path, name, enabled=action == "enable")
            return {
                "name": name,
                "state": "enabled" if updated.enabled(name) else "disabled",
                "source": str(self.config_path),
                "note": "a running appliance watching this file applies it within a second",
            }
        return self.info(name)  # load, reload: load everything as a server would, report this one

    def get_config(self, name: str) -> dict[str, Any]:
        schema = self._schema(name)
        return cfg.describe(cfg.load_config(self.config_path), name, schema, os.environ)

    def set_config(self, name: str, key: str, value: str) -> dict[str, Any]:
        schema = self._schema(name)
        if key not in schema:
            raise UsageError(
                f"plugin {name} has no setting {key!r} (its settings: {', '.join(schema) or 'none'})"
            )
        config = cfg.load_config(self.config_path)
        where = config.where(name, key)
        typed = cfg.check_value(cfg.coerce(value, schema[key], where), schema[key], where)
        cfg.update(self.config_path, name, key=key, value=typed)
        return self.get_config(name)

    def test(self, name: str, files: list[tuple[str, bytes]]) -> dict[str, Any]:
        manager = self._manager()
        try:
            return run_test(manager, name, files)
        finally:
            manager.close()


class _Remote(_Backend):
    """A running server's admin API."""

    def __init__(self, url: str, token: str) -> None:
        base = url.rstrip("/")
        self.base = base.removesuffix("/mcp")
        self.token = token

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read()).get("error") or e.reason
            except ValueError:
                message = e.reason
            if e.code == 404:
                raise NotFoundError(f"{self.base}: {message}") from e
            raise ApplianceError(f"{self.base}{path}: {e.code}: {message}") from e
        except (urllib.error.URLError, OSError) as e:
            raise ApplianceError(f"cannot reach {self.base}: {getattr(e, 'reason', e)}") from e

    def discover(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self._call("GET", "/admin/discover")["plugins"]
        return records

    def listing(self) -> dict[str, Any]:
        listing: dict[str, Any] = self._call("GET", "/admin/plugins")
        return listing

    def info(self, name: str) -> dict[str, Any]:
        status: dict[str, Any] = self._call("GET", f"/admin/plugins/{_quote(name)}")
        return status

    def act(self, name: str, action: str) -> dict[str, Any]:
        status: dict[str, Any] = self._call("POST", f"/admin/plugins/{_quote(name)}/{action}", {})
        return status

    def get_config(self, name: str) -> dict[str, Any]:
        settings: dict[str, Any] = self._call("GET", f"/admin/plugins/{_quote(name)}/config")
        return settings

    def set_config(self, name: str, key: str, value: str) -> dict[str, Any]:
        body = {"key": key, "value": value}
        settings: dict[str, Any] = self._call("POST", f"/admin/plugins/{_quote(name)}/set-config", body)
        return settings

    def test(self, name: str, files: list[tuple[str, bytes]]) -> dict[str, Any]:
        body = {"files": [{"path": p, "content": c.decode("utf-8", "replace")} for p, c in files]}
        report: dict[str, Any] = self._call("POST", f"/admin/plugins/{_quote(name)}/test", body)
        return report


def _quote(name: str) -> str:
    return urllib.parse.quote(name, safe="")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror}") from e


# Output.


def _emit(args: argparse.Namespace, record: dict[str, Any], text: Any) -> None:
    if args.json:
        print_json(record)
    else:
        text()


def _print_discovery(records: list[dict[str, Any]]) -> None:
    if not records:
        print("no plugins found")
    for r in records:
        notes = [f"by convention ({r['convention']})"] if r.get("convention") else []
        notes += [f"shadowed by {r['shadowed_by']}"] if r.get("shadowed_by") else []
        notes += [f"error: {r['error']}"] if r.get("error") else []
        print(
            f"{r['name']:<20} {r['origin']:<8} {r['source']}" + (f"  [{'; '.join(notes)}]" if notes else "")
        )


def _print_list(listing: dict[str, Any]) -> None:
    config = listing.get("config") or {}
    if config.get("error"):
        print(f"config: {config['error']} (the previous config stays in force)")
    plugins = listing["plugins"]
    if not plugins:
        print("no plugins")
    for p in plugins:
        what = ", ".join(p["languages"] or p["tools"]) or p["type"]
        version, kind = p["version"] or "-", p["type"] or "-"
        print(f"{p['name']:<20} {p['state']:<10} {p['origin']:<8} {version:<10} {kind:<8} {what}".rstrip())
        if p.get("error"):
            print(f"    error ({p.get('stage')}): {p['error']}")
        for conflict in p.get("conflicts") or []:
            print(f"    conflict: {conflict}")


def _print_status(status: dict[str, Any]) -> None:
    for key, value in status.items():
        if value in (None, [], "") and key not in ("state",):
            continue
        if isinstance(value, list):
            value = ", ".join(map(str, value))
        print(f"{key + ':':<14} {value}")


def _print_config(settings: dict[str, Any]) -> None:
    print(f"plugin:       {settings['plugin']} ({'enabled' if settings['enabled'] else 'disabled'})")
    print(f"file:         {settings['file']}")
    if settings.get("error"):
        print(f"error:        {settings['error']}")
    values = settings.get("settings") or {}
    for key, prop in settings["schema"].items():
        if key in settings["from_environment"]:
            source = f"environment {settings['from_environment'][key]}"
        elif key in settings["in_file"]:
            source = "file"
        else:
            source = "default" if key in values else "unset"
        shown = json.dumps(values[key]) if key in values else "-"
        print(f"  {key} = {shown}  ({prop.get('type')}, {source})")
    if not settings["schema"]:
        print("  (the plugin has no settings)")


def _print_test(report: dict[str, Any]) -> None:
    plugin = report["plugin"]
    print(f"{plugin['name']} {plugin['version']} ({plugin['state']}, {plugin['origin']}: {plugin['source']})")
    if report.get("error"):
        print(f"  error: {report['error']}")
    for f in report["files"]:
        if f.get("error"):
            print(f"{f['path']}: error: {f['error']}")
            continue
        golden = f.get("golden")
        verdict = (
            f"golden: {golden['asserted']} assertions, " + ("all hold" if golden["ok"] else "FAILED")
            if golden
            else "no golden assertions"
        )
        syntax = f", syntax error at line {f['syntax_error_line']}" if f.get("syntax_error_line") else ""
        print(f"{f['path']}: {f['language']}, {len(f['symbols'])} symbols, {verdict}{syntax}")
        for s in f["symbols"]:
            container = f"  (in {s['container']})" if s["container"] else ""
            print(f"  {s['line']:>5}:{s['column']:<4} {s['tag']:<24} {s['name']}{container}")
        if golden:
            for line, column, tag in golden["missing"]:
                print(f"  missing: {line}:{column} {tag}")
            for line, column, tag, name in golden["unasserted"]:
                print(f"  not asserted: {line}:{column} {tag} {name}")
    for tool in report["tools"]:
        print(f"tool {tool['name']}{tool['signature']}{'' if tool['read_only'] else '  (changes things)'}")
        print(f"    {tool['description']}")
    print("ok" if report["ok"] else "FAILED")
