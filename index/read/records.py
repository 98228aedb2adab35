"""JSON, JSONL and CSV files: each record is one article, read through a configurable field mapping
(`FieldMapping`, a settings model: the `[fields]` table of the config file).

Records are yielded one at a time. A JSON array is walked element by element with
`JSONDecoder.raw_decode`, so the parsed records of a large file never sit in memory together.
A bad record (empty body, malformed line or row) is reported on its own and the file goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from newsdesk.index.models import RawDocument, StatedMetadata
from newsdesk.index.read.decode import decode_text, refuse_nul
from newsdesk.index.read.errors import UnreadableSource

from newsdesk.settings import FieldMapping

RecordResult = RawDocument | UnreadableSource

_JSON_WHITESPACE = re.compile(r"[ \t\n\r]*")
_LABEL_SEPARATORS = re.compile(r"[;,|]")
# News bodies can be longer than csv's default 128 KB field limit; a file is at most 50 MB anyway.
_CSV_FIELD_LIMIT = 64 * 1024 * 1024


def _text(value: Any) -> str | None:
    """A field as one line of text: whitespace collapsed (Reuters titles end in a newline)."""
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def _labels(value: Any) -> list[str]:
    """Places/topics: a JSON list, or "a;b" / "a, b" in a CSV cell."""
    items = value if isinstance(value, list) else _LABEL_SEPARATORS.split(str(value or ""))
    return [label for item in items if (label := _text(item))]


def record_document(file_source: str, position: int, record: Any, mapping: FieldMapping) -> RawDocument:
    """One record as a RawDocument. Its raw text is the body alone: the title travels as stated
    metadata (and is embedded with each chunk), so the stored text is exactly the record's body."""
    if not isinstance(record, dict):
        raise UnreadableSource(
            f"{file_source}#{position}", f"record {position}: not an object but {type(record).__name__}"
        )
    key = _text(record.get(mapping.id)) or str(position)
    source = f"{file_source}#{key}"
    body = record.get(mapping.body)
    if not isinstance(body, str) or not body.strip():
        raise UnreadableSource(source, f"record {key}: empty body")
    refuse_nul(body, source, f"record {key}: the body is not text")
    stated = StatedMetadata(
        title=_text(record.get(mapping.title)),
        published=_text(record.get(mapping.date)),
        outlet=_text(record.get(mapping.outlet)) or mapping.default_outlet,
        url=_text(record.get(mapping.url)),
        places=_labels(record.get(mapping.places)),
        topics=_labels(record.get(mapping.topics)),
        record_id=_text(record.get(mapping.id)),
    )
    # The record's canonical form: re-ingesting an unchanged record costs only this hash.
    canonical = json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return RawDocument(
        source=source, text=body, content_hash=hashlib.sha256(canonical).hexdigest(), stated=stated
    )


def _documents(
    file_source: str, records: Iterator[tuple[int, Any]], mapping: FieldMapping
) -> Iterator[RecordResult]:
    for position, record in records:
        try:
            yield record_document(file_source, position, record, mapping)
        except UnreadableSource as problem:
            yield problem


def _json_values(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """(position, value) of each element of a top-level array, or (1, object) for one object.

    Raises UnreadableSource where the JSON breaks (truncated or malformed): nothing after that
    point can be located, so the rest of the file is lost — but every record before it is yielded.
    """
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        return _JSON_WHITESPACE.match(text, at).end()  # type: ignore[union-attr]

    def broken(error: json.JSONDecodeError, after: int) -> UnreadableSource:
        where = f"after record {after}" if after else "at the start"
        return UnreadableSource(
            source,
            f"truncated or malformed JSON {where}: {error.msg} (line {error.lineno} column {error.colno})",
            file_incomplete=True,
        )

    position = skip(0)
    if text.startswith("{", position):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise broken(error, 0) from error
        if skip(end) != len(text):
            raise UnreadableSource(source, "malformed JSON: text after the top-level object")
        yield 1, value
        return
    if not text.startswith("[", position):
        raise UnreadableSource(source, "not a JSON array or object of articles")
    position, count = skip(position + 1), 0
    if text.startswith("]", position):
        raise UnreadableSource(source, "the JSON array holds no records")
    while True:
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise broken(error, count) from error
        count += 1
        yield count, value
        position = skip(position)
        if text.startswith(",", position):
            position = skip(position + 1)
        elif text.startswith("]", position):
            return
        else:
            raise UnreadableSource(
                source,
                f"truncated or malformed JSON after record {count}: no ',' or ']'",
                file_incomplete=True,
            )


def read_json(data: bytes, source: str, mapping: FieldMapping) -> Iterator[RecordResult]:
    text = decode_text(data, source)
    try:
        yield from _documents(source, _json_values(text, source), mapping)
    except UnreadableSource as problem:
        yield problem  # the break in the file, after every record before it


def read_jsonl(data: bytes, source: str, mapping: FieldMapping) -> Iterator[RecordResult]:
    """One object per line; a malformed line is reported with its number and the file goes on."""
    text = decode_text(data, source)
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            # The line's record cannot be named: the file counts as not completely read (see prune).
            yield UnreadableSource(
                f"{source}#{number}", f"line {number}: not valid JSON ({error.msg})", file_incomplete=True
            )
            continue
        yield from _documents(source, iter([(number, record)]), mapping)


def read_csv(data: bytes, source: str, mapping: FieldMapping) -> Iterator[RecordResult]:
    """A header row naming the fields, then one article a row (a quoted body may span lines)."""
    # The csv module's field limit is process-wide, with no per-reader setting: raised here, where a
    # CSV file is read (never lowered, should the application have raised it further), not at import.
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    text = decode_text(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise UnreadableSource(source, f"no CSV header row ({error or 'empty'})") from error
    if mapping.body not in header:
        raise UnreadableSource(source, f"the CSV header has no {mapping.body!r} column: {', '.join(header)}")
    position = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            position += 1
            yield UnreadableSource(
                f"{source}#{position}",
                f"record {position}: malformed CSV row ({error})",
                file_incomplete=True,
            )
            continue
        if not any(cell.strip() for cell in row):
            continue
        position += 1
        if len(row) != len(header):
            yield UnreadableSource(
                f"{source}#{position}",
                f"record {position} (line {reader.line_num}): {len(row)} fields, header has {len(header)}",
                file_incomplete=True,
            )
            continue
        yield from _documents(source, iter([(position, dict(zip(header, row, strict=True)))]), mapping)
