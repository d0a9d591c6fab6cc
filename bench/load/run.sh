#!/usr/bin/env bash
# The 300-user load test: the web server (deploy/serve.py, Granian) on 127.0.0.1 against PostgreSQL and Redis, Locust
# headless for a fixed time, then everything it started is stopped. See README.md.
#   bench/load/run.sh                      # 300 users, 3 minutes
#   USERS=50 DURATION=60s bench/load/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

USERS=${USERS:-300}
SPAWN_RATE=${SPAWN_RATE:-30}
DURATION=${DURATION:-3m}
PORT=${PORT:-8031}
# As deploy/serve.py: a process per core, 4 threads each running views.
WORKERS=${WORKERS:-$(nproc)}
THREADS=${THREADS:-4}
OUT=${OUT:-var/bench/load}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/staffrota_load}
# Its own Redis database: the compliance bench flushes 13 between cold requests.
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/7}
export STAFFROTA_VAR_DIR=${STAFFROTA_VAR_DIR:-$PWD/var/load}
export DEBUG=0 LOG_LEVEL=${LOG_LEVEL:-WARNING}
# Sessions in Redis: no database write per page view (see README.md, "What was fixed").
export SESSION_STORE=${SESSION_STORE:-cache}
# Many virtual integrations share 20 tokens here; a real one has its own budget.
export API_THROTTLE_RATE=${API_THROTTLE_RATE:-100000/min}
mkdir -p "$OUT"

case "$DATABASE_URL" in postgres://*@127.0.0.1*|postgres://*@localhost*) ;; *)
  echo "DATABASE_URL must be a PostgreSQL server on this machine" >&2; exit 2 ;; esac

.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python -m bench.load.prepare --out "$OUT/users.json"

WEB_BIND="127.0.0.1:$PORT" WEB_WORKERS="$WORKERS" WEB_THREADS="$THREADS" \
  .venv/bin/python deploy/serve.py > "$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/api/v1/ping/" >/dev/null && break; sleep 0.2; done

echo "load average before: $(cut -d" " -f1-3 /proc/loadavg)"
seconds=$(echo "$DURATION" | sed -E 's/m$/*60/; s/s$//' | bc)
# PYTHONPATH: the locustfile imports bench.load.arrivals from this checkout.
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" LOAD_USERS="$OUT/users.json" \
  LOAD_TIMINGS="$OUT/timings.csv" timeout $((seconds + 120)) .venv/bin/locust \
  -f bench/load/locustfile.py --headless --host "http://127.0.0.1:$PORT" \
  -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" --stop-timeout 5 \
  --csv "$OUT/run" --only-summary ${CLASSES:-} > "$OUT/locust.log" 2>&1 &
LOCUST=$!
# CPU per request, measured over the steady middle of the run (see cpu.py): what the
# server and its database cost whatever else the machine is doing.
database=$(echo "$DATABASE_URL" | sed -E 's|.*/([^/?]+).*|\1|')
served() { grep -cE '"request": "(GET|POST) ' "$OUT/server.log" || true; }
sleep $((seconds / 6))
.venv/bin/python -m bench.load.cpu snapshot --server "$SERVER" --database "$database" --out "$OUT/cpu-before.json"
first=$(served)
sleep $((seconds * 2 / 3))
.venv/bin/python -m bench.load.cpu snapshot --server "$SERVER" --database "$database" --out "$OUT/cpu-after.json"
last=$(served)
wait "$LOCUST" || true
echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
.venv/bin/python -m bench.load.cpu report "$OUT/cpu-before.json" "$OUT/cpu-after.json" --requests $((last - first))
.venv/bin/python -m bench.load.report "$OUT/run_stats.csv"
# The whole run and its warm part apart (timings.py): the first minute builds every cache.
.venv/bin/python -m bench.load.timings "$OUT/timings.csv" --warm-up "${WARM_UP:-60}"
