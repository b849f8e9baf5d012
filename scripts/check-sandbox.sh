#!/usr/bin/env bash
# make run-sandbox prints what the confined demo could and could not do:
# each of its four lines, refused or allowed as it must be.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(scripts/run-sandbox.sh build/host 2>&1)
echo "$out"
grep -qx 'direct open(secret): refused by the kernel: Operation not permitted' <<<"$out"
grep -qx 'ring READ allowed.txt: 27 bytes: hello from inside the root' <<<"$out"
grep -qx 'ring OPEN ../secret.txt: refused: .*EXDEV.*' <<<"$out"
grep -qx 'ring WRITE: refused: WRITE: opcode = 8 is not allowed on this ring (-EACCES)' <<<"$out"
