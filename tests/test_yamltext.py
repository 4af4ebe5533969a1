"""Maps read with libyaml give what PyYAML's pure-Python loader gives; its errors stay PyYAML's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from journeys import yamltext
from journeys.compare.maps import MapValidationError, load_map

ROOT = Path(__file__).resolve().parents[1]
MAPS = sorted(
    [
        *(ROOT / "data" / "sample" / "maps").glob("*.yaml"),
        *(ROOT / "tests" / "maps").rglob("*.yaml"),
    ]
)


def test_libyaml_is_what_reads_the_maps():
    assert yamltext._fast() is yaml.CSafeLoader  # installed with PyYAML's wheels


def test_settings_without_a_file_never_load_pyyaml():
    """import-log and build of a log read no configuration and no map: PyYAML (9 ms of each
    command) stays unloaded; a configuration file loads it."""
    code = (
        "import sys; from journeys.config import load_settings; load_settings(); "
        "print('yaml' in sys.modules); load_settings(sys.argv[1]); print('yaml' in sys.modules)"
    )
    config = ROOT / "data" / "sample" / "journeys.yaml"
    out = subprocess.run(
        [sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize("path", MAPS, ids=lambda p: p.name)
def test_every_map_reads_as_the_pure_python_loader_reads_it(path: Path):
    text = path.read_text(encoding="utf-8")
    node = yamltext.compose(text)
    slow = yaml.compose(text, Loader=yaml.SafeLoader)
    assert yamltext.construct(node) == yaml.safe_load(text)
    assert yamltext.safe_load(text) == yaml.safe_load(text)
    # the same lines for the same values (a map's messages name them)
    assert node.start_mark.line == slow.start_mark.line and node.end_mark.line == slow.end_mark.line


def test_a_syntax_error_is_pure_pythons_with_its_line(tmp_path: Path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nstages:\n  - name: a\n    steps: [a, b\n")
    with pytest.raises(MapValidationError) as caught:
        load_map(path)
    with pytest.raises(yaml.YAMLError) as python:
        yaml.safe_load(path.read_text())
    assert (
        f"line {python.value.problem_mark.line + 1}: not valid YAML ({python.value.problem})"
        in str(caught.value)
    )
