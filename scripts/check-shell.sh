#!/usr/bin/env bash
# The shell on the serial console, as `make shell` runs it: boot, wait for
# each prompt, type a command, check what comes back (no sleeps: every
# step waits for the output it needs, with a hang guard). cat, wc, cp and
# ls are the same sources built for Linux too (build/host/fileprogs/): both
# use rc_prep_open/read/write/readdir/close, served by the file server
# through the user library in the kernel and by an in-process engine on
# Linux. Their output there must be the kernel's, byte for byte, errors
# too (ENOENT, EISDIR, ENOTDIR).
set -uo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory -s kernel build/host/fileprogs/cat build/host/fileprogs/wc \
	build/host/fileprogs/cp build/host/fileprogs/ls >/dev/null || exit 1
host=build/host/fileprogs
tmp=$(mktemp -d)
mkdir "$tmp/docs" && cp docs/soak.md "$tmp/docs/" # a root for the hosted cp
# and for ls: what the session makes in the kernel's /tmp/ls
mkdir -p "$tmp/tmp/ls/sub" && cp user/etc/motd "$tmp/tmp/ls/motd" && cp docs/soak.md "$tmp/tmp/ls/Zed"
log=$(mktemp)
trap 'rm -rf "$log" "$tmp"' EXIT
# What a command printed: the output after its echoed line, before the next prompt.
output() { local o=${buf#*$'\n'}; o=${o%'$ '}; printf '%s' "${o//$'\r'/}"; }
# The kernel's output of the last command is the hosted program's ($@, in the tree).
same_as_host() {
	local want got
	want=$("$@"; echo x)
	got=$(output; echo x)
	[ "$want" == "$got" ] && return 0
	echo "check-shell: '$*' differs between Linux and the kernel" >&2
	diff <(printf '%s' "$want") <(printf '%s' "$got") | head -10 >&2
	return 1
}
coproc QEMU { qemu-system-x86_64 -M microvm -accel tcg -cpu max -m 128M -smp 2 -no-reboot \
	-display none -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial stdio -monitor none \
	-kernel build/kernel/kernel.img -append shell 2>&1; }
qin=${QEMU[1]} qout=${QEMU[0]}
buf=""
# Read output until it ends with $1 (60 s guard); the output so far stays in buf.
wait_for() {
	local c
	while [[ "$buf" != *"$1" ]]; do
		IFS= read -r -N1 -t 60 c <&"$qout" || { echo "check-shell: no '$1' in: ${buf: -300}" >&2; return 1; }
		buf+=$c
		printf '%s' "$c" >>"$log"
	done
}
type_line() { buf=""; printf '%s\r' "$1" >&"$qin"; }
# ps lists each of init, fs, sh and itself with traps and syscalls (both >= 1).
ps_lists() {
	local o n
	o=$(output)
	for n in init fs sh ps; do
		grep -qE "^ +[0-9]+ +[0-9]+ $n +[1-9][0-9]* +[1-9][0-9]* +[0-9]+\.[0-9]$" <<<"$o" && continue
		echo "check-shell: ps has no line for $n with counts: $o" >&2
		return 1
	done
}
# ringstat's line for $1 says more syscalls than traps: the ring batched them.
batched() {
	local l s t
	l=$(grep -oE "ringstat: $1: [0-9]+ syscalls in [0-9]+ traps" <<<"$(output)") || return 1
	read -r s t <<<"$(sed -E 's/.*: ([0-9]+) syscalls in ([0-9]+) traps/\1 \2/' <<<"$l")"
	[ "$s" -gt "$t" ] || { echo "check-shell: $l: not batched" >&2; return 1; }
}
ok=0
wait_for 'Ctrl-a x quits QEMU' && wait_for '$ ' &&
	type_line 'echo typed at the console' && wait_for '$ ' &&
	[[ "$buf" == *"typed at the console"* ]] &&
	type_line 'cat /etc/motd' && wait_for '$ ' && [[ "$buf" == *"Welcome to the ringcall"* ]] &&
	type_line 'mkdir /tmp/c' && wait_for '$ ' &&
	type_line 'cp /etc/motd /tmp/c/m' && wait_for '$ ' &&
	type_line 'wc /tmp/c/m' && wait_for '$ ' && [[ "$buf" == *"3      36     207 /tmp/c/m"* ]] &&
	type_line 'nosuch' && wait_for '$ ' && [[ "$buf" == *"nosuch: not found"* ]] &&
	type_line 'wc README.md docs/kernel.md' && wait_for '$ ' &&
	same_as_host $host/wc README.md docs/kernel.md &&
	type_line 'cat docs/testing.md' && wait_for '$ ' && same_as_host $host/cat docs/testing.md &&
	type_line 'cp docs/soak.md /tmp/soak' && wait_for '$ ' &&
	type_line 'cat /tmp/soak' && wait_for '$ ' &&
	same_as_host env RINGCALL_ROOT="$tmp" bash -c "$host/cp docs/soak.md soak && $host/cat soak" &&
	type_line 'cat nosuch' && wait_for '$ ' &&
	same_as_host bash -c "$host/cat nosuch; echo 'sh: cat exited with status 1'" &&
	type_line 'cat docs' && wait_for '$ ' &&
	same_as_host bash -c "$host/cat docs; echo 'sh: cat exited with status 1'" &&
	type_line 'cp README.md/x y' && wait_for '$ ' &&
	same_as_host bash -c "$host/cp README.md/x y; echo 'sh: cp exited with status 1'" &&
	type_line 'wc README.md nosuch docs/soak.md' && wait_for '$ ' &&
	same_as_host bash -c "$host/wc README.md nosuch docs/soak.md; echo 'sh: wc exited with status 1'" &&
	type_line 'mkdir /tmp/ls' && wait_for '$ ' && type_line 'cp /etc/motd /tmp/ls/motd' &&
	wait_for '$ ' && type_line 'cp docs/soak.md /tmp/ls/Zed' && wait_for '$ ' &&
	type_line 'mkdir /tmp/ls/sub' && wait_for '$ ' && # made in neither order nor its reverse
	type_line 'ls /tmp/ls' && wait_for '$ ' && same_as_host env RINGCALL_ROOT="$tmp" $host/ls /tmp/ls &&
	type_line 'ls /tmp/ls/nosuch /tmp/ls/motd /tmp/ls/sub /tmp/ls' && wait_for '$ ' &&
	same_as_host bash -c "RINGCALL_ROOT='$tmp' $host/ls /tmp/ls/nosuch /tmp/ls/motd /tmp/ls/sub /tmp/ls; echo 'sh: ls exited with status 1'" &&
	type_line 'cd /tmp/ls' && wait_for '$ ' && type_line 'ls' && wait_for '$ ' &&
	same_as_host env RINGCALL_ROOT="$tmp/tmp/ls" $host/ls && type_line 'cd /' && wait_for '$ ' &&
	type_line 'ps' && wait_for '$ ' && ps_lists &&
	type_line 'ringstat rt_batch' && wait_for '$ ' && batched rt_batch &&
	type_line 'unmapped' && wait_for '$ ' &&
	[[ "$buf" == *"sh: unmapped (pid "*") killed by trap 14"* ]] &&
	type_line 'echo the shell goes on' && wait_for '$ ' && [[ "$buf" == *"the shell goes on"* ]] &&
	type_line 'kill 1' && wait_for '$ ' && [[ "$buf" == *"kill: 1: EPERM"* ]] &&
	type_line 'kill 99999' && wait_for '$ ' && [[ "$buf" == *"kill: 99999: ESRCH"* ]] &&
	type_line 'exit' && wait_for 'the file server (pid' && ok=1
[ $ok -eq 1 ] || kill "$QEMU_PID" 2>/dev/null
wait "$QEMU_PID" 2>/dev/null
rc=$?
# The kernel leaves QEMU with status 0 (debug-exit 33) when init exits 0.
[ $ok -eq 1 ] && [ $rc -eq 33 ] && exit 0
echo "check-shell: failed (QEMU status $rc); console:" >&2
tail -30 "$log" >&2
exit 1
