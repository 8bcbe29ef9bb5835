"""How long the event loop was ever blocked: the UI's responsiveness, measured.

A timer asks to run every ``INTERVAL`` seconds; whenever it runs late, the event loop
was busy (or blocked) for that long. Model, audio and network work belong in thread
workers, so on a healthy app the longest stall stays in the tens of milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable

INTERVAL = 0.02


class StallMonitor:
    """Call ``tick`` from a ``set_interval(INTERVAL, ...)`` timer."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.longest = 0.0
        """Seconds: the longest the loop was late, over the monitor's life."""
        self.ticks = 0
        self._last: float | None = None

    def tick(self) -> None:
        now = self.clock()
        if self._last is not None:
            self.longest = max(self.longest, now - self._last - INTERVAL)
        self._last = now
        self.ticks += 1

    def summary(self) -> str:
        return f"longest event-loop stall: {self.longest * 1000:.0f} ms over {self.ticks} ticks"
