"""mining stage of the pipeline: touchpoints, transitions and variants marts; graph helpers."""

from __future__ import annotations

from journeys.mining.marts import MiningResult, build_mining

__all__ = ["MiningResult", "build_mining"]
