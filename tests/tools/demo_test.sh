#!/usr/bin/env bash
# `v100 demo` as users run it, short: 5 participants (two join late, one leaves) for 6 s. It must exit
# 0, and its own checks must have run and passed: every receiver decoded every sender's test pattern
# and tone, the recording was written with its key and public key, exported to a WebM that
# verify-recording and (when installed) ffprobe accept, and the server's files hold no name.
set -u
V100=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

rc=0
timeout 120 "$V100" demo --participants 5 --seconds 6 --data-dir "$tmp/data" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
[ "$rc" -eq 0 ] || fail "v100 demo exited $rc"
expect() { grep -qF -- "$1" "$tmp/out" || fail "demo output lacks: $1"; }
expect "every decoded picture and every tone matched its sender: yes"
expect "late join: "
expect "left: "
expect "0 frames not stored"
expect "demo OK"
# 5 receivers x 4 senders, each with a pattern and a tone verdict.
n=$(grep -cE '^  [A-Za-z]+ +[A-Za-z]+ +[0-9]+ ok \([0-9]+\.\.[0-9]+\) +[0-9]+ ok ' "$tmp/out")
[ "$n" -eq 20 ] || fail "expected 20 checked receiver/sender lines, found $n"
for f in recording.v100rec recording.v100rec.key recording.v100rec.pub meeting.webm; do
  [ -s "$tmp/data/$f" ] || fail "missing $f"
done
"$V100" verify-recording "$tmp/data/recording.v100rec" --pubkey "$tmp/data/recording.v100rec.pub" >/dev/null ||
  fail "verify-recording refused the demo's recording"
if command -v ffprobe >/dev/null; then
  expect "ffprobe decoded every exported frame: yes"
fi

if [ "$failures" -ne 0 ]; then
  echo "--- demo output"; cat "$tmp/out"; echo "--- stderr"; tail -20 "$tmp/err"
  exit 1
fi
echo "demo test: OK"
