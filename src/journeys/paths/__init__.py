"""paths stage of the pipeline: sessions, journeys and their events (SQL in sql/marts)."""

from __future__ import annotations

from journeys.paths.build import PathsResult, build_paths
from journeys.paths.ids import variant_id_of

__all__ = ["PathsResult", "build_paths", "variant_id_of"]
