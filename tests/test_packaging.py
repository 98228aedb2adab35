"""One distribution, one import name: the top-level folders install as newsdesk.index, newsdesk.rag, ..."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FOLDERS = ("index", "rag", "ui", "eval", "prompts")


def test_only_newsdesk_is_importable_outside_the_checkout(tmp_path: Path) -> None:
    probe = (
        "import importlib.util as u\n"
        f"for name in {FOLDERS!r}:\n"
        "    assert u.find_spec(name) is None, name\n"
        f"for name in {FOLDERS!r}:\n"
        "    __import__('newsdesk.' + name)\n"
        "import newsdesk.index.read, newsdesk.rag.engines\n"
        "from newsdesk.prompts import load_prompt\n"
        "from newsdesk.eval.dataset import bundled_dataset\n"
        "assert load_prompt('abstain') and bundled_dataset().is_file()\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
