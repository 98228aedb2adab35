"""Grounding evaluation: datasets of questions with expected facts, scored against the answers.

`dataset` reads and validates a JSONL set; `score` judges one answer and aggregates; the CLI's
`newsdesk eval` runs a set through the assistant.
"""
