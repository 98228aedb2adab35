"""One typed settings object shared by every command.

Precedence, lowest first: defaults < config file (TOML) < environment (`NEWSDESK_*`) < CLI flags.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from platformdirs import user_data_path
from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from newsdesk.index.read import FieldMapping

DEFAULT_CONFIG_FILE = Path("newsdesk.toml")


def default_store_dir() -> Path:
    """Where the index lives unless told otherwise: ~/.local/share/newsdesk on Linux."""
    return user_data_path("newsdesk")


class Settings(BaseSettings):
    """Everything a Newsdesk command can be told."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    store: Path = Field(default_factory=default_store_dir, description="Data directory (Chroma store).")
    chroma_url: str | None = Field(
        default=None, description="URL of a Chroma server; unset means an embedded store in `store`."
    )
    top_k: int = Field(default=8, ge=1, le=100, description="Chunks retrieved per question.")
    engine: str = Field(default="extractive", description="Answer engine.")
    model: str | None = Field(
        default=None, description="GGUF file for the `local` engine; unset means the packaged Qwen2.5 0.5B."
    )
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server for the `openai` engine (vLLM, llama.cpp, ...)."
    )
    openai_api_key: str | None = Field(default=None, description="API key for the `openai` engine.")
    openai_model: str | None = Field(default=None, description="Model name for the `openai` engine.")
    ollama_url: str = Field(default="http://127.0.0.1:11434", description="Ollama server for `ollama`.")
    ollama_model: str | None = Field(default=None, description="Model name for the `ollama` engine.")
    embed_model: str | None = Field(
        default=None, description="Sentence-transformers model directory; unset means the packaged MiniLM."
    )
    encoder: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8",
        description="Embedding runtime: int8 ONNX (fast, cosine ≥ 0.99 to fp32) or fp32 torch. "
        "A store keeps the encoder it was built with.",
    )
    collection_prefix: str = Field(default="newsdesk", description="Prefix of the Chroma collection names.")
    chunk_tokens: int = Field(default=200, ge=32, le=256, description="Chunk size in embedding-model tokens.")
    chunk_overlap: int = Field(default=32, ge=0, le=128, description="Chunk overlap in tokens.")
    ingest_batch: int = Field(
        default=64, ge=1, le=4096, description="Articles embedded and written together during ingest."
    )
    repeated_line_articles: int = Field(
        default=4,
        ge=0,
        description="A line shared by this many articles of one outlet in a run is furniture (0: off).",
    )
    duplicate_threshold: float = Field(
        default=0.8,
        gt=0.0,
        le=1.0,
        description="Jaccard similarity above which articles are near-duplicates.",
    )
    min_support: float = Field(
        default=0.45, ge=0.0, le=1.0, description="Lowest evidence score an extractive answer may use."
    )

    fields: FieldMapping = Field(
        default_factory=FieldMapping,
        description="Which JSON/CSV field holds title, body, date, ...; a [fields] table in the config file.",
    )

    auth: str | None = Field(
        default=None, description='Login for `serve` as "user:pass"; unset means no login (loopback only).'
    )
    upload_max_mb: int = Field(default=50, ge=1, le=4096, description="Largest file `serve` accepts, in MB.")
    serve_concurrency: int = Field(
        default=2, ge=1, le=64, description="Questions `serve` answers at once; the rest wait in its queue."
    )

    eval_min_correctness: float = Field(
        default=0.8, ge=0.0, le=1.0, description="Release gate: `newsdesk eval` fails below this correctness."
    )
    eval_min_citation_recall: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="Release gate: share of draft sentences their citations support.",
    )
    eval_min_citation_precision: float = Field(
        default=0.9, ge=0.0, le=1.0, description="Release gate: share of citations that are relevant (ALCE)."
    )
    eval_max_unsupported_share: float = Field(
        default=0.02,
        ge=0.0,
        le=1.0,
        description="Release gate: most draft sentences the citation check may drop.",
    )
    eval_min_abstention_accuracy: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Release gate: abstains exactly on the unanswerable questions.",
    )
    eval_min_recall_at_k: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="Release gate: share of gold articles among the top-k passages.",
    )

    @field_validator("store", mode="after")
    @classmethod
    def _expand_store(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("auth", mode="after")
    @classmethod
    def _check_auth(cls, value: str | None) -> str | None:
        user, _, password = (value or "").partition(":")
        if value is not None and not (user and password):
            raise ValueError('expected "user:pass"')
        return value

    def login(self) -> tuple[str, str] | None:
        """The `auth` setting as (user, password)."""
        if self.auth is None:
            return None
        user, password = self.auth.split(":", 1)
        return user, password

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: CLI flags (init kwargs) > environment > config file > field defaults.
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


class ConfigFileError(ValueError):
    """The config file named by the user is missing or unreadable."""


def load_settings(config_file: Path | None = None, **cli_values: Any) -> Settings:
    """Build the settings from every source; `cli_values` that are None are treated as not given.

    The config file is `config_file`, else `$NEWSDESK_CONFIG`, else ./newsdesk.toml when present.
    """
    explicit = config_file or (
        Path(os.environ["NEWSDESK_CONFIG"]) if os.environ.get("NEWSDESK_CONFIG") else None
    )
    if explicit is not None and not explicit.is_file():
        raise ConfigFileError(f"{explicit}: config file not found")
    path = explicit or (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    given = {key: value for key, value in cli_values.items() if value is not None}
    try:
        return _FromFile(**given)
    except ValueError as error:
        if path is not None and "toml" in type(error).__name__.lower():
            raise ConfigFileError(f"{path}: {error}") from error
        raise
