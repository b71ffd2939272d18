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
# serves until its stdin closes, then prints how many chat requests it answered.
start_server() {
    local name=$1 fd=$2
    mkfifo "$work/$name.in"
    SQUINT_BENCH_ROLE=server SQUINT_BENCH_DATASET=$DATASET SQUINT_BENCH_LATENCY_MS=20 \
        "$bench" <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
    pids+=($!)
    eval "exec $fd>\"$work/$name.in\""
    for _ in $(seq 100); do
        [ -s "$work/$name.out" ] && break
        sleep 0.1
    done
    head -n1 "$work/$name.out"
}
url_a=$(start_server a 3)
url_b=$(start_server b 4)
echo "stand-in servers: $url_a $url_b"

SQUINT_LITELLM_SERVER_A="$url_a/v1" SQUINT_LITELLM_SERVER_B="$url_b/v1" \
    LITELLM_LOCAL_MODEL_COST_MAP=True \
    "$LITELLM" --config scripts/litellm/config.yaml --host 127.0.0.1 --port "$PORT" \
    >"$work/litellm.log" 2>&1 &
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
    --dataset "$DATASET" --concurrency 4 --no-cache --out "$work/session" >"$work/report.txt"
status=$?
set -e
cat "$work/report.txt"

# Stop the servers and read their counts.
exec 3>&- 4>&-
sleep 1
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
