#!/bin/sh
# Runs every fuzz target for a bounded time (default 60 s each; `./run.sh 300` for 5 minutes).
# Needs a nightly toolchain and cargo-fuzz:
#   rustup toolchain install nightly && cargo install cargo-fuzz --locked
# Seeds are read from corpus/<target> (committed); inputs libFuzzer finds go to work/<target>
# (not committed), findings to artifacts/<target> and fail the script.
set -eu
cd "$(dirname "$0")"
secs="${1:-60}"
for target in ndjson_stream sse_stream sanitize journal_reader; do
    echo "== $target ($secs s)"
    mkdir -p "work/$target"
    cargo +nightly fuzz run "$target" "work/$target" "corpus/$target" -- \
        -max_total_time="$secs" -max_len=65536
done
