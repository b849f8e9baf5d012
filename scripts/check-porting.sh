#!/usr/bin/env bash
# What docs/porting.md promises a porter, run: (1) a port adds an op of its
# own (impl OTHER) and offers only some rows, without editing the engine:
# copy the headers, add one row to the copied syscalls.def, build the
# unmodified engine, user library and hosted runtime against it, run
# tests/port_op.c; (2) tests/port_minimal.c, a port with single-page
# allocations only.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/ringcall-portop-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cp -r include "$tmp/include"
cat >> "$tmp/include/ringcall/syscalls.def" <<'ROW'

/* A port's own op: yield with a hint; res is 100 + hint. */
#define RC_ARGS_myos_yield(F) \
	F(INT, uint32_t, hint, 0, 7)
RC_SYSCALL(myos_yield, MYOS_YIELD, 40, NONE, 0, OTHER, "a port's own op")
ROW
srcs=$(make --no-print-directory -s -p -n 2>/dev/null | sed -n 's/^\(LIB_SRCS\|HOSTED_SRCS\) := //p' | tr '\n' ' ')
# shellcheck disable=SC2086
gcc -std=gnu11 -Wall -Wextra -Werror -O1 -I"$tmp/include" -Ihosted -pthread \
	tests/port_op.c $srcs -lseccomp -o "$tmp/port_op"
# The same engine files, freestanding, for the other targets.
for f in lib/engine.c lib/ops.c lib/handles.c lib/channel.c; do
	gcc -std=gnu11 -Wall -Wextra -Werror -O2 -ffreestanding -fno-builtin -nostdlib \
		-I"$tmp/include" -c "$f" -o "$tmp/$(basename "$f").o"
done
"$tmp/port_op"

# The smallest port (docs/porting.md's worked example): single-page
# allocations, its own handler table, the engine and the user library only.
gcc -std=gnu11 -Wall -Wextra -Werror -O1 -Iinclude "-DRC_UADDR_MAX=UINT64_C(0x7fffffff000)" \
	tests/port_minimal.c \
	lib/engine.c lib/ops.c lib/handles.c lib/channel.c lib/uring.c lib/names.c lib/fmt.c lib/version.c -o "$tmp/port_minimal"
"$tmp/port_minimal"
