"""The report's charts: axes a learner can read an onset from, incident windows, periods in ALARM."""

from __future__ import annotations

import re

from checks.session2.charts import line_chart


def test_a_chart_has_minute_ticks_y_labels_a_shaded_window_and_the_alarm_band():
    svg = line_chart("age", [("value", [0.0, None, 5.0] + [10.0] * 57), ("threshold", [8.0] * 60)], [(15, 35)],
                     alarm_points=[40, 41], subtitle="over a replay")
    ticks = re.findall(r'text-anchor="middle">(\d+)</text>', svg)
    assert ticks == ["0", "10", "20", "30", "40", "50"]
    assert ">0</text>" in svg and ">5</text>" in svg and ">10</text>" in svg  # y: 0, half, top
    assert svg.count('fill="#f5c6cb"') == 1 and svg.count('fill="#d62728"/>') == 2
    assert "periods the alarm was in ALARM" in svg and "over a replay" in svg
    assert "<circle" in svg  # the lone datapoint before the gap is drawn


def test_ticks_follow_minutes_when_a_point_is_five_minutes():
    svg = line_chart("sum", [("value", [1.0] * 12)], minutes_per_point=5)
    assert re.findall(r'text-anchor="middle">(\d+)</text>', svg) == ["0", "10", "20", "30", "40", "50"]
