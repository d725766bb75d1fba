"""Running the ``horde`` CLI as a user would: a child process, output captured."""

from __future__ import annotations

import subprocess
import sys

HORDE = [sys.executable, "-m", "horde"]


def horde(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    """Runs ``horde *args`` to completion and returns what it printed and its exit code."""
    return subprocess.run([*HORDE, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kwargs)
