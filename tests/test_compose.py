"""Composed extractive answers: question parts, a direct answer of cited spans, near misses
(rag.question_analysis, rag.answer_spans, rag.engines.extractive, rag.verify), on the sample corpus and a
real Reuters article."""

from __future__ import annotations

import json

import pytest
from newsdesk.rag.answer_spans import answer_spans, names_the_asked, read
from newsdesk.rag.models import Answer, AnswerSentence, Citation
from newsdesk.rag.question import content_terms
from newsdesk.rag.verify import direct_answer_spans

from tests.fixtures.cli import SAMPLE_CORPUS, SHARED_CORPORA

TEHRAN = "Who met in Tehran and when?"
SHOIGU = "What did Shoigu say after the talks in Tehran?"


def test_a_two_part_question_has_a_part_for_who_and_one_for_when(components) -> None:  # type: ignore[no-untyped-def]
    parts = components.question_analyzer.parts(TEHRAN)
    assert [p.answer_type for p in parts] == ["person", "date"]
    assert parts[0].text == "Who met in Tehran?"
    assert parts[1].text == "When did they meet in Tehran?"
    assert "Tehran" in parts[0].focus and "Tehran" in parts[1].focus


def test_a_statement_question_names_its_speaker_as_focus(components) -> None:  # type: ignore[no-untyped-def]
    (part,) = components.question_analyzer.parts(SHOIGU)
    assert part.answer_type == "statement"
    assert part.focus[0] == "Shoigu"


