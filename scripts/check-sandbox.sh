#!/usr/bin/env bash
# make run-sandbox prints what the confined demo could and could not do:
# each of its four lines, refused or allowed as it must be, with the rule
# of the broker's policy named; and the broker's audit log of it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(scripts/run-sandbox.sh build/host 2>&1)
echo "$out"
grep -qx 'direct open(secret): refused by the kernel: Operation not permitted' <<<"$out"
grep -qx 'ring READ allowed.txt: 27 bytes: hello from inside the root' <<<"$out"
grep -qxF "ring OPEN ../secret.txt: refused: OPEN: path leaves this client's root directory (policy rule root) (-EXDEV)" <<<"$out"
grep -qxF "ring WRITE: refused: WRITE: opcode = 8 is outside this client's allow-list (policy rule allow=NOP,OPEN,READ,CLOSE) (-EACCES)" <<<"$out"
id="pid [0-9]+ uid $(id -u) name ringcall-sandbox-demo ring [0-9]+: "
grep -qE "^${id}connected, policy line 2: root=\\\$WORK/root ro allow=NOP,OPEN,READ,CLOSE max-handles=8 " <<<"$out"
grep -qE "^${id}OPEN\(.*\) \"allowed.txt\" = [0-9]+  \[" <<<"$out"
grep -qE "^${id}READ\(.*\) = 27  \[" <<<"$out"
grep -qE "^${id}OPEN\(.*\) \"\.\./secret.txt\" = -EXDEV: OPEN: .*\(policy rule root\)" <<<"$out"
grep -qE "^${id}WRITE\(.*\) = -EACCES: WRITE: .*\(policy rule allow=" <<<"$out"
grep -qE "^${id}gone " <<<"$out"
