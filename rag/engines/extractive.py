"""The extractive engine: answers with sentences copied verbatim from the archive, each cited, led by a direct
answer made of spans copied from those sentences.

No language model, so nothing can be invented: the engine splits the question into its parts
(rag.question_analysis), chooses for each part the sentence that answers it, and composes: first the answer
span(s) of each part (a name, a date, an amount), each cited and joined only by fixed connectives, then the
supporting sentences, one fact once. A sentence answers a part by the support judge's answer score
(rag.judge), by holding a span of the asked type (rag.answer_spans) and by naming the part's focus; the
three are weighed by a logistic model fitted on the tune questions (bench/fit_compose.py). A part no
sentence answers is said to be missing; when none is answered the engine abstains and names, cited, what the
archive has instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from newsdesk.rag.answer_spans import (
    Reading,
    answer_spans,
    focus_fit,
    focus_names,
    names_the_asked,
    read,
)
from newsdesk.rag.candidates import CandidateSentence, candidate_sentences
from newsdesk.rag.engines.base import MISSING_WORD, AnswerEngine, abstained_answer, cite, compose_text
from newsdesk.rag.judge import SupportJudge
from newsdesk.rag.models import Answer, AnswerPart, AnswerSentence, Citation, Passage, QuestionPart
from newsdesk.rag.question import content_terms
from newsdesk.rag.question_analysis import QuestionAnalyzer

# P(sentence answers the part) = sigmoid(B0 + B_JUDGE*judge + B_TYPE*type_fit + B_FOCUS*focus_fit +
# B_RELATIVE*judge/the part's best judge score + B_SPANS*how many spans of the type). Fitted by
# bench/fit_compose.py (logistic regression, sklearn, C=1) on the tune questions of seeds and reuters
# (2016 part-sentence pairs, 70 holding the evidence), labelled by whether the sentence holds the item's
# evidence; never on holdout.
B0, B_JUDGE, B_TYPE, B_FOCUS, B_RELATIVE, B_SPANS = -7.93, 1.79, 1.18, 2.59, 3.30, 0.25
# A part counts as answered from this probability on: from the fitting script's table, the highest that
# covers all 57 tune parts (every tune part is answerable and its evidence was retrieved). Unanswerable
# questions are turned away by the judge's gate (rag.assistant) and the rules on answer spans below.
COVERED_AT = 0.05
# Two sentences sharing this share of their terms say the same thing (several articles repeat a fact).
_SAME_FACT = 0.6


@dataclass
class PartFeatures:
    """One candidate sentence against one part of the question: the model's inputs."""

    judge: float
    type_fit: float
    focus_fit: float
    relative: float  # the judge's score over the part's best score: how close to the best sentence
    spans: float = 0.0  # how many answer spans of the type (0, 1/3, 2/3, 1 for three or more)
    # Not a model input: a person part's spans are the asked event's participants or the asked role's
    # holders (answer_spans.names_the_asked); such sentences answer before those naming other actors.
    asked: bool = False

    def vector(self) -> list[float]:
        return [self.judge, self.type_fit, self.focus_fit, self.relative, self.spans]


def probability(features: PartFeatures) -> float:
    z = B0 + B_JUDGE * features.judge + B_TYPE * features.type_fit + B_FOCUS * features.focus_fit
    return 1.0 / (1.0 + math.exp(-(z + B_RELATIVE * features.relative + B_SPANS * features.spans)))


_PER_PART = 3  # sentences answering one part, at most
_NEEDS_SPAN = frozenset({"date", "amount", "count", "person"})


@dataclass
class _PartChoice:
    part: QuestionPart
    sentences: list[int] = field(default_factory=list)  # candidate indices, best first
    probability: float = 0.0


