"""Near-duplicate articles: one wire story run by several outlets, or re-ingested with small edits.

MinHash signatures of word 5-gram shingles, cut into LSH bands (datasketch's band layout for the
threshold), find stored articles whose Jaccard similarity to a new one is about `threshold` or more:
two articles are candidates when any band of their signatures is equal, as in datasketch's
MinHashLSH.query. The index is derived data, kept beside the store (like the BM25 index) and rebuilt
from the stored texts when it falls out of step.

The band keys live in SQLite, not in an in-memory MinHashLSH pickled whole: that held ~3 KB of
Python objects per stored article for the whole ingest (and loaded all of them to check one
article), so memory grew with the store. SQLite keeps them on disk behind a bounded page cache, and
a lookup is one indexed query per band. (datasketch's own storage backends are Redis and Cassandra,
servers this project does not run.)
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from datasketch import MinHash, MinHashLSH

from index.store import ArticleStore

_WORD = re.compile(r"\w+")
_SHINGLE = 5
_PERMUTATIONS = 128
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (doc_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS bands (band INTEGER NOT NULL, hash BLOB NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS bands_by_hash ON bands (band, hash);
CREATE INDEX IF NOT EXISTS bands_by_doc ON bands (doc_id);
"""
_MATCHES = "SELECT doc_id FROM bands WHERE band = ? AND hash = ?"


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
        # datasketch's choice of bands × rows for this threshold (9 × 13 for 0.8): the same candidates.
        self._bands = MinHashLSH(threshold=threshold, num_perm=_PERMUTATIONS).hashranges
        self._db: sqlite3.Connection | None = None

    def _recipe(self) -> str:
        return f"threshold={self.threshold} perm={_PERMUTATIONS} shingle={_SHINGLE} bands={self._bands}"

    def _load(self) -> sqlite3.Connection:
        """The band database, rebuilt from the stored texts when it was made with other settings or
        does not hold exactly the store's articles (a run that crashed before `save`, another writer)."""
        if self._db is not None:
            return self._db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        try:
            db.executescript(_SCHEMA)
            recipe = db.execute("SELECT value FROM settings WHERE name = 'recipe'").fetchone()
            members = db.execute("SELECT COUNT(*) FROM members").fetchone()[0]
        except sqlite3.DatabaseError:  # not a band database (an unreadable file): start afresh
            db.close()
            self.path.unlink()
            db = sqlite3.connect(self.path, timeout=60)
            db.executescript(_SCHEMA)
            recipe, members = None, -1
        self._db = db
        if recipe != (self._recipe(),) or members != self.store.count_articles():
            db.execute("DELETE FROM bands")
            db.execute("DELETE FROM members")
            db.execute("INSERT OR REPLACE INTO settings VALUES ('recipe', ?)", (self._recipe(),))
            for doc_id, text in self.store.iter_texts():
                self._insert(doc_id, minhash(text))
            db.commit()  # the rebuilt index matches the store by itself: keep it, and hold no lock
        return db

    def _keys(self, signature: MinHash) -> list[tuple[int, bytes]]:
        return [
            (band, signature.hashvalues[start:end].tobytes()) for band, (start, end) in enumerate(self._bands)
        ]

    def _insert(self, doc_id: str, signature: MinHash) -> None:
        db = self._load()
        if db.execute("INSERT OR IGNORE INTO members VALUES (?)", (doc_id,)).rowcount:
            db.executemany(
                "INSERT INTO bands VALUES (?, ?, ?)", [(*key, doc_id) for key in self._keys(signature)]
            )

    def find(self, text: str | MinHash, ignore: str | None = None) -> str | None:
        """The id of a stored (or already added) near-duplicate of `text` (or of its signature), if any."""
        signature = text if isinstance(text, MinHash) else minhash(text)
        db = self._load()
        matches: set[str] = set()
        for band, key in self._keys(signature):
            matches.update(row[0] for row in db.execute(_MATCHES, (band, key)))
        if ignore is not None:
            matches.discard(ignore)
        return min(matches) if matches else None

    def add(self, doc_id: str, text: str | MinHash) -> None:
        """Index an article by its text or, when the caller already has it, its signature."""
        self._insert(doc_id, text if isinstance(text, MinHash) else minhash(text))

    def remove(self, doc_ids: list[str]) -> None:
        db = self._load()
        for doc_id in doc_ids:
            db.execute("DELETE FROM members WHERE doc_id = ?", (doc_id,))
            db.execute("DELETE FROM bands WHERE doc_id = ?", (doc_id,))

    def save(self) -> None:
        """Commit this run's changes in one transaction, so a crash never leaves half of them."""
        if self._db is not None:
            self._db.commit()
