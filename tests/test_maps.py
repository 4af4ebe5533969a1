from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from journeys.compare.maps import MapValidationError, load_map, parse_map
from journeys.errors import MapError

MAPS = Path(__file__).parent / "maps"


def make_map(*steps: object, **top: object):
    """A one-stage map from step names or step dicts."""
    data = {"name": "t", **top, "stages": [{"name": "S", "steps": list(steps)}]}
    return parse_map(data, source="t.yaml")


def problems(tmp_path: Path, text: str) -> tuple[str, ...]:
    path = tmp_path / "x.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(MapValidationError) as info:
        load_map(path)
    assert isinstance(info.value, MapError)
    return tuple(p.replace(f"{tmp_path}/", "") for p in info.value.problems)


def test_design_example_loads_with_its_designed_graph():
    m = load_map(MAPS / "online_purchase.yaml")
    assert m.name == "online-purchase"
    assert m.goal == "Order delivered"
    assert m.entry == ("Visit site",)
    assert m.exit == ("Order delivered", "Order cancelled")
    assert m.ignore == ("Newsletter opened",)
    assert m.edges() == {
        ("Visit site", "View product"),
        ("View product", "View product"),
        ("View product", "Add to cart"),
        ("Add to cart", "Apply coupon"),
        ("Add to cart", "Payment captured"),
        ("Apply coupon", "Payment captured"),
        ("Payment captured", "Order shipped"),
        ("Payment captured", "Order cancelled"),
        ("Order shipped", "Order delivered"),
    }
    assert m.describe() == "'online-purchase': 3 stages, 8 steps, 9 designed transitions"
    assert m.shortest_walk() == (
        "Visit site",
        "View product",
        "Add to cart",
        "Payment captured",
        "Order cancelled",
    )
    pay = m.step("Payment captured")
    assert (pay.stage, pay.position, pay.within_seconds, pay.team, pay.system) == (
        "Buy",
        5,
        3600,
        "payments",
        "PSP",
    )


def test_frames_have_the_report_columns():
    m = load_map(MAPS / "online_purchase.yaml")
    steps = m.steps_frame()
    assert steps.columns[:11] == [
        "step",
        "stage",
        "position",
        "optional",
        "repeatable",
        "channel",
        "team",
        "system",
        "within_seconds",
        "is_entry",
        "is_exit",
    ]
    assert steps["step"].to_list()[0] == "Visit site"
    assert steps.filter(steps["is_exit"])["step"].to_list() == [
        "Order delivered",
        "Order cancelled",
    ]
    edges = m.edges_frame()
    assert edges.columns == ["from_step", "to_step"]
    assert edges.height == 9
    assert edges.row(0) == ("Visit site", "View product")


def test_consecutive_optional_steps_are_skipped_transitively():
    m = make_map("A", {"name": "B", "optional": True}, {"name": "C", "optional": True}, "D")
    assert m.edges() == {("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"), ("C", "D")}


def test_optional_entry_and_exit_widen_where_journeys_start_and_end():
    m = make_map({"name": "A", "optional": True}, "B", {"name": "C", "optional": True})
    assert m.start_steps == ("A", "B")
    assert m.end_steps == ("B", "C")
    assert m.shortest_walk() == ("B",)


def test_next_overrides_default_and_empty_next_ends_a_branch():
    m = make_map({"name": "A", "next": ["C", "B"]}, {"name": "B", "next": []}, "C", exit=["B", "C"])
    assert m.edges() == {("A", "B"), ("A", "C")}


def test_step_may_be_written_as_a_bare_name():
    m = make_map("A", {"name": "B", "repeatable": True})
    assert m.edges() == {("A", "B"), ("B", "B")}
    assert m.step_names == ("A", "B")


def test_ignore_accepts_globs():
    m = make_map("A", "B", ignore=["Newsletter*"])
    assert m.filter_trace(["A", "Newsletter opened", "B"]) == ("A", "B")


def test_malformed_yaml_names_file_and_line(tmp_path: Path):
    found = problems(tmp_path, "name: x\nstages:\n  - name: A\n    steps: [\n      - y\n")
    assert len(found) == 1
    assert "x.yaml line 5: not valid YAML" in found[0]


