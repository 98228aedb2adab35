"""The language models behind the LLM engine, built with llama-index's integrations: LlamaCPP
in-process on a GGUF file, Ollama, and OpenAILike for any OpenAI-compatible server.

Each builder checks first what would otherwise fail late and obscurely (a server that is down, a
model name not set, a file not there) and raises EngineUnavailable with one line saying so.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
from llama_index.core.llms import LLM
from newsdesk.rag.engines.base import EngineUnavailable
from newsdesk.rag.engines.llm import connection_problem
from newsdesk.rag.engines.packaged_model import (
    INSTALL_HINT,
    PACKAGED_MODELS,
    PackagedModelError,
    packaged_model,
    packaged_model_path,
)

MAX_NEW_TOKENS = 256
TEMPERATURE = 0.0  # the same question gets the same answer: evaluation and tests depend on it
REQUEST_TIMEOUT = 300.0  # seconds; a CPU-only server may take long over a first answer
LOCAL_CONTEXT_WINDOW = 2048  # the compact context is ~600 tokens; a small window keeps memory low


def _probe(url: str, engine: str, headers: dict[str, str] | None = None) -> httpx.Response:
    try:
        return httpx.get(url, timeout=10.0, headers=headers)
    except httpx.HTTPError as error:
        reason = connection_problem(error) or str(error)
        raise EngineUnavailable(f"{engine} engine: cannot reach {url}: {reason}") from error


def openai_llm(base_url: str, model: str | None, api_key: str | None) -> tuple[LLM, str]:
    from llama_index.llms.openai_like import OpenAILike

    base_url = base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
    response = _probe(f"{base_url}/models", "openai", headers)
    if not model:
        # A llama.cpp server or LM Studio serves one model: use it when the user named none.
        served = response.json().get("data", []) if response.is_success else []
        if len(served) != 1:
            raise EngineUnavailable("openai engine: NEWSDESK_ENGINE__OPENAI_MODEL is not set")
        model = str(served[0]["id"])
    llm = OpenAILike(
        model=model,
        api_base=base_url,
        api_key=api_key or "unused",  # local servers need no key, but the client insists on one
        is_chat_model=True,
        temperature=TEMPERATURE,
        max_tokens=MAX_NEW_TOKENS,
        max_retries=1,
        timeout=REQUEST_TIMEOUT,
    )
    return llm, base_url


def ollama_llm(base_url: str, model: str) -> tuple[LLM, str]:
    from llama_index.llms.ollama import Ollama

    base_url = base_url.rstrip("/")
    _probe(f"{base_url}/api/version", "ollama")
    llm = Ollama(
        model=model,
        base_url=base_url,
        temperature=TEMPERATURE,
        request_timeout=REQUEST_TIMEOUT,
        additional_kwargs={"num_predict": MAX_NEW_TOKENS},
    )
    return llm, base_url


def _gguf_chat_formatter(model: Any) -> Any:
    """The chat template stored in the GGUF file, as llama-cpp-python's own formatter.

    llama-index's LlamaCPP formats chats as Llama 2 by default; the model's own template (ChatML for
    Qwen) is what it was trained on, and following it is what keeps a small model on task.
    """
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    template = model.metadata.get("tokenizer.chat_template")
    if not template:
        return None
    vocab = model._model

    def token_text(token: int) -> str:
        return vocab.token_get_text(token) if token >= 0 else ""

    return Jinja2ChatFormatter(
        template=template, eos_token=token_text(model.token_eos()), bos_token=token_text(model.token_bos())
    )


def local_model_path(model: str | None) -> Path:
    """The GGUF file the model setting names: a packaged model by its name (qwen2.5-coder-1.5b), assembled
    on first use, or a file of the user's own; unset, the packaged 0.5B."""
    packaged = packaged_model(model) if model else None
    if model and packaged is None:
        path = Path(model).expanduser()
        if not path.is_file():
            names = ", ".join(PACKAGED_MODELS)
            raise EngineUnavailable(
                f"local engine: {path}: no such GGUF file and no packaged model of that name ({names}); "
                "set NEWSDESK_ENGINE__LOCAL_MODEL"
            )
        return path
    try:
        return packaged_model_path(packaged)
    except PackagedModelError as error:
        raise EngineUnavailable(f"local engine: {error}") from error


def local_llm(model_path: str | None) -> tuple[LLM, str]:
    try:
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as error:
        message = f"local engine: llama-cpp-python is not installed; run: {INSTALL_HINT}"
        raise EngineUnavailable(message) from error
    path = local_model_path(model_path)
    try:
        llm = LlamaCPP(
            model_path=str(path),
            temperature=TEMPERATURE,
            max_new_tokens=MAX_NEW_TOKENS,
            context_window=LOCAL_CONTEXT_WINDOW,
            generate_kwargs={"top_k": 1, "repeat_penalty": 1.1},
            model_kwargs={"n_threads": min(os.cpu_count() or 2, 4), "n_batch": 512},
            verbose=False,
        )
    except (ValueError, RuntimeError) as error:
        raise EngineUnavailable(f"local engine: {path}: cannot load the model: {error}") from error
    formatter = _gguf_chat_formatter(llm._model)
    if formatter is not None:
        llm.messages_to_prompt = lambda messages: (
            formatter(messages=[{"role": m.role.value, "content": m.content or ""} for m in messages]).prompt
        )
    return llm, str(path)
