"""One typed settings object shared by every command, one group per component.

Precedence, lowest first: defaults < config file (TOML, a table per group) < environment
(`NEWSDESK_<GROUP>__<FIELD>`) < CLI flags. The flat names of earlier releases (`NEWSDESK_TOP_K`,
`top_k = 8` at the top of the file) still work, each with a `DeprecatedSettingName` warning; see
`LEGACY_NAMES`. This module imports nothing of the project: every layer may read its settings.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from platformdirs import user_data_path
from pydantic import (
    BaseModel,
    Field,
    TypeAdapter,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

DEFAULT_CONFIG_FILE = Path("newsdesk.toml")
ENV_PREFIX = "NEWSDESK_"

EngineName = Literal["extractive", "local", "ollama", "openai"]
JudgeKind = Literal["trained", "heuristic"]
"""The answer engines: the one closed set every engine name is checked against."""


def _known_engine(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # pydantic's own literal_error reads "Input should be 'extractive', ..."; users (and scripts
    # grepping stderr) know the line "unknown engine 'x'; choose one of: ...", so that stays its message.
    try:
        return handler(value)
    except ValueError as error:
        raise PydanticCustomError(
            "unknown_engine",
            "unknown engine {name}; choose one of: {choices}",
            {"name": repr(value), "choices": ", ".join(get_args(EngineName))},
        ) from error


CheckedEngineName = Annotated[EngineName, WrapValidator(_known_engine)]


def engine_name(value: str) -> EngineName:
    """`value` as an engine name; a pydantic ValidationError (a ValueError) naming the choices otherwise."""
    return TypeAdapter(CheckedEngineName).validate_python(value)


def default_store_dir() -> Path:
    """Where the index lives unless told otherwise: ~/.local/share/newsdesk on Linux."""
    return user_data_path("newsdesk")


class FieldMapping(BaseModel):
    """Which field of a JSON/CSV record holds what. The defaults read ../shared/corpora/reuters/*.json as is.

    A field that a record lacks is simply absent from its metadata; only the body is required.
    """

    title: str = "title"
    body: str = "body"
    date: str = "date"
    places: str = "places"
    topics: str = "topics"
    id: str = "id"
    url: str = "url"
    outlet: str = "outlet"
    default_outlet: str | None = Field(
        default=None,
        description='Outlet of records with no outlet field, e.g. "Reuters" for the Reuters corpus.',
    )


class StoreSettings(BaseModel):
    """Where the articles, their chunks and the derived indexes live."""

    path: Path = Field(default_factory=default_store_dir, description="Data directory (Chroma store).")
    chroma_url: str | None = Field(
        default=None, description="URL of a Chroma server; unset means an embedded store in `path`."
    )
    collection_prefix: str = Field(default="newsdesk", description="Prefix of the Chroma collection names.")
    write_wait_seconds: float = Field(
        default=600.0,
        gt=0,
        description="How long a writer waits for another process writing the store before it gives up.",
    )

    @field_validator("path", mode="after")
    @classmethod
    def _expand_path(cls, value: Path) -> Path:
        return value.expanduser().resolve()


class IngestSettings(BaseModel):
    """How articles are cleaned, deduplicated, chunked and embedded."""

    embed_model: str | None = Field(
        default=None, description="Sentence-transformers model directory; unset means the packaged MiniLM."
    )
    encoder: Literal["onnx-int8", "torch"] = Field(
        default="onnx-int8",
        description="Embedding runtime: int8 ONNX (fast, cosine ≥ 0.99 to fp32) or fp32 torch. "
        "A store keeps the encoder it was built with.",
    )
    chunk_tokens: int = Field(default=200, ge=32, le=256, description="Chunk size in embedding-model tokens.")
    chunk_overlap: int = Field(default=32, ge=0, le=128, description="Chunk overlap in tokens.")
    batch: int = Field(
        default=64,
        ge=1,
        le=4096,
        description="Articles embedded and written together: one encoder call, a few Chroma calls.",
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
    # Cleaning, sentence splitting and chunking take time and memory in proportion to one article's text;
    # no news story comes near this (the longest of the 2,225 BBC stories is ~25 KB).
    max_article_mb: float = Field(
        default=2.0,
        gt=0,
        description="An article (a file, a page, a JSON/CSV record) with more text is refused alone.",
    )


class RetrievalSettings(BaseModel):
    """How many passages a question is answered from."""

    top_k: int = Field(default=8, ge=1, le=100, description="Chunks retrieved per question.")


class EngineSettings(BaseModel):
    """Which engine answers, and where its language model runs."""

    mode: CheckedEngineName = Field(default="extractive", description="Answer engine.")
    min_support: float = Field(
        default=0.45,
        ge=0.0,
        le=1.0,
        description="Lowest answer score of the heuristic judge (judge.kind = heuristic).",
    )
    local_model: str | None = Field(
        default=None, description="GGUF file for the `local` engine; unset means the packaged Qwen2.5 0.5B."
    )
    openai_base_url: str | None = Field(
        default=None, description="OpenAI-compatible server for the `openai` engine (vLLM, llama.cpp, ...)."
    )
    openai_api_key: str | None = Field(default=None, description="API key for the `openai` engine.")
    openai_model: str | None = Field(default=None, description="Model name for the `openai` engine.")
    ollama_url: str = Field(default="http://127.0.0.1:11434", description="Ollama server for `ollama`.")
    ollama_model: str | None = Field(default=None, description="Model name for the `ollama` engine.")


class JudgeSettings(BaseModel):
    """The support judge (rag.judge): which sentence answers, whether a quote supports a claim, when to
    abstain, and the evaluation's citation check."""

    # The default stays the heuristic until a trained judge beats it on the holdout pairs and questions
    # (README › Support judge: the packaged judge-v1 does not yet).
    kind: JudgeKind = Field(
        default="heuristic",
        description="`heuristic` (word overlap + MiniLM cosine) or `trained` (the packaged cross-encoder).",
    )
    model_dir: Path | None = Field(
        default=None, description="A trained judge (ONNX + manifest directory); unset: the packaged one."
    )
    answers_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Lowest answer score; unset means the judge's own."
    )
    supports_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Lowest support score; unset means the judge's own."
    )


class ServeSettings(BaseModel):
    """The web page and API of `newsdesk serve`."""

    auth: str | None = Field(
        default=None, description='Login for `serve` as "user:pass"; unset means no login (loopback only).'
    )
    upload_max_mb: int = Field(default=50, ge=1, le=4096, description="Largest file `serve` accepts, in MB.")
    concurrency: int = Field(
        default=2, ge=1, le=64, description="Questions `serve` answers at once; the rest wait in its queue."
    )

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


class GateSettings(BaseModel):
    """The release gate of `newsdesk eval`: the figures every engine must reach."""

    min_correctness: float = Field(
        default=0.8, ge=0.0, le=1.0, description="Release gate: `newsdesk eval` fails below this correctness."
    )
    min_citation_recall: float = Field(
        default=0.95,
        ge=0.0,
        le=1.0,
        description="Release gate: share of draft sentences their citations support.",
    )
    min_citation_precision: float = Field(
        default=0.9, ge=0.0, le=1.0, description="Release gate: share of citations that are relevant (ALCE)."
    )
    max_unsupported_share: float = Field(
        default=0.02,
        ge=0.0,
        le=1.0,
        description="Release gate: most draft sentences the citation check may drop.",
    )
    min_abstention_accuracy: float = Field(
        default=0.9,
        ge=0.0,
        le=1.0,
        description="Release gate: abstains exactly on the unanswerable questions.",
    )
    min_recall_at_k: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="Release gate: share of gold articles among the top-k passages.",
    )


# The flat setting names of earlier releases → (group, field). Read from the environment
# (`NEWSDESK_TOP_K`) and from the top level of the config file (`top_k = 8`); `fields` kept its name.
LEGACY_NAMES: dict[str, tuple[str, str]] = {
    "store": ("store", "path"),
    "chroma_url": ("store", "chroma_url"),
    "collection_prefix": ("store", "collection_prefix"),
    "embed_model": ("ingest", "embed_model"),
    "encoder": ("ingest", "encoder"),
    "chunk_tokens": ("ingest", "chunk_tokens"),
    "chunk_overlap": ("ingest", "chunk_overlap"),
    "ingest_batch": ("ingest", "batch"),
    "repeated_line_articles": ("ingest", "repeated_line_articles"),
    "duplicate_threshold": ("ingest", "duplicate_threshold"),
    "top_k": ("retrieval", "top_k"),
    "engine": ("engine", "mode"),
    "min_support": ("engine", "min_support"),
    "model": ("engine", "local_model"),
    "openai_base_url": ("engine", "openai_base_url"),
    "openai_api_key": ("engine", "openai_api_key"),
    "openai_model": ("engine", "openai_model"),
    "ollama_url": ("engine", "ollama_url"),
    "ollama_model": ("engine", "ollama_model"),
    "auth": ("serve", "auth"),
    "upload_max_mb": ("serve", "upload_max_mb"),
    "serve_concurrency": ("serve", "concurrency"),
    "eval_min_correctness": ("gate", "min_correctness"),
    "eval_min_citation_recall": ("gate", "min_citation_recall"),
    "eval_min_citation_precision": ("gate", "min_citation_precision"),
    "eval_max_unsupported_share": ("gate", "max_unsupported_share"),
    "eval_min_abstention_accuracy": ("gate", "min_abstention_accuracy"),
    "eval_min_recall_at_k": ("gate", "min_recall_at_k"),
}


class DeprecatedSettingName(FutureWarning):
    """A setting was given by its flat name of an earlier release; the message names the new one.

    A FutureWarning, not a DeprecationWarning: it is meant for users, and Python shows it by default."""


def env_name(group: str, field: str) -> str:
    """The environment variable of a setting: NEWSDESK_RETRIEVAL__TOP_K."""
    return f"{ENV_PREFIX}{group}__{field}".upper()


class GroupedEnvironment(EnvSettingsSource):
    """`NEWSDESK_<GROUP>__<FIELD>`. Leaves the flat names of earlier releases to `LegacyEnvironment`:
    `NEWSDESK_STORE` and `NEWSDESK_ENGINE` now name groups and would be read as a whole group."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        legacy = {f"{ENV_PREFIX}{name}".lower() for name in LEGACY_NAMES}
        return {key: value for key, value in super()._load_env_vars().items() if key.lower() not in legacy}


class LegacyEnvironment(PydanticBaseSettingsSource):
    """The flat `NEWSDESK_*` names of earlier releases, regrouped, one warning per name used.
    Below the grouped names: when both are set, the new name wins."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        raise NotImplementedError  # __call__ reads every name at once

    def __call__(self) -> dict[str, Any]:
        environment = {key.upper(): value for key, value in os.environ.items()}
        values: dict[str, dict[str, Any]] = {}
        for name, (group, field) in LEGACY_NAMES.items():
            old = f"{ENV_PREFIX}{name}".upper()
            if old in environment:
                warnings.warn(
                    f"{old} is deprecated; use {env_name(group, field)}", DeprecatedSettingName, stacklevel=2
                )
                values.setdefault(group, {})[field] = environment[old]
        return values


class ConfigFileError(ValueError):
    """A settings source cannot be read: the config file is missing, not a file, not UTF-8, not TOML or names
    a setting that does not exist, or an environment variable's value cannot be parsed. The message is one
    line naming the file or variable and the reason."""


class GroupedTomlFile(TomlConfigSettingsSource):
    """The config file: a table per group (`[retrieval] top_k = 12`). Flat keys of earlier releases at
    the top (`top_k = 12`, `store = "..."`) are moved into their group, one warning per key; a key
    given both ways keeps the table's value."""

    def _read_file(self, file_path: Path) -> dict[str, Any]:
        try:
            data = super()._read_file(file_path)
        except UnicodeDecodeError as error:
            raise ConfigFileError(f"{file_path}: not UTF-8 text (byte {error.start})") from error
        except tomllib.TOMLDecodeError as error:
            raise ConfigFileError(f"{file_path}: not valid TOML: {error}") from error
        for name, (group, field) in LEGACY_NAMES.items():
            # `store` and `engine` are group names now: their table is new, a scalar is the old spelling.
            if name not in data or (name == group and isinstance(data[name], dict)):
                continue
            warnings.warn(
                f"{file_path}: {name} is deprecated; use {field} under [{group}]",
                DeprecatedSettingName,
                stacklevel=2,
            )
            value = data.pop(name)
            table = data.setdefault(group, {})
            if isinstance(table, dict):
                table.setdefault(field, value)
        _refuse_unknown(data, file_path)
        return data


def _refuse_unknown(data: Mapping[str, Any], file_path: Path) -> None:
    """ConfigFileError for a key the settings do not have: a misspelt setting must not be silently ignored."""
    groups = Settings.model_fields
    for key, value in data.items():
        if key not in groups:
            raise ConfigFileError(f"{file_path}: unknown setting {key!r}; the groups are {', '.join(groups)}")
        model = groups[key].annotation
        if isinstance(value, Mapping) and isinstance(model, type) and issubclass(model, BaseModel):
            for field in value:
                if field not in model.model_fields:
                    known = ", ".join(model.model_fields)
                    raise ConfigFileError(
                        f"{file_path}: unknown setting {field!r} under [{key}]; known: {known}"
                    )


class Settings(BaseSettings):
    """Everything a Newsdesk command can be told, one group per component."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="ignore")

    store: StoreSettings = Field(default_factory=StoreSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    judge: JudgeSettings = Field(default_factory=JudgeSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    fields: FieldMapping = Field(
        default_factory=FieldMapping,
        description="Which JSON/CSV field holds title, body, date, ...; a [fields] table in the config file.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: CLI flags (init kwargs) > environment (new names, then old) > config file > defaults.
        return (
            init_settings,
            GroupedEnvironment(settings_cls),
            LegacyEnvironment(settings_cls),
            GroupedTomlFile(settings_cls),
        )


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` without the Nones (flags not given), nested groups included, and without empty groups."""
    given: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            value = _given(value)
            if not value:
                continue
        if value is not None:
            given[key] = value
    return given


def load_settings(config_file: Path | None = None, **groups: Any) -> Settings:
    """Build the settings from every source. `groups` are the CLI flags by group, e.g.
    `retrieval={"top_k": 3}`; a value that is None is treated as not given.

    The config file is `config_file`, else `$NEWSDESK_CONFIG`, else ./newsdesk.toml when present.
    A flat name of an earlier release warns with `DeprecatedSettingName`.
    """
    explicit = config_file or (
        Path(os.environ["NEWSDESK_CONFIG"]) if os.environ.get("NEWSDESK_CONFIG") else None
    )
    for candidate in (explicit, DEFAULT_CONFIG_FILE):
        if candidate is not None and candidate.is_dir():
            raise ConfigFileError(f"{candidate}: a directory, not a config file")
    if explicit is not None and not explicit.is_file():
        raise ConfigFileError(f"{explicit}: config file not found")
    path = explicit or (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.is_file() else None)

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        return _FromFile(**_given(groups))
    except SettingsError as error:
        # pydantic-settings says which field and source, not which variable: name the variable.
        field = str(error).split('"')[1] if '"' in str(error) else "settings"
        cause = f": {error.__cause__}" if error.__cause__ else ""
        raise ConfigFileError(f"{ENV_PREFIX.upper()}{field.upper()}: cannot be read{cause}") from error
    except ValueError as error:
        if path is not None and "toml" in type(error).__name__.lower():
            raise ConfigFileError(f"{path}: {error}") from error
        raise
