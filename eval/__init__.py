"""Grounding evaluation: does the answer pipeline stay grounded on a set of questions?

One module a job, data flowing one way: `dataset` reads and validates a JSONL set; `run` asks each
question through the assistant, keeping the engine's draft (`draft`); `metrics` measures retrieval
(recall@k, MRR) and ALCE citation recall/precision with the pipeline's own support test; `judge` is
the optional LLM second opinion; `dates` reads the date a "when" answer gives against its expected date;
`score` judges one answer and aggregates per type and engine;
`uncertainty` gives each figure its bootstrap confidence interval and tests a change between two runs;
`gate` holds the aggregate to the thresholds in GateSettings and, with a baseline, to no significant
regression; `compare` pairs a run with an earlier report (deltas, significance, flipped questions);
`report` writes report.md/json/html; `generate` drafts questions from articles.
`newsdesk eval` (newsdesk/cli.py) is the thin shell over these.
"""
