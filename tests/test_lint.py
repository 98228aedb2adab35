"""The code base stays ruff-clean (lint and format), checked with the pinned ruff."""

from __future__ import annotations

import subprocess
import sys

from tests.fixtures.cli import REPO


def test_ruff_lint_and_format() -> None:
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=REPO, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
