"""Ingestion: read → clean → metadata → chunk → embed → store.

Each step is one module, named after what it does, in the order data passes through them:
`read`, `clean`, `metadata`, `sentences` + `chunk`, `embed`, `store`; `ingest` runs them in a row.
"""
