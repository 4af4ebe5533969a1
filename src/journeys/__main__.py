"""``python -m journeys``: the ``journeys`` command, started as the installed script starts it."""

from journeys.launch import command_line

if __name__ == "__main__":  # pragma: no cover - it ends the process
    command_line()
