"""Broken and hostile map files through the CLI: exit code 1 and one line per problem, each
naming the file and the field, never a traceback. (tests/test_maps.py covers the validation
rules themselves through ``load_map``; this file covers what a CX author sees on the command
line, and the files that used to crash or hang it.)"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from journeys.cli import main
from journeys.config import Settings


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes) -> list[str]:
    """Run ``journeys validate-map`` on a file holding ``text``; return its stderr lines."""
    path = tmp_path / "journey-map.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    assert main(["validate-map", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith("[map] ")
    found = []
    for line in lines:  # every problem names the file, then the field or the YAML line
        line = line.removeprefix("[map] ")
        assert line.startswith((f"{path}: ", f"{path} line "))
        found.append(line.removeprefix(f"{path}: ").removeprefix(f"{path} "))
    return found


VALID_TAIL = """
stages:
  - name: Buy
    steps: [Visit site, Order placed]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: x\nstages: [\n", "line 3: not valid YAML"),
        ("name: x\n\tstages: []\n", "line 2: not valid YAML"),
        (b"name: caf\xe9" + VALID_TAIL.encode(), "not UTF-8 text (byte 0xe9 at offset 9)"),
        (b"\x00\x01\x02\x03", "not valid YAML (unacceptable character"),
        ("", "the map is empty"),
        ("- just\n- a list\n", "the map is a list"),
        ("name: !!python/object/apply:os.system [echo]" + VALID_TAIL, "not valid YAML"),
        ("name: x\ncolour: red" + VALID_TAIL, "colour: unknown key 'colour'"),
        ("name: x\nname: y" + VALID_TAIL, "name: given twice (lines 1 and 2)"),
    ],
    ids=["unclosed", "tab", "latin-1", "binary", "empty", "list", "python-tag", "unknown", "twice"],
)
def test_a_malformed_map_is_one_line_naming_file_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str | bytes, expected: str
):
    [problem] = validate(tmp_path, capsys, text)
    assert expected in problem


def test_a_key_given_twice_deep_inside_names_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    problems = validate(
        tmp_path,
        capsys,
        """\
        name: x
        stages:
          - name: Buy
            steps:
              - name: Visit site
                next: [Order placed]
                next: []
              - Order placed
        """,
    )
    assert problems == [
        "stages[0].steps[0].next: given twice (lines 6 and 7); the second would silently win, "
        "keep one"
    ]


def test_duplicate_stage_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = "name: x\nstages:\n  - {name: A, steps: [a]}\n  - {name: A, steps: [b]}\n"
    [problem] = validate(tmp_path, capsys, text)
    assert problem.startswith("stages[1].name: stage 'A' is named twice")


def test_a_cycle_without_exit_names_each_trapped_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    problems = validate(
        tmp_path,
        capsys,
        """\
        name: loop
        stages:
          - name: Support
            steps:
              - name: Ticket opened
                next: [Ticket transferred, Ticket resolved]
              - name: Ticket transferred
                next: [Ticket reopened]
              - name: Ticket reopened
                next: [Ticket transferred]
              - Ticket resolved
        """,
    )
    assert [p.split(":")[0] for p in problems] == ["stages[0].steps[1]", "stages[0].steps[2]"]
    assert all("no exit step is reachable" in p and "cycle without exit" in p for p in problems)


def test_an_unreachable_step_names_its_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    text = """\
        name: x
        stages:
          - name: Buy
            steps:
              - {name: Visit site, next: [Order placed]}
              - Coupon page
              - Order placed
        """
    [problem] = validate(tmp_path, capsys, text)
    assert problem.startswith("stages[0].steps[1]: step 'Coupon page' is unreachable")
    assert problem.endswith("(line 6)")


def test_yaml_aliases_cannot_blow_up_the_validator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    """'Billion laughs': nine lines of aliases stand for 9**9 strings. Validation used to print a
    34 MB message for 9**7 of them; now each alias use is one short problem, at once."""
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    started = time.perf_counter()
    problems = validate(tmp_path, capsys, "\n".join(levels) + "\nname: x\nowner: *i\n")
    assert time.perf_counter() - started < 5
    assert len(problems) == 8 * 9 + 1 and sum(len(p) for p in problems) < 20_000
    assert (
        problems[0]
        == "b[0]: is a YAML alias (*name) of the value at line 1; write the value out instead"
    )
    assert problems[-1].startswith("owner: is a YAML alias")


def test_absurd_nesting_is_a_problem_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    for depth in (40, 5000):  # deeper than maps nest; deeper than Python's recursion limit
        [problem] = validate(tmp_path, capsys, "name: x\nowner: " + "[" * depth + "]" * depth)
        assert "nested" in problem and "docs/maps.md" in problem


def test_a_folder_or_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    for target in (tmp_path, tmp_path / "nope.yaml"):
        assert main(["validate-map", str(target)]) == 1
        err = capsys.readouterr().err
        assert err == f"[map] {target}: file not found; pass the path of a map YAML file\n"


def test_two_maps_with_one_name_are_refused_by_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    for path in (first, second):
        path.write_text("name: same" + VALID_TAIL, encoding="utf-8")
        assert main(["validate-map", str(path)]) == 0  # each is fine on its own
    warehouse = Settings(warehouse=tmp_path / "wh" / "j.duckdb").warehouse
    code = main(
        ["--warehouse", str(warehouse), "compare", "--map", str(first), "--map", str(second)]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"[compare] {second}: name 'same' is also the name of {first}")
