"""pytest plugin: turns a lab folder into a graded run. Thin hooks only; the work is elsewhere.

Wired by the ``pytest11`` entry point ``checks.plugin`` (installed package) and by the root
``conftest.py`` (a clone); the entry point's name equals this module's path so the two never register
it twice. Run state lives in ``config.stash``:

- :data:`LABS_KEY`: lab folders named on the command line (header, default HTML report path);
- :data:`RECORDS_KEY`: one :class:`~checks.record.CheckRecord` per graded check, from the reports;
- :data:`PREVIOUS_KEY`: each lab's score at the previous run (from its state file).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Generator
from pathlib import Path

import pytest

from checks import quick_exit
from checks.items import CONTEXTS_KEY, RECORD_KEY, LabFolder, aws_endpoint, start_early
from checks.lab import MANIFEST, LabFileError, labs_in_args, read_manifest
from checks.record import REPORT_ATTR, CheckRecord
from checks.report import html
from checks.report.results_json import write_results
from checks.report.scorecard import Scorecard
from checks.report.terminal import failure_text, header_lines, summary_lines
from checks.sessions import UnknownSession, resolver
from checks.state import read_state, write_state
from checks.visibility import learner_view, masked_name

LABS_KEY = pytest.StashKey[tuple[Path, ...]]()
RECORDS_KEY = pytest.StashKey[list[CheckRecord]]()
PREVIOUS_KEY = pytest.StashKey[dict[str, tuple[float, int]]]()
STARTED_KEY = pytest.StashKey[float]()
SESSION_KEY = pytest.StashKey[pytest.Session]()

#: Attribute of a ``TestReport`` holding the record as the learner may see it (``--learner-view``).
VIEW_ATTR = "tourlab_view"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tourlab", "World Tour Ticketing Labs grading")
    group.addoption(
        "--results-json",
        dest="tourlab_results_json",
        metavar="PATH",
        help="write the grade in Gradescope's results.json shape to PATH",
    )
    group.addoption(
        "--in-process",
        dest="tourlab_in_process",
        action="store_true",
        help="compute the slow end-to-end work in this process instead of forked children (slower; for benchmarks and debugging)",
    )
    group.addoption(
        "--aws-endpoint",
        dest="tourlab_aws_endpoint",
        metavar="URL",
        help="run the session 1 end-to-end pipeline against the moto server at URL (loopback; it is reset first) "
             "instead of moto in process",
    )
    group.addoption(
        "--learner-view",
        dest="tourlab_learner_view",
        action="store_true",
        help="reports a learner receives: hidden / after_due_date checks show their score, not their details",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """The earliest hook: a lab's background work (:mod:`checks.background`) starts here."""
    files = getattr(early_config.known_args_namespace, "file_or_dir", None) or []
    start_early(early_config, labs_in_args(files, early_config.invocation_params.dir))


@pytest.hookimpl(tryfirst=True)  # before pytest-html reads --html
def pytest_configure(config: pytest.Config) -> None:
    labs = labs_in_args(config.args, config.invocation_params.dir)
    config.stash[LABS_KEY] = labs
    config.stash[RECORDS_KEY] = []
    config.pluginmanager.register(RecordCollector(config.stash[RECORDS_KEY]), RecordCollector.NAME)
    config.stash[PREVIOUS_KEY] = {str(lab): state.total for lab in labs if (state := read_state(lab))}
    if labs and hasattr(config.option, "htmlpath"):
        config.option.htmlpath = config.option.htmlpath or str(html.default_report_path(labs, config.invocation_params.dir))
        config.option.self_contained_html = True
    if aws_endpoint(config):
        _check_aws_endpoint(str(aws_endpoint(config)))
    if labs:
        _summary_only(config)
        gc.freeze()  # see pytest_collection_finish


def _summary_only(config: pytest.Config) -> None:
    """A lab run prints the progress summary (with the next failure's message and hint) and the
    report path, not pytest's section per failed check and its list of them: the report has every
    check. ``--tb=...`` or ``-r...`` on the command line (or in PYTEST_ADDOPTS) bring them back."""
    given = [*config.invocation_params.args, *os.environ.get("PYTEST_ADDOPTS", "").split()]
    if not any(arg.startswith("--tb") for arg in given):
        config.option.tbstyle = "no"
    if not any(arg.startswith("-r") and not arg.startswith("--") for arg in given):
        config.option.reportchars = ""


