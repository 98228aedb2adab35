"""Input that breaks readers: symlink loops, crafted zips, NUL characters anywhere, folders and files the
user may not read. Each is one clear line naming the file and the reason; every good file still goes in."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from newsdesk.index.models import RawDocument
from newsdesk.index.read import UnreadableSource, read_documents

from tests.fixtures.cli import SHARED_CORPORA

BBC = SHARED_CORPORA / "bbc"


def read_all(*paths: Path) -> tuple[list[str], dict[str, str]]:
    """(sources of the articles read, {source: reason} of the problems)."""
    articles, problems = [], {}
    for result in read_documents(list(paths)):
        if isinstance(result, RawDocument):
            articles.append(result.source)
        else:
            assert isinstance(result, UnreadableSource)
            problems[result.source] = result.reason
    return articles, problems


def test_symlink_loops_and_broken_links_are_named_as_such(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(BBC / "tech" / "001.txt", folder / "story.txt")
    (folder / "a.txt").symlink_to("b.txt")
    (folder / "b.txt").symlink_to("a.txt")
    (folder / "gone.txt").symlink_to("deleted.txt")
    (folder / "again").symlink_to(folder)  # a folder link back to the folder itself
    articles, problems = read_all(folder, folder / "a.txt")
    assert articles == [str((folder / "story.txt").resolve())]
    assert problems[str(folder / "a.txt")] == "symlink loop"
    assert problems[str(folder / "b.txt")] == "symlink loop"
    assert problems[str(folder / "gone.txt")] == "broken symlink (to deleted.txt)"
    assert problems[str(folder / "again")] == "symlink loop"


def test_a_zip_member_named_outside_the_archive_is_reported(tmp_path: Path) -> None:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("../../escape.txt", (BBC / "tech" / "002.txt").read_text(encoding="utf-8"))
        zipped.writestr("story.txt", (BBC / "tech" / "003.txt").read_text(encoding="utf-8"))
    articles, problems = read_all(archive)
    assert articles == [f"{archive}!/story.txt"]
    assert problems == {f"{archive}!/../../escape.txt": "member name points outside the archive; not read"}


def test_a_nul_character_is_refused_wherever_it_occurs(tmp_path: Path) -> None:
    story = (BBC / "tech" / "004.txt").read_bytes()
    (tmp_path / "early.txt").write_bytes(b"\x00" + story)
    (tmp_path / "late.txt").write_bytes(story * 4 + b"\x00 trailing")  # past the first 8 KB
    records = json.loads((SHARED_CORPORA / "reuters" / "reuters-004.json").read_text(encoding="utf-8"))
    good = [record for record in records if str(record.get("body") or "").strip()][:2]
    escaped = {**good[1], "body": good[1]["body"] + "\u0000"}  # a JSON "\u0000" escape
    (tmp_path / "feed.json").write_text(json.dumps([good[0], escaped]), encoding="utf-8")
    articles, problems = read_all(tmp_path)
    assert articles == [f"{tmp_path / 'feed.json'}#{good[0]['id']}"]
    assert problems[str(tmp_path / "early.txt")].startswith("binary file, not text")
    assert problems[str(tmp_path / "late.txt")].startswith("binary file, not text (a NUL character at offset")
    assert "not text (a NUL character" in problems[f"{tmp_path / 'feed.json'}#{escaped['id']}"]


def test_a_folder_or_file_the_user_may_not_read_is_one_line_each(tmp_path: Path) -> None:
    """Run without the power to read anything (the tests run as root, whose CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH pass every permission check; setpriv drops them): a locked folder given among others,
    and a file inside it named on the command line, are reported; the rest is read."""
    shared = tmp_path / "shared"
    (shared / "locked").mkdir(parents=True)
    shutil.copy(BBC / "tech" / "005.txt", shared / "open.txt")
    shutil.copy(BBC / "tech" / "006.txt", shared / "locked" / "hidden.txt")
    shutil.copy(BBC / "tech" / "007.txt", shared / "private.txt")
    (shared / "locked").chmod(0o000)
    (shared / "private.txt").chmod(0o000)
    probe = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from newsdesk.index.read import read_documents\n"
        "found = read_documents(map(Path, sys.argv[1:]))\n"
        "out = [[getattr(r, 'source'), getattr(r, 'reason', None)] for r in found]\n"
        "print(json.dumps(out))\n"
    )
    powerless = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]
    result = subprocess.run(
        [*powerless, sys.executable, "-c", probe, str(shared), str(shared / "locked" / "hidden.txt")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = {source: reason for source, reason in json.loads(result.stdout)}
    assert seen[str(shared / "open.txt")] is None  # read
    assert seen[str(shared / "locked")] == "cannot list folder: permission denied"
    assert seen[str(shared / "private.txt")] == "cannot read: Permission denied"
    assert seen[str(shared / "locked" / "hidden.txt")] == "cannot read: permission denied"


def test_a_read_only_archive_can_still_be_queried(sample_store: Path, tmp_path: Path) -> None:
    """A store the user may not write (a read-only mount, another user's archive; simulated by dropping
    root's power to write anything): questions and status work, an ingest says why it cannot."""
    store = tmp_path / "archive"
    shutil.copytree(sample_store, store)
    subprocess.run(["chmod", "-R", "a-w", str(store)], check=True)
    powerless = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]

    def newsdesk(*args: str) -> subprocess.CompletedProcess:
        command = [*powerless, sys.executable, "-m", "newsdesk", *args]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)

    asked = newsdesk("ask", "--store", str(store), "--json", "Who met in Tehran and when?")
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["abstained"] is False
    status = newsdesk("status", "--store", str(store), "--json")
    assert json.loads(status.stdout)["documents"] == 3
    refused = newsdesk("ingest", "--store", str(store), str(BBC / "tech" / "001.txt"))
    assert refused.returncode == 1 and "the store is read-only" in refused.stderr
    subprocess.run(["chmod", "-R", "u+w", str(store)], check=True)