def _same_fact(a: set[str], b: set[str]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= _SAME_FACT


class ExtractiveEngine(AnswerEngine):
    """Answers each part of the question from its best sentence (and the best of other articles that say
    it differently), at most `max_sentences` supporting sentences in all."""

    name = "extractive"

    def __init__(self, judge: SupportJudge, analyzer: QuestionAnalyzer, max_sentences: int = 4) -> None:
        self._judge = judge
        self._analyzer = analyzer
        self.max_sentences = max_sentences

    def features(
        self, question: str, passages: list[Passage]
    ) -> tuple[list[QuestionPart], list[CandidateSentence], list[Reading], list[list[PartFeatures]]]:
        """The question's parts, the candidate sentences, their readings, and each part's features of each
        sentence (features[part][sentence]). Public for the fitting script (bench/fit_compose.py). The
        readings are valid only inside the analyzer's session() this is called in."""
        with self._analyzer.session():
            return self._features(question, passages)

    def _features(
        self, question: str, passages: list[Passage]
    ) -> tuple[list[QuestionPart], list[CandidateSentence], list[Reading], list[list[PartFeatures]]]:
        parts = self._analyzer.parts(question)
        candidates = candidate_sentences(passages)
        question_terms = content_terms(question)
        article_terms = {c.article: content_terms(c.article) for c in candidates}
        readings = [
            read(doc, article_terms[c.article])
            for doc, c in zip(self._analyzer.read([c.text for c in candidates]), candidates, strict=True)
        ]
        table = []
        for part in parts:
            text = question if len(parts) == 1 else part.text
            scores = (
                self._judge.answer_scores_in_articles(
                    text, [c.text for c in candidates], [c.article for c in candidates]
                )
                if candidates
                else np.zeros(0)
            )
            best = float(scores.max()) if len(scores) else 0.0
            row = []
            for score, reading, candidate in zip(scores, readings, candidates, strict=True):
                spans = [] if part.answer_type == "thing" else answer_spans(reading, part, question_terms)
                typed = 1.0 if part.answer_type == "thing" else float(bool(spans))
                focus = focus_fit(reading, part, article_terms[candidate.article])
                row.append(
                    PartFeatures(
                        float(score),
                        typed,
                        focus,
                        float(score) / best if best > 0 else 0.0,
                        min(len(spans), 3) / 3,
                        bool(spans) and names_the_asked(reading, part, question_terms),
                    )
                )
            table.append(row)
        return parts, candidates, readings, table

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        # One session of the analyzer's pipeline: the candidates' Docs are read once and stay valid while
        # spans are picked, and are freed after (a server's memory does not grow with the archive it reads).
        with self._analyzer.session():
            return self._answer(question, passages)

    def _answer(self, question: str, passages: list[Passage]) -> Answer:
        parts, candidates, readings, table = self.features(question, passages)
        if not candidates:
            return abstained_answer(question, "no retrieved sentence answers this question.", self.name)
        question_terms = content_terms(question)
        choices = []
        for part, row in zip(parts, table, strict=True):
            probabilities = [probability(f) for f in row]
            ranked = sorted(range(len(row)), key=lambda i: -probabilities[i])
            choice = _PartChoice(part, probability=probabilities[ranked[0]])
            asked = [i for i in ranked if row[i].asked and probabilities[i] >= COVERED_AT]
            if part.answer_type == "statement" and self._analyzer.speaker(part.text):
                # What a named person said is answered only by that person's words, however close
                # another speaker's sentence on the same talks is.
                ranked = [i for i in ranked if row[i].type_fit]
                choice.probability = probabilities[ranked[0]] if ranked else 0.0
            elif part.answer_type in _NEEDS_SPAN:
                # A date, sum or count is answered only by a sentence that gives one: a sentence on the
                # topic without a figure is a near miss ("how many troops" → "thousands of its troops"
                # is no count; spaCy finds numbers and dates reliably). A "who" part needs a named
                # participant or role holder ("an undisclosed bidder" names nobody).
                ranked = [i for i in ranked if row[i].type_fit]
                choice.probability = probabilities[ranked[0]] if ranked else 0.0
            if choice.probability >= COVERED_AT:
                # The best sentence, then the best of each other article (a question spanning several
                # articles is answered from each), then the next best when it tells something else. The
                # model's first three hold the evidence of 50 of the 57 tune parts, its first alone of 40
                # (bench/fit_compose.py).
                eligible = [i for i in ranked if probabilities[i] >= COVERED_AT]
                articles = {candidates[i].passage.doc_id: i for i in reversed(eligible)}
                # Another article's best counts when it is at least half as likely as the best sentence.
                others = sorted(
                    (i for i in articles.values() if probabilities[i] >= 0.5 * choice.probability),
                    key=lambda i: -probabilities[i],
                )
                # "Who met": sentences naming those who met come before those naming other people.
                for i in [*asked, eligible[0], *others, *eligible]:
                    if len(choice.sentences) == _PER_PART:
                        break
                    if i in choice.sentences or any(
                        _same_fact(readings[i].terms, readings[j].terms) for j in choice.sentences
                    ):
                        continue
                    choice.sentences.append(i)
            choices.append(choice)
        self._date_each_article(choices, candidates, table)
        if not any(choice.sentences for choice in choices):
            return self._near_miss(question, parts, candidates, table)
        return self._compose(question, choices, candidates, readings, question_terms)

    @staticmethod
    def _date_each_article(
        choices: list[_PartChoice], candidates: list[CandidateSentence], table: list[list[PartFeatures]]
    ) -> None:
        """A "when" part says when for each article the other parts are answered from ("who met in Tehran
        and when": the Syrian's two-day trip this week, the three ministers' talks on Thursday), with that
        article's best sentence holding a date, as far as the article gives one."""
        for n, choice in enumerate(choices):
            if choice.part.answer_type != "date" or not choice.sentences:
                continue
            dated = {candidates[i].passage.doc_id for i in choice.sentences}
            row = table[n]
            at = 1
            for other in choices:
                for i in other.sentences if other is not choice else []:
                    doc = candidates[i].passage.doc_id
                    if doc in dated:
                        continue
                    same_article = [
                        j
                        for j in range(len(candidates))
                        if candidates[j].passage.doc_id == doc and row[j].type_fit
                    ]
                    if same_article:
                        # Right after the part's best: each article's date comes before second bests.
                        choice.sentences.insert(at, max(same_article, key=lambda j: probability(row[j])))
                        dated.add(doc)
                        at += 1

    def _compose(
        self,
        question: str,
        choices: list[_PartChoice],
        candidates: list[CandidateSentence],
        readings: list[Reading],
        question_terms: set[str],
    ) -> Answer:
        # The supporting sentences: each part's, one fact once, at most max_sentences.
        chosen: list[int] = []
        for rank in range(_PER_PART):
            for choice in choices:
                if rank < len(choice.sentences) and len(chosen) < self.max_sentences:
                    i = choice.sentences[rank]
                    if i not in chosen and not any(
                        _same_fact(readings[i].terms, readings[j].terms) for j in chosen
                    ):
                        chosen.append(i)
        # Read in a sensible order: articles by their first chosen sentence, sentences in article order.
        article_rank = {
            doc: r for r, doc in enumerate(dict.fromkeys(candidates[i].passage.doc_id for i in chosen))
        }
        chosen.sort(key=lambda i: (article_rank[candidates[i].passage.doc_id], candidates[i].start))
        marker_of = {i: n for n, i in enumerate(chosen, start=1)}
        citations = [
            cite(
                marker_of[i],
                candidates[i].passage,
                candidates[i].text,
                candidates[i].start,
                candidates[i].end,
            )
            for i in chosen
        ]
        sentences = [AnswerSentence(text=candidates[i].text, markers=[marker_of[i]]) for i in chosen]
        answer_parts, direct_pieces = [], []
        for choice in choices:
            used = [i for i in choice.sentences if i in marker_of]
            spans: list[tuple[str, int]] = []
            for i in used:
                for span in answer_spans(readings[i], choice.part, question_terms)[:_PER_PART]:
                    # As the sentence writes it (its Doc was read with plain spaces for no-break ones).
                    text = candidates[i].text[span.start_char : span.end_char].strip(" ,;:")
                    if text and not any(_same_name(text, s, choice.part.answer_type) for s, _ in spans):
                        spans.append((text, marker_of[i]))
            answer_parts.append(
                AnswerPart(
                    question=choice.part.text,
                    answer_type=choice.part.answer_type,
                    covered=bool(used),
                    answer=spans[0][0] if spans else None,
                    markers=[marker_of[i] for i in used],
                )
            )
            if spans:
                direct_pieces.append(_join([f"{text} [{marker}]" for text, marker in spans[:5]]))
        direct = "; ".join(direct_pieces) + "." if direct_pieces else None
        draft = Answer(
            question=question,
            answer="",
            abstained=False,
            engine=self.name,
            citations=citations,
            sentences=sentences,
            direct_answer=direct,
            parts=answer_parts,
        )
        return draft.model_copy(update={"answer": compose_text(draft)})

    def _near_miss(
        self,
        question: str,
        parts: list[QuestionPart],
        candidates: list[CandidateSentence],
        table: list[list[PartFeatures]],
    ) -> Answer:
        """No part is answered though the archive has the topic: abstain, naming (cited) the sentences
        closest to the question, so the reader sees what the archive does say."""
        closest = sorted(range(len(candidates)), key=lambda i: -max(row[i].judge for row in table))[:2]
        citations: list[Citation] = []
        for marker, i in enumerate(closest, start=1):
            c = candidates[i]
            citations.append(cite(marker, c.passage, c.text, c.start, c.end))
        asked = parts[0]
        speaker = focus_names(asked)[0] if asked.answer_type == "statement" and focus_names(asked) else None
        what = f"what {speaker} said" if speaker else MISSING_WORD.get(asked.answer_type, "this")
        if not speaker and len(parts) == 1 and asked.answer_type in MISSING_WORD:
            # The asked fact in the question's words: "how many cases of fraud in EU funds were reported in
            # Germany in 2003", not a bare "how many" beside sentences on the UK's cases.
            words = asked.text.strip().rstrip("?").strip()
            if words.split() and words.split()[0].isalpha():
                what = words[:1].lower() + words[1:]
        quoted = "; ".join(f'"{" ".join(c.quote.split())}" [{c.marker}]' for c in citations)
        reason = f"{what}. It has: {quoted}"
        answer = abstained_answer(question, reason, self.name)
        return answer.model_copy(
            update={
                "citations": citations,
                "parts": [
                    AnswerPart(question=p.text, answer_type=p.answer_type, covered=False) for p in parts
                ],
            }
        )


def _same_name(text: str, listed: str, answer_type: str) -> bool:
    """Whether a span says what a listed one already says: the same words, or for a person the same first and
    last name ("Fahd al-Freij" after "Fahd Jassem al-Freij": one man, named by two articles)."""
    if text == listed:
        return True
    words, listed_words = text.split(), listed.split()
    return answer_type == "person" and (words[0], words[-1]) == (listed_words[0], listed_words[-1])


def _join(items: list[str]) -> str:
    """Items joined by the fixed connectives ", " and " and "."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
