"""The support judge: the one judgement the answer pipeline and the evaluation rest on.

Two questions, asked of many (text, sentence) pairs at once:
- `answer_scores(question, sentences)`: does each sentence answer the question (state the asked fact)?
- `support_scores(pairs)`: is each claim supported by its quote with the neighbouring sentences?

Scores are probabilities in [0, 1]; `answers`/`supports` compare them with the judge's own thresholds,
which were chosen on the tune split of the development pairs (never on holdout) and travel with the model.
Implementations: the trained cross-encoder (`rag.judge_onnx.OnnxJudge`, the default) and the old word-overlap
heuristic (`HeuristicJudge`), kept as a fallback that can be named (`judge.kind = "heuristic"`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from newsdesk.index.sentences import split_sentences
from newsdesk.rag.question import (
    anchor_terms,
    asks_when,
    content_terms,
    figures,
    mentions_time,
    name_heads,
    states,
)

JudgeTask = Literal["answers", "supports"]


def judge_input(task: JudgeTask, text: str) -> str:
    """The first text of a pair as the cross-encoder reads it: one model judges both tasks, told apart by a
    prefix. Training (newsdesk.training) and inference both build their inputs here."""
    return f"question: {text}" if task == "answers" else f"claim: {text}"


class SupportJudge(ABC):
    """Judges (question, sentence) and (claim, quote-with-neighbours) pairs."""

    name: str
    """What judged: "trained:<version>" or "heuristic"; reports and stores record it."""
    answers_threshold: float
    supports_threshold: float

    @abstractmethod
    def answer_scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """P(sentence answers the question), one per sentence."""

    @abstractmethod
    def support_scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """P(claim is supported by the quote with its neighbouring sentences), one per (claim, quote) pair."""

    def answer_scores_in_articles(
        self, question: str, sentences: Sequence[str], articles: Sequence[str]
    ) -> np.ndarray:
        """`answer_scores`, each sentence with its article as retrieved (its passages and headline),
        `articles[i]` for `sentences[i]`. A judge that reads the sentence alone ignores the articles."""
        return self.answer_scores(question, sentences)

    def answers(self, question: str, sentences: Sequence[str]) -> list[bool]:
        return [bool(s >= self.answers_threshold) for s in self.answer_scores(question, sentences)]

    def supports(self, claim: str, quote_with_neighbours: str) -> bool:
        return bool(self.support_scores([(claim, quote_with_neighbours)])[0] >= self.supports_threshold)


class HeuristicJudge(SupportJudge):
    """The word-overlap heuristic every judgement rested on before the trained judge, kept as the fallback
    that can be named (`judge.kind = "heuristic"`, `newsdesk eval --citation-judge heuristic`).

    - answers: 0.5 · cosine(question, sentence) + 0.5 · weighted share of the question's terms in the
      sentence (names and figures weigh double); a "when" question favours a sentence that states a time
      and says something of what is asked. Threshold: the extractive engine's old `min_support`.
    - supports: 1 when the claim is verbatim in the passage; 0 when a name or figure of the claim is
      missing from it (figures in words too: "three elections" quoting "four elections"); else the best
      cosine of the claim to the passage or one of its sentences (the quote is one of them).
      Threshold: the citation check's old 0.6.
    """

    name = "heuristic"

    def __init__(
        self,
        embedder: BaseEmbedding,
        answers_threshold: float = 0.45,
        supports_threshold: float = 0.6,
    ) -> None:
        self._embedder = embedder
        self.answers_threshold = answers_threshold
        self.supports_threshold = supports_threshold
        # The assistant's abstention gate and the extractive engine ask about the same sentences, one
        # after the other: the last answer is kept so they are embedded once.
        self._last_answers: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], np.ndarray] | None = None

    def answer_scores(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        return self.answer_scores_in_articles(question, sentences, sentences)

    def answer_scores_in_articles(
        self, question: str, sentences: Sequence[str], articles: Sequence[str]
    ) -> np.ndarray:
        """A name or figure of the question found only elsewhere in the sentence's article counts half,
        since the article sets the topic ("Syrian" uprising) while the sentence carries the answer. A
        sentence whose article never names one of the question's names or figures (a meeting in Damascus,
        asked about Tehran) scores 0 while any other sentence's article names them all; a name counts by its
        head ("Parry joined Liverpool in July 1998" names the "Rick Parry" asked about)."""
        key = (question, tuple(sentences), tuple(articles))
        if self._last_answers is not None and self._last_answers[0] == key:
            return self._last_answers[1].copy()
        if not sentences:
            return np.zeros(0)
        question_vector = np.asarray(self._embedder.get_query_embedding(question))
        vectors = np.asarray(self._embedder.get_text_embedding_batch(list(sentences)))
        similarities = vectors @ question_vector
        anchors = set(anchor_terms(question))
        heads = name_heads(question)  # a subset of the anchors
        topic = content_terms(question) - anchors
        total = 2.0 * len(anchors) + len(topic) or 1.0
        wants_time = asks_when(question)
        article_terms = {article: content_terms(article) for article in dict.fromkeys(articles)}
        scores = np.zeros(len(sentences))
        off_anchor = np.zeros(len(sentences), dtype=bool)
        rows = zip(sentences, articles, similarities, strict=True)
        for i, (sentence, article, similarity) in enumerate(rows):
            terms = content_terms(sentence)
            context = article_terms[article]
            on_topic = len(topic & terms)
            anchored = sum(2.0 if a in terms else 1.0 if a in context else 0.0 for a in anchors)
            scores[i] = 0.5 * float(similarity) + 0.5 * (anchored + on_topic) / total
            off_anchor[i] = any(a not in terms and a not in context for a in heads)
            if wants_time and (on_topic or anchors & terms) and mentions_time(sentence):
                scores[i] += 0.08
        if not off_anchor.all():
            scores[off_anchor] = 0.0
        scores = np.clip(scores, 0.0, 1.0)
        self._last_answers = (key, scores)
        return scores.copy()

    def support_scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        scores = np.zeros(len(pairs))
        to_embed: list[tuple[int, list[str]]] = []  # (pair, [claim, passage, its sentences...])
        for i, (claim, passage) in enumerate(pairs):
            if claim and claim in passage:
                scores[i] = 1.0
                continue
            passage_terms = content_terms(passage)
            names = (anchor for anchor in anchor_terms(claim) if not anchor[0].isdigit())
            if not all(states(name, passage_terms) for name in names):
                continue  # a name the passage never states: 0
            if not figures(claim) <= figures(passage):
                continue  # a figure it never states, in digits or words ("three" quoting "four"): 0
            sentences = [passage[s:e] for s, e in split_sentences(passage)]
            to_embed.append((i, [claim, passage, *(s for s in sentences if s.strip() and s != passage)]))
        if to_embed:
            # One batch for every pair: the embedder runs once per answer, not once per citation.
            texts = [text for _, group in to_embed for text in group]
            vectors = np.asarray(self._embedder.get_text_embedding_batch(texts))
            at = 0
            for i, group in to_embed:
                block = vectors[at : at + len(group)]
                at += len(group)
                scores[i] = float(np.clip(np.max(block[1:] @ block[0]), 0.0, 1.0))
        return scores
