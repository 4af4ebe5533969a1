"""journeys: observed customer journeys beside the journeys a company assumed."""

from __future__ import annotations

__version__ = "0.1.0"
