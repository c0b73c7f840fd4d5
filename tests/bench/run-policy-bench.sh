#!/usr/bin/env bash
# Reproduces the policy-engine figures in docs/PERFORMANCE.md:
#   1. compiled evaluation (bench-policy), pinned to one core, with scaling;
#   2. cmkgate policy eval --batch on the same queries (parse + compile + evaluate);
#   3. iam-simulate on the same queries, in the same run.
# usage: tests/bench/run-policy-bench.sh [BUILD-DIR]   (default: build)
set -euo pipefail
build=${1:-build}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin() { if command -v taskset >/dev/null; then taskset -c 0 "$@"; else "$@"; fi; }

echo "# compiled evaluation, one core"
pin "$build/tests/bench/bench-policy" --seconds 3 --scaling --queries-out "$tmp/q.jsonl"

echo "# cmkgate policy eval --batch (each line parsed, compiled and evaluated)"
for _ in $(seq 500); do cat "$tmp/q.jsonl"; done > "$tmp/q5000.jsonl"
lines=$(wc -l < "$tmp/q5000.jsonl")
start=$(date +%s.%N)
pin "$build/gate/cmkgate" policy eval --batch "$tmp/q5000.jsonl" > "$tmp/a.jsonl"
end=$(date +%s.%N)
allow=$(grep -c '"decision":"Allow"' "$tmp/a.jsonl")
python3 -c "import sys; n=int(sys.argv[1]); s=float(sys.argv[3])-float(sys.argv[2]); print('{\"evaluator\":\"cmkgate policy eval --batch\",\"queries\":%d,\"allowed\":%s,\"seconds\":%.3f,\"queries_per_second\":%.0f}' % (n, sys.argv[4], s, n/s))" "$lines" "$start" "$end" "$allow"

echo "# iam-simulate $(node -p "require('$top/tests/policy/diff/node_modules/@cloud-copilot/iam-simulate/package.json').version") on the same queries"
pin node "$top/tests/bench/bench-iam-simulate.mjs" "$tmp/q.jsonl" 5
