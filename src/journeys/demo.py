"""``journeys demo``: the whole pipeline on ``data/sample/``, from a clean warehouse each time."""

from __future__ import annotations

import shutil
from pathlib import Path

from journeys.config import Settings, load_settings
from journeys.errors import ConfigError

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


def demo_settings(out: Path, *, warehouse: Path | None = None) -> Settings:
    config = SAMPLE_DIR / "journeys.yaml"
    if not config.is_file():
        raise ConfigError(f"{config}: the sample configuration is missing; restore data/sample/")
    out = out.resolve()
    return load_settings(
        config,
        warehouse=warehouse or out / "warehouse" / "journeys.duckdb",
        reports=out / "reports",
    )


def run_demo(out: Path, *, warehouse: Path | None = None) -> str:
    """Run ingest, build, compare and report on the sample; return what to open."""
    settings = demo_settings(out, warehouse=warehouse)
    folder = Path(settings.warehouse).parent
    if folder.exists() and warehouse is None:
        shutil.rmtree(folder)
    from pipelines.daily import run_daily

    return run_daily(settings)
