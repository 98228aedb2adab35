"""Follow-ups that refer back: resolved to the names they stand for (rag.followup) and answered from the
sample corpus; a follow-up's capitalised first word is no name the archive must mention."""

from __future__ import annotations

import pytest
from newsdesk.rag.followup import make_standalone
from newsdesk.rag.question import anchor_terms

MINISTER = "Which Russian minister went to Tehran?"
# The seed article with "A Russian defence ministry statement before the meeting said ..."
STATEMENT_ARTICLE = "003_482dfbd78e828b66.txt"


@pytest.fixture(scope="module")
def assistant(components):  # type: ignore[no-untyped-def]
    return components.assistant("extractive")


# --- the resolver, on constructed histories -----------------------------------------------------------

SHOIGU = "The visit of Russia's Defence Minister Sergei Shoigu comes after Moscow's pledge. [1]"
PENNWALT = "Pennwalt Corp said it is making a new refrigerant available. [1]"


@pytest.mark.parametrize(
    ("follow_up", "history", "standalone"),
    [
        # a person for his/he, from the previous answer; "his ministry" is his country's, as his title says
        (
            "What did his ministry say before the meeting?",
            [(MINISTER, SHOIGU)],
            "What did Russia's ministry say before the meeting?",
        ),
        # ... and his own when the answer gives no title
        (
            "What did his ministry say before the meeting?",
            [(MINISTER, "Sergei Shoigu. [1]")],
            "What did Sergei Shoigu's ministry say before the meeting?",
        ),
        (
            "What did he tell the Iranian president after the meeting?",
            [(MINISTER, SHOIGU)],
            "What did Sergei Shoigu tell the Iranian president after the meeting?",
        ),
        # the answer's person wins over the question's ("Freij" is asked about, Dehgan answers)
        (
            "Which groups did he vow to resist after the talks?",
            [
                (
                    "What did Iran's defence minister say after meeting Syria's Fahd al-Freij?",
                    "IRNA quoted General Hossein Dehgan as saying both sides agreed. [1]",
                )
            ],
            "Which groups did Hossein Dehgan vow to resist after the talks?",
        ),
        # an organisation for "the company"; "its" after it is left alone, the name is there once
        (
            "What did the company say about its shares?",
            [("Who makes the new refrigerant?", PENNWALT)],
            "What did Pennwalt Corp say about its shares?",
        ),
        # "the country" from the previous question when the answer names none; an existential "there" stays
        (
            "And how many landless families are there in the country?",
            [("What has happened to Brazil's land reform programme?", "It is mired in bureaucracy. [1]")],
            "How many landless families are there in Brazil?",
        ),
        # a country's government
        (
            "How much more will the government borrow this fiscal year?",
            [("Who announced New Zealand's budget surplus?", "Finance Minister Roger Douglas. [1]")],
            "How much more will New Zealand's government borrow this fiscal year?",
        ),
        # a date for "that day"
        (
            "How many people visited the campaign's website that day?",
            [("Which day was named after the blogger?", "22 February 2005, as Free Mojtaba Day. [1]")],
            "How many people visited the campaign's website on 22 February 2005?",
        ),
        # a place for "there": where someone went, not a capital acting ("Moscow's pledge")
        (
            "What did the Russian minister say there about the ceasefire?",
            [("Which Russian minister went to Tehran?", SHOIGU)],
            "What did the Russian minister say in Tehran about the ceasefire?",
        ),
        # a pronoun inside a quotation is the speaker's, not a reference back
        (
            'Who did he say "will spare no effort to continue their plot"?',
            [("Who spoke for Syria in Tehran?", "Syria's defence minister Fahd al-Freij said so. [1]")],
            'Who did Fahd al-Freij say "will spare no effort to continue their plot"?',
        ),
    ],
)
def test_references_are_resolved_to_the_earlier_turns_names(resolver, follow_up, history, standalone) -> None:  # type: ignore[no-untyped-def]
    result = make_standalone(follow_up, history, resolver)
    assert result.question == standalone
    assert result.earlier == ""  # it stands alone now: searched as it is
    assert result.query == standalone


def test_it_is_what_the_previous_question_asked_for(resolver) -> None:  # type: ignore[no-untyped-def]
    """ "It" after "Which play ...?" is the play the answer names, not the answer's first name ("Uganda")."""
    history = [
        (
            "Which play did Uganda's authorities ban?",
            "Uganda's authorities have banned the play The Vagina Monologues. [1]",
        )
    ]
    assert make_standalone("Who wrote it?", history, resolver).question == "Who wrote Vagina Monologues?"


