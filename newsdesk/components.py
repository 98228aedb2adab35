"""The one place that builds components from the settings and wires them together."""

from __future__ import annotations

import hashlib
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, assert_never, get_args

from llama_index.core.base.embeddings.base import BaseEmbedding
from platformdirs import user_cache_path

from newsdesk.index.chunk import ArticleChunker
from newsdesk.index.dedupe import NearDuplicateIndex
from newsdesk.index.embed import check_store_encoder, load_embedder, load_tokenizer
from newsdesk.index.ingest import Ingestor
from newsdesk.index.language import SharedPipeline, load_analyzer, load_parser
from newsdesk.index.lexical import LexicalIndex
from newsdesk.index.models import IngestReport
from newsdesk.index.store import ArticleStore, StoreError, is_read_only, open_chroma, readable_copy
from newsdesk.index.writers import EmbeddedStoreOwner, StoreWriters
from newsdesk.rag.assistant import Assistant
from newsdesk.rag.engines.base import AnswerEngine, EngineUnavailable
from newsdesk.rag.engines.extractive import ExtractiveEngine
from newsdesk.rag.engines.llm import LLMEngine
from newsdesk.rag.followup import ReferenceResolver
from newsdesk.rag.injection import InstructionDetector
from newsdesk.rag.judge import HeuristicJudge, SupportJudge
from newsdesk.rag.question_analysis import QuestionAnalyzer
from newsdesk.rag.retrieve import PassageRetriever
from newsdesk.rag.verify import CitationCheck
from newsdesk.settings import EngineName, JudgeKind, Settings, default_store_dir, env_name


def sample_corpus_dir() -> Path:
    """The three bundled seed articles, so a new user gets answers with no data of their own."""
    return Path(str(files("newsdesk").joinpath("sample_corpus")))


def _tell(message: str) -> None:
    """A notice for the person running the command (another writer holds the store), on stderr."""
    print(f"newsdesk: {message}", file=sys.stderr, flush=True)


