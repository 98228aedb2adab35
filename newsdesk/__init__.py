"""Newsdesk: cited question answering over a news archive.

This package is the application shell: typed settings, the one place that builds components,
the CLI, and the bundled sample corpus. The work itself lives in `index` (ingestion) and `rag`
(question answering).
"""

__version__ = "0.1.0"
