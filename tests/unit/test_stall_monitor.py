"""The event-loop stall monitor reports how late its timer ran, on a fake clock."""

from __future__ import annotations

from interviewer.tui.stall import INTERVAL, StallMonitor


def test_the_longest_late_tick_is_the_stall() -> None:
    now = [0.0]
    monitor = StallMonitor(clock=lambda: now[0])
    for step in (INTERVAL, INTERVAL, INTERVAL + 0.5, INTERVAL, INTERVAL + 0.1):
        now[0] += step
        monitor.tick()
    assert abs(monitor.longest - 0.5) < 1e-9
    assert monitor.ticks == 5
    assert "500 ms" in monitor.summary()