def _check_aws_endpoint(url: str) -> None:
    """A wrong ``--aws-endpoint`` is a usage error, said before anything is graded."""
    from stack.cloud.remote import checked_endpoint  # boto3 and moto: only for a run that names an endpoint
    from stack.endpoints import EndpointError

    try:
        checked_endpoint(url)
    except EndpointError as exc:
        raise pytest.UsageError(f"--aws-endpoint: {exc}") from None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far (pytest, the session's checks, boto3, moto: hundreds of
    thousands of objects that live as long as the process) out of the garbage collector's sight, so
    its full collections during grading and at the end of the run scan only what grading creates
    (measured on session 3: about half a second of a 3-second run). Lab runs only."""
    if session.config.stash[LABS_KEY]:
        gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    collector = config.pluginmanager.get_plugin(RecordCollector.NAME)
    if collector is not None:
        config.pluginmanager.unregister(collector)
    for ctx in config.stash.get(CONTEXTS_KEY, {}).values():
        ctx.cancel_background()
    session = config.stash.get(SESSION_KEY, None)
    if config.stash.get(LABS_KEY, ()) and session is not None and quick_exit.started_from_command_line(config.invocation_params.args):
        quick_exit.arm(session.exitstatus)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[STARTED_KEY] = time.monotonic()
    session.config.stash[SESSION_KEY] = session


def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if (path / MANIFEST).is_file():
        return LabFolder.from_parent(parent, path=path)
    return None


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines: list[str] = []
    for lab in config.stash[LABS_KEY]:
        try:
            manifest = read_manifest(lab)
            session = resolver(config)(manifest.session)
        except (LabFileError, UnknownSession):
            continue  # collection reports it as a failing lab.toml item
        lines += header_lines(str(lab), manifest.title, manifest.session, session.enforcement)
        if aws_endpoint(config) and manifest.session == 1:  # only its end-to-end run uses the endpoint
            lines.append(f"tourlab: the end-to-end run targets the moto server at {aws_endpoint(config)} (over HTTP, reset first)")
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    record = item.stash.get(RECORD_KEY, None)
    masked = item.config.getoption("tourlab_learner_view") and masked_name(item) is not None
    if masked:  # every phase: pytest-html and the terminal key their rows by node id
        hidden_id, hidden_title = masked_name(item)
        report.nodeid = report.nodeid.replace(item.name, hidden_id)
        report.location = (report.location[0], None, f"{hidden_id}: {hidden_title}")
    if record is not None and report.when == "call":
        setattr(report, REPORT_ATTR, record.to_json())
        if masked:
            shown = learner_view(record)
            setattr(report, VIEW_ATTR, shown.to_json())
            if report.failed:
                report.longrepr = failure_text(shown)
        else:
            report.extras = [*getattr(report, "extras", []), *html.extras_for(record)]
    return report


class RecordCollector:
    """Gathers check records from reports (on the xdist controller too); ``logreport`` gets no config."""

    NAME = "tourlab-records"

    def __init__(self, records: list[CheckRecord]) -> None:
        self._records = records

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if data is not None and report.when == "call":
            self._records.append(CheckRecord.from_json(data))


def _scorecard(config: pytest.Config, *, shown: bool = True) -> Scorecard:
    """The run's scores; ``shown``: as rendered (masked under ``--learner-view``), else as graded."""
    records = config.stash.get(RECORDS_KEY, [])
    if shown and config.getoption("tourlab_learner_view", False):
        records = [learner_view(r) for r in records]
    return Scorecard.from_records(records)


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return  # the xdist controller writes the files, from all workers' records
    scorecard = _scorecard(config)
    target = config.getoption("tourlab_results_json")
    if target:
        elapsed = time.monotonic() - config.stash.get(STARTED_KEY, time.monotonic())
        write_results(Path(config.invocation_params.dir, target), scorecard, elapsed)
    for lab in _scorecard(config, shown=False).labs:
        write_state(lab)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    scorecard = _scorecard(config)
    report_path = getattr(config.option, "htmlpath", None)
    for lab in scorecard.labs:
        terminalreporter.write_sep("=", "tourlab progress", bold=True)
        previous = config.stash[PREVIOUS_KEY].get(lab.lab)
        for line in summary_lines(lab, report_path, previous):
            terminalreporter.write_line(line)
    if config.option.tbstyle == "no":  # see _summary_only: what has no check record still gets said
        for report in terminalreporter.stats.get("failed", []):
            if getattr(report, REPORT_ATTR, None) is None:
                terminalreporter.write_sep("=", f"not graded: {report.nodeid}", red=True)
                terminalreporter.write_line(report.longreprtext)


# --- pytest-html (a dependency, but its hooks stay optional so `-p no:html` still works) -----------


@pytest.hookimpl(optionalhook=True)
def pytest_html_report_title(report: object) -> None:
    report.title = "World Tour Ticketing Labs: grade report"  # type: ignore[attr-defined]


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session) -> None:
    scorecard = _scorecard(session.config)
    if scorecard.labs:
        prefix.append(html.score_header(scorecard))


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_header(cells: list[str]) -> None:
    html.table_header(cells)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_table_row(report: pytest.TestReport, cells: list[str]) -> None:
    data = getattr(report, VIEW_ATTR, None) or getattr(report, REPORT_ATTR, None)
    html.table_row(CheckRecord.from_json(data) if data else None, cells)
