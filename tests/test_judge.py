"""The packaged support judge, as installed: it loads offline from the package, keeps true paraphrases of real
news sentences and drops the same sentences with one name, figure or date changed, and tells the sentence that
answers a question from its neighbours on the same topic.

The sentences are the sample corpus's (../shared/corpora/seeds), which the judge's training never reads
(newsdesk.training.judge_data); the claims are written by hand for this test."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from newsdesk.rag.judge_onnx import OnnxJudge, packaged_judge_dir

from tests.fixtures.cli import SAMPLE_CORPUS

TEHRAN_TALKS = (
    "The defence ministers of allies Iran, Russia and Syria on Thursday held talks in Tehran on pressing the "
    "fight against opponents of Syrian President Bashar al-Assad. The talks come as Damascus steps up its "
    "military campaign against both the Islamic State group and rebels in second city Aleppo whom it accuses "
    "of colluding with Al-Qaeda's Syria affiliate Al-Nusra Front."
)
IRAN_SPENDING = (
    "Iran has played a key role in bolstering Assad's regime against an uprising that began with "
    "anti-government protests in March 2011 before spiraling into a war after a crackdown by authorities. It "
    "has provided financial aid and military support, spending $35 billion a year propping up Assad's "
    "regime, while deploying thousands of its troops in the country along with Hezbollah terrorists."
)
DAYR_AL_ZAWR = (
    "\"The latest example of this is the flagrant American aggression on one of the Syrian army's positions "
    'in [the province of] Dayr al-Zawr to the benefit of Daesh," he added. On Saturday, a US-led coalition '
    "attack in Dayr al-Zawr killed at least 85 Syrian forces and injured hundreds more."
)

SUPPORTED = [
    # The local engine's paraphrase that the old check rejected (issue 14).
    ("The defence ministers of allies Iran, Russia and Syria met in Tehran on Thursday.", TEHRAN_TALKS),
    ("On Thursday the defence ministers of Iran, Russia and Syria held talks in Tehran.", TEHRAN_TALKS),
    ("Iran spends $35 billion a year propping up Assad's regime.", IRAN_SPENDING),
    ("A US-led coalition attack in Dayr al-Zawr on Saturday killed at least 85 Syrian forces.", DAYR_AL_ZAWR),
]
UNSUPPORTED = [
    ("The defence ministers of allies Iran, Russia and Syria met in Damascus on Thursday.", TEHRAN_TALKS),
    ("The defence ministers of allies Iran, Russia and Syria met in Tehran on Monday.", TEHRAN_TALKS),
    ("The defence ministers of Iran, Turkey and Syria held talks in Tehran on Thursday.", TEHRAN_TALKS),
    ("Iran spends $53 billion a year propping up Assad's regime.", IRAN_SPENDING),
    ("A US-led coalition attack in Dayr al-Zawr on Saturday killed at least 58 Syrian forces.", DAYR_AL_ZAWR),
    ("A Russian attack in Dayr al-Zawr on Saturday killed at least 85 Syrian forces.", DAYR_AL_ZAWR),
]


@pytest.fixture(scope="module")
def judge() -> OnnxJudge:
    return OnnxJudge()


def test_the_packaged_judge_loads_offline_outside_the_checkout(tmp_path) -> None:
    """From the installed package, with the hub switched off and no checkout on the path: its files are
    package data, its manifest names the model, its training data and the thresholds chosen on tune."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": ""}
    script = (
        "import json, sys; from newsdesk.rag.judge_onnx import OnnxJudge; j = OnnxJudge(); "
        "print(json.dumps({'name': j.name, 'score': float(j.support_scores([('a b c', 'a b c')])[0])}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    manifest = json.loads((packaged_judge_dir() / "manifest.json").read_text())
    assert loaded["name"] == f"trained:{manifest['version']}"
    assert 0.0 <= loaded["score"] <= 1.0
    onnx = packaged_judge_dir() / manifest["onnx"]["file"]
    assert onnx.stat().st_size == manifest["onnx"]["bytes"] <= 30 * 1024 * 1024
    assert len(manifest["training_data"]["sha256"]) == 64
    assert set(manifest["thresholds"]) == {"answers", "supports"}
    assert {"answers", "supports", "overall"} <= set(manifest["metrics"]["holdout"])


def test_the_seed_sentences_are_the_sample_corpus() -> None:
    """The passages above are verbatim (whitespace aside) in the bundled sample articles, which no training
    run reads."""
    text = " ".join(" ".join(p.read_text().split()) for p in sorted(SAMPLE_CORPUS.glob("*.txt")))
    for passage in {TEHRAN_TALKS, IRAN_SPENDING, DAYR_AL_ZAWR}:
        for sentence in passage.split(". "):
            assert sentence.rstrip(".") in text


# Known gaps of the packaged judge-v1 (README › Support judge): it scores these paraphrases 0.82-0.87 and
# the question's answer 0.02, under the thresholds chosen on the tune pairs. Strict: a judge that passes them
# fails these marks, so the next judge's progress is seen.
JUDGE_V1_GAP = "judge-v1 keeps too few true paraphrases and misses human-written questions (issue 14 open)"


@pytest.mark.xfail(strict=True, reason=JUDGE_V1_GAP)
def test_true_paraphrases_are_supported(judge: OnnxJudge) -> None:
    scores = judge.support_scores(SUPPORTED)
    kept = [
        claim
        for (claim, _), score in zip(SUPPORTED, scores, strict=True)
        if score >= judge.supports_threshold
    ]
    assert kept == [claim for claim, _ in SUPPORTED], scores


def test_one_changed_name_figure_or_date_is_not_supported(judge: OnnxJudge) -> None:
    scores = judge.support_scores(UNSUPPORTED)
    passed = [
        claim
        for (claim, _), score in zip(UNSUPPORTED, scores, strict=True)
        if score >= judge.supports_threshold
    ]
    assert passed == [], scores


@pytest.mark.xfail(strict=True, reason=JUDGE_V1_GAP)
def test_the_sentence_with_the_figure_answers_not_its_neighbour(judge: OnnxJudge) -> None:
    first, second = IRAN_SPENDING.split(". ", 1)
    scores = judge.answer_scores(
        "How much does Iran spend a year propping up Assad's regime?", [first + ".", second]
    )
    assert scores[1] >= judge.answers_threshold > scores[0], scores
