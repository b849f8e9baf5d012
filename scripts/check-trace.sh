#!/usr/bin/env bash
# ringcall-server --trace: run the demo against a tracing server and check
# the trace: one decoded line per request with its result and time, the
# demo's refusals explained, LINK/DRAIN/SKIP_SUCCESS shown; --trace-op and
# --trace-pid filter; the copy is the same traced or not.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/host}
work=$(mktemp -d /tmp/ringcall-trace-XXXXXX)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/root"
head -c $((300 * 1024)) /dev/urandom > "$work/root/in.bin"

# serve ARGS...: (re)start the server with these extra options.
serve() {
	[ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; }
	rm -f "$work/sock"
	: >"$work/server.log"
	"$bin/ringcall-server" --root "$work/root" --socket "$work/sock" "$@" \
		>"$work/server.log" 2>&1 &
	server=$!
	# Ready once it says it serves (it listens before): not a guess at time.
	for _ in $(seq 1000); do
		grep -q '^ringcall-server: serving' "$work/server.log" && return
		kill -0 "$server" 2>/dev/null || break
		sleep 0.02
	done
	fail "the server did not start: $(cat "$work/server.log")"
}
fail() { echo "check-trace: $*"; echo "--- trace:"; head -40 "$work/trace"; exit 1; }

serve --trace="$work/trace"
"$bin/ringcall-demo" -s "$work/sock" in.bin out.bin >/dev/null &
demo=$!
wait $demo
cmp "$work/root/in.bin" "$work/root/out.bin"
t=$work/trace
p="pid $demo ring 1: "
grep -qE "^${p}CONSOLE_WRITE\(buf=0x[0-9a-f]+, len=62\) = 62  \[[0-9]+ us\]$" "$t" || fail "console write"
grep -qE "^${p}OPEN\(path=0x[0-9a-f]+, path_len=6, access=0, flags=0x0, mode=420\) = [0-9]+  \[" "$t" ||
	fail "open"
grep -qE "^${p}READ\(handle=[0-9]+, buf=0x[0-9a-f]+, len=65536, offset=0\) = 65536  \[" "$t" || fail "read"
grep -qE "^${p}READ\(handle=74565, .*\) = -EBADF: READ: handle = 0x12345 names no open handle" "$t" ||
	fail "a refusal, explained"
grep -qE "^${p}WRITE\(.*\) \[SKIP_SUCCESS\] \(no CQE if it succeeds\)$" "$t" || fail "skip_success"
grep -qE "^${p}NOP\(res=0\) \[DRAIN\] = 0  \[" "$t" || fail "drain"
[ "$(grep -c "^${p}CLOSE(" "$t")" -eq 2 ] || fail "two closes"
[ "$(grep -vc "^pid $demo ring 1: " "$t")" -eq 0 ] || fail "stray lines"

# --trace-op: only those ops; --trace-pid: only that process.
: >"$t"
serve --trace="$t" --trace-op=open,close
"$bin/ringcall-demo" -s "$work/sock" in.bin out2.bin >/dev/null
[ "$(grep -c ': OPEN(' "$t")" -eq 3 ] || fail "--trace-op: three OPENs"
[ "$(grep -c ': CLOSE(' "$t")" -eq 2 ] || fail "--trace-op: two CLOSEs"
[ "$(grep -vc -e ': OPEN(' -e ': CLOSE(' "$t")" -eq 0 ] || fail "--trace-op: other ops traced"
: >"$t"
serve --trace="$t" --trace-pid=1
"$bin/ringcall-demo" -s "$work/sock" in.bin out3.bin >/dev/null
[ ! -s "$t" ] || fail "--trace-pid=1 traced the demo"
cmp "$work/root/in.bin" "$work/root/out3.bin"
"$bin/ringcall-server" --trace-op=bogus --root / --socket "$work/x" 2>/dev/null && fail "bad op accepted"
echo "trace: every request decoded with result and time, refusals explained, flags shown, filters work"
