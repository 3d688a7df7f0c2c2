#!/usr/bin/env bash
# Load benchmark for the performance targets (idle RSS, GET /api/v1/me
# throughput and latency on SQLite, graceful shutdown time).
#
#   bash bench/run.sh            # or: make bench
#
# Knobs (environment): BENCH_ADDR (127.0.0.1:18080), BENCH_CONCURRENCY (64),
# BENCH_DURATION (10s), BENCH_MAX_REQUESTS (5000000), BENCH_SHUTDOWN_TIMEOUT
# (20s). The server and the load generator run on the same machine and share
# its cores, so the req/s figure is a lower bound for the server alone.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

ADDR=${BENCH_ADDR:-127.0.0.1:18080}
CONC=${BENCH_CONCURRENCY:-64}
DURATION=${BENCH_DURATION:-10s}
MAX_REQUESTS=${BENCH_MAX_REQUESTS:-5000000}
SHUTDOWN_TIMEOUT=${BENCH_SHUTDOWN_TIMEOUT:-20s}
BASE_URL="http://$ADDR"

case ${ADDR%:*} in
127.* | localhost | \[::1\]) ;;
*) echo "bench: BENCH_ADDR must be a loopback address, got $ADDR" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/grimbots-bench.XXXXXX")
server_pid=""
sampler_pid=""
cleanup() {
	local rc=$?
	if [[ -n $sampler_pid ]]; then kill "$sampler_pid" 2>/dev/null || true; fi
	if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
		kill -TERM "$server_pid" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$server_pid" 2>/dev/null || true
	fi
	if [[ $rc -ne 0 && -s $work/server.log ]]; then
		echo "--- last lines of the server log ---" >&2
		tail -n 30 "$work/server.log" >&2 || true
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_mb() { # rss_mb PID [FIELD]: resident memory of PID in MB (VmRSS by default)
	awk -v f="${2:-VmRSS}:" '$1 == f { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

echo "==> building grimbots and the load generator"
go build -o "$work/grimbots" ./cmd/grimbots
go build -o "$work/load" ./bench/load
echo "    go: $(go version | cut -d' ' -f3-), cores: $(nproc)"

if curl -fsS -o /dev/null --max-time 1 "$BASE_URL/healthz" 2>/dev/null; then
	echo "bench: something already listens on $ADDR" >&2
	exit 1
fi

echo "==> starting grimbots serve on $ADDR (SQLite in a fresh data dir)"
mkdir -p "$work/data"
# LOG_LEVEL=warn: at info every request writes an access-log line, so a load
# test would mostly measure log formatting and writes to the log file rather
# than the request path; production sends those lines to a collector anyway.
# RATE_REGISTER_PER_IP is raised so repeated runs can keep signing up users.
env -u DATABASE_URL -u DATABASE_REPLICA_URLS -u REDIS_URL -u SENTRY_DSN -u SMTP_HOST \
	GRIMBOTS_ENV=development \
	GRIMBOTS_DATA_DIR="$work/data" \
	GRIMBOTS_HTTP_ADDR="$ADDR" \
	PUBLIC_URL="$BASE_URL" \
	LOG_LEVEL=warn \
	RATE_REGISTER_PER_IP=100000/1m \
	GRIMBOTS_SHUTDOWN_TIMEOUT="$SHUTDOWN_TIMEOUT" \
	"$work/grimbots" serve >"$work/server.log" 2>&1 </dev/null &
server_pid=$!

ready=0
for _ in $(seq 1 300); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "bench: the server exited during start-up" >&2
		exit 1
	fi
	if curl -fsS -o /dev/null --max-time 1 "$BASE_URL/readyz" 2>/dev/null; then
		ready=1
		break
	fi
	sleep 0.1
done
[[ $ready -eq 1 ]] || { echo "bench: /readyz did not answer 200 within 30s" >&2; exit 1; }
echo "    ready (pid $server_pid)"

sleep 3
idle_rss=$(rss_mb "$server_pid")
echo "==> idle RSS: ${idle_rss} MB   (target < 40 MB)"

echo "==> load: GET /api/v1/me, $CONC workers, $DURATION"
# Sample the server's RSS while the load runs.
(
	while kill -0 "$server_pid" 2>/dev/null; do
		rss_mb "$server_pid" 2>/dev/null && echo
		sleep 0.5
	done
) >"$work/rss.samples" &
sampler_pid=$!
"$work/load" -url "$BASE_URL" -c "$CONC" -d "$DURATION" -max-requests "$MAX_REQUESTS" | tee "$work/load.out"
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
load_rss=$(sort -n "$work/rss.samples" | tail -n1)
now_rss=$(rss_mb "$server_pid")
peak_rss=$(rss_mb "$server_pid" VmHWM)
echo "==> RSS under load: max sampled ${load_rss:-?} MB, now ${now_rss} MB, peak (VmHWM) ${peak_rss} MB"

echo "==> stopping the server (SIGTERM, shutdown timeout $SHUTDOWN_TIMEOUT)"
limit_s=$(awk -v d="$SHUTDOWN_TIMEOUT" 'BEGIN { n = d + 0; if (d ~ /ms$/) n /= 1000; else if (d ~ /m$/) n *= 60; print n }')
t0=$(date +%s%N)
kill -TERM "$server_pid"
exited=0
# Allow one extra second beyond the configured timeout for process exit.
for _ in $(seq 1 $(((${limit_s%.*} + 1) * 50))); do
	if ! kill -0 "$server_pid" 2>/dev/null; then
		exited=1
		break
	fi
	sleep 0.02
done
t1=$(date +%s%N)
shutdown_ms=$(((t1 - t0) / 1000000))
if [[ $exited -ne 1 ]]; then
	echo "bench: the server did not exit within ${SHUTDOWN_TIMEOUT} (+1s) of SIGTERM" >&2
	exit 1
fi
rc=0
wait "$server_pid" || rc=$?
server_pid=""
echo "    exited with status $rc after ${shutdown_ms} ms"
[[ $rc -eq 0 ]] || { echo "bench: the server exited with status $rc" >&2; exit 1; }

rps=$(awk '/^throughput:/ { print $2 }' "$work/load.out")
p99=$(awk '/^latency:/ { for (i = 1; i <= NF; i++) if ($i == "p99") print $(i + 1) }' "$work/load.out")
errors=$(awk '/^errors:/ { print $2 }' "$work/load.out")
echo
echo "SUMMARY idle_rss=${idle_rss}MB load_rss_max=${load_rss:-?}MB req_per_s=${rps} p99=${p99} errors=${errors} shutdown=${shutdown_ms}ms (targets: idle RSS < 40 MB, >= 10000 req/s; load generator shares the $(nproc) cores)"
