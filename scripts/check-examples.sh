#!/usr/bin/env bash
# Run every program under examples/ (built by `make examples`) and check what
# it did: the in-process ring alone, the others against a ringcall-server on
# a scratch root.
set -euo pipefail
cd "$(dirname "$0")/.."
ex=${1:-build/examples}
server_bin=${2:-build/host/ringcall-server}
work=$(mktemp -d /tmp/ringcall-examples-XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

out=$("$ex/inproc_ring" 2>&1)
grep -q 'PROBE = [0-9]*: .* NOP PROBE' <<<"$out"
grep -q 'NOP(-5000) = -22: NOP: res = -5000 is outside \[-4095, 2147483647\] (-EINVAL)' <<<"$out"
grep -q 'hello from an in-process ring' <<<"$out"

mkdir "$work/root"
head -c $((1200 * 1024 + 123)) /dev/urandom > "$work/root/in.bin"
"$server_bin" --root "$work/root" --socket "$work/sock" > "$work/server.log" 2>&1 &
server=$!
# Ready once it says it serves (it listens before): not a guess at time.
for _ in $(seq 1000); do
	grep -q '^ringcall-server: serving' "$work/server.log" && break
	kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
	sleep 0.02
done

out=$("$ex/hosted_client" "$work/sock" hello.txt)
grep -qx 'read back 23 bytes: written through a ring' <<<"$out"
grep -qx 'written through a ring' "$work/root/hello.txt"

"$ex/batch_copy" "$work/sock" in.bin out.bin | grep -e '^copied 1228923 bytes in 3 batches' >/dev/null
cmp "$work/root/in.bin" "$work/root/out.bin"

want=$(od -An -v -tu1 "$work/root/in.bin" | awk '{for (i = 1; i <= NF; i++) s += $i} END {printf "%d", s}')
out=$("$ex/server_loop" "$work/sock" in.bin)
[ "$out" = "read 1228923 bytes, byte sum $want" ] || { echo "server_loop: $out, want sum $want"; exit 1; }

# The IPC examples: two processes each, through their own server.
out=$(scripts/run-ipc.sh "$ex" "$server_bin")
for line in 'echo client: 5000 calls, 16 in flight, every reply matched' \
	'echo client: 3000 calls, 16 in flight, every reply matched' \
	'kv client: put 500 keys, got them back, deleted 250, 250 left, 16 in flight' \
	'kv: served 1750 calls in [0-9]* wake-ups'; do
	grep -qx "$line" <<<"$out" || { echo "ipc examples: no line '$line' in:"; echo "$out"; exit 1; }
done
# Batched replies: 8000 echo calls took fewer wake-ups of the service
# than calls (one submit answers every request that arrived).
wakeups=$(sed -n 's/^echo: served 8000 calls in \([0-9]*\) wake-ups$/\1/p' <<<"$out")
[ -n "$wakeups" ] && [ "$wakeups" -lt 8000 ] || { echo "echo service: $out"; exit 1; }
echo "examples: all ran and did what they say"
