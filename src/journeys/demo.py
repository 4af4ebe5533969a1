"""``journeys demo``: the settings running the whole pipeline on the sample shop in data/sample/.

The CLI runs the daily flow on them (the library never imports the flows). The demo writes the
same warehouse as every other command (``warehouse/journeys.duckdb`` unless ``--warehouse``
says otherwise), so the notebooks and docs/analysts.md read it as it is. Running it again loads
nothing new and changes nothing; a warehouse holding other data is refused, not mixed with the
sample.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from journeys.config import Settings, load_settings
from journeys.errors import ConfigError
from journeys.publish import (
    StaleWarehouse,
    data_path,
    open_published,
    open_work_file,
    work_path,
    writer_lock,
)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
QUALITY = "marts.data_quality"


def demo_settings(*, warehouse: Path, reports: Path) -> Settings:
    """The sample's configuration (``data/sample/journeys.yaml``) writing ``warehouse`` and
    ``reports``."""
    config = SAMPLE_DIR / "journeys.yaml"
    if not config.is_file():
        raise ConfigError(f"{config}: the sample configuration is missing; restore data/sample/")
    return load_settings(config, warehouse=warehouse, reports=reports)


def check_demo_warehouse(settings: Settings) -> None:
    """Refuse a published warehouse that holds files other than the sample's: the demo's
    configuration would rebuild that data with the sample's touchpoint rules."""
    if not Path(settings.warehouse).exists():
        return
    sample = {p.name for p in SAMPLE_DIR.rglob("*") if p.is_file()}
    with open_published(settings) as wh:
        if not wh.table_exists(QUALITY):
            return
        files = wh.read_table(QUALITY, columns=["file"])["file"].drop_nulls().unique().sort()
    foreign = [f for f in files.to_list() if f not in sample]
    if foreign:
        raise ConfigError(
            f"{settings.warehouse}: holds data not from data/sample/ (file '{foreign[0]}'); run "
            "the demo on another file: journeys demo --warehouse demo/journeys.duckdb",
            step="demo",
        )


def reset_stale_demo(settings: Settings) -> bool:
    """Delete a demo warehouse written by an older version's layout, so the demo loads the sample
    again (call it after ``check_demo_warehouse``: it holds only the sample's files). Returns
    whether it did."""
    work = work_path(settings)
    if not work.exists():
        return False
    with writer_lock(settings, step="demo"):
        try:
            open_work_file(settings).close()
        except StaleWarehouse:
            published = Path(settings.warehouse)
            for stale in (published, work):
                for path in (stale, stale.with_name(stale.name + ".wal")):
                    path.unlink(missing_ok=True)
            shutil.rmtree(data_path(settings), ignore_errors=True)
            return True
    return False