def test_a_pronoun_nothing_stands_for_keeps_the_earlier_question(resolver) -> None:  # type: ignore[no-untyped-def]
    history = [("Who are the judges on The X Factor?", "Simon Cowell, Louis Walsh and Sharon Osbourne. [1]")]
    follow_up = "And which of them predicted that series two would be even better?"
    result = make_standalone(follow_up, history, resolver)
    assert result.earlier == "Who are the judges on The X Factor?"
    assert result.query.startswith("Who are the judges on The X Factor? And which of them")


def test_a_person_the_answer_does_not_single_out_is_not_guessed(resolver) -> None:  # type: ignore[no-untyped-def]
    two = "In a meeting with Sergei Shoigu, Ali Shamkhani thanked Vladimir Putin for his support. [1]"
    follow_up = "What did his ministry say before the meeting?"
    result = make_standalone(follow_up, [(MINISTER, two)], resolver)
    assert result.question == follow_up
    assert result.query == f"{MINISTER} {follow_up}"  # searched with the question it leans on, as before


def test_short_elliptic_follow_ups_lean_on_the_question_they_follow(resolver) -> None:  # type: ignore[no-untyped-def]
    history = [(MINISTER, SHOIGU), ("and when?", "On Thursday. [1]")]
    assert make_standalone("and when?", history[:1], resolver).query == f"{MINISTER} and when?"
    # a chain of elliptic follow-ups keeps the question they all lean on
    assert make_standalone("why?", history, resolver).query == f"{MINISTER} and when? why?"
    # without a resolver (or a previous question ending in a full stop) the join is the same rule
    assert make_standalone("and when?", [("Tell me about Shoigu.", SHOIGU)], None).query == (
        "Tell me about Shoigu? and when?"
    )


def test_a_standalone_question_is_searched_as_asked(resolver) -> None:  # type: ignore[no-untyped-def]
    question = "Which ministers attended the talks on Thursday?"
    assert make_standalone(question, [(MINISTER, SHOIGU)], resolver).query == question
    assert make_standalone(question, [], resolver).query == question


def test_each_joined_questions_first_word_opens_it() -> None:
    joined = f"{MINISTER} Might they agree on anything? Name the ministers!"
    assert set(anchor_terms(joined).values()) == {"Russian", "Tehran"}
    # names inside a question still count, after an abbreviation too
    assert set(anchor_terms("What did the U.S. Army say to Moscow?").values()) >= {"Army", "Moscow"}


# --- the assistant, on the sample corpus ----------------------------------------------------------------


def test_a_follow_up_with_his_is_answered_from_the_ministry_statement(assistant) -> None:  # type: ignore[no-untyped-def]
    first = assistant.ask(MINISTER)
    assert not first.abstained
    follow_up = "What did his ministry say before the meeting?"
    answer = assistant.ask(follow_up, history=[(MINISTER, first.answer)])
    assert not answer.abstained, answer.answer
    cited = [c for c in answer.citations if c.source.endswith(STATEMENT_ARTICLE)]
    assert any("defence ministry statement before the meeting" in c.quote for c in cited), answer.answer


def test_his_is_resolved_to_the_minister_the_answer_names(assistant) -> None:  # type: ignore[no-untyped-def]
    # The answer a reader wants to "Which Russian minister went to Tehran?", verbatim from the article.
    history = [(MINISTER, SHOIGU)]
    answer = assistant.ask("What did his ministry say before the meeting?", history=history)
    # his ministry is Russia's (his title says so), and the statement is "a Russian defence ministry" one
    assert answer.retrieval_query == "What did Russia's ministry say before the meeting?"
    assert not answer.abstained, answer.answer
    cited = [c for c in answer.citations if c.source.endswith(STATEMENT_ARTICLE)]
    assert any("defence ministry statement before the meeting" in c.quote for c in cited), answer.answer


@pytest.mark.parametrize("follow_up", ["Did they agree on anything?", "Might they agree on anything?"])
def test_a_follow_ups_first_word_is_not_a_name_to_find(assistant, follow_up) -> None:  # type: ignore[no-untyped-def]
    first = assistant.ask(MINISTER)
    answer = assistant.ask(follow_up, history=[(MINISTER, first.answer)])
    opener = follow_up.split()[0]
    assert f"mentions {opener}" not in answer.answer
    assert not answer.abstained, answer.answer
