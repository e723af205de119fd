#!/usr/bin/env bash
# Every figure of BENCHMARKS.md in one run, each beside its peer, measured
# in the same run (so ratios hold even where the machine is busy):
#   - the machine: CPU model, cores, load, OpenSSL, rustc, build profile;
#   - benches/compare.sh: one service key to a PKCS#12 against the by-hand
#     openssl pipeline, verify of a chain against `openssl verify`, startup;
#   - audit of 1,000, 10,000 and 100,000 service keys (benches/make-fleet.sh):
#     wall time, keys/s and peak RSS, and the pyca/cryptography peer
#     (benches/peer_audit.py, a process pool over every core) on the same
#     10,000 keys;
#   - benches/pathological.sh: inputs that once cost quadratic time or
#     gigabytes.
# Builds the release binary itself. Takes 4 to 6 minutes on 2 cores.
# Needs hyperfine, jq, openssl, GNU time (/usr/bin/time), zip and python3
# with pyca/cryptography (apt-get install hyperfine jq time zip
# python3-cryptography).
# Usage: benches/run.sh [RESULTS.md]   (markdown on standard output without)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/dev/stdout}
for t in hyperfine jq openssl /usr/bin/time zip python3 lscpu; do
  command -v "$t" >/dev/null || { echo "benches/run.sh needs $t" >&2; exit 2; }
done
python3 -c 'import cryptography' 2>/dev/null \
  || { echo "benches/run.sh needs python3 with pyca/cryptography (python3-cryptography)" >&2; exit 2; }
bin=$(benches/build.sh)
export BTPCERT_BIN=$bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "benches/run.sh: making a fleet of 100,000 service keys ..." >&2
benches/make-fleet.sh "$work/fleet100000" 100000 >/dev/null
# The smaller fleets are the first teams of the big one (hard links).
mkdir -p "$work/fleet1000" "$work/fleet10000"
cp -al "$work/fleet100000/team-000" "$work/fleet1000/"
for t in $(seq -f "%03g" 0 9); do cp -al "$work/fleet100000/team-$t" "$work/fleet10000/"; done

# Best of 3 runs of one command: prints "wall_seconds peak_rss_kib".
best_of_3() {
  local best="" bestrss=""
  "$@" >/dev/null 2>&1 || true  # warm the page cache
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>&1 || true
    read -r wall rss < <(tail -n 1 "$work/t")
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall; bestrss=$rss; fi
  done
  echo "$best $bestrss"
}

{
echo "## Machine"
echo
echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores online, $(free -g | awk '/Mem:/{print $2}') GiB"
echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- $(openssl version)"
echo "- $(rustc --version), release profile (Cargo.toml: debug = \"line-tables-only\")"
echo "- $(hyperfine --version), $(python3 -c 'import cryptography, sys; print("python", sys.version.split()[0], "cryptography", cryptography.__version__)')"
echo "- $(date -u '+%Y-%m-%d %H:%M UTC'), one run of benches/run.sh"
echo
echo "## Whole processes against the by-hand tools"
echo
# Each part writes its own file: /dev/stdout would reopen (and truncate) ours.
benches/compare.sh "$work/compare.md"
cat "$work/compare.md"
echo
echo "## Audit of a fleet"
echo
echo "Service keys from benches/make-fleet.sh (SAP-shaped JSON, a certificate"
echo "of its own for every key under one intermediate and root, the leaves"
echo "taking turns among 100 RSA 2048 key pairs); JSON output to /dev/null;"
echo "best of 3 runs; peak RSS from GNU time."
echo
echo "| keys | btpcert wall (s) | keys/s | peak RSS (MiB) |"
echo "|---:|---:|---:|---:|"
for n in 1000 10000 100000; do
  read -r wall rss < <(best_of_3 "$bin" audit "$work/fleet$n" --json --no-system-roots)
  echo "| $n | $wall | $(awk "BEGIN{printf \"%d\", $n / $wall}") | $(awk "BEGIN{printf \"%.1f\", $rss / 1024}") |"
done
echo
echo "The same 10,000 keys, btpcert against the pyca/cryptography peer"
echo "(benches/peer_audit.py: per key, parse the JSON, load the chain, verify"
echo "each signature, check validity and clientAuth, compare the key with the"
echo "leaf; a process pool over every core):"
echo
# Rounds alternate the two commands, so that both see the same state of a
# shared machine; the ratio is taken per round, and the median reported.
# btpcert exits 1 when keys need action; anything else, or a failing peer,
# stops the run instead of giving a ratio of a failure.
timed() {  # timed NAME COMMAND...: the wall time of one run, checked
  local name=$1 rc=0; shift
  /usr/bin/time -f "%e %M" -o "$work/t" "$@" >/dev/null 2>"$work/err" || rc=$?
  if [ "$name" = btpcert ] && [ "$rc" -le 1 ] || [ "$rc" -eq 0 ]; then
    tail -n 1 "$work/t"
  else
    echo "benches/run.sh: $name failed (exit $rc): $(tail -n 3 "$work/err")" >&2
    exit 1
  fi
}
timed btpcert "$bin" audit "$work/fleet10000" --json --no-system-roots >/dev/null  # warm
timed peer python3 benches/peer_audit.py "$work/fleet10000" >/dev/null
echo "| round | btpcert audit (s) | pyca peer_audit.py (s) | btpcert / peer |"
echo "|---:|---:|---:|---:|"
: >"$work/ratios"
for r in 1 2 3 4 5; do
  read -r ours _ < <(timed btpcert "$bin" audit "$work/fleet10000" --json --no-system-roots)
  read -r peer prss < <(timed peer python3 benches/peer_audit.py "$work/fleet10000")
  ratio=$(awk "BEGIN{printf \"%.3f\", $ours / $peer}")
  echo "$ratio" >>"$work/ratios"
  echo "| $r | $ours | $peer | $ratio |"
done
echo
echo "Median of the five ratios: $(sort -n "$work/ratios" | sed -n 3p). Peak RSS of the peer's parent process: $(awk "BEGIN{printf \"%.1f\", $prss / 1024}") MiB."
echo
echo "## Pathological inputs"
echo
benches/pathological.sh "$work/pathological.md"
cat "$work/pathological.md"
} >"$work/results.md"
# Written only when every part ran.
cat "$work/results.md" >"$out"
