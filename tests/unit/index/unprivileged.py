"""Run Python code where file permissions hold, even for root: as root, the child drops the
capabilities that bypass them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) with util-linux's setpriv."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

DROP = "-dac_override,-dac_read_search"


def run_python(code: str, *args: str) -> str:
    """Stdout of `python -c code args...`, run without permission-bypassing capabilities."""
    argv = [sys.executable, "-c", code, *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            if os.environ.get("CI") == "true":
                pytest.fail("setpriv (util-linux) is needed to test permissions as root")
            pytest.skip("running as root without setpriv: permissions cannot be enforced")
        argv = [setpriv, f"--bounding-set={DROP}", f"--inh-caps={DROP}", *argv]
    child = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert child.returncode == 0, child.stderr
    return child.stdout.strip()
