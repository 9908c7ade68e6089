"""The image's entry script (rootfs/usr/local/bin/appliance-entrypoint): secrets from files or the
environment, generated once when absent (mode 0600, never a default), and settings that would leave
a unit failing in a loop stop the container before anything starts. The container itself is tested
in tests/infra; here the script's functions run against temporary paths."""

from __future__ import annotations

import os
import pwd
import stat
from collections.abc import Iterator
from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "rootfs/usr/local/bin/appliance-entrypoint"
SECRET_VARIABLES = (
    "APPLIANCE_TOKENS_FILE",
    "APPLIANCE_SERVER_ARGS",
    "APPLIANCE_ALERT_WEBHOOK_URL",
    "APPLIANCE_ALERT_WEBHOOK_URL_FILE",
    "GF_SECURITY_ADMIN_PASSWORD",
    "GF_SECURITY_ADMIN_PASSWORD__FILE",
    "GF_SECURITY_ADMIN_PASSWORD_FILE",
)


@pytest.fixture
def entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The script as a module, its paths under tmp_path; no secret variable set. The script sets
    variables for the units it starts: the environment is restored afterwards."""
    saved = dict(os.environ)
    loader = SourceFileLoader("appliance_entrypoint", str(SCRIPT))
    spec = spec_from_loader(loader.name, loader)
    assert spec is not None
    module = module_from_spec(spec)
    loader.exec_module(module)
    data = tmp_path / "data"
    (data / "grafana").mkdir(parents=True)
    grafana = tmp_path / "grafana-bin"
    grafana.touch()
    monkeypatch.setattr(module, "TOKENS", data / "tokens")
    monkeypatch.setattr(module, "GRAFANA_PASSWORD", data / "grafana" / "admin-password")
    monkeypatch.setattr(module, "GRAFANA", grafana)
    for name in SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield module
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def user() -> pwd.struct_passwd:
    """This process's user stands in for the image's `appliance` (chown to it works without root)."""
    return pwd.getpwuid(os.getuid())


def test_a_token_is_generated_once_private_and_kept(entry: ModuleType, user: pwd.struct_passwd) -> None:
    assert "generated" in entry.tokens(user)
    assert os.environ["APPLIANCE_TOKENS_FILE"] == str(entry.TOKENS)
    assert stat.S_IMODE(entry.TOKENS.stat().st_mode) == 0o600
    lines = [line for line in entry.TOKENS.read_text().splitlines() if not line.startswith("#")]
    token, scope = lines[0].split()
    assert (len(token) >= 32, scope) == (True, "read")
    del os.environ["APPLIANCE_TOKENS_FILE"]  # the next start of the container
    assert "kept" in entry.tokens(user)
    assert token in entry.TOKENS.read_text()


def test_a_given_tokens_file_must_exist(
    entry: ModuleType, user: pwd.struct_passwd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPLIANCE_TOKENS_FILE", str(tmp_path / "missing"))
    with pytest.raises(entry.Fatal, match="no such file"):
        entry.tokens(user)
    given = tmp_path / "tokens"
    given.write_text("x" * 20 + " admin\n")
    monkeypatch.setenv("APPLIANCE_TOKENS_FILE", str(given))
    assert "from " + str(given) in entry.tokens(user)
    assert not entry.TOKENS.exists()


def test_no_token_with_insecure_no_auth(
    entry: ModuleType, user: pwd.struct_passwd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPLIANCE_SERVER_ARGS", "--allowed-host example.org --insecure-no-auth")
    assert "--insecure-no-auth" in entry.tokens(user)
    assert not entry.TOKENS.exists()


def test_grafana_never_gets_a_default_password(entry: ModuleType, user: pwd.struct_passwd) -> None:
    assert "generated" in entry.grafana_password(user)
    path = entry.GRAFANA_PASSWORD
    assert os.environ["GF_SECURITY_ADMIN_PASSWORD__FILE"] == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 20 and path.read_text().strip() != "admin"


def test_grafana_password_from_a_file_with_either_spelling(
    entry: ModuleType, user: pwd.struct_passwd, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "grafana-admin"
    secret.write_text("correct horse\n")
    monkeypatch.setenv("GF_SECURITY_ADMIN_PASSWORD_FILE", str(secret))
    entry.grafana_password(user)
    # Grafana itself reads the two-underscore form.
    assert os.environ["GF_SECURITY_ADMIN_PASSWORD__FILE"] == str(secret)
    assert "GF_SECURITY_ADMIN_PASSWORD_FILE" not in os.environ
    assert not entry.GRAFANA_PASSWORD.exists()


def test_grafana_password_given_twice_is_refused(
    entry: ModuleType, user: pwd.struct_passwd, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GF_SECURITY_ADMIN_PASSWORD", "one")
    monkeypatch.setenv("GF_SECURITY_ADMIN_PASSWORD__FILE", "/run/secrets/two")
    with pytest.raises(entry.Fatal, match="not both"):
        entry.grafana_password(user)


def test_no_grafana_no_password(entry: ModuleType, user: pwd.struct_passwd) -> None:
    entry.GRAFANA.unlink()
    assert "not in this image" in entry.grafana_password(user)
    assert not entry.GRAFANA_PASSWORD.exists()


def test_webhook_url_from_a_file(entry: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = tmp_path / "webhook"
    url.write_text("https://hooks.example.com/T0/secret\n")
    monkeypatch.setenv("APPLIANCE_ALERT_WEBHOOK_URL_FILE", str(url))
    entry.webhook()
    assert os.environ["APPLIANCE_ALERT_WEBHOOK_URL"] == "https://hooks.example.com/T0/secret"


def test_a_webhook_url_that_is_not_one_stops_the_start(
    entry: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPLIANCE_ALERT_WEBHOOK_URL", "hooks.example.com/T0/secret")
    with pytest.raises(entry.Fatal) as refused:
        entry.webhook()
    assert "secret" not in str(refused.value)
    assert "APPLIANCE_ALERT_WEBHOOK_URL_FILE" not in os.environ


def test_no_webhook_is_fine(entry: ModuleType) -> None:
    assert "sent nowhere" in entry.webhook()
