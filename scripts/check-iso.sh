#!/usr/bin/env bash
# make iso, then boot the ISO in QEMU (PC machine, BIOS, -cdrom): GRUB loads
# the Multiboot kernel, the demo runs to its end and exits QEMU with the
# guest's success status; the serial log shows the demo's last line.
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory -s iso >/dev/null || exit 1
log=build/iso-boot.log
timeout --kill-after=5 300 make --no-print-directory -s iso-run </dev/null >"$log" 2>&1
st=$?
if [ $st -ne 0 ] || ! grep -qE '^kernel: done at [0-9]+ ms, [0-9]+ free frames \(no leak\)' "$log"; then
	echo "check-iso: boot failed (status $st)"; tail -20 "$log"; exit 1
fi
grep -q 'kernel: demo (pid [0-9]*) exited 0' "$log" || { echo "check-iso: the demo did not exit 0"; exit 1; }
echo "iso: $(du -h build/ringcall.iso | cut -f1) image booted by GRUB from -cdrom; the demo ran to its end"
