#!/usr/bin/env bash
# The hosted demo: start ringcall-server on a scratch root, copy a 4 MiB
# file through it with ringcall-demo (doorbell mode, then polling mode),
# check the copies, stop the server.
set -euo pipefail
bin=${1:-build/host}
work=$(mktemp -d /tmp/ringcall-demo-XXXXXX)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/root"
head -c $((4 << 20)) /dev/urandom > "$work/root/input.bin"

echo "== ringcall-server --root $work/root --socket $work/sock"
"$bin/ringcall-server" --root "$work/root" --socket "$work/sock" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do [ -S "$work/sock" ] && break; sleep 0.02; done

for mode in doorbell poll; do
	flag=; [ $mode = poll ] && flag=-p
	echo
	echo "== ringcall-demo ($mode mode): copy input.bin to copy-$mode.bin"
	"$bin/ringcall-demo" -s "$work/sock" $flag input.bin "copy-$mode.bin"
	cmp "$work/root/input.bin" "$work/root/copy-$mode.bin"
	echo "  copy-$mode.bin is identical to input.bin"
done
echo
echo "== what the server printed"
sed 's/^/  /' "$work/server.log"
