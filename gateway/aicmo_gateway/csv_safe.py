"""Every CSV file the product writes goes through here, so no cell runs as a spreadsheet formula.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab
or a carriage return) as a formula: a lead named ``=HYPERLINK("http://evil.example","click")``
would become a live link in the marketer's sheet (OWASP "CSV injection"). Such a text cell is
written with a single quote in front, the spreadsheets' own "this is text" marker, which they
show without the quote.

What stays readable:
- numbers the product writes as numbers (counts, sequences) are never touched, and neither is
  a text cell that is a plain negative decimal (``-12.50``): it cannot be a formula, and a
  spreadsheet keeps summing it;
- a phone such as ``+49 30 1234`` or ``+4930123456`` is written ``'+49 30 1234``: the sheet
  shows ``+49 30 1234`` as text, keeping the plus and every digit (unquoted, it would read as a
  formula or lose the plus as a number).

A program reading the file back can call :func:`restore` on a cell; ``aicmo leads import``
does, so an export imports again unchanged.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARKER = "'"
_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


def cell(value: Any) -> Any:
    """The value as it is safe to write into a CSV cell."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _NEGATIVE_NUMBER.fullmatch(value):
        return value
    return TEXT_MARKER + value


def restore(value: str) -> str:
    """A cell read back from a file this module wrote: the marker taken off again."""
    if value.startswith(TEXT_MARKER) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


class DictWriter:
    """``csv.DictWriter`` whose every cell (heading included) goes through :func:`cell`."""

    def __init__(self, handle: IO[str], fieldnames: Iterable[str], **options: Any) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = csv.DictWriter(handle, self.fieldnames, **options)

    def writeheader(self) -> None:
        self._writer.writerow({name: cell(name) for name in self.fieldnames})

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: cell(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


@contextlib.contextmanager
def output_file(target: str | Path) -> Iterator[IO[str]]:
    """A file written whole or not at all: rows go to a temporary file beside ``target``,
    which takes the target's name only when the block ends without an error. An export
    refused half-way (an unknown campaign, a service gone) leaves no empty or cut-off file.
    The file is readable by its owner only, as it holds personal data."""
    path = Path(target)
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, on every path
        "w", newline="", encoding="utf-8", dir=path.parent or Path("."),
        prefix=f".{path.name}.", suffix=".partial", delete=False)
    try:
        with handle:
            yield handle
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
