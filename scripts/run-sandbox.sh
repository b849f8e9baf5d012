#!/usr/bin/env bash
# The sandbox demo: a server on a scratch root holding allowed.txt, a
# secret beside (not beneath) the root, and a policy that gives the
# program named ringcall-sandbox-demo the opcodes NOP,OPEN,READ,CLOSE,
# read-only, with every operation audited. ringcall-run starts the demo
# confined (seccomp + Landlock); it asks for nothing: the broker decides.
set -euo pipefail
bin=${1:-build/host}
work=$(mktemp -d /tmp/ringcall-sandbox-XXXXXX)
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$work"' EXIT
mkdir "$work/root"
echo "hello from inside the root" > "$work/root/allowed.txt"
echo "the secret" > "$work/secret.txt"
cat > "$work/policy" <<POLICY
# whom                        what
client name=ringcall-sandbox-demo  root=$work/root ro allow=NOP,OPEN,READ,CLOSE max-handles=8 log
POLICY

"$bin/ringcall-server" --root "$work/root" --socket "$work/sock" --allow NOP \
	--policy "$work/policy" --log-file "$work/audit" > "$work/server.log" 2>&1 &
server=$!
# Ready when it says so (it binds the path before it listens).
for _ in $(seq 500); do
	grep -q '^ringcall-server: serving' "$work/server.log" && break
	kill -0 "$server" || { cat "$work/server.log"; exit 1; }
	sleep 0.02
done
echo "== policy: $(grep -v '^#' "$work/policy" | sed "s|$work|\$WORK|g")"
echo "== ringcall-run -s SOCK ringcall-sandbox-demo \$WORK/secret.txt"
"$bin/ringcall-run" -s "$work/sock" "$bin/ringcall-sandbox-demo" "$work/secret.txt"
# The demo's last line is after its last CQE; its audit line about its end
# comes once the server noticed it gone: wait for that, not for time.
for _ in $(seq 500); do
	grep -q ': gone ' "$work/audit" && break
	sleep 0.02
done
echo "== the broker's audit log (--log-file)"
sed "s|$work|\$WORK|g" "$work/audit"
