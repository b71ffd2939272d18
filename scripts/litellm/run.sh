#!/usr/bin/env bash
# Runs squint through a real LiteLLM proxy spread over two stand-in model servers, and checks
# that every image was answered and both servers took a share. Needs the proxy installed
# (pip install 'litellm[proxy]', about 4 minutes and 1 GB; or LITELLM=/path/to/litellm) and
# LITELLM_MASTER_KEY set (any string starting with sk-). Starts everything on 127.0.0.1 and
# stops it again; writes only to a temporary folder. Usage: scripts/litellm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${LITELLM_MASTER_KEY:?set LITELLM_MASTER_KEY (any string starting with sk-): the key the proxy wants from clients}"
LITELLM=${LITELLM:-litellm}
if ! command -v "$LITELLM" >/dev/null 2>&1; then
    echo "litellm not found: pip install 'litellm[proxy]' (or set LITELLM to its path)" >&2
    exit 2
fi
PORT=${LITELLM_PORT:-4000}
DATASET=sample-data/digits

work=$(mktemp -d)
pids=()
cleanup() {
    exec 3>&- 4>&- 2>/dev/null || true
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "building squint and the stand-in server (release)..."
cargo build --release --locked --bin squint
bench=$(cargo bench --locked --bench pipeline --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "pipeline":
        print(m["executable"])')

# Two stand-in servers (the project's fake server, answering each digit correctly); each
# serves until its stdin (a fifo held open here) closes, then prints how many chat requests
# it answered. Nothing else may inherit the fifos' write ends (hence the `3>&- 4>&-`).
start_server() {
    mkfifo "$work/$1.in"
    SQUINT_BENCH_ROLE=server SQUINT_BENCH_DATASET=$DATASET SQUINT_BENCH_LATENCY_MS=20 \
        "$bench" <"$work/$1.in" >"$work/$1.out" 2>"$work/$1.err" 3>&- 4>&- &
    pids+=($!)
}
server_url() {
    for _ in $(seq 100); do
        [ -s "$work/$1.out" ] && break
        sleep 0.1
    done
    head -n1 "$work/$1.out"
}
start_server a
exec 3>"$work/a.in"
start_server b
exec 4>"$work/b.in"
url_a=$(server_url a)
url_b=$(server_url b)
echo "stand-in servers: $url_a $url_b"

SQUINT_LITELLM_SERVER_A="$url_a/v1" SQUINT_LITELLM_SERVER_B="$url_b/v1" \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    "$LITELLM" --config scripts/litellm/config.yaml --host 127.0.0.1 --port "$PORT" \
    >"$work/litellm.log" 2>&1 3>&- 4>&- &
pids+=($!)
echo "waiting for the LiteLLM proxy on port $PORT..."
for _ in $(seq 120); do
    curl -fsS "http://127.0.0.1:$PORT/health/liveliness" >/dev/null 2>&1 && break
    sleep 1
done
if ! curl -fsS "http://127.0.0.1:$PORT/health/liveliness" >/dev/null 2>&1; then
    echo "the LiteLLM proxy did not start; its log:" >&2
    tail -n 40 "$work/litellm.log" >&2
    exit 1
fi

images=$(find "$DATASET" -type f \( -name '*.png' -o -name '*.jpg' \) | wc -l)
set +e
SQUINT_DATA_DIR="$work/data" SQUINT_CONFIG_DIR="$work/config" OPENAI_API_KEY=$LITELLM_MASTER_KEY \
    target/release/squint run --backend openai --host "http://127.0.0.1:$PORT/v1" --model llava \
    --dataset "$DATASET" --concurrency 4 --no-cache --out "$work/session" >"$work/report.txt" 3>&- 4>&-
status=$?
set -e
cat "$work/report.txt"

# Stop the servers and read their counts.
exec 3>&- 4>&-
for _ in $(seq 50); do
    grep -q '^chats ' "$work/a.out" && grep -q '^chats ' "$work/b.out" && break
    sleep 0.1
done
chats_a=$(sed -n 's/^chats //p' "$work/a.out")
chats_b=$(sed -n 's/^chats //p' "$work/b.out")
answered=$(grep -c '"error":null' "$work/session/results.jsonl" || true)
echo "squint exit status $status; $answered of $images images answered; server A took ${chats_a:-?} requests, server B ${chats_b:-?}"
if [ "$status" -ne 0 ] || [ "$answered" -ne "$images" ] || [ "${chats_a:-0}" -eq 0 ] || [ "${chats_b:-0}" -eq 0 ]; then
    echo "FAILED (the proxy's log is below)" >&2
    tail -n 40 "$work/litellm.log" >&2
    exit 1
fi
echo "OK: squint ran through LiteLLM, and both servers answered"
