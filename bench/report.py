"""Benchmark results: medians of repetitions, ratios to the floors, a table and a JSON file."""

from __future__ import annotations

import json
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """One line of the table: a rate (or a time), its repetitions, and its floor."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    floor: str | None = None
    reproduce: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


class Report:
    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}

    def figure(self, name: str, unit: str, *, floor: str | None = None, reproduce: str = "",
               note: str = "") -> Figure:
        if name not in self.figures:
            self.figures[name] = Figure(name, unit, floor=floor, reproduce=reproduce, note=note)
        return self.figures[name]

    def ratio(self, figure: Figure) -> float | None:
        if figure.floor is None or figure.floor not in self.figures:
            return None
        floor = self.figures[figure.floor].median
        return figure.median / floor if floor else None

    def table(self) -> str:
        rows = [("measurement", "median", "unit", "p50 ms", "p99 ms", "reps", "ratio to floor")]
        for figure in self.figures.values():
            ratio = self.ratio(figure)
            rows.append((
                figure.name,
                f"{figure.median:,.1f}",
                figure.unit,
                f"{statistics.median(figure.p50_ms):.2f}" if figure.p50_ms else "",
                f"{statistics.median(figure.p99_ms):.2f}" if figure.p99_ms else "",
                str(len(figure.samples)),
                f"{ratio:.2f} x {figure.floor}" if ratio is not None else "",
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = []
        for index, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(widths[i]) if i in (0, 2, 6) else
                                   cell.rjust(widths[i]) for i, cell in enumerate(row)))
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.append("reproduce each line:")
        for figure in self.figures.values():
            lines.append(f"  {figure.name}: {figure.reproduce}")
            if figure.note:
                lines.append(f"    ({figure.note})")
        return "\n".join(lines)

    def write_json(self, directory: Path, context: dict) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / time.strftime("bench-%Y%m%d-%H%M%S.json")
        payload = {
            "context": {**context, "python": platform.python_version(),
                        "machine": platform.machine()},
            "figures": [{**asdict(f), "median": f.median, "ratio": self.ratio(f)}
                        for f in self.figures.values()],
        }
        path.write_text(json.dumps(payload, indent=2))
        return path
