#!/usr/bin/env bash
# Builds the release binary and prints its path (CARGO_TARGET_DIR is honoured).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet >&2
dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
echo "$dir/release/btpcert"
