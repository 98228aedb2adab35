"""Near-duplicate articles: one wire story run by several outlets, or re-ingested with small edits.

Two articles are near-duplicates when the Jaccard similarity of their word 5-gram shingles is
`threshold` or more. MinHash signatures cut into LSH bands find the candidates (two articles are
candidates when any band of their signatures is equal, as in datasketch's MinHashLSH.query); each
candidate is then checked on the exact shingle sets of the two texts. The check lets the bands be
laid out for recall: datasketch's layout weighted 0.05/0.95 against false negatives (16 bands × 8
rows at 0.8) finds a pair at J = 0.8 with probability 0.95 and at 0.83 with 0.98, where the even
layout (9 × 13, used before) found them with 0.40 and 0.57, so a copy with one paragraph cut was
stored twice about every other time. The index is derived data, kept beside the store (like the
BM25 index) and rebuilt from the stored texts when it falls out of step.

The band keys live in SQLite, not in an in-memory MinHashLSH pickled whole: that held ~3 KB of
Python objects per stored article for the whole ingest (and loaded all of them to check one
article), so memory grew with the store. SQLite keeps them on disk behind a bounded page cache, and
a lookup is one indexed query per band. (datasketch's own storage backends are Redis and Cassandra,
servers this project does not run.)
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections import OrderedDict
from functools import partial
from pathlib import Path

import mmh3
from datasketch import MinHash, MinHashLSH
from newsdesk.index.store import ArticleStore

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


# MurmurHash3 (mmh3, a chromadb dependency, in C) hashes a shingle str directly: half the time of
# datasketch's default SHA-1 per shingle, with the same estimates. The permutations are drawn once,
# not for every signature. Both are part of the band recipe: a store indexed otherwise is rebuilt.
_HASH_NAME = "mmh3-32"
_HASH = partial(mmh3.hash, signed=False)
_SCHEME = "affine32"
_PERMUTATION_PARAMETERS = MinHash(num_perm=_PERMUTATIONS, scheme=_SCHEME).permutations


# Weights of false positives and false negatives in datasketch's choice of bands × rows: candidates
# are verified exactly, so a false positive costs one text comparison and a false negative a duplicate.
_BAND_WEIGHTS = (0.05, 0.95)
# Texts of recently added articles kept for the exact check: those of a batch not yet written to the
# store are found here, the rest are read back from the store.
_RECENT_TEXTS = 512


def story_text(text: str, title: str | None) -> str:
    """The article's text without its headline: outlets re-headline the same wire story, and on a short
    story a new headline alone can move the similarity across the threshold."""
    if title and text.startswith(title):
        return text[len(title) :]
    return text


def shingles(text: str) -> set[str]:
    """The article's word 5-grams, lower-cased (one shingle for a text shorter than that)."""
    words = _WORD.findall(text.lower())
    return {" ".join(words[i : i + _SHINGLE]) for i in range(max(len(words) - _SHINGLE + 1, 1))}


def jaccard(first: set[str], second: set[str]) -> float:
    return len(first & second) / len(first | second) if first or second else 1.0


def minhash(text: str) -> MinHash:
    signature = MinHash(
        num_perm=_PERMUTATIONS, hashfunc=_HASH, permutations=_PERMUTATION_PARAMETERS, scheme=_SCHEME
    )
    signature.update_batch(list(shingles(text)))
    return signature


