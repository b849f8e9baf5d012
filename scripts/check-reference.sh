#!/usr/bin/env bash
# The generated reference is current: regenerate docs/syscalls.md and the
# man pages from syscalls.def and the headers into a scratch directory and
# compare with the checked-in copies. Also: one page per syscall in the table,
# and every function in a public header has a comment to make its page from.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/ringcall-reference-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
make --no-print-directory -s reference REF_OUT="$tmp"
status=0
diff -u docs/syscalls.md "$tmp/docs/syscalls.md" || status=1
diff -ru man/man3 "$tmp/man/man3" || status=1
diff -ru man/man7 "$tmp/man/man7" || status=1
if [ $status -ne 0 ]; then
	echo "the checked-in reference is stale: run 'make reference' and commit docs/ and man/"
	exit 1
fi
ops=$(grep -cE '^RC_SYSCALL\(' include/ringcall/syscalls.def)
# one page per syscall (hand-written prep helpers have pages too)
pages=0
for name in $(sed -nE 's/^RC_SYSCALL\(([a-z_0-9]+),.*/\1/p' include/ringcall/syscalls.def); do
	[ -f "man/man3/rc_prep_$name.3" ] && pages=$((pages + 1))
done
sections=$(grep -cE '^## [0-9]+ [A-Z_]+$' docs/syscalls.md)
[ "$ops" -eq "$pages" ] && [ "$ops" -eq "$sections" ] ||
	{ echo "$ops syscalls, $pages pages, $sections sections"; exit 1; }
undocumented=$(grep -l 'Not described in its header' man/man3/*.3 || true)
[ -z "$undocumented" ] || { echo "functions with no comment above them in their header:"; echo "$undocumented"; exit 1; }
man -l man/man7/ringcall.7 >/dev/null 2>&1 || [ ! -x /usr/bin/man ]
echo "reference: docs/syscalls.md and $(ls man/man3 man/man7 | grep -c '\.[37]$') man pages current ($ops syscalls)"
