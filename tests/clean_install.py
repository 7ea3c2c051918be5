"""What the installation tests share: a clean copy of the checkout, commands run with their output
shown on failure, and an environment that cannot lead Python back to this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
# What a build must not see: a past build, the checkout's own .mo files, local state.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "instance", "tests", "*.mo",
                                    "*.egg-info", "__pycache__", ".*cache", ".hypothesis",
                                    "test-output")


def clean_copy(target: Path) -> Path:
    """The checkout's sources copied to target, as a fresh clone would hold them."""
    shutil.copytree(CHECKOUT, target, ignore=NOT_SOURCE)
    return target


def run(*args: str | Path, timeout: float = 180, **kwargs) -> str:
    """Run a command; its output, or a failure that shows the output."""
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that could lead Python back to the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "AUDIT_", "FLASK_", "VIRTUAL_ENV", "SECRET_KEY",
                                "GUNICORN_", "WEB_CONCURRENCY"))}
    return {**env, **extra}