def test_unknown_keys_name_the_field_path_and_suggest(tmp_path: Path):
    text = """\
        name: x
        stagez: 1
        stages:
          - name: A
            steps:
              - name: a
                colour: red
        """
    found = problems(tmp_path, text)
    assert any("x.yaml: stagez: unknown key 'stagez'; did you mean 'stages'?" in p for p in found)
    assert any(
        "x.yaml: stages[0].steps[0].colour: unknown key" in p and "(line 7)" in p for p in found
    )


def test_missing_name_and_stages(tmp_path: Path):
    found = problems(tmp_path, "owner: me\n")
    assert any("x.yaml: name: missing" in p for p in found)
    assert any("x.yaml: stages: missing" in p for p in found)


def test_duplicate_step_names_point_at_the_first(tmp_path: Path):
    text = "name: x\nstages:\n  - name: A\n    steps: [a, b]\n  - name: B\n    steps: [a]\n"
    found = problems(tmp_path, text)
    assert found == (
        "x.yaml: stages[1].steps[0].name: step 'a' is already defined at stages[0].steps[0]; "
        "step names are unique in a map, rename one or merge them (line 6)",
    )


def test_unknown_references_in_next_entry_exit_goal(tmp_path: Path):
    text = (
        "name: x\ngoal: Done\nentry: [Start]\nexit: Finish\nstages:\n  - name: A\n    steps:\n"
        "      - name: a\n        next: [Shipped]\n      - name: b\n"
    )
    found = problems(tmp_path, text)
    joined = "\n".join(found)
    assert (
        "x.yaml: stages[0].steps[0].next[0]: 'Shipped' is not a step of this map; use one of"
        in joined
    )
    assert "x.yaml: entry[0]: 'Start' is not a step" in joined
    assert "x.yaml: exit: 'Finish' is not a step" in joined
    assert "x.yaml: goal: 'Done' is not a step" in joined


def test_bad_within_duration(tmp_path: Path):
    text = """\
        name: x
        stages:
          - name: A
            steps:
              - a
              - name: b
                within: soon
        """
    found = problems(tmp_path, text)
    assert found == (
        "x.yaml: stages[0].steps[1].within: 'soon' is not a duration; write e.g. 30m, 2h or 14d "
        "(line 7)",
    )


def test_unreachable_step(tmp_path: Path):
    text = (
        "name: x\nstages:\n  - name: A\n    steps:\n      - name: a\n        next: [c]\n"
        "      - name: b\n      - name: c\n"
    )
    found = problems(tmp_path, text)
    assert len(found) == 1
    assert found[0].startswith("x.yaml: stages[0].steps[1]: step 'b' is unreachable from the entry")
    assert "add it to the next: of an earlier step or to entry:" in found[0]


def test_cycle_without_exit(tmp_path: Path):
    text = """\
        name: x
        exit: [d]
        stages:
          - name: A
            steps:
              - name: a
                next: [b, d]
              - name: b
                next: [c]
              - name: c
                next: [b]
              - d
        """
    found = problems(tmp_path, text)
    bad = sorted(p.split(":")[1].strip() for p in found)
    assert bad == ["stages[0].steps[1]", "stages[0].steps[2]"]
    assert all("no exit step is reachable" in p and "cycle without exit" in p for p in found)


def test_every_problem_is_reported_at_once(tmp_path: Path):
    text = (
        "stagez: 1\nstages:\n  - name: A\n    steps:\n      - name: a\n        within: x\n"
        "      - name: a\n        optional: maybe\n"
    )
    found = problems(tmp_path, text)
    assert len(found) == 4  # stagez, name missing, within, duplicate a
    assert all(p.startswith("x.yaml: ") for p in found)


def test_ignore_may_not_name_a_step():
    with pytest.raises(MapValidationError, match=r"ignore\[0\]: 'A' matches step 'A'"):
        make_map("A", "B", ignore=["A"])


def test_document_must_be_a_mapping():
    with pytest.raises(MapValidationError, match="t.yaml: the map is a list"):
        parse_map([1, 2], source="t.yaml")


def test_missing_file():
    with pytest.raises(MapError, match="nope.yaml: file not found"):
        load_map(MAPS / "nope.yaml")


def doc_examples() -> dict[str, dict]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "maps.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    return {doc["name"]: doc for doc in map(yaml.safe_load, blocks)}