def test_the_tehran_answer_covers_both_parts_with_a_direct_answer_of_cited_spans(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant("extractive").ask(TEHRAN)
    assert not answer.abstained, answer.answer
    assert [p.covered for p in answer.parts] == [True, True]
    assert answer.direct_answer and answer.answer.startswith(answer.direct_answer)
    # When each meeting was, as far as each article says: the talks on Thursday (003), Freij's trip this
    # week (000); both articles cited.
    assert "on Thursday" in answer.direct_answer and "this week" in answer.direct_answer
    assert "Freij" in answer.direct_answer and "Shoigu" in answer.answer
    cited = {c.source.rsplit("/", 1)[-1][:4] for c in answer.citations}
    assert {"000_", "003_"} <= cited, cited
    # Every word of the direct answer is a connective or a span copied from the quote it cites.
    spans = direct_answer_spans(answer.direct_answer)
    assert spans
    quotes = {c.marker: c.quote for c in answer.citations}
    for span, marker in spans:
        assert span in quotes[marker], (span, marker)
    for part in answer.parts:
        assert part.answer is None or any(part.answer in quotes[m] for m in part.markers)


def test_the_tehran_answer_names_the_three_ministers(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant("extractive").ask(TEHRAN)
    for name in ("Freij", "Shoigu", "Dehghan"):
        assert name in answer.answer


def test_what_a_person_did_not_say_is_a_near_miss_that_names_what_the_archive_has(components) -> None:  # type: ignore[no-untyped-def]
    answer = components.assistant("extractive").ask(SHOIGU)
    assert answer.abstained, answer.answer
    assert "Shoigu" in answer.answer
    assert answer.citations, "the abstention cites what the archive has"
    for citation in answer.citations:
        assert f"[{citation.marker}]" in answer.answer
        assert citation.quote in components.store.get_articles([citation.doc_id])[citation.doc_id].text
    assert [p.covered for p in answer.parts] == [False]


def _ford_sentence() -> str:
    """A real Reuters sentence giving three carmakers' cuts (reuters-019.json)."""
    for article in json.loads((SHARED_CORPORA / "reuters" / "reuters-019.json").read_text()):
        for line in article.get("body", "").split(". "):
            text = " ".join(line.split())
            if "Ford Motor Co is scheduling" in text and "General Motors" in text:
                return text
    pytest.fail("the Reuters article on third-quarter car output is missing")


@pytest.mark.parametrize(
    ("question", "figure", "others"),
    [
        ("By how much is Ford cutting its planned car output?", "5.4 pct", ["12.6", "18.4"]),
        ("By how much has General Motors slashed its planned car output?", "12.6 pct", ["5.4", "18.4"]),
        ("By how much will Chrysler Corp car output be off?", "18.4 pct", ["12.6", "5.4"]),
    ],
)
def test_an_amount_is_the_asked_partys_not_anothers_in_the_same_sentence(
    components,  # type: ignore[no-untyped-def]
    question: str,
    figure: str,
    others: list[str],
) -> None:
    analyzer = components.question_analyzer
    (part,) = analyzer.parts(question)
    assert part.answer_type == "amount"
    with analyzer.session():  # the sentence's Doc lives as long as the session
        spans = [
            s.text
            for s in answer_spans(read(analyzer.read([_ford_sentence()])[0]), part, content_terms(question))
        ]
    assert spans and spans[0] == figure
    assert not any(other in span for span in spans for other in others)


def _answer(direct: str) -> Answer:
    quote = "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran."
    citation = Citation(marker=1, doc_id="d", source="s", quote=quote, start=0, end=len(quote))
    return Answer(
        question="q",
        answer="",
        abstained=False,
        engine="extractive",
        citations=[citation],
        sentences=[AnswerSentence(text=quote, markers=[1])],
        direct_answer=direct,
    )


def test_verify_keeps_a_direct_answer_of_cited_spans_and_drops_one_with_other_words(components) -> None:  # type: ignore[no-untyped-def]
    quote = _answer("").citations[0].quote
    articles = {"d": quote}
    kept = components.checker.verify(_answer("on Thursday [1]; Iran [1] and Syria [1]."), articles)
    assert kept.direct_answer == "on Thursday [1]; Iran [1] and Syria [1]."
    assert kept.answer.startswith(kept.direct_answer)
    invented = components.checker.verify(_answer("probably on Thursday [1]."), articles)
    assert invented.direct_answer is None
    assert not invented.answer.startswith("probably")


def test_a_count_is_a_number_of_what_the_question_counts(components) -> None:  # type: ignore[no-untyped-def]
    """The sample corpus says Iran deployed "thousands of its troops": no number of troops, so no count."""
    analyzer = components.question_analyzer
    question = "How many Iranian troops are deployed in Syria?"
    (part,) = analyzer.parts(question)
    assert part.answer_type == "count" and part.focus[-1] == "troops"
    article = next(SAMPLE_CORPUS.glob("000_*.txt")).read_text()
    sentence = next(line for line in article.splitlines() if "thousands of its troops" in line)
    with analyzer.session():
        found = read(analyzer.read([sentence])[0])
        assert answer_spans(found, part, content_terms(question)) == []


def _sample_sentence(prefix: str, words: str) -> str:
    article = next(SAMPLE_CORPUS.glob(f"{prefix}_*.txt")).read_text()
    return next(line for line in article.splitlines() if words in line)


def test_who_met_names_those_who_took_part_not_everyone_the_sentence_names(components) -> None:  # type: ignore[no-untyped-def]
    analyzer = components.question_analyzer
    part = analyzer.parts(TEHRAN)[0]
    assert (part.answer_type, part.predicate) == ("person", "meet")
    question_terms = content_terms(TEHRAN)

    def people(sentence: str) -> list[str]:
        with analyzer.session():
            return [s.text for s in answer_spans(read(analyzer.read([sentence])[0]), part, question_terms)]

    # "hold meetings with X and Y": the holder and both guests took part.
    meetings = _sample_sentence("003", "separate bilateral meetings")
    assert people(meetings) == ["Shoigu", "Fahd Jassem al-Freij", "Dehghan"]
    # Assad is only named, as the one the talks were against.
    assert people(_sample_sentence("003", "held talks in Tehran")) == []


def test_which_minister_is_answered_by_the_holder_of_the_role(components) -> None:  # type: ignore[no-untyped-def]
    analyzer = components.question_analyzer
    question = "Which Iranian defence minister did IRNA quote on bilateral cooperation with Syria?"
    (part,) = analyzer.parts(question)
    assert part.role == "minister"
    sentence = _sample_sentence("000", "IRNA news agency")
    with analyzer.session():
        spans = [
            s.text for s in answer_spans(read(analyzer.read([sentence])[0]), part, content_terms(question))
        ]
    assert spans == ["Hossein Dehgan"]


def test_a_figure_of_another_company_does_not_answer_for_the_asked_one(components) -> None:  # type: ignore[no-untyped-def]
    """The Reuters sentence gives GM's, Ford's and Chrysler's cuts: none of them is Toyota's."""
    analyzer = components.question_analyzer
    question = "By how much is Toyota cutting its planned car output?"
    (part,) = analyzer.parts(question)
    assert part.answer_type == "amount" and "Toyota" in part.parties
    text = _ford_sentence()
    sentence = text[text.index("Automotive News said") : text.index("18.4 pct") + len("18.4 pct")]
    with analyzer.session():
        reading = read(analyzer.read([sentence])[0])
        assert answer_spans(reading, part, content_terms(question)) == []
        # Asked for Ford, the same sentence answers.
        ford = "By how much is Ford Motor Co cutting its planned car output?"
        (part,) = analyzer.parts(ford)
        assert [s.text for s in answer_spans(reading, part, content_terms(ford))] == ["5.4 pct"]


def test_which_groups_is_answered_by_a_description_when_no_name_is_given(components) -> None:  # type: ignore[no-untyped-def]
    """Dehgan vows to resist "the takfiri (apostate) Zionist groups": a description, not a name."""
    analyzer = components.question_analyzer
    question = 'Which groups did he vow to resist "with all our strength"?'
    (part,) = analyzer.parts(question)
    assert (part.answer_type, part.role) == ("organisation", "group")
    sentence = _sample_sentence("000", "We will resist")
    other = _sample_sentence("003", "the group fighting against them")
    with analyzer.session():
        spans = [
            s.text for s in answer_spans(read(analyzer.read([sentence])[0]), part, content_terms(question))
        ]
        assert spans and "Zionist groups" in spans[0]
        # A sentence on a group that does not say which gives no answer.
        assert answer_spans(read(analyzer.read([other])[0]), part, content_terms(question)) == []


def test_a_date_written_with_a_no_break_space_is_answered_whole(components) -> None:  # type: ignore[no-untyped-def]
    """Article 004 writes "on September\xa012": spaCy alone would cut the date to "September"."""
    answer = components.assistant("extractive").ask("When was the regime of calm announced in Syria?")
    assert not answer.abstained, answer.answer
    assert answer.direct_answer and "September\xa012" in answer.direct_answer
    quotes = {c.marker: c.quote for c in answer.citations}
    for span, marker in direct_answer_spans(answer.direct_answer):
        assert span in quotes[marker], (span, marker)


def test_a_person_two_articles_name_differently_is_listed_once(components) -> None:  # type: ignore[no-untyped-def]
    """003 says "Fahd Jassem al-Freij", 000 "Fahd al-Freij": one man in the direct answer."""
    answer = components.assistant("extractive").ask("Who met in Tehran?")
    assert answer.direct_answer and "Fahd Jassem al-Freij" in answer.direct_answer
    assert "Fahd al-Freij" not in answer.direct_answer


def test_which_with_a_measure_asks_for_the_kind_not_the_sum(components) -> None:  # type: ignore[no-untyped-def]
    """ "Which metal prices rose?" was read as a money question, so only a sentence with a sum answered it."""
    analyzer = components.question_analyzer
    (which,) = analyzer.parts("Which metal prices rose after the strike at the Trail smelter?")
    assert (which.answer_type, which.money, which.asked) == ("thing", False, "metal")
    (what,) = analyzer.parts("What share price did the bid value Cominco at?")
    assert (what.answer_type, what.money) == ("amount", True)


def test_how_long_is_answered_by_a_stretch_of_time(components) -> None:  # type: ignore[no-untyped-def]
    """ "How long" was an amount like any other: "this week" or a bare count could answer it."""
    analyzer = components.question_analyzer
    question = "How long was Freij's trip to Iran?"
    (part,) = analyzer.parts(question)
    assert (part.answer_type, part.duration) == ("amount", True)
    sentence = _sample_sentence("000", "two-day trip")
    with analyzer.session():
        found = read(analyzer.read([sentence])[0])
        assert [s.text for s in answer_spans(found, part, content_terms(question))] == ["two-day"]


def _raskin_paragraphs() -> list[str]:
    """A BBC obituary (tech/068): the first paragraph names "Jef Raskin", the later ones "Mr Raskin"."""
    text = (SHARED_CORPORA / "bbc" / "tech" / "068.txt").read_text(encoding="utf-8")
    return [p for p in text.split("\n\n") if p.strip()]


def test_a_when_part_is_answered_by_the_date_of_the_asked_event(components) -> None:  # type: ignore[no-untyped-def]
    """A "when" part took any dated sentence about its person: "in 1982 he left" as well as "joined in
    1978"."""
    analyzer = components.question_analyzer
    question = "When did Jef Raskin join Apple?"
    (part,) = analyzer.parts(question)
    assert (part.answer_type, part.predicate) == ("date", "join")
    sentences = [s.strip() + "." for p in _raskin_paragraphs() for s in p.split(". ")]
    joined = next(s for s in sentences if "joined Apple" in s)
    left = next(s for s in sentences if "left Apple" in s)
    with analyzer.session():
        asked = [
            names_the_asked(read(doc), part, content_terms(question)) for doc in analyzer.read([joined, left])
        ]
    assert asked == [True, False]


def test_a_sentence_naming_a_person_by_surname_answers(components) -> None:  # type: ignore[no-untyped-def]
    """News names a person in full once, then by surname: the sentence with the date ("Mr Raskin joined
    Apple in 1978"), in a part of the article that never says "Jef", scored 0 beside any article naming
    "Jef Raskin"."""
    headline, opening, *rest = _raskin_paragraphs()
    career = next(p for p in rest if "joined Apple" in p)
    joined = next(s.strip() + "." for s in career.split(".") if "joined Apple" in s)
    scores = components.judge.answer_scores_in_articles(
        "When did Jef Raskin join Apple?", [joined, opening], [career, f"{headline} {opening}"]
    )
    assert scores[0] >= components.judge.answers_threshold
