"""Fits the extractive engine's answer model (rag/engines/extractive.py: B0, B_JUDGE, B_TYPE, B_FOCUS,
B_RELATIVE, B_SPANS, COVERED_AT) on the TUNE questions of the development sets, never on holdout.

For each answerable tune question the assistant retrieves and gates as `newsdesk ask` does; every (part,
candidate sentence) pair gives the engine's features (judge score, answer-type fit, focus fit, judge's score
over the part's best, spans of the type) and the label "the sentence holds the item's evidence". A logistic
regression (scikit-learn, C=1) is fitted on them; COVERED_AT is the probability threshold at which the best
sentence of a part is taken as its answer (the one that keeps the evidence sentence of most questions while
rejecting most of the others).

    python bench/fit_compose.py --set /work/dev-stores/sets/seeds-tune.jsonl=/work/dev-stores/seeds \
        --set /work/dev-stores/sets/reuters-tune.jsonl=/work/dev-stores/reuters --rows /tmp/compose-rows.json
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _label(sentence: str, evidence: list[str]) -> bool:
    sentence = _norm(sentence)
    return any(sentence in _norm(e) or _norm(e) in sentence for e in evidence if e.strip())


def collect(dataset: Path, store: Path) -> list[dict]:
    from newsdesk.components import Components
    from newsdesk.settings import load_settings

    components = Components(load_settings(store={"path": store}))
    assistant = components.assistant("extractive")
    engine = assistant.engine
    rows = []
    for line in dataset.read_text().splitlines():
        item = json.loads(line)
        if not item["answerable"] or item["split"] != "tune" or not item.get("evidence"):
            continue
        history = [tuple(turn) for turn in item.get("history", [])]
        prepared = assistant._prepare(item["question"], history, None, None)
        if prepared.abstained is not None:
            continue
        parts, candidates, _, table = engine.features(prepared.engine_query, prepared.passages)
        for n, (part, row) in enumerate(zip(parts, table, strict=True)):
            for candidate, features in zip(candidates, row, strict=True):
                rows.append(
                    {
                        "id": item["id"],
                        "part": n,
                        "type": part.answer_type,
                        "x": features.vector(),
                        "y": _label(candidate.text, item["evidence"]),
                    }
                )
    return rows


def fit(rows: list[dict]) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([r["x"] for r in rows])
    y = np.array([r["y"] for r in rows])
    model = LogisticRegression(C=1.0).fit(x, y)
    b0 = float(model.intercept_[0])
    weights = [float(w) for w in model.coef_[0]]
    print(f"rows {len(rows)}, positives {int(y.sum())}")
    print(
        "B0, B_JUDGE, B_TYPE, B_FOCUS, B_RELATIVE, B_SPANS =", ", ".join(f"{w:.2f}" for w in [b0, *weights])
    )
    p = model.predict_proba(x)[:, 1]
    # Per (question, part): the best sentence's probability, and whether it is an evidence sentence.
    best: dict[tuple[str, int], tuple[float, bool, bool]] = {}
    for r, prob in zip(rows, p, strict=True):
        key = (r["id"], r["part"])
        has = best.get(key, (0.0, False, False))[2] or r["y"]
        if key not in best or prob > best[key][0]:
            best[key] = (float(prob), bool(r["y"]), has)
        else:
            best[key] = (best[key][0], best[key][1], has)
    hit = sum(b[1] for b in best.values())
    reachable = sum(b[2] for b in best.values())
    print(f"parts {len(best)}: best sentence is evidence in {hit}, evidence retrieved in {reachable}")
    # How often the evidence is among the first k sentences of a part (ranked by the model), and by the judge.
    groups: dict[tuple[str, int], list[int]] = {}
    for n, r in enumerate(rows):
        groups.setdefault((r["id"], r["part"]), []).append(n)
    for k in (1, 2, 3):
        by_model = sum(any(y[i] for i in sorted(g, key=lambda i: -p[i])[:k]) for g in groups.values())
        by_judge = sum(any(y[i] for i in sorted(g, key=lambda i: -x[i][0])[:k]) for g in groups.values())
        print(f"evidence in the first {k}: model {by_model}, judge alone {by_judge} (of {len(groups)})")
    for threshold in (0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
        covered = [b for b in best.values() if b[0] >= threshold]
        print(
            f"COVERED_AT {threshold:.2f}: parts covered {len(covered)}/{len(best)}, "
            f"of which evidence {sum(b[1] for b in covered)}"
        )


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", default=[], help="DATASET.jsonl=STORE_DIR (tune sets only)")
    parser.add_argument("--rows", type=Path, help="cache of the collected rows (JSON)")
    args = parser.parse_args()
    if args.rows and args.rows.exists():
        rows = json.loads(args.rows.read_text())
    else:
        rows = []
        for pair in args.set:
            dataset, store = pair.split("=", 1)
            if "holdout" in dataset:
                raise SystemExit("fit on tune sets only")
            rows += collect(Path(dataset), Path(store))
        if args.rows:
            args.rows.write_text(json.dumps(rows))
    fit(rows)


if __name__ == "__main__":
    main()
