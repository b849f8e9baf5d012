#!/usr/bin/env bash
# The sandbox demo: a server on a scratch root holding allowed.txt, a
# secret beside (not beneath) the root, and ringcall-sandbox-demo started
# confined by ringcall-run with an allow-list of NOP,OPEN,READ,CLOSE.
set -euo pipefail
bin=${1:-build/host}
work=$(mktemp -d /tmp/ringcall-sandbox-XXXXXX)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/root"
echo "hello from inside the root" > "$work/root/allowed.txt"
echo "the secret" > "$work/secret.txt"

"$bin/ringcall-server" --root "$work/root" --socket "$work/sock" > "$work/server.log" 2>&1 &
server=$!
# Ready when it says so (it binds the path before it listens).
for _ in $(seq 500); do
	grep -q '^ringcall-server: serving' "$work/server.log" && break
	kill -0 "$server" || { cat "$work/server.log"; exit 1; }
	sleep 0.02
done
echo "== ringcall-run -s SOCK -a NOP,OPEN,READ,CLOSE ringcall-sandbox-demo $work/secret.txt"
"$bin/ringcall-run" -s "$work/sock" -a NOP,OPEN,READ,CLOSE \
	"$bin/ringcall-sandbox-demo" "$work/secret.txt"
