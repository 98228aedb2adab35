"""The spaCy pipeline a server shares between threads: memory bounded, uses in turns."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from newsdesk.index.language import SharedPipeline, load_parser
from newsdesk.rag.question_analysis import QuestionAnalyzer

from tests.fixtures.cli import SHARED_CORPORA


@pytest.fixture(scope="module")
def parser() -> SharedPipeline:
    return SharedPipeline(load_parser)


def _bbc_sentences(count: int) -> list[str]:
    stories = sorted((SHARED_CORPORA / "bbc" / "tech").glob("*.txt"))[:40]
    lines = [line for story in stories for line in story.read_text(errors="replace").splitlines()[1:]]
    return [line for line in lines if len(line) > 40][:count]


def test_what_a_use_reads_is_forgotten_when_it_ends(parser: SharedPipeline) -> None:
    """New words would otherwise stay in the vocabulary for good: a server reading a growing archive grows."""
    with parser.use() as nlp:
        nlp("Warm up.")
    strings = len(parser.pipeline.vocab.strings)
    with parser.use() as nlp:
        heads = [sent.root.text for doc in nlp.pipe(_bbc_sentences(200)) for sent in doc.sents]
        assert len(parser.pipeline.vocab.strings) > strings  # read inside: the new words are there
    assert heads and all(isinstance(head, str) for head in heads)
    assert len(parser.pipeline.vocab.strings) == strings


def test_threads_take_turns_and_a_use_inside_a_use_joins_it(parser: SharedPipeline) -> None:
    sentences = _bbc_sentences(60)

    def verbs(sentence: str) -> list[str]:
        with parser.use() as nlp:
            doc = nlp(sentence)
            with parser.use() as inner:  # same thread: no second zone, the outer Doc stays valid
                inner("A nested read.")
            assert parser.in_use
            return [token.lemma_ or token.text for token in doc if token.pos_ == "VERB"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(verbs, sentences))
    assert together == [verbs(sentence) for sentence in sentences]
    assert not parser.in_use


def test_the_analyzer_reads_candidates_only_inside_a_session(parser: SharedPipeline) -> None:
    analyzer = QuestionAnalyzer(parser)
    with pytest.raises(RuntimeError, match="session"):
        analyzer.read(["Iran's defence minister met his Syrian counterpart."])
    with analyzer.session():
        (doc,) = analyzer.read(["Iran's defence minister met his Syrian counterpart."])
        assert doc[0].text == "Iran"
