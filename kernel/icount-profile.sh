#!/usr/bin/env bash
# icount-profile.sh - where the instructions of a ring NOP through enter go:
# boot the kernel in bench mode under QEMU with a gdb stub, let kbench reach
# its enter loop at batch B, single-step one iteration (prep B NOPs, submit
# and enter, reap) and print the instructions per stage and per function.
# Single-stepping counts every instruction, user and kernel, exactly; the
# total matches bench-kernel's kernel_icount_enter_nop_b<B> row (x B).
#
# With mode `ipc`: kipcbench's ring IPC with 64 calls in flight instead
# (kernel_icount_ipc_ring_b64), booted with one vCPU so that one CPU runs
# every instruction of a round trip; batch is then the number of round
# trips stepped (default 128), and the figures are per round trip.
#
# usage: kernel/icount-profile.sh build/kernel/kernel.img [batch] [nop|ipc]
# env:   K_QEMU, K_QEMU_FLAGS, K_GDB, K_PROFILE_TIMEOUT (seconds, default 600)
set -u
img=${1:?usage: icount-profile.sh kernel.img [batch]}
mode=${3:-nop}
batch=${2:-$([ "$mode" = ipc ] && echo 128 || echo 1)}
qemu=${K_QEMU:-qemu-system-x86_64}
gdbbin=${K_GDB:-gdb}
flags=${K_QEMU_FLAGS:--M microvm -accel tcg -icount shift=0,sleep=off -cpu max -m 128M -smp 2 -no-reboot -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04}
limit=${K_PROFILE_TIMEOUT:-600}
dir=$(dirname "$img")
here=$(dirname "$0")
uelf=${U_BUILD:-build/user}/kbench.elf
append=bench
if [ "$mode" = ipc ]; then
    uelf=${U_BUILD:-build/user}/kipcbench.elf
    append="bench ipc"
    flags=$(printf '%s' "$flags" | sed -E 's/-smp [0-9]+/-smp 1/')
    export SKIP=${SKIP:-128} # a steady state: past the first batches
fi
# A free port for the stub (several users of this machine may run one).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# shellcheck disable=SC2086
$qemu $flags -serial file:"$dir/profile-serial.log" -monitor none -kernel "$img" \
    -append "$append" -gdb tcp:127.0.0.1:"$port" -S 2>/dev/null &
qpid=$!
trap 'kill $qpid 2>/dev/null; wait $qpid 2>/dev/null' EXIT
for _ in $(seq 50); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break
    sleep 0.1
done
MODE=$mode PORT=$port BATCH=$batch KELF="$dir/kernel.elf" UELF="$uelf" \
    timeout "$limit" "$gdbbin" -q -batch -nx "$dir/kernel.elf" \
    -ex 'set architecture i386:x86-64' -x "$here/icount_profile.py" 2>&1 |
    grep -E '^ *(icount-profile:|stage |fn )'
