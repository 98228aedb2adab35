"""Filters: from the user's words (flags, the API, the UI) to a metadata filter both retrievers apply.

The user writes outlets in any case ("afp", "press tv") and sources as a file name, a path or a URL;
the store keeps one spelling of each. `ArchiveCatalog` knows the stored spellings and resolves the
user's to them, so one llama-index `MetadataFilters` serves Chroma (as a `where`) and BM25 (as a
weight mask) alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from llama_index.core.vector_stores.types import FilterOperator, MetadataFilter, MetadataFilters
from newsdesk.index.dates import DateFormError, parse_period
from newsdesk.rag.models import Filters


class FilterError(ValueError):
    """A filter the user gave cannot be read; the message names the value and the reason."""


def parse_partial_date(value: str, *, end: bool, name: str = "date") -> date:
    """A date in any form `index.dates` reads (`2016`, `2016-09`, `September 2016`, `19 September 2016`,
    ...) as a day: the first day of the period it names, or its last when `end`. `name` is the flag or box
    the value came from, for the one-line error."""
    try:
        period = parse_period(value)
    except DateFormError as error:
        raise FilterError(f"{name} {value!r}: {error}") from error
    return period.last if end else period.first


def filters_from_flags(
    since: str | None = None,
    until: str | None = None,
    outlets: Iterable[str] = (),
    sources: Iterable[str] = (),
) -> Filters:
    """Filters from command-line style values (`--since 2016-09 --outlet afp`)."""
    filters = Filters(
        date_from=parse_partial_date(since, end=False, name="--since") if since else None,
        date_to=parse_partial_date(until, end=True, name="--until") if until else None,
        outlets=[outlet.strip() for outlet in outlets if outlet.strip()],
        sources=[source.strip() for source in sources if source.strip()],
    )
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterError(f"--since {since} is after --until {until}: no day can match")
    return filters


def merge_filters(explicit: Filters | None, stated: Filters | None) -> Filters:
    """Explicit filters (flags, API, UI) win over those read from the question, field group by field
    group: an explicit date range replaces the question's whole range, explicit outlets its outlets."""
    explicit = explicit or Filters()
    stated = stated or Filters()
    dated = explicit if (explicit.date_from or explicit.date_to) else stated
    return Filters(
        date_from=dated.date_from,
        date_to=dated.date_to,
        outlets=explicit.outlets or stated.outlets,
        sources=explicit.sources or stated.sources,
    )


def describe_filters(filters: Filters) -> str:
    """`published 2016-01-01 to 2016-12-31, from AFP` — for abstentions and the chat."""
    parts = []
    if filters.date_from and filters.date_to:
        parts.append(f"published {filters.date_from} to {filters.date_to}")
    elif filters.date_from:
        parts.append(f"published on or after {filters.date_from}")
    elif filters.date_to:
        parts.append(f"published on or before {filters.date_to}")
    if filters.outlets:
        parts.append("from " + " or ".join(filters.outlets))
    if filters.sources:
        parts.append("in " + " or ".join(filters.sources))
    return ", ".join(parts)


def _fold(name: str) -> str:
    return " ".join(name.casefold().split())


def _file_of(source: str) -> str:
    """The file a stored source lives in: `a.json#12` → `a.json`, `a.zip!/b.txt` → `a.zip`."""
    return re.split(r"[#!]", source, maxsplit=1)[0]


class ArchiveCatalog:
    """The outlets and sources the store holds, as stored, to resolve the user's spellings against."""

    def __init__(self, metadatas: Iterable[Mapping[str, Any]]) -> None:
        outlets: dict[str, str] = {}
        sources: set[str] = set()
        for metadata in metadatas:
            if metadata.get("outlet"):
                outlets.setdefault(_fold(str(metadata["outlet"])), str(metadata["outlet"]))
            if metadata.get("source"):
                sources.add(str(metadata["source"]))
        self._outlets = outlets
        self.sources = frozenset(sources)

    @property
    def outlets(self) -> list[str]:
        return sorted(self._outlets.values())

    def outlet(self, name: str) -> str | None:
        """The stored spelling of an outlet named in any case, or None when the store has none."""
        return self._outlets.get(_fold(name))

    def resolve_source(self, given: str) -> list[str]:
        """Stored sources the user means: the exact source (path, `path#record`, URL), a path that
        resolves to it, or — for a bare file name — every stored source in a file of that name.
        A file holding records (`reuters-000.json`) means all its records."""
        if given in self.sources:
            return [given]
        wanted = {given}
        if "://" not in given:
            wanted.add(str(Path(given).expanduser().resolve()))
        bare_name = "/" not in given and "\\" not in given and "://" not in given
        return sorted(
            source
            for source in self.sources
            if _file_of(source) in wanted or (bare_name and Path(_file_of(source)).name == given)
        )


def resolve_filters(filters: Filters, catalog: ArchiveCatalog) -> Filters:
    """The filters in the store's spellings. An outlet or source the store does not know is kept as
    given (then it matches nothing, and the answer abstains instead of silently widening)."""
    sources: list[str] = []
    for given in filters.sources:
        sources.extend(catalog.resolve_source(given) or [given])
    return filters.model_copy(
        update={
            "outlets": list(dict.fromkeys(catalog.outlet(o) or o for o in filters.outlets)),
            "sources": list(dict.fromkeys(sources)),
        }
    )


def metadata_filters(filters: Filters) -> MetadataFilters | None:
    """The (resolved) filters as llama-index metadata filters on the chunk metadata written by
    index/chunk.py. Dates compare `published_int` (YYYYMMDD), which undated chunks lack, so an
    undated article never matches a date filter."""
    conditions: list[MetadataFilter | MetadataFilters] = []
    if filters.date_from:
        value = int(filters.date_from.strftime("%Y%m%d"))
        conditions.append(MetadataFilter(key="published_int", operator=FilterOperator.GTE, value=value))
    if filters.date_to:
        value = int(filters.date_to.strftime("%Y%m%d"))
        conditions.append(MetadataFilter(key="published_int", operator=FilterOperator.LTE, value=value))
    if filters.outlets:
        conditions.append(MetadataFilter(key="outlet", operator=FilterOperator.IN, value=filters.outlets))
    if filters.sources:
        conditions.append(MetadataFilter(key="source", operator=FilterOperator.IN, value=filters.sources))
    return MetadataFilters(filters=conditions) if conditions else None
