#!/bin/sh
# The operator's flow end to end through the `v100` binary: issuer key, blinded requests, issuance,
# finalization, verification; then the refusals (wrong key, swapped files, overwrite of a key).
# usage: admission_cli_test.sh PATH_TO_V100
set -eu
V="$1"
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
cd "$D"
"$V" issuer-keygen --out issuer.key --pub-out issuer.pub >/dev/null
"$V" token-request --issuer-pub issuer.pub --origin meet.example --count 4 --out req.bin --state state.bin >/dev/null
"$V" token-issue --key issuer.key --in req.bin --out resp.bin >/dev/null
"$V" token-finalize --state state.bin --in resp.bin --out tokens.bin >/dev/null
"$V" token-verify --issuer-pub issuer.pub --in tokens.bin | grep -q "^4 of 4 valid"
for f in issuer.key state.bin tokens.bin; do
  [ "$(stat -c %a $f)" = 600 ] || { echo "$f is not 0600"; exit 1; }
done
# Refusals (a `! cmd` line would not stop `set -e`, hence the helper).
refuse() {
  if "$@" >/dev/null 2>&1; then echo "accepted but should refuse: $*"; exit 1; fi
}
"$V" issuer-keygen --out other.key --pub-out other.pub >/dev/null
refuse "$V" token-verify --issuer-pub other.pub --in tokens.bin
refuse "$V" token-issue --key issuer.key --in tokens.bin --out x.bin
refuse "$V" token-issue --key issuer.pub --in req.bin --out x.bin
refuse "$V" token-finalize --state state.bin --in req.bin --out x.bin
refuse "$V" issuer-keygen --out issuer.key --pub-out y.pub
head -c 500 tokens.bin > cut.bin
refuse "$V" token-verify --issuer-pub issuer.pub --in cut.bin
echo "admission CLI: ok"
