"""lab.toml and learner files: parser messages with file and line; paths cannot leave the lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.lab import LabFileError, labs_in_args, parse, read_manifest


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "problem"),
    [
        ("a.json", '{"a": 1,\n "b": }', 2, 7, "invalid JSON: Expecting value"),
        ("a.yaml", "a: 1\n b: 2\n", 2, 3, "invalid YAML: mapping values are not allowed here"),
        ("a.toml", 'a = 1\nb = "open\n', 2, 10, "invalid TOML: Illegal character"),
    ],
)
def test_parse_errors_name_file_line_and_parser_message(tmp_path: Path, name, text, line, column, problem) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(LabFileError) as info:
        parse(tmp_path, name)
    assert (info.value.path, info.value.line, info.value.column) == (name, line, column)
    assert info.value.problem.startswith(problem)
    assert str(info.value).startswith(f"{name}:{line}:{column}: ")


@pytest.mark.parametrize("relpath", ["../secret.json", "/etc/passwd.json"])
def test_paths_cannot_leave_the_lab(tmp_path: Path, relpath: str) -> None:
    with pytest.raises(LabFileError, match="must be relative to the lab folder"):
        parse(tmp_path, relpath)


def test_missing_file_says_how_to_get_it_back(tmp_path: Path) -> None:
    with pytest.raises(LabFileError, match="file not found .*tourlab reset"):
        parse(tmp_path, "iam/policy.json")


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ('title = "x"\n[[exercises]]\nid="a"\ntitle="A"\npoints=1', "`session` must be a positive whole number"),
        ('session = 1\ntitle = "x"', "needs at least one [[exercises]] table"),
        ('session = 1\ntitle = "x"\n[[exercises]]\nid="A B"\ntitle="A"\npoints=1', "`id` must be lower-case"),
        ('session = 1\ntitle = "x"\n[[exercises]]\nid="a"\ntitle="A"\npoints=1\nfiles=["../x"]', "without '..'"),
        ('session = 1\ntitle = "x"\n[[exercises]]\nid="a"\ntitle="A"\npoints=1\n[[exercises]]\nid="a"\ntitle="B"\npoints=1',
         "exercise ids must be unique"),
    ],
)
def test_manifest_problems_are_explained(tmp_path: Path, manifest: str, message: str) -> None:
    (tmp_path / "lab.toml").write_text(manifest)
    with pytest.raises(LabFileError) as info:
        read_manifest(tmp_path)
    assert message in str(info.value)


def test_labs_in_args_finds_the_lab_of_a_path_inside_it_and_labs_below_a_parent(make_lab, tmp_path: Path) -> None:
    one, two = make_lab(name="one"), make_lab(name="two")
    assert labs_in_args([f"{one}/iam/policy.json::x"], tmp_path) == (one.resolve(),)
    assert labs_in_args([str(tmp_path), str(one)], Path("/")) == (one.resolve(), two.resolve())
    assert labs_in_args(["tests"], tmp_path) == ()
