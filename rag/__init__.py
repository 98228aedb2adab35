"""Question answering: retrieve → answer → verify citations → render.

`assistant.Assistant` runs the steps; each step is its own module. Engines share one interface
(`engines.base.AnswerEngine`) and one result type (`models.Answer`).
"""
