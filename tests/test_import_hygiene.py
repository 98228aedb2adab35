"""Importing newsdesk changes no process-wide state: no csv field limit, nltk search path, logger level or
handler, warning filter or environment variable is set by an import; components set what they need
where they are built or the work runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Run in a fresh interpreter: every third-party module newsdesk imports is imported first (their own
# import-time changes, like bm25s setting its logger to DEBUG, are theirs), then the state is read, then
# every newsdesk module is imported and the state read again.
PROBE = r"""
import csv, importlib, json, logging, os, pkgutil, sys, warnings

def newsdesk_modules():
    import newsdesk
    names = ["newsdesk"]
    for package in ("newsdesk", "newsdesk.index", "newsdesk.rag", "newsdesk.ui", "newsdesk.eval",
                    "newsdesk.prompts"):
        module = importlib.import_module(package)
        names += [m.name for m in pkgutil.walk_packages(module.__path__, package + ".")]
    return sorted(name for name in set(names) if not name.endswith(".__main__"))

def state():
    import nltk
    loggers = {name: (logger.level, len(logger.handlers), logger.disabled)
               for name, logger in logging.root.manager.loggerDict.items()
               if isinstance(logger, logging.Logger)}
    return {
        "csv_field_size_limit": csv.field_size_limit(),
        "nltk_path": list(nltk.data.path),
        "root": [logging.root.level, [type(h).__name__ for h in logging.root.handlers]],
        "loggers": loggers,
        "warning_filters": [repr(f) for f in warnings.filters],
        "environ": dict(os.environ),
        "sys_path": list(sys.path),
    }

if sys.argv[1] == "list":
    names = newsdesk_modules()
    for name in names:
        importlib.import_module(name)
    others = sorted(n for n in sys.modules if not n.startswith(("newsdesk", "__main__")))
    print(json.dumps({"newsdesk": names, "others": others}))
else:
    listed = json.loads(sys.stdin.read())
    for name in listed["others"]:
        try:
            importlib.import_module(name)
        except Exception:
            pass  # a private or platform module that does not import on its own
    before = state()
    for name in listed["newsdesk"]:
        importlib.import_module(name)
    after = state()
    changed = {key: {"before": before[key], "after": after[key]} for key in before
               if before[key] != after[key]}
    if "loggers" in changed:  # only the loggers that were there before and changed, or new ones with a level
        old, new = before["loggers"], after["loggers"]
        changed["loggers"] = {n: new[n] for n in new if old.get(n, (0, 0, False)) != new[n]}
        if not changed["loggers"]:
            del changed["loggers"]
    print(json.dumps({"modules": len(listed["newsdesk"]), "changed": changed}))
"""


def run_probe(*args: str, cwd: Path, stdin: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_importing_every_module_changes_no_global_state(tmp_path: Path) -> None:
    listed = run_probe("list", cwd=tmp_path)
    assert {"newsdesk.index.read.records", "newsdesk.index.sentences", "newsdesk.cli"} <= set(
        listed["newsdesk"]
    )
    report = run_probe("check", cwd=tmp_path, stdin=json.dumps(listed))
    assert report["modules"] == len(listed["newsdesk"])
    assert report["changed"] == {}, report["changed"]
