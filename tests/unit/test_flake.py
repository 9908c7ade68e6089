"""flake.nix is at least valid Nix: nixpkgs cannot be fetched here, so the flake is never built, but
`nix-instantiate --parse` checks its syntax and that every variable it uses is bound, and its outputs
can be listed without nixpkgs.
Debian's `nix-bin` has the tool; without it the test skips, except under CI=true (.ci/run installs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAKE = Path(__file__).resolve().parents[2] / "flake.nix"


def nix_instantiate() -> str:
    path = shutil.which("nix-instantiate")
    if path is None:
        message = "nix-instantiate is not installed (apt-get install nix-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI=true requires it")
        pytest.skip(message)
    return path


def test_flake_parses() -> None:
    result = subprocess.run(
        [nix_instantiate(), "--parse", str(FLAKE)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr


# The flake's outputs, evaluated as far as they go without nixpkgs: a stub with only `lib.genAttrs`
# is enough to list the attribute names, since Nix evaluates nothing else until it is needed.
OUTPUT_NAMES = """
let
  flake = import FLAKE;
  genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
  outputs = flake.outputs { self = outputs; nixpkgs = { lib = { inherit genAttrs; }; }; };
  names = builtins.attrNames;
in {
  top = names outputs;
  packages = builtins.mapAttrs (_: names) outputs.packages;
  checks = builtins.mapAttrs (_: names) outputs.checks;
  devShells = builtins.mapAttrs (_: names) outputs.devShells;
  nixosModules = names outputs.nixosModules;
}
"""


def test_flake_has_the_outputs_the_readme_names() -> None:
    expression = OUTPUT_NAMES.replace("FLAKE", str(FLAKE))
    result = subprocess.run(
        [nix_instantiate(), "--eval", "--strict", "--json", "-E", expression],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["top"] == ["checks", "devShells", "nixosModules", "overlays", "packages"]
    for system in ("x86_64-linux", "aarch64-linux"):
        assert outputs["packages"][system] == ["default", "image"]
        assert outputs["checks"][system] == ["amtool", "promtool", "pytest"]
        assert outputs["devShells"][system] == ["default"]
    assert outputs["nixosModules"] == ["default"]
