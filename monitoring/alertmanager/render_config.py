#!/usr/bin/env python3
"""Render Alertmanager's config for this container from alertmanager.yml and the environment.

Alertmanager does not expand environment variables, and the webhook `url_file` option came after
Debian bookworm's Alertmanager 0.25. So the alertmanager unit runs this first (with the appliance's
Python, which has PyYAML) and starts Alertmanager on the file it writes:

    render_config.py [--template alertmanager.yml] [--output /run/appliance/alertmanager.yml]

APPLIANCE_ALERT_WEBHOOK_URL set (http or https): the `webhook` receiver gets the URL and the
top-level route sends every alert to it. Unset or empty: the template is written as it is, routing
to the `null` receiver, so Alertmanager starts and keeps alerts without sending them. A value that
is not an http(s) URL is an error (exit status 2): a typo must not silently drop every alert.
The output is readable by its owner only, since webhook URLs often carry a token.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

ENV_VAR = "APPLIANCE_ALERT_WEBHOOK_URL"
WEBHOOK_RECEIVER = "webhook"
NULL_RECEIVER = "null"
DEFAULT_TEMPLATE = Path(__file__).with_name("alertmanager.yml")
DEFAULT_OUTPUT = Path("/run/appliance/alertmanager.yml")


class ConfigError(Exception):
    """The template or the environment cannot make a config."""


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        # The value is not echoed: webhook URLs often carry a token.
        scheme = repr(parts.scheme) if parts.scheme else "missing"
        raise ConfigError(f"{ENV_VAR} must be an http:// or https:// URL with a host (scheme: {scheme})")
    return url


def render(template: dict[str, Any], url: str | None) -> dict[str, Any]:
    """Return the config for a webhook URL (None: no webhook, route to the null receiver)."""
    config = dict(template)
    route = dict(config["route"])
    if not url:
        route["receiver"] = NULL_RECEIVER
        config["route"] = route
        return config
    receivers = [dict(r) for r in config["receivers"]]
    webhook = next((r for r in receivers if r["name"] == WEBHOOK_RECEIVER), None)
    if webhook is None or len(webhook.get("webhook_configs", [])) != 1:
        raise ConfigError(f"the template needs a receiver {WEBHOOK_RECEIVER!r} with one webhook config")
    webhook["webhook_configs"] = [{**webhook["webhook_configs"][0], "url": check_url(url)}]
    route["receiver"] = WEBHOOK_RECEIVER
    config["route"] = route
    config["receivers"] = receivers
    return config


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    url = os.environ.get(ENV_VAR, "").strip() or None
    try:
        template = yaml.safe_load(args.template.read_text(encoding="utf-8"))
        config = render(template, url)
    except (OSError, yaml.YAMLError, ConfigError) as e:
        print(f"render_config: {e}", file=sys.stderr)
        return 2
    header = f"# Rendered from {args.template} by render_config.py; edit the template, not this file.\n"
    write_private(args.output, header + yaml.safe_dump(config, sort_keys=False))
    target = "the webhook from " + ENV_VAR if url else f"the null receiver ({ENV_VAR} is not set)"
    print(f"render_config: wrote {args.output}: alerts go to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
