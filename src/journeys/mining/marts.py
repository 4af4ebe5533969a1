"""Build the mining marts: ``marts.touchpoints``, ``marts.transitions``, ``marts.variants``.

They are aggregates of ``marts.events`` and ``marts.journeys`` (SQL in ``sql/marts/``, and
``sql/intermediate/int_subpath_counts.sql`` for the distinct journeys and customers of
touchpoints and pairs) and are rebuilt whole on every build: a few group-bys, cheap next to the
path marts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from journeys.config import Settings
from journeys.errors import BuildError
from journeys.warehouse import Warehouse

MINING_MODELS = (
    "marts/variants",
    "intermediate/int_subpath_counts",
    "marts/touchpoints",
    "marts/transitions",
)
"""In this order: touchpoints and transitions read the variants' paths, and their distinct
journeys and customers from ``intermediate.int_subpath_counts`` (one pass over the customers'
variants for both)."""


@dataclass(frozen=True)
class MiningResult:
    """What ``build_mining`` wrote."""

    touchpoints: int
    transitions: int
    variants: int
    seconds: float

    def summary(self) -> str:
        return (
            f"mining: {self.touchpoints} touchpoints, {self.transitions} transitions, "
            f"{self.variants} variants in {self.seconds:.1f}s"
        )


def build_mining(wh: Warehouse, settings: Settings) -> MiningResult:
    """Rebuild the three mining marts from ``marts.events`` and ``marts.journeys``."""
    del settings  # the marts depend on the path marts only; kept for a uniform step signature
    started = time.perf_counter()
    for table in ("marts.events", "marts.journeys"):
        if not wh.table_exists(table):
            raise BuildError(f"{table}: table not found; run build_paths (`journeys build`) first")
    counts = wh.run_models(MINING_MODELS)
    return MiningResult(
        touchpoints=counts["marts/touchpoints"],
        transitions=counts["marts/transitions"],
        variants=counts["marts/variants"],
        seconds=time.perf_counter() - started,
    )
