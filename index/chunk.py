"""Step 4: sentence-aligned chunks that carry their article's metadata and character offsets."""

from __future__ import annotations

from collections.abc import Callable

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import BaseNode, TextNode
from newsdesk.index.callbacks import BoundedCallbackManager
from newsdesk.index.models import Article
from newsdesk.index.sentences import split_sentences

# Metadata every chunk carries (Chroma metadata must be str/int/float/bool: absent values are left out).
EMBEDDED_METADATA = ("title",)


def sentence_pieces(text: str) -> list[str]:
    """Split `text` at sentence boundaries into pieces that concatenate back to `text` exactly,
    so the splitter's chunks stay substrings of the article and their offsets stay true."""
    starts = [start for start, _ in split_sentences(text)][1:]
    pieces, previous = [], 0
    for start in starts:
        pieces.append(text[previous:start])
        previous = start
    pieces.append(text[previous:])
    return [piece for piece in pieces if piece]


def article_metadata(article: Article) -> dict[str, str | int]:
    """The flat metadata stored with the article and with each of its chunks."""
    meta = article.metadata
    values: dict[str, str | int | None] = {
        "doc_id": article.doc_id,
        "source": article.source,
        "title": meta.title,
        "outlet": meta.outlet,
        "published": meta.published.isoformat() if meta.published else None,
        # An integer (YYYYMMDD) so Chroma can range-filter dates with $gte/$lte.
        "published_int": int(meta.published.strftime("%Y%m%d")) if meta.published else None,
        "dateline": meta.dateline,
        # Captions are not part of the stored text; one per line.
        "captions": "\n".join(meta.captions) or None,
        "url": meta.url,
        "record_id": meta.record_id,
        # Chroma metadata values are scalars: label lists are stored comma-joined ("usa, uk").
        "places": ", ".join(meta.places) or None,
        "topics": ", ".join(meta.topics) or None,
    }
    return {key: value for key, value in values.items() if value is not None}


class ArticleChunker:
    """Chunks articles with llama-index's SentenceSplitter, sized in the embedding model's tokens."""

    def __init__(self, tokenize: Callable[[str], list], chunk_tokens: int, overlap_tokens: int) -> None:
        self._splitter = SentenceSplitter(
            chunk_size=chunk_tokens,
            chunk_overlap=overlap_tokens,
            tokenizer=tokenize,
            chunking_tokenizer_fn=sentence_pieces,
            paragraph_separator="\n\n",
            id_func=lambda i, doc: f"{doc.doc_id}-{i}",
            callback_manager=BoundedCallbackManager(),
        )

    def chunk_article(self, article: Article) -> list[TextNode]:
        metadata = article_metadata(article)
        document = Document(
            text=article.text,
            id_=article.doc_id,
            metadata=metadata,
            excluded_embed_metadata_keys=[key for key in metadata if key not in EMBEDDED_METADATA],
            excluded_llm_metadata_keys=list(metadata),
        )
        nodes: list[BaseNode] = self._splitter.get_nodes_from_documents([document])
        chunks = [node for node in nodes if isinstance(node, TextNode)]
        title = str(metadata.get("title") or "")
        for position, chunk in enumerate(chunks):
            chunk.metadata["chunk"] = position
            # The position is for citations, not for the encoder or the LLM ("chunk: 3" was embedded).
            chunk.excluded_embed_metadata_keys = [*chunk.excluded_embed_metadata_keys, "chunk"]
            chunk.excluded_llm_metadata_keys = [*chunk.excluded_llm_metadata_keys, "chunk"]
            if title and chunk.text.lstrip().startswith(title):
                # The chunk opens with the headline already: prefixing it again would embed the same
                # words twice (~5% of a short story's first chunk).
                chunk.excluded_embed_metadata_keys = [*metadata, "chunk"]
        return chunks
