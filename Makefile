# make demo / make test work on a fresh machine with only Python 3.11+: each runs setup first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: setup demo test test-fast bench lint lock clean

setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@# an editable install compiles nothing, and with PYTHONDONTWRITEBYTECODE set every command
	@# would compile the modules it imports again (a compare on 1,000 events: +7 %)
	$(BIN)/python -m compileall -q src pipelines
	@touch $(STAMP)

demo: setup
	$(BIN)/journeys demo

# The suite runs on every core (pytest-xdist, at most 4 workers: each starts its own Prefect test
# server), a test module's tests on one worker so that its fixtures are built once (ADR 0008).
PYTEST := $(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile

test: setup
	$(PYTEST)

test-fast: setup
	$(PYTEST) -m "not slow and not browser"

# Issue #21's targets: fixed cost per command, 10M events against the floor of the same run,
# pm4py at 1M events, issue #17's file → answers at 250K events (three commands and `analyze`; the
# 100M run is opt-in: docs/benchmarks.md, "Memory and 100M events").
bench: setup
	$(BIN)/python -m compileall -q src pipelines
	$(BIN)/python benchmarks/bench_fixed.py --write-doc
	$(BIN)/python benchmarks/run.py --sizes 1M,10M --write-doc
	$(BIN)/python benchmarks/bench_import.py --events 1M --write-doc
	$(BIN)/python benchmarks/bench_import.py --events 250K --repeat 3 --write-doc
	$(BIN)/python benchmarks/bench_micro.py --write-doc

# ruff, mypy --strict (pyproject.toml [tool.mypy]; .mypy_cache keeps warm runs fast) and
# sqlfluff (.sqlfluff) over sql/, two processes. Fix SQL layout with: .venv/bin/sqlfluff fix sql
lint: setup
	$(BIN)/ruff check src pipelines tests benchmarks
	$(BIN)/ruff format --check src pipelines tests benchmarks
	$(BIN)/mypy
	@# the filter hides a semaphore-leak warning of sqlfluff's process pool at exit, nothing else;
	@# with --processes, sqlfluff exits 0 when it cannot lint a file at all (e.g. a .sqlfluff in a
	@# parent folder clashing with ours), so its "Unable to lint" fails the target here, and so
	@# does a file it skips (over large_file_skip_byte_limit: .sqlfluff lints every size)
	@PYTHONWARNINGS="ignore:resource_tracker:UserWarning" \
	  $(BIN)/sqlfluff lint sql --processes 2 --disable-progress-bar > .lint-sql.log 2>&1; \
	  status=$$?; cat .lint-sql.log; \
	  if grep -q -e "Unable to lint" -e "Skipping to avoid parser lock" .lint-sql.log; then \
	    echo "make lint: sqlfluff could not lint, or skipped, the files above (a .sqlfluff in a parent folder? large_file_skip_byte_limit in .sqlfluff?)" >&2; \
	    status=1; fi; \
	  rm -f .lint-sql.log; exit $$status

# Re-resolve the pinned set from pyproject.toml (needs the package index).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet -e ".[dev,dask]"
	{ echo "# Pinned set that installs together (Python 3.11, pip). Regenerate with: make lock"; \
	  .lockenv/bin/python -m pip freeze --all | grep -viE "^(pip|journeys|-e )"; } > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) warehouse reports .pytest_cache .mypy_cache