def test_every_example_in_the_map_guide_is_valid():
    examples = doc_examples()
    assert len(examples) == 7
    for name, doc in examples.items():
        assert parse_map(doc, source="docs/maps.md").name == name
    shares = parse_map(examples["checkout-shares"], source="docs/maps.md").expected_shares()
    assert shares.rows() == [
        (None, "Payment captured", 0.8),
        (None, "Order delivered", 0.75),
        ("Payment captured", "Order cancelled", 0.05),
    ]


def test_the_guide_states_the_designed_graph_of_its_optional_example():
    m = parse_map(doc_examples()["browse-and-buy"], source="docs/maps.md")
    assert m.edges() == {
        ("Visit site", "View product"),
        ("View product", "View product"),
        ("View product", "Add to cart"),
        ("Add to cart", "Apply coupon"),
        ("Add to cart", "Gift wrap"),
        ("Add to cart", "Payment captured"),
        ("Apply coupon", "Gift wrap"),
        ("Apply coupon", "Payment captured"),
        ("Gift wrap", "Payment captured"),
    }
    branches = parse_map(doc_examples()["order-outcomes"], source="docs/maps.md")
    assert branches.start_steps == ("Visit site", "Open app")
    assert ("Visit site", "Open app") not in branches.edges()


def test_wrong_types_are_reported_with_the_rest():
    with pytest.raises(MapValidationError) as info:
        parse_map(
            {
                "name": "t",
                "owner": ["a"],
                "stages": [{"name": "S", "steps": [{"name": "A", "optional": "yes"}]}],
            },
            source="t.yaml",
        )
    assert info.value.problems == (
        "t.yaml: owner: ['a'] is not text; write a plain string",
        "t.yaml: stages[0].steps[0].optional: 'yes' is not true or false; write optional: true",
    )


def test_a_one_stage_map_is_described_in_the_singular():
    """validate-map printed "'m': 1 stages, 2 steps, 1 designed transitions"."""
    m = make_map("Open", "Close")
    assert m.describe() == "'t': 1 stage, 2 steps, 1 designed transition"


@pytest.mark.parametrize(
    ("within", "seconds"),
    [
        ("2 days", 172_800),
        ("48 hours", 172_800),
        ("1h30m", 5_400),
        ("1 hour and 30 minutes", 5_400),
        ("PT2H", 7_200),
        ("P1DT12H", 129_600),
        ("90s", 90),
        (3600, 3_600),
    ],
)
def test_within_reads_durations_as_people_and_bpmn_write_them(within: object, seconds: int):
    """A CX workshop writes 'within: 2 days' or '1h30m', a BPMN timer PT2H: all were refused
    as 'not a duration'."""
    m = make_map("Open", {"name": "Close", "within": within})
    assert m.step("Close").within_seconds == seconds


@pytest.mark.parametrize(
    ("within", "why"),
    [
        ("P1M", " (months and years have no fixed length)"),
        ("2 months", " (months and years have no fixed length)"),
        ("1 year", " (months and years have no fixed length)"),
        ("1h 30", ""),
        ("PT", ""),
        ("soon", ""),
    ],
)
def test_within_refuses_what_has_no_fixed_length_or_no_unit(within: str, why: str):
    with pytest.raises(MapValidationError) as refused:
        make_map("Open", {"name": "Close", "within": within})
    assert f"is not a duration{why}; write e.g. 30m, 2h or 14d" in str(refused.value)


def test_a_tab_in_a_map_or_configuration_is_named_with_its_fix(tmp_path: Path):
    """A map indented with a tab (an editor set to tabs): 'fix the syntax (indentation, ...)'
    did not say that YAML takes no tabs at all."""
    from journeys.config import load_settings
    from journeys.errors import ConfigError

    path = tmp_path / "m.yaml"
    path.write_text("name: m\nstages:\n\t- name: S\n", encoding="utf-8")
    assert problems(tmp_path, "name: m\nstages:\n\t- name: S\n") == (
        "x.yaml line 3: not valid YAML (found character '\\t' that cannot start "
        "any token); YAML indents with spaces only: replace the tab on that line with spaces",
    )
    with pytest.raises(ConfigError, match="replace the tab on that line with spaces"):
        load_settings(path)
