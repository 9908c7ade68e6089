"""A unit's environment and systemd's `$VAR` expansion of Exec lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.supervisor.environ import (
    EnvironmentFileError,
    expand_argv,
    read_environment_file,
    unit_environment,
)
from appliance.supervisor.model import Command, EnvironmentFile, Unit


def test_expansion_follows_systemd() -> None:
    env = {"ARGS": "--a 1  --b 'two words'", "HOST": "example.org", "EMPTY": ""}
    argv = ("/bin/x", "$ARGS", "${HOST}:80", "--host=$HOST", "${ARGS}", "$EMPTY", "$UNSET", "$$HOME")
    argv += ("${UNSET}x",)
    assert expand_argv(Command(argv), env) == [
        "/bin/x",
        "--a", "1", "--b", "two words",  # a lone $NAME is split into words
        "example.org:80",  # ${NAME} inside a word
        "--host=$HOST",  # $NAME inside a word is left alone, as in systemd
        "--a 1  --b 'two words'",  # a lone ${NAME} is one word, as is
        "$HOME",  # $$ is a literal $
        "x",
    ]


def test_colon_prefix_turns_expansion_off() -> None:
    command = Command(("/bin/x", "$HOME"), expand_env=False)
    assert expand_argv(command, {"HOME": "/root"}) == ["/bin/x", "$HOME"]


def test_environment_file_format() -> None:
    text = "# comment\n; comment\nA=1\n  B = two words  \nC=\"quoted value\"\nD='single'\n"
    text += "not a line\n1X=bad\n"
    assert read_environment_file(text) == {"A": "1", "B": "two words", "C": "quoted value", "D": "single"}


def test_precedence_inherited_then_extra_then_environment_then_file(tmp_path: Path) -> None:
    env_file = tmp_path / "env"
    env_file.write_text("FROM_FILE=file\nBOTH=file\n")
    unit = Unit(
        name="a.service", path="a.service",
        environment=(("BOTH", "environment"), ("OWN", "environment"), ("HOME", "/srv")),
        environment_files=(
            EnvironmentFile(str(env_file)),
            EnvironmentFile(str(tmp_path / "nope"), optional=True),
        ),
    )
    inherited = {"PATH": "/bin", "HOME": "/root", "NOTIFY_SOCKET": "/run/parent", "OWN": "inherited"}
    env = unit_environment(unit, inherited, {"USER": "appliance", "HOME": "/home/appliance"})
    assert env == {
        "PATH": "/bin", "HOME": "/srv", "USER": "appliance", "OWN": "environment", "BOTH": "file",
        "FROM_FILE": "file",
    }  # NOTIFY_SOCKET of whoever started the supervisor is not passed on


def test_a_missing_required_environment_file_is_an_error(tmp_path: Path) -> None:
    missing = EnvironmentFile(str(tmp_path / "nope"))
    unit = Unit(name="a.service", path="a.service", environment_files=(missing,))
    with pytest.raises(EnvironmentFileError, match="no such file"):
        unit_environment(unit, {}, {})
