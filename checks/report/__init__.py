"""Renderers of a graded run: terminal summary, HTML report (pytest-html hooks), results.json.

All of them read one :class:`checks.report.scorecard.Scorecard`; none of them computes a score.
"""
