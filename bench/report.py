"""Benchmark results: medians of repetitions, ratios to the floors, targets, a table and a JSON
file."""

from __future__ import annotations

import json
import math
import platform
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """One line of the table: a rate (or a time, or a size), its repetitions, and its floor.

    ``target_ratio`` is the least acceptable ratio to the floor; ``target_value`` the least
    (or, when ``lower_is_better``, the most) acceptable median."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    p50_ms: list[float] = field(default_factory=list)
    p99_ms: list[float] = field(default_factory=list)
    floor: str | None = None
    reproduce: str = ""
    note: str = ""
    target_ratio: float | None = None
    target_value: float | None = None
    lower_is_better: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")


class Report:
    def __init__(self) -> None:
        self.figures: dict[str, Figure] = {}
        self.notes: list[str] = []
        self.failures: dict[str, str] = {}

    def figure(self, name: str, unit: str, *, floor: str | None = None, reproduce: str = "",
               note: str = "", target_ratio: float | None = None,
               target_value: float | None = None, lower_is_better: bool = False) -> Figure:
        if name not in self.figures:
            self.figures[name] = Figure(name, unit, floor=floor, reproduce=reproduce, note=note,
                                        target_ratio=target_ratio, target_value=target_value,
                                        lower_is_better=lower_is_better)
        return self.figures[name]

    def ratio(self, figure: Figure) -> float | None:
        if figure.floor is None or figure.floor not in self.figures:
            return None
        floor = self.figures[figure.floor].median
        if not floor or math.isnan(floor) or math.isnan(figure.median):
            return None
        return figure.median / floor

    def verdict(self, figure: Figure) -> str:
        """'ok' or 'SHORT' against the figure's target, with the target; '' without one."""
        if figure.target_ratio is not None:
            ratio = self.ratio(figure)
            if ratio is None:
                return ""
            return f"{'ok' if ratio >= figure.target_ratio else 'SHORT'} (>= " \
                   f"{figure.target_ratio:g} x)"
        if figure.target_value is not None and not math.isnan(figure.median):
            if figure.lower_is_better:
                met = figure.median <= figure.target_value
                return f"{'ok' if met else 'SHORT'} (<= {figure.target_value:,g})"
            met = figure.median >= figure.target_value
            return f"{'ok' if met else 'SHORT'} (>= {figure.target_value:,g})"
        return ""

    def table(self) -> str:
        rows = [("measurement", "median", "unit", "p50 ms", "p99 ms", "reps", "ratio to floor",
                 "target")]
        for figure in self.figures.values():
            ratio = self.ratio(figure)
            rows.append((
                figure.name,
                f"{figure.median:,.1f}" if figure.median >= 10 else f"{figure.median:,.2f}",
                figure.unit,
                f"{statistics.median(figure.p50_ms):.2f}" if figure.p50_ms else "",
                f"{statistics.median(figure.p99_ms):.2f}" if figure.p99_ms else "",
                str(len(figure.samples)),
                f"{ratio:.2f} x {figure.floor}" if ratio is not None else "",
                self.verdict(figure),
            ))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = []
        for index, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(widths[i]) if i in (0, 2, 6, 7) else
                                   cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append("")
        lines.append("reproduce each line:")
        for figure in self.figures.values():
            lines.append(f"  {figure.name}: {figure.reproduce}")
            if figure.note:
                lines.append(f"    ({figure.note})")
        if self.notes:
            lines.append("")
            lines.append("notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        if self.failures:
            lines.append("")
            lines.append("FAILED:")
            lines.extend(f"  - {part}: {why}" for part, why in self.failures.items())
        return "\n".join(lines)

    def write_json(self, directory: Path, context: dict) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / time.strftime("bench-%Y%m%d-%H%M%S.json")
        payload = {
            "context": {**context, "python": platform.python_version(),
                        "machine": platform.machine()},
            "figures": [{**asdict(f), "median": _finite(f.median), "ratio": self.ratio(f),
                         "verdict": self.verdict(f)}
                        for f in self.figures.values()],
            "notes": self.notes,
            "failures": self.failures,
        }
        path.write_text(json.dumps(payload, indent=2))
        return path


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else value
