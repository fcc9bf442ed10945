"""Tables for people, JSON for scripts: every command renders through one :class:`Output`."""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from rich.console import Console
from rich.table import Table


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"


def message_to_dict(message: Message) -> dict[str, Any]:
    """A proto as JSON-ready data with the proto field names and every field present."""
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True,
                                     preserving_proto_field_name=True,
                                     unquote_int64_if_possible=True)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


class Output:
    """Writes results to stdout as a table or as JSON, messages to stderr."""

    def __init__(self, fmt: OutputFormat = OutputFormat.TABLE) -> None:
        self.format = fmt
        # Piped output is for grep and friends: wide enough that ids stay on one line.
        width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200
        self.console = Console(soft_wrap=False, width=width)
        self.errors = Console(stderr=True, soft_wrap=True)

    @property
    def json(self) -> bool:
        return self.format is OutputFormat.JSON

    def emit_json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, indent=2, default=str, sort_keys=False) + "\n")
        sys.stdout.flush()

    def rows(self, rows: Sequence[Mapping[str, Any]], columns: Iterable[str | tuple[str, str]],
             *, title: str | None = None, json_data: Any = None) -> None:
        """A list of records: a table of ``columns`` (key or (key, heading)), or JSON."""
        if self.json:
            self.emit_json(list(rows) if json_data is None else json_data)
            return
        specs = [(c, c) if isinstance(c, str) else c for c in columns]
        table = Table(title=title)
        for _, heading in specs:
            table.add_column(heading, overflow="fold")  # ids are never cut short
        for row in rows:
            table.add_row(*(_cell(_lookup(row, key)) for key, _ in specs))
        self.console.print(table)

    def record(self, data: Mapping[str, Any], *, title: str | None = None) -> None:
        """One record: a two-column table of its fields, or JSON."""
        if self.json:
            self.emit_json(data)
            return
        table = Table(title=title, show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for key, value in flatten(data).items():
            table.add_row(key, _cell(value))
        self.console.print(table)

    def note(self, text: str) -> None:
        """Information for a person; kept off stdout in JSON mode so scripts parse cleanly."""
        if self.json:
            self.errors.print(text)
        else:
            self.console.print(text)

    def error(self, text: str) -> None:
        self.errors.print(text, markup=False, highlight=False)


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    return isinstance(value, str) and value.endswith("_UNSPECIFIED")


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested records as ``a.b`` keys, leaving out what is empty, for a person to read."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{name}."))
        elif not _empty(value):
            flat[name] = value
    return flat


def _lookup(row: Mapping[str, Any], key: str) -> Any:
    """``a.b`` reaches into nested records."""
    value: Any = row
    for part in key.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value
