#!/usr/bin/env bash
# The IPC examples against one ringcall-server: the echo service with two
# clients at once (16 calls in flight each), then the key-value service
# and its client. `make run-ipc`; scripts/check-examples.sh checks the
# same lines in make test.
#
#   scripts/run-ipc.sh [EXAMPLES_DIR [SERVER]]
set -euo pipefail
cd "$(dirname "$0")/.."
ex=${1:-build/examples}
server_bin=${2:-build/host/ringcall-server}
work=$(mktemp -d /tmp/ringcall-ipc-XXXXXX)
server= svc=
trap '[ -n "$svc" ] && kill "$svc" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/root"
"$server_bin" --root "$work/root" --socket "$work/sock" --quiet > "$work/server.log" 2>&1 &
server=$!
# Ready when it says so (it binds the path before it listens).
wait_line() { # file line-regex
	for _ in $(seq 1000); do
		grep -qs "$2" "$1" && return 0 # -s: the file may not be made yet
		kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
		sleep 0.02
	done
	echo "run-ipc: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}
wait_line "$work/server.log" '^ringcall-server: serving'

echo "== ipc_echo SOCK serve 2 & ; two clients: ipc_echo SOCK call 5000 16"
"$ex/ipc_echo" "$work/sock" serve 2 > "$work/echo.log" 2>&1 &
svc=$!
wait_line "$work/echo.log" '^echo: serving'
"$ex/ipc_echo" "$work/sock" call 5000 16 &
c1=$!
"$ex/ipc_echo" "$work/sock" call 3000 16
wait "$c1"
wait "$svc"; svc=
cat "$work/echo.log"

echo "== ipc_kv SOCK serve 1 & ; ipc_kv SOCK client 500 16"
"$ex/ipc_kv" "$work/sock" serve 1 > "$work/kv.log" 2>&1 &
svc=$!
wait_line "$work/kv.log" '^kv: serving'
"$ex/ipc_kv" "$work/sock" client 500 16
wait "$svc"; svc=
cat "$work/kv.log"
