"""Lines repeated across many articles of one outlet are that outlet's furniture.

A footer, a sign-off or a "follow us" line that no pattern knows still gives itself away by
appearing, word for word, in article after article of the same outlet. `RepeatedLines` counts each
normalised line once per article, per group (an outlet, else the folder or file the article came
from), and calls a line furniture once it has been seen in `min_articles` distinct articles.

Only hashes are kept (8 bytes a line), so counting a large corpus costs little memory. Counting must
see the articles before they are cleaned: the ingestor makes a counting pass first (see README).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

from newsdesk.index.models import RawDocument

_WORDS = re.compile(r"\w+")
_RECORD_FILES = (".json", ".jsonl", ".csv")
# Distinct lines counted per group before the lines seen only once are dropped (lossy counting): memory
# stays bounded on a huge outlet, and a real footer, repeated in article after article, soon counts again.
MAX_LINES_PER_GROUP = 200_000


def normalise(line: str) -> str:
    """Case, spacing, punctuation and Unicode forms (NBSP, curly quotes) do not make a line new."""
    return " ".join(_WORDS.findall(unicodedata.normalize("NFKC", line).casefold()))


def source_group(document: RawDocument) -> str:
    """Which articles share furniture: the stated outlet, else the folder (or the records file,
    or the folder inside a zip) the article came from."""
    if document.stated.outlet:
        return f"outlet:{document.stated.outlet.casefold()}"
    container, _, _ = document.source.rpartition("#")
    if container.lower().endswith(_RECORD_FILES):
        return f"file:{container}"  # records of one JSON/CSV file: "/a/reuters-000.json#12"
    return "folder:" + document.source.rsplit("/", 1)[0]


class RepeatedLines:
    """Counts lines per group and says which ones are furniture.

    `min_words`, `max_chars` and the figures rule keep the story safe: a short line or a line
    with figures ("Nine mths", "Pay March 31" in a wire's tables) repeats because the format does,
    and a long line is prose (a story carried twice), not furniture. `clean` also never removes a
    line of a hard-wrapped sentence.
    """

    def __init__(
        self,
        min_articles: int,
        min_words: int = 2,
        max_chars: int = 200,
        max_lines: int = MAX_LINES_PER_GROUP,
    ) -> None:
        if min_articles < 2:
            raise ValueError("a line seen in fewer than 2 articles is not repeated")
        self.min_articles = min_articles
        self.min_words = min_words
        self.max_chars = max_chars
        self.max_lines = max_lines
        self._counts: dict[str, Counter[bytes]] = defaultdict(Counter)
        self._seen: dict[str, set[bytes]] = defaultdict(set)  # 8-byte content digests: a copy counts once
        self._finished = False

    def _key(self, line: str) -> bytes | None:
        if len(line) > self.max_chars:
            return None
        text = normalise(line)
        # Rows of a wire's tables ("Pay March 31", "12 mths") repeat because the format does.
        if len(text.split()) < self.min_words or any(ch.isdigit() for ch in text):
            return None
        return hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest()

    def add(self, group: str, text: str, content_hash: str | None = None) -> None:
        """Count the lines of one article. The same article (same content hash) counts once."""
        if self._finished:
            raise RuntimeError("counting is finished: lines below the threshold were dropped")
        identity = hashlib.blake2b((content_hash or text).encode("utf-8"), digest_size=8).digest()
        if identity in self._seen[group]:
            return
        self._seen[group].add(identity)
        keys = {key for line in text.splitlines() if (key := self._key(line)) is not None}
        counts = self._counts[group]
        counts.update(keys)
        if len(counts) > self.max_lines:
            for key in [key for key, seen in counts.items() if seen == 1]:
                del counts[key]

    def add_document(self, document: RawDocument) -> None:
        self.add(source_group(document), document.text, document.content_hash)

    def add_documents(self, documents: Iterable[object]) -> None:
        """Count every RawDocument of a stream (anything else in it, such as read errors, is skipped)."""
        for document in documents:
            if isinstance(document, RawDocument):
                self.add_document(document)

    def finish(self) -> None:
        """End counting: keep only the furniture lines. The counts of every other line (~200,000 over the
        21,578 Reuters records, ~17 MB) would otherwise stay in memory through the whole ingest."""
        for group, counts in self._counts.items():
            self._counts[group] = Counter(
                {key: seen for key, seen in counts.items() if seen >= self.min_articles}
            )
        self._seen.clear()
        self._finished = True

    def count(self, group: str, line: str) -> int:
        key = self._key(line)
        return self._counts[group][key] if key is not None and group in self._counts else 0

    def is_furniture(self, group: str, line: str) -> bool:
        return self.count(group, line) >= self.min_articles
