"""The settings: one group per component, read from the config file's tables and `NEWSDESK_<GROUP>__<FIELD>`;
the flat names of earlier releases still work, each with one warning line; engine names are one closed set."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import get_args

import pytest
from pydantic import BaseModel, ValidationError

from newsdesk.settings import (
    LEGACY_NAMES,
    DeprecatedSettingName,
    EngineName,
    Settings,
    engine_name,
    env_name,
    load_settings,
)
from tests.fixtures.cli import REPO, run_cli


@pytest.fixture(autouse=True)
def no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ./newsdesk.toml and no NEWSDESK_* variable of the machine running the tests."""
    monkeypatch.chdir(tmp_path)
    for name in [name for name in os.environ if name.upper().startswith("NEWSDESK_")]:
        monkeypatch.delenv(name)


def test_an_old_environment_name_still_works_and_warns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_TOP_K", "7")
    with pytest.warns(DeprecatedSettingName) as warned:
        settings = load_settings()
    assert settings.retrieval.top_k == 7
    assert [str(w.message) for w in warned] == ["NEWSDESK_TOP_K is deprecated; use NEWSDESK_RETRIEVAL__TOP_K"]


def test_old_names_that_are_group_names_now_are_regrouped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSDESK_STORE", str(tmp_path / "old-store"))
    monkeypatch.setenv("NEWSDESK_ENGINE", "openai")
    monkeypatch.setenv("NEWSDESK_EVAL_MIN_CORRECTNESS", "0.5")
    monkeypatch.setenv("NEWSDESK_ENGINE__OPENAI_MODEL", "qwen")  # a new name beside the old ones
    with pytest.warns(DeprecatedSettingName) as warned:
        settings = load_settings()
    assert settings.store.path == tmp_path / "old-store"
    assert (settings.engine.mode, settings.engine.openai_model) == ("openai", "qwen")
    assert settings.gate.min_correctness == 0.5
    assert sorted(str(w.message).split()[0] for w in warned) == [
        "NEWSDESK_ENGINE",
        "NEWSDESK_EVAL_MIN_CORRECTNESS",
        "NEWSDESK_STORE",
    ]


def test_the_new_name_wins_over_the_old_and_the_environment_over_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "newsdesk.toml"
    config.write_text("[retrieval]\ntop_k = 5\n[gate]\nmin_recall_at_k = 0.5\n", encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_TOP_K", "7")
    monkeypatch.setenv("NEWSDESK_EVAL_MIN_RECALL_AT_K", "0.6")
    monkeypatch.setenv("NEWSDESK_GATE__MIN_RECALL_AT_K", "0.7")
    with pytest.warns(DeprecatedSettingName):
        settings = load_settings(config)
    assert settings.retrieval.top_k == 7  # an old environment name still beats the file
    assert settings.gate.min_recall_at_k == 0.7  # the new name beats the old one


def test_old_flat_keys_of_the_config_file_move_into_their_groups(tmp_path: Path) -> None:
    config = tmp_path / "old.toml"
    config.write_text(
        'store = "/srv/newsdesk"\nengine = "ollama"\ntop_k = 5\nserve_concurrency = 3\n'
        "[retrieval]\ntop_k = 6\n",
        encoding="utf-8",
    )
    with pytest.warns(DeprecatedSettingName) as warned:
        settings = load_settings(config)
    assert str(settings.store.path) == "/srv/newsdesk"
    assert settings.engine.mode == "ollama"
    assert settings.retrieval.top_k == 6  # given both ways: the table's value
    assert settings.serve.concurrency == 3
    assert f"{config}: serve_concurrency is deprecated; use concurrency under [serve]" in [
        str(w.message) for w in warned
    ]
    assert len(warned) == 4


def test_grouped_names_from_file_environment_and_flags(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "newsdesk.toml"
    config.write_text('[fields]\ndefault_outlet = "Reuters"\n[serve]\nupload_max_mb = 10\n', encoding="utf-8")
    monkeypatch.setenv("NEWSDESK_FIELDS__BODY", "text")
    monkeypatch.setenv("NEWSDESK_INGEST__BATCH", "16")
    settings = load_settings(config, serve={"auth": "editor:secret", "concurrency": None})
    assert (settings.fields.default_outlet, settings.fields.body) == ("Reuters", "text")
    assert (settings.ingest.batch, settings.serve.upload_max_mb) == (16, 10)
    assert settings.serve.login() == ("editor", "secret")
    assert settings.serve.concurrency == 2  # None: the flag was not given


def test_every_old_name_maps_to_a_field_and_is_documented() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for old, (group, field) in LEGACY_NAMES.items():
        model = Settings.model_fields[group].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        assert field in model.model_fields, (old, group, field)
        row = re.search(rf"^\|.*`NEWSDESK_{old.upper()}`.*$", readme, re.MULTILINE)
        assert row is not None, f"README: no row for NEWSDESK_{old.upper()}"
        assert f"`{env_name(group, field)}`" in row.group(0)


def test_engine_names_are_one_closed_set() -> None:
    assert get_args(EngineName) == ("extractive", "local", "ollama", "openai")
    assert engine_name("ollama") == "ollama"
    with pytest.raises(ValidationError, match="unknown engine 'oracle'; choose one of: extractive, local"):
        engine_name("oracle")
    with pytest.raises(ValidationError, match=r"engine\.mode\n.*unknown engine 'gpt-9'"):
        load_settings(engine={"mode": "gpt-9"})


def test_the_pages_engine_choice_is_checked_by_the_same_set() -> None:
    from newsdesk.ui.chat import BadRequest, ChatService

    from newsdesk.components import Components

    service = ChatService(Components(load_settings(engine={"mode": "ollama"})))
    assert service.engine("") == "ollama"
    assert service.engine(" local ") == "local"
    with pytest.raises(BadRequest, match="unknown engine 'gpt-9'"):
        service.engine("gpt-9")


def test_cli_prints_one_line_per_deprecated_name(sample_store: Path) -> None:
    store = sample_store
    result = run_cli("status", "--store", str(store), "--json", env={"NEWSDESK_TOP_K": "7"})
    assert result.stderr.splitlines() == [
        "newsdesk: NEWSDESK_TOP_K is deprecated; use NEWSDESK_RETRIEVAL__TOP_K"
    ]
    result = run_cli("ask", "--store", str(store), "Who?", check=False, env={"NEWSDESK_ENGINE": "gpt-9"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "newsdesk: NEWSDESK_ENGINE is deprecated; use NEWSDESK_ENGINE__MODE",
        "Error: invalid setting: engine.mode: unknown engine 'gpt-9'; choose one of: extractive, local, "
        "ollama, openai",
    ]


def test_every_engine_name_of_eval_is_checked_before_any_model_loads(tmp_path: Path) -> None:
    store = tmp_path / "store"
    result = run_cli(
        "eval", "--store", str(store), "--engine", "extractive", "--engine", "oracle", check=False
    )
    assert result.returncode == 2
    assert "--engine: unknown engine 'oracle'" in result.stderr
    result = run_cli("eval", "--store", str(store), "--judge", "gpt-9", check=False)
    assert result.returncode == 2
    assert "--judge: unknown engine 'gpt-9'" in result.stderr
    assert not store.exists()
