"""Near-duplicate articles: one wire story run by several outlets, or re-ingested with small edits.

MinHash signatures of word 5-gram shingles in an LSH index (datasketch) find stored articles whose
Jaccard similarity to a new one is about `threshold` or more. The index is derived data, kept
beside the store (like the BM25 index) and rebuilt from the stored texts when it falls out of step.
"""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from index.store import ArticleStore

_WORD = re.compile(r"\w+")
_SHINGLE = 5
_PERMUTATIONS = 128


def minhash(text: str) -> MinHash:
    words = _WORD.findall(text.lower())
    signature = MinHash(num_perm=_PERMUTATIONS)
    shingles = {" ".join(words[i : i + _SHINGLE]) for i in range(max(len(words) - _SHINGLE + 1, 1))}
    signature.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return signature


class NearDuplicateIndex:
    def __init__(self, path: Path, store: ArticleStore, threshold: float = 0.8) -> None:
        self.path = path
        self.store = store
        self.threshold = threshold
        self._lsh: MinHashLSH | None = None
        self._members: set[str] = set()

    def _load(self) -> MinHashLSH:
        if self._lsh is not None:
            return self._lsh
        if self.path.is_file():
            with self.path.open("rb") as handle:
                saved = pickle.load(handle)
            if (
                saved.get("threshold") == self.threshold
                and len(saved["members"]) == self.store.count_articles()
            ):
                self._lsh, self._members = saved["lsh"], saved["members"]
                return self._lsh
        self._lsh, self._members = MinHashLSH(threshold=self.threshold, num_perm=_PERMUTATIONS), set()
        for doc_id, text in self.store.iter_texts():
            self._insert(doc_id, minhash(text))
        return self._lsh

    def _insert(self, doc_id: str, signature: MinHash) -> None:
        if doc_id not in self._members and self._lsh is not None:
            self._lsh.insert(doc_id, signature)
            self._members.add(doc_id)

    def find(self, text: str | MinHash, ignore: str | None = None) -> str | None:
        """The id of a stored (or already added) near-duplicate of `text` (or of its signature), if any."""
        signature = text if isinstance(text, MinHash) else minhash(text)
        matches = sorted(set(self._load().query(signature)) - {ignore})
        return matches[0] if matches else None

    def add(self, doc_id: str, text: str | MinHash) -> None:
        """Index an article by its text or, when the caller already has it, its signature."""
        self._load()
        self._insert(doc_id, text if isinstance(text, MinHash) else minhash(text))

    def remove(self, doc_ids: list[str]) -> None:
        lsh = self._load()
        for doc_id in doc_ids:
            if doc_id in self._members:
                lsh.remove(doc_id)
                self._members.discard(doc_id)

    def save(self) -> None:
        """Write the index whole (temp file + rename), so a crash never leaves half a file."""
        if self._lsh is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump({"threshold": self.threshold, "lsh": self._lsh, "members": self._members}, handle)
        os.replace(temporary, self.path)