@dataclass
class Components:
    """Builds each component once, on first use, from one Settings object."""

    settings: Settings
    _engines: dict[str, AnswerEngine] = field(default_factory=dict)
    _other_checks: dict[str, CitationCheck] = field(default_factory=dict)
    _owner: EmbeddedStoreOwner | None = None

    @cached_property
    def store(self) -> ArticleStore:
        client = open_chroma(self._data_dir(), self.settings.store.chroma_url)
        return ArticleStore(client, prefix=self.settings.store.collection_prefix)

    @cached_property
    def read_only(self) -> bool:
        """An embedded store this user may not write: it is queried through a copy (index.store.readable_copy)
        and its derived indexes are kept beside that copy."""
        return self.settings.store.chroma_url is None and is_read_only(self.settings.store.path)

    def _data_dir(self) -> Path:
        store = self.settings.store
        if not self.read_only:
            return store.path
        scratch = (
            user_cache_path("newsdesk")
            / "read-only"
            / hashlib.sha256(str(store.path).encode()).hexdigest()[:16]
        )
        return readable_copy(store.path, scratch)

    def check_encoder(self, writing: bool) -> None:
        """One store = one encoder: refuse to write, warn when reading, a store built with another."""
        check_store_encoder(self.store, self.settings.ingest.encoder, writing=writing)

    def derived_index_path(self, kind: str) -> Path:
        """Where a derived index (BM25, MinHash) lives: in the local data directory, also in server
        mode, since it is rebuilt from Chroma on demand; one per Chroma server, so an embedded store
        and a server never share one."""
        store = self.settings.store
        name = f"{store.collection_prefix}-{kind}"
        if store.chroma_url:
            name += "-" + re.sub(r"[^A-Za-z0-9]+", "-", store.chroma_url).strip("-")
        return self._data_dir() / name

    @cached_property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex(self.derived_index_path("bm25"), self.store)

    @cached_property
    def instructions(self) -> InstructionDetector:
        """Tells sentences that order their reader (prompt injections) from news, by their grammar."""
        return InstructionDetector(SharedPipeline(load_parser))

    @cached_property
    def followups(self) -> ReferenceResolver:
        """Resolves a follow-up's references back ("his ministry", "the company") to the names they stand for.
        Its spaCy pipeline loads on the first follow-up that needs it: LLM engines condense their own."""
        return ReferenceResolver(self.language)

    @cached_property
    def embedder(self) -> BaseEmbedding:
        return load_embedder(self.settings.ingest.embed_model, encoder=self.settings.ingest.encoder)

    @cached_property
    def question_analyzer(self) -> QuestionAnalyzer:
        """Splits questions into parts and finds answer spans."""
        return QuestionAnalyzer(self.language)

    @cached_property
    def language(self) -> SharedPipeline:
        """spaCy's whole English pipeline (entities and lemmas too), loaded once on first use and shared in
        turns: question analysis, answer spans and follow-ups' references."""
        return SharedPipeline(load_analyzer)

    @cached_property
    def judge(self) -> SupportJudge:
        """The one support judge: the citation check, the abstention gate and the extractive engine use it."""
        return self.build_judge(self.settings.judge.kind)

    def build_judge(self, kind: JudgeKind) -> SupportJudge:
        """A judge of this kind with the configured thresholds (the judge's own where none is set)."""
        settings = self.settings.judge
        judge: SupportJudge
        match kind:
            case "trained":
                # Imported here: onnxruntime loads only when the trained judge is used.
                from newsdesk.rag.judge_onnx import OnnxJudge

                judge = OnnxJudge(settings.model_dir)
            case "heuristic":
                judge = HeuristicJudge(self.embedder, answers_threshold=self.settings.engine.min_support)
            case _:
                assert_never(kind)
        if settings.answers_threshold is not None:
            judge.answers_threshold = settings.answers_threshold
        if settings.supports_threshold is not None:
            judge.supports_threshold = settings.supports_threshold
        return judge

    @cached_property
    def checker(self) -> CitationCheck:
        return CitationCheck(self.store, self.judge)

    def citation_check(self, kind: JudgeKind | None = None) -> CitationCheck:
        """The citation check judged by a judge of this kind: the pipeline's own when None or the configured
        kind (`newsdesk eval --citation-judge heuristic` names the old heuristic as the yardstick)."""
        if kind is None or kind == self.settings.judge.kind:
            return self.checker
        # One per kind: an evaluation asks for the named yardstick and for every judge's side-by-side
        # figures, and the same check object is what lets it judge each draft once (eval.run).
        if kind not in self._other_checks:
            self._other_checks[kind] = CitationCheck(self.store, self.build_judge(kind))
        return self._other_checks[kind]

    def citation_checks(self) -> dict[str, CitationCheck]:
        """A citation check per judge kind, the pipeline's own among them: the evaluation reports the
        citation metrics by each, side by side, so a change of judge (yardstick) stays visible."""
        return {kind: self.citation_check(kind) for kind in get_args(JudgeKind)}

    @cached_property
    def ingestor(self) -> Ingestor:
        if self.read_only:
            raise StoreError(
                f"{self.settings.store.path}: the store is read-only; it can be queried, not written"
            )
        if not self.settings.store.chroma_url:
            # One writing process at a time on an embedded store (see EmbeddedStoreOwner); readers need no
            # turn: they never write Chroma's files.
            self._owner = EmbeddedStoreOwner(
                self.settings.store.path / "chroma.lock",
                wait_seconds=self.settings.store.write_wait_seconds,
                on_wait=_tell,
            )
            self._owner.acquire()
        self.check_encoder(writing=True)
        ingest = self.settings.ingest
        chunker = ArticleChunker(
            load_tokenizer(ingest.embed_model), ingest.chunk_tokens, ingest.chunk_overlap
        )
        return Ingestor(
            self.store,
            chunker,
            self.embedder,
            self.settings.fields,
            on_change=self.lexical.update,
            batch_articles=ingest.batch,
            repeated_line_articles=ingest.repeated_line_articles,
            max_article_mb=ingest.max_article_mb,
            writers=StoreWriters(
                self.derived_index_path("writers"),
                wait_seconds=self.settings.store.write_wait_seconds,
                on_wait=_tell,
            ),
            duplicates=NearDuplicateIndex(
                self.derived_index_path("minhash") / "bands.sqlite3",
                self.store,
                threshold=ingest.duplicate_threshold,
            ),
        )

    def engine(self, name: EngineName | None = None) -> AnswerEngine:
        """The engine `name` (the configured `engine.mode` when None), built once. Names are checked
        where they are read (the settings, `newsdesk.settings.engine_name`), so every name here is known."""
        name = name or self.settings.engine.mode
        if name not in self._engines:
            match name:
                case "extractive":
                    self._engines[name] = ExtractiveEngine(self.judge, self.question_analyzer)
                case "local" | "ollama" | "openai":
                    llm, endpoint = self._llm(name)
                    self._engines[name] = LLMEngine(
                        name, llm, self.embedder, endpoint=endpoint, instructions=self.instructions
                    )
                case _:
                    assert_never(name)
        return self._engines[name]

    def _llm(self, name: Literal["local", "ollama", "openai"]) -> tuple[Any, str]:
        """The language model of an LLM engine and where it runs; EngineUnavailable, naming the
        setting or address, when it cannot be used."""
        from newsdesk.rag.engines import llm_backends

        settings = self.settings.engine
        match name:
            case "local":
                return llm_backends.local_llm(settings.local_model)
            case "ollama":
                if not settings.ollama_model:
                    raise EngineUnavailable(f"ollama engine: {env_name('engine', 'ollama_model')} is not set")
                return llm_backends.ollama_llm(settings.ollama_url, settings.ollama_model)
            case _:
                if not settings.openai_base_url:
                    raise EngineUnavailable(
                        f"openai engine: {env_name('engine', 'openai_base_url')} is not set"
                    )
                return llm_backends.openai_llm(
                    settings.openai_base_url, settings.openai_model, settings.openai_api_key
                )

    def assistant(self, engine: EngineName | None = None) -> Assistant:
        chosen = self.engine(engine)  # first: an unavailable engine fails before any model loads
        self.check_encoder(writing=False)
        retriever = PassageRetriever(
            self.store,
            self.embedder,
            self.lexical,
            self.settings.retrieval.top_k,
            instructions=self.instructions,
        )
        return Assistant(retriever, chosen, self.checker, self.judge, followups=self.followups)

    def is_default_store(self) -> bool:
        """Whether this is the embedded store in the default data directory (no --store, no server)."""
        store = self.settings.store
        return store.chroma_url is None and store.path == default_store_dir().expanduser().resolve()

    def ensure_sample_corpus(self) -> IngestReport | None:
        """On a new user's first run, index the bundled sample corpus into the default store (while it is
        empty), so that the first question gets an answer; None otherwise. Never into a store the user
        named: an archive that is empty, or was mistyped, must not gain the sample's articles."""
        if not self.is_default_store() or self.store.count_articles():
            return None
        return self.ingestor.ingest([sample_corpus_dir()])
