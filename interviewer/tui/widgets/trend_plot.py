"""A small line plot drawn with braille dots, for score trends in the terminal.

Braille cells give 2 x 4 dots per character, so a 40 x 6 cell plot has 80 x 24 points:
enough to see a trend over dozens of rounds without a plotting dependency. The drawing
(``braille_lines``, ``sparkline``) is plain text in, text out, and tested as such.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

__all__ = ["DRILL_MARK", "TrendPlot", "braille_lines", "marker_line", "sparkline"]

_BRAILLE_BASE = 0x2800
# Dot bit for (column 0-1, row 0-3) inside one braille cell.
_DOT = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_BLOCKS = "▁▂▃▄▅▆▇█"
DRILL_MARK = "◆"
"""Under a point that is a drill round (its value is the share of its items shown)."""


def sparkline(values: Sequence[float], low: float = 0.0, high: float = 100.0) -> str:
    """One block character per value, from ▁ (low) to █ (high)."""
    span = (high - low) or 1.0
    out = []
    for value in values:
        share = min(1.0, max(0.0, (value - low) / span))
        out.append(_BLOCKS[round(share * (len(_BLOCKS) - 1))])
    return "".join(out)


def _point_columns(count: int, width: int) -> list[int]:
    """The cell column each of ``count`` points is drawn in (as ``braille_lines`` does)."""
    dots_x = max(1, width) * 2
    if count == 1:
        return [(dots_x // 2) // 2]
    return [round(i * (dots_x - 1) / (count - 1)) // 2 for i in range(count)]


def marker_line(marked: Sequence[bool], width: int, mark: str = DRILL_MARK) -> str:
    """A row of ``width`` cells with ``mark`` under each marked point of the plot above."""
    cells = [" "] * max(1, width)
    for column, is_marked in zip(_point_columns(len(marked), width), marked, strict=True):
        if is_marked:
            cells[column] = mark
    return "".join(cells)


def braille_lines(
    values: Sequence[float], width: int, height: int, low: float = 0.0, high: float = 100.0
) -> list[str]:
    """``height`` rows of ``width`` braille cells: the values as a connected line.

    Points are spread evenly across the width (one point sits in the middle); the
    segments between them are filled in so the line reads as one stroke.
    """
    width, height = max(1, width), max(1, height)
    dots_x, dots_y = width * 2, height * 4
    grid = [[0] * width for _ in range(height)]
    span = (high - low) or 1.0

    def to_y(value: float) -> int:
        share = min(1.0, max(0.0, (value - low) / span))
        return round((1.0 - share) * (dots_y - 1))

    def dot(x: int, y: int) -> None:
        grid[y // 4][x // 2] |= _DOT[y % 4][x % 2]

    if not values:
        return ["".join(chr(_BRAILLE_BASE) for _ in row) for row in grid]
    if len(values) == 1:
        xs = [dots_x // 2]
    else:
        xs = [round(i * (dots_x - 1) / (len(values) - 1)) for i in range(len(values))]
    ys = [to_y(v) for v in values]
    dot(xs[0], ys[0])
    points = list(zip(xs, ys, strict=True))
    for (x0, y0), (x1, y1) in pairwise(points):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for step in range(steps + 1):
            dot(round(x0 + (x1 - x0) * step / steps), round(y0 + (y1 - y0) * step / steps))
    return ["".join(chr(_BRAILLE_BASE + cell) for cell in row) for row in grid]


class TrendPlot(Widget):
    """A titled braille line plot on a fixed 0-100 axis, sized to the widget."""

    DEFAULT_CSS = """
    TrendPlot {
        height: 8;
        width: 1fr;
    }
    """

    values: reactive[tuple[float, ...]] = reactive(())
    marked: reactive[tuple[bool, ...]] = reactive(())
    """One flag per value: drawn with ``DRILL_MARK`` under the plot (empty: no row)."""

    def __init__(
        self,
        values: Sequence[float] = (),
        *,
        title: str = "",
        low: float = 0.0,
        high: float = 100.0,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.title = title
        self.low = low
        self.high = high
        self.set_reactive(TrendPlot.values, tuple(values))

    def render(self) -> Text:
        axis = max(len(f"{self.high:g}"), len(f"{self.low:g}"))
        marks = len(self.marked) == len(self.values) and any(self.marked)
        rows = max(1, self.size.height - (1 if self.title else 0) - (1 if marks else 0))
        width = max(1, self.size.width - axis - 2)
        lines = braille_lines(self.values, width, rows, self.low, self.high)
        text = Text()
        if self.title:
            text.append(self.title + "\n", style="bold")
        for number, line in enumerate(lines):
            if number == 0:
                label = f"{self.high:g}"
            elif number == len(lines) - 1:
                label = f"{self.low:g}"
            else:
                label = ""
            text.append(label.rjust(axis) + " ┤", style="dim")
            text.append(line, style="bold cyan")
            if number < len(lines) - 1:
                text.append("\n")
        if marks:
            text.append("\n" + " " * (axis + 2))
            text.append(marker_line(self.marked, width), style="bold magenta")
        return text
