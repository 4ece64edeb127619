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
import shutil
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


def ensure_chromium() -> str | None:
    """Install Debian's Chromium for the browser tests when it is missing; None when it is
    there, else why the browser tests cannot run here."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return None
    if not shutil.which("apt-get"):
        return "no Chromium and no apt-get to install it (install Chromium as `chromium`)"
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if sudo and not shutil.which("sudo"):
        return "no Chromium, and installing Debian's chromium package needs root"
    print("Installing Debian's chromium for the browser tests ...", flush=True)
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        done = subprocess.run(
            [*sudo, *step],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        if done.returncode != 0:
            return f"`{' '.join(step)}` failed (exit code {done.returncode})"
    return None if shutil.which("chromium") else "apt-get installed no chromium command"


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
    pytest_args = argv[1:]
    missing = ensure_chromium()
    if missing:
        print(f"Browser tests (tests/browser) not run: {missing}.", flush=True)
        pytest_args = ["-m", "not browser", *pytest_args]
    return run(
        [
            [python, "-m", "ruff", "check", "."],
            [python, "-m", "mypy"],
            [python, "-m", "pytest", *pytest_args],
        ]
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