class NearDuplicateIndex:
    """The band index of the stored articles, used from any thread (the web server ingests uploads in
    worker threads): one connection, guarded by a lock. Articles added while a batch is planned are held in
    memory (`_pending`) and written with the batch (`save`), inside the store's write lock, so the database
    is only written in short transactions that another writer never has to wait long for."""

    def __init__(self, path: Path, store: ArticleStore, threshold: float) -> None:
        self.path = path
        self.store = store
        self.threshold = threshold
        # datasketch's choice of bands × rows for this threshold, weighted for recall (16 × 8 for 0.8).
        self._bands = MinHashLSH(
            threshold=threshold, num_perm=_PERMUTATIONS, weights=_BAND_WEIGHTS
        ).hashranges
        self._db: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._pending: dict[str, list[tuple[int, bytes]]] = {}  # doc_id → band keys, not yet saved
        self._removed: set[str] = set()  # doc_ids to delete at the next save

    def _recipe(self) -> str:
        return (
            f"threshold={self.threshold} perm={_PERMUTATIONS} shingle={_SHINGLE} bands={self._bands} "
            f"hash={_HASH_NAME} weights={_BAND_WEIGHTS}"
        )

    def _connect(self) -> sqlite3.Connection:
        # check_same_thread=False: the connection is shared by threads, always under self._lock.
        return sqlite3.connect(self.path, timeout=60, check_same_thread=False)

    def _load(self) -> sqlite3.Connection:
        """The band database, brought in line with the store: rebuilt when it was made with other settings,
        else given the bands of stored articles it lacks and rid of articles the store no longer has (a
        run that died before saving, another writer)."""
        if self._db is not None:
            return self._db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            db.executescript(_SCHEMA)
            recipe = db.execute("SELECT value FROM settings WHERE name = 'recipe'").fetchone()
        except sqlite3.DatabaseError:  # not a band database (an unreadable file): start afresh
            db.close()
            self.path.unlink()
            db = self._connect()
            db.executescript(_SCHEMA)
            recipe = None
        self._db = db
        if recipe != (self._recipe(),):
            db.execute("DELETE FROM bands")
            db.execute("DELETE FROM members")
            db.execute("INSERT OR REPLACE INTO settings VALUES ('recipe', ?)", (self._recipe(),))
        self.reconcile()
        return db

    def reconcile(self) -> None:
        """Make the members exactly the store's articles (ids compared; only missing texts are read)."""
        with self._lock:
            db = self._db if self._db is not None else self._load()
            stored = self.store.article_ids()
            members = {row[0] for row in db.execute("SELECT doc_id FROM members")}
            for doc_id in members - stored:
                self._delete(db, doc_id)
            missing = stored - members
            if missing:
                for doc_id, text, title in self.store.iter_texts():
                    if doc_id in missing:
                        self._insert(db, doc_id, self._keys(minhash(story_text(text, title))))
            db.commit()  # the index matches the store by itself: keep it, and hold no lock

    def _keys(self, signature: MinHash) -> list[tuple[int, bytes]]:
        return [
            (band, signature.hashvalues[start:end].tobytes()) for band, (start, end) in enumerate(self._bands)
        ]

    @staticmethod
    def _insert(db: sqlite3.Connection, doc_id: str, keys: list[tuple[int, bytes]]) -> None:
        if db.execute("INSERT OR IGNORE INTO members VALUES (?)", (doc_id,)).rowcount:
            db.executemany("INSERT INTO bands VALUES (?, ?, ?)", [(*key, doc_id) for key in keys])

    @staticmethod
    def _delete(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM members WHERE doc_id = ?", (doc_id,))
        db.execute("DELETE FROM bands WHERE doc_id = ?", (doc_id,))

    def find(
        self, text: str, signature: MinHash | None = None, ignore: set[str] | frozenset[str] = frozenset()
    ) -> str | None:
        """The id of the stored (or already added) article most similar to `text` (a `story_text`)
        with a Jaccard similarity of `threshold` or more, if any. Pass `signature` (its `minhash`)
        when the caller has it already."""
        signature = signature if signature is not None else minhash(text)
        keys = self._keys(signature)
        candidates: set[str] = set()
        with self._lock:
            db = self._load()
            for band, key in keys:
                candidates.update(row[0] for row in db.execute(_MATCHES, (band, key)))
            wanted = set(keys)
            candidates.update(doc_id for doc_id, own in self._pending.items() if wanted.intersection(own))
            candidates -= self._removed
        candidates -= set(ignore)
        if not candidates:
            return None
        own = shingles(text)
        best, best_similarity = None, 0.0
        for doc_id in sorted(candidates):
            other = self._recent.get(doc_id)
            if other is None:
                stored = self.store.get_article(doc_id)
                if stored is not None:
                    other = story_text(stored.text, stored.metadata.get("title"))
            similarity = jaccard(own, shingles(other)) if other is not None else 0.0
            if similarity >= self.threshold and similarity > best_similarity:
                best, best_similarity = doc_id, similarity
        return best

    def add(self, doc_id: str, text: str, signature: MinHash | None = None) -> None:
        """Index an article by its `story_text` (and, when the caller already has it, its signature);
        written to the database at the next `save`."""
        keys = self._keys(signature if signature is not None else minhash(text))
        with self._lock:
            self._pending[doc_id] = keys
            self._removed.discard(doc_id)
            self._recent[doc_id] = text
            while len(self._recent) > _RECENT_TEXTS:
                self._recent.popitem(last=False)

    def remove(self, doc_ids: list[str]) -> None:
        """Forget these articles (written to the database at the next `save`)."""
        with self._lock:
            for doc_id in doc_ids:
                self._recent.pop(doc_id, None)
                self._pending.pop(doc_id, None)
                self._removed.add(doc_id)

    def save(self, written: list[str] | None = None) -> None:
        """Write the removals and the added articles among `written` (all added ones when None) in one
        transaction; call it after the store has those articles, under the store's write lock."""
        with self._lock:
            db = self._load()
            for doc_id in self._removed:
                self._delete(db, doc_id)
            self._removed.clear()
            for doc_id in list(self._pending) if written is None else written:
                if doc_id in self._pending:
                    self._insert(db, doc_id, self._pending.pop(doc_id))
            db.commit()
