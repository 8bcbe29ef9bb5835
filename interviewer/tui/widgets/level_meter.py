"""A one-line input level meter, so the candidate can see the microphone hears them."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class LevelMeter(Widget):
    """Shows the input level in dBFS on a bar from -60 dB (silence) to 0 dB (clipping)."""

    DEFAULT_CSS = "LevelMeter { height: 1; width: 1fr; }"

    level_db: reactive[float] = reactive(-60.0)

    def render(self) -> Text:
        width = max(10, self.size.width - 16)
        fraction = min(1.0, max(0.0, (self.level_db + 60.0) / 60.0))
        filled = round(fraction * width)
        colour = "red" if self.level_db > -3 else "green" if self.level_db > -45 else "grey50"
        bar = Text("mic ", style="bold")
        bar.append("█" * filled, style=colour)
        bar.append("·" * (width - filled), style="grey37")
        bar.append(f" {self.level_db:5.0f} dB")
        return bar
