"""Exercise 2c's learner data: seed.toml, the grader regenerating the truth from it, investigate.py, CSV."""

from __future__ import annotations

import csv
import runpy
import sys
from pathlib import Path

import pytest
import yaml

from checks import cli
from checks.lab import LabFileError
from stack.simulate import mystery, scenarios
from tests.session2.conftest import SOLUTION, STARTER, results

DIAGNOSIS = {"S2.diagnosis.format", "S2.diagnosis.component", "S2.diagnosis.class", "S2.diagnosis.onset"}


def _answer(lab: Path, incidents) -> None:
    entries = [{"component": i.component, "failure_class": i.kind, "onset_minute": i.onset} for i in incidents]
    (lab / "answers.yaml").write_text(yaml.safe_dump({"incidents": entries}))


def test_seed_command_writes_the_learners_seed_and_the_grader_uses_it(solution_copy: Path, capsys) -> None:
    assert cli.main(["seed", "--learner", "ada@example.com", str(solution_copy)]) == 0
    seed = scenarios.learner_seed("ada@example.com")
    assert mystery.read_seed(solution_copy) == seed and f"seed = {seed}" in capsys.readouterr().out
    assert scenarios.mysteries(seed) != scenarios.mysteries(scenarios.DEFAULT_SEED)
    copied = results(solution_copy, DIAGNOSIS)  # the default seed's answers (solutions/) no longer fit
    assert not copied["S2.diagnosis.class"].complete or not copied["S2.diagnosis.onset"].complete
    _answer(solution_copy, scenarios.mysteries(seed))
    assert all(r.complete for r in results(solution_copy, DIAGNOSIS).values())


def test_a_seed_swapped_for_another_learners_is_refused(solution_copy: Path) -> None:
    mystery.write_seed(solution_copy, scenarios.DEFAULT_SEED, learner="ada@example.com")
    with pytest.raises(LabFileError, match="not the seed of learner ada@example.com"):
        results(solution_copy, {"S2.diagnosis.class"})


def test_without_seed_toml_the_default_seed_applies(solution_copy: Path) -> None:
    (solution_copy / "seed.toml").unlink()
    assert mystery.read_seed(solution_copy) == scenarios.DEFAULT_SEED
    assert all(r.complete for r in results(solution_copy, DIAGNOSIS).values())


def test_the_starter_and_the_solution_carry_the_default_seed_and_the_same_script() -> None:
    assert mystery.read_seed(STARTER) == mystery.read_seed(SOLUTION) == scenarios.DEFAULT_SEED
    assert (STARTER / "investigate.py").read_text() == (SOLUTION / "investigate.py").read_text()


def test_export_csv_writes_the_mystery_run(solution_copy: Path, capsys) -> None:
    assert cli.main(["export-csv", str(solution_copy)]) == 0
    rows = list(csv.reader((solution_copy / "mystery.csv").open()))
    assert rows[0] == ["timestamp", "namespace", "metric", "dimension", "sum", "samplecount", "minimum", "maximum"]
    store = mystery.mystery_run(scenarios.DEFAULT_SEED)
    sent = [r for r in rows[1:] if r[2] == "NumberOfMessagesSent" and r[3] == "SeatInventoryQueue"]
    assert [float(r[4]) for r in sent] == store.minute_values("AWS/SQS", "NumberOfMessagesSent", "SeatInventoryQueue")
    assert "mystery.csv" in capsys.readouterr().out


def test_investigate_script_reads_the_run_back_with_boto3(monkeypatch, capsys) -> None:
    """The template loads the run into the offline CloudWatch and reads it with get_metric_data."""
    monkeypatch.setattr(sys, "argv", ["investigate.py"])
    runpy.run_path(str(STARTER / "investigate.py"), run_name="__main__")
    out = capsys.readouterr().out.splitlines()
    store = mystery.mystery_run(scenarios.DEFAULT_SEED)
    row = next(line for line in out if line.split()[:1] == ["6"])  # minute 6: the peak
    assert float(row.split()[1]) == store.minute_values("AWS/SQS", "NumberOfMessagesSent", "SeatInventoryQueue")[6]
    assert any("PaymentProcessor Duration" in line for line in out)


@pytest.mark.parametrize("text", ["seed = 'x'\n", "seed = true\n"])
def test_a_malformed_seed_is_explained(tmp_path: Path, text: str) -> None:
    (tmp_path / "seed.toml").write_text(text)
    with pytest.raises(mystery.SeedError, match="whole number"):
        mystery.read_seed(tmp_path)
