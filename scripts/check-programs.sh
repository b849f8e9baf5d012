#!/usr/bin/env bash
# Every program a user runs answers --help (usage on stdout, status 0),
# refuses an unknown option (status 2), and the server and demo say their
# version: the library's, from version.h.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory -s build/host/ringcall-server build/host/ringcall-demo build/host/ringcall-run \
	build/bench/ringcall_bench build/bench/peers >/dev/null || exit 1
ver=$(sed -n 's/^#define RC_VERSION_\(MAJOR\|MINOR\|PATCH\)[[:space:]]\+\([0-9]*\)$/\2/p' \
	include/ringcall/version.h | paste -sd.)
abi=$(sed -n 's/^#define RC_ABI_VERSION[[:space:]]\+\([0-9]*\)u.*/\1/p' include/ringcall/abi.h)
bad=0
for p in build/host/ringcall-server build/host/ringcall-demo build/host/ringcall-run build/bench/ringcall_bench \
	 build/bench/peers; do
	out=$("$p" --help 2>/dev/null); st=$?
	if [ $st -ne 0 ] || ! grep -q '^usage: ' <<<"$out"; then
		echo "FAIL: $p --help (status $st): $out"; bad=1
	fi
	"$p" --no-such-option >/dev/null 2>&1; st=$?
	[ $st -eq 2 ] || { echo "FAIL: $p --no-such-option: status $st, want 2"; bad=1; }
done
for p in ringcall-server ringcall-demo; do
	out=$(build/host/$p --version)
	[ "$out" = "$p $ver (ABI $abi)" ] || { echo "FAIL: $p --version: $out, want $ver (ABI $abi)"; bad=1; }
done
# Each long option a program's --help names is in its man page (man1).
for p in ringcall-server ringcall-run; do
	for o in $(build/host/$p --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
		grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" man/man1/$p.1 ||
			{ echo "FAIL: $p $o is not in man/man1/$p.1"; bad=1; }
	done
done
[ $bad -eq 0 ] && echo "programs: --help, unknown options and --version as documented"
exit $bad
