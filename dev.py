"""Set up a virtual environment for Bolden and run the bot or its tests.

Usage:
    python3 dev.py run [bolden arguments...]   # the bot (offline sandbox without BOLDEN_TOKEN)
    python3 dev.py test [pytest arguments...]  # lint, type check and the whole test suite

Only Python 3.11+ is needed: the first call creates `.venv` and installs the project into it;
later calls reinstall only when pyproject.toml has changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".bolden-installed"


def _python() -> Path:
    return BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_environment() -> None:
    """Create the venv and install the project when pyproject.toml is new or has changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an old python3
        sys.exit("Bolden needs Python 3.11 or newer.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    if not _python().exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Bolden and its dependencies into .venv ...", flush=True)
    pip = [str(_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--editable", f"{ROOT}[test]"], check=True, cwd=ROOT)
    STAMP.write_text(wanted)


def run(steps: list[list[str]]) -> int:
    for step in steps:
        code = _wait(subprocess.Popen(step, cwd=ROOT))
        if code != 0:
            return code
    return 0


def _wait(process: subprocess.Popen[bytes]) -> int:
    """Wait for the child; Ctrl-C reaches it too, and it shuts down by itself."""
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print(__doc__)
        return 2
    ensure_environment()
    python = str(_python())
    if argv[0] == "run":
        return run([[python, "-m", "bot", "run", *argv[1:]]])
    return run(
        [
            [python, "-m", "ruff", "check", "."],
            [python, "-m", "mypy"],
            [python, "-m", "pytest", *argv[1:]],
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
