#!/usr/bin/env bash
# Check that prefect.yaml deploys: start a throwaway local Prefect server (temporary home and
# database, no network), create the work pool, run `prefect deploy --all` from the repository,
# and inspect the deployments it created (entrypoint, schedule, timezone, pool, concurrency).
#
#   scripts/check_deploy.sh                      # deploy and inspect
#   scripts/check_deploy.sh --run CONFIG.yaml    # ... then run it once through a process worker
#
# Everything it starts is stopped on exit; nothing outside a temporary folder is written
# (except the run's own warehouse and reports, wherever CONFIG.yaml puts them).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.venv/bin}
RUN_CONFIG=""
if [[ "${1:-}" == "--run" ]]; then
  RUN_CONFIG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/journeys-deploy-check.XXXXXX")
PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PREFECT_HOME="$WORK/home"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_SERVER_DATABASE_CONNECTION_URL="sqlite+aiosqlite:///$WORK/prefect.db"
export PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1 PREFECT_UI_ENABLED=false
export PREFECT_LOCAL_STORAGE_PATH="$WORK/storage"
export JOURNEYS_HOME="$ROOT"   # the pull step's working directory (see prefect.yaml)

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== starting a local Prefect server on $PREFECT_API_URL"
"$BIN/prefect" server start --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  curl -sf "$PREFECT_API_URL/health" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 1
done
curl -sf "$PREFECT_API_URL/health" >/dev/null || { echo "server did not start"; cat "$WORK/server.log"; exit 1; }

echo "== prefect work-pool create journeys --type process"
"$BIN/prefect" work-pool create journeys --type process

echo "== prefect --no-prompt deploy --all   (from $ROOT)"
cd "$ROOT"
"$BIN/prefect" --no-prompt deploy --all

echo "== prefect deployment inspect journeys-daily/journeys-daily"
"$BIN/prefect" deployment inspect journeys-daily/journeys-daily --output json >"$WORK/deployment.json"
"$BIN/python" - "$WORK/deployment.json" "$ROOT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sched = d["schedules"][0]["schedule"]
checks = {
    "entrypoint": (d["entrypoint"], "pipelines/daily.py:journeys_daily"),
    "work pool": (d["work_pool_name"], "journeys"),
    "cron": (sched["cron"], "0 6 * * *"),
    "timezone": (sched["timezone"], "Europe/Berlin"),
    "concurrency limit": (d["global_concurrency_limit"]["limit"], 1),
    "pull step directory": (
        d["pull_steps"][0]["prefect.deployments.steps.set_working_directory"]["directory"],
        sys.argv[2],
    ),
}
for name, (got, want) in checks.items():
    print(f"{'ok ' if got == want else 'BAD'} {name}: {got!r}")
if any(got != want for got, want in checks.values()):
    sys.exit(1)
PY

echo "== prefect deployment inspect journeys-micro/journeys-micro"
"$BIN/prefect" deployment inspect journeys-micro/journeys-micro --output json >"$WORK/micro.json"
"$BIN/python" - "$WORK/micro.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sched = d["schedules"][0]["schedule"]
checks = {
    "entrypoint": (d["entrypoint"], "pipelines/micro.py:journeys_micro"),
    "work pool": (d["work_pool_name"], "journeys"),
    "interval": (sched["interval"], 300.0),
    "concurrency limit": (d["global_concurrency_limit"]["limit"], 1),
    "collision strategy": ((d["concurrency_options"] or {}).get("collision_strategy"), "CANCEL_NEW"),
}
for name, (got, want) in checks.items():
    print(f"{'ok ' if got == want else 'BAD'} {name}: {got!r}")
if any(got != want for got, want in checks.values()):
    sys.exit(1)
PY

if [[ -n "$RUN_CONFIG" ]]; then
  echo "== prefect deployment run (config $RUN_CONFIG), then one process worker run"
  "$BIN/prefect" deployment run journeys-daily/journeys-daily \
    --param "params={\"config\": \"$RUN_CONFIG\"}" | tee "$WORK/run.txt"
  "$BIN/prefect" worker start --pool journeys --run-once --type process >"$WORK/worker.log" 2>&1 \
    || { tail -40 "$WORK/worker.log"; exit 1; }
  grep -E "Finished in state|journeys-daily|report:" "$WORK/worker.log" | tail -15
  grep -qE "Flow run '[^']+' - Finished in state Completed" "$WORK/worker.log" \
    || { echo "the flow run did not complete"; exit 1; }
fi
echo "== deploy check passed"
