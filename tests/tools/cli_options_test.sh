#!/usr/bin/env bash
# Every `v100` command refuses what it does not know: an unknown option, an option missing its
# value, a stray positional argument. Each must exit non-zero, promptly (serve must not start),
# and print that command's usage. The command list comes from `v100 help`, so a new command is
# covered without editing this file.
set -u
V100=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checked=0

# expect_refused NAME ARGS...: non-zero exit within 20 s, "usage: v100 NAME" on stderr.
expect_refused() {
  local name=$1; shift
  local rc=0
  timeout 20 "$V100" "$name" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
  checked=$((checked + 1))
  if [ "$rc" -eq 0 ]; then
    echo "FAIL: v100 $name $* exited 0"; failures=$((failures + 1))
  elif [ "$rc" -eq 124 ]; then
    echo "FAIL: v100 $name $* was still running after 20 s (it started)"; failures=$((failures + 1))
  elif ! grep -q "usage: v100 $name" "$tmp/err"; then
    echo "FAIL: v100 $name $* printed no usage:"; cat "$tmp/err"; failures=$((failures + 1))
  fi
}

commands=$("$V100" help | awk '/^commands:/ {on = 1; next} on && NF {print $1}')
count=$(echo "$commands" | grep -c .)
if [ "$count" -lt 10 ]; then
  echo "FAIL: v100 help lists only $count commands"; exit 1
fi
for c in $commands; do
  expect_refused "$c" --bogus-flag 7
  expect_refused "$c" --bogus-flag
  expect_refused "$c" --data-dir "$tmp/d" --bogus-flag=7
done

# The attack from the hardening issue, word for word.
expect_refused serve --port 0 --data-dir "$tmp/d" --bogus-flag 7
# A value-taking option at the end, or followed by another option, has no value.
expect_refused serve --port 0 --data-dir
expect_refused serve --data-dir --port 0
expect_refused serve --port= --data-dir "$tmp/d"
# A switch given a value, an option given twice, a stray positional, a missing required option.
expect_refused serve --port 0 --data-dir "$tmp/d" --verbose=yes
expect_refused serve --port 0 --port 1 --data-dir "$tmp/d"
expect_refused serve --port 0 --data-dir "$tmp/d" stray
expect_refused serve --port 0
expect_refused audit --data-dir "$tmp/d" extra
expect_refused match-demo 13
# Commands with one positional argument refuse a second one and a missing one.
expect_refused verify-recording a b --pubkey k
expect_refused verify-recording --pubkey k
expect_refused record-demo --pubkey-out k
expect_refused export-recording a
expect_refused export-recording --out x
expect_refused export-recording a b --out x
expect_refused export-recording a --out x --slot 70000
expect_refused export-recording a --out x --slot two

# Config files (`serve --config FILE`): an unknown key, a bad value, a switch that is not
# true/false are refused naming FILE:LINE; so are bad values on the command line.
expect_refused serve --port 0 --data-dir "$tmp/d" --io-threads two
expect_refused serve --port 70000 --data-dir "$tmp/d"
printf 'data-dir = %s\n# a typo next\nprot = 8443\n' "$tmp/d" >"$tmp/bad.conf"
expect_refused serve --config "$tmp/bad.conf"
grep -q "bad.conf:3: unknown key 'prot'" "$tmp/err" || { echo "FAIL: unknown key not named by line:"; cat "$tmp/err"; failures=$((failures + 1)); }
printf 'data-dir = %s\nport = 0\nstore-quota = lots\n' "$tmp/d" >"$tmp/bad.conf"
expect_refused serve --config "$tmp/bad.conf"
grep -q "bad.conf:3: store-quota: 'lots'" "$tmp/err" || { echo "FAIL: bad value not named by line:"; cat "$tmp/err"; failures=$((failures + 1)); }
printf 'data-dir = %s\nverbose = yes\n' "$tmp/d" >"$tmp/bad.conf"
expect_refused serve --config "$tmp/bad.conf"
expect_refused serve --config "$tmp/missing.conf"

# A valid config file runs the server (the command line overriding a key); SIGTERM drains, stops.
printf '# v100 serve\ndata-dir = %s\nport = 1\ndrain-seconds = 1\n' "$tmp/served" >"$tmp/good.conf"
"$V100" serve --config "$tmp/good.conf" --port 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.1; done
kill -TERM "$serve_pid"; wait "$serve_pid"; serve_rc=$?
if [ "$serve_rc" -ne 0 ] || ! grep -q "listening on 127.0.0.1:" "$tmp/serve.out" || grep -q "127.0.0.1:1$" "$tmp/serve.out" ||
   ! grep -q "draining" "$tmp/serve.out" || ! grep -q "stopped cleanly" "$tmp/serve.out"; then
  echo "FAIL: serve --config did not run, drain and stop (rc $serve_rc):"; cat "$tmp/serve.out" "$tmp/serve.err"
  failures=$((failures + 1))
fi

# What the parser accepts still reaches the command: a demo recording written with a positional
# argument and both value spellings verifies, and --help prints the usage with status 0.
if ! "$V100" record-demo "$tmp/rec" --pubkey-out "$tmp/pk" --frames=5 >"$tmp/out" 2>"$tmp/err" ||
   ! "$V100" verify-recording --pubkey="$tmp/pk" "$tmp/rec" --json >"$tmp/out" 2>"$tmp/err" ||
   ! grep -q '"ok": true' "$tmp/out"; then
  echo "FAIL: a valid record-demo / verify-recording command line was refused:"; cat "$tmp/err"
  failures=$((failures + 1))
fi
if ! "$V100" serve --help | grep -q "usage: v100 serve"; then
  echo "FAIL: v100 serve --help printed no usage"; failures=$((failures + 1))
fi

echo "$checked refusals checked over $count commands, $failures failures"
[ "$failures" -eq 0 ]
