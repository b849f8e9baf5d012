#!/usr/bin/env bash
# The kernel booted with `demo trace`: the demo still ends well (QEMU's
# success status), every ring's SQEs are printed decoded from the table on
# the serial console with their results; booted without `trace`, none are.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory -s kernel >/dev/null || exit 1
flags="-M microvm -accel tcg -cpu max -m 128M -smp 2 -no-reboot -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -monitor none"
boot() { # boot CMDLINE LOG: the demo, to its exit
	# shellcheck disable=SC2086
	timeout --kill-after=5 300 qemu-system-x86_64 $flags -serial stdio \
		-kernel build/kernel/kernel.img -append "$1" </dev/null >"$2.raw" 2>&1
	local st=$?
	tr -d '\r' <"$2.raw" >"$2"
	return $st
}
log=build/kernel/ktrace.log
boot "demo trace" "$log"; st=$?
[ $st -eq 33 ] || { echo "check-ktrace: traced demo: QEMU status $st"; tail -5 "$log"; exit 1; }
grep -q '^kernel: done at .*(no leak)' "$log" || { echo "check-ktrace: the demo did not end"; exit 1; }
for re in '^trace: pid 3 ring [0-9]+: GETPID\(flags=0x0\)$' \
	  '^trace: pid 3 ring [0-9]+: SPAWN\(argv=0x[0-9a-f]+, argv_len=[0-9]+, flags=0x0, handles=0x[0-9a-f]+, handles_len=[0-9]+, image_len=[0-9]+, image=0x[0-9a-f]+\)' \
	  '^trace: pid 3 ring [0-9]+: WAIT\(pid=[0-9]+, flags=0x[01], info=0x[0-9a-f]+, info_len=[0-9]+\)' \
	  '^trace: pid [0-9]+ ring [0-9]+: user_data=0x[0-9a-f]+ = -?[0-9]+$' \
	  '^trace: pid [0-9]+ ring [0-9]+: user_data=0x[0-9a-f]+ = -E[A-Z]+$'; do
	grep -qE "$re" "$log" || { echo "check-ktrace: no line matching $re"; grep '^trace:' "$log" | head; exit 1; }
done
boot "demo" "$log.off"; st=$?
[ $st -eq 33 ] || { echo "check-ktrace: untraced demo: QEMU status $st"; exit 1; }
! grep -q '^trace:' "$log.off" || { echo "check-ktrace: trace lines without 'trace'"; exit 1; }
echo "ktrace: $(grep -c '^trace:' "$log") trace lines on the serial console with 'trace', none without"
