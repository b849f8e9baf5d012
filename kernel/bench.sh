#!/usr/bin/env bash
# bench.sh - boot the kernel in bench mode (user/kbench), collect its
# kernel_* rows, and replace the kernel_* rows of the summary CSV.
#
# usage: kernel/bench.sh build/kernel/kernel.img [summary.csv]
# env:   K_QEMU, K_QEMU_FLAGS, K_BENCH_TIMEOUT (seconds, default 90)
set -u
img=${1:?usage: bench.sh kernel.img [summary.csv]}
csv=${2:-bench/results/summary.csv}
qemu=${K_QEMU:-qemu-system-x86_64}
flags=${K_QEMU_FLAGS:--M microvm -accel tcg -cpu max -m 128M -smp 2 -no-reboot -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04}
limit=${K_BENCH_TIMEOUT:-90}
log=$(dirname "$img")/bench.log

# shellcheck disable=SC2086
timeout --kill-after=5 "$limit" $qemu $flags -serial stdio -monitor none \
    -kernel "$img" -append "bench" </dev/null | tr -d '\r' > "$log"
rc=${PIPESTATUS[0]}
rows=$(grep -E '^kernel_[a-z0-9_]+,[0-9.]+,' "$log")
if [ "$rc" -ne 33 ] || [ -z "$rows" ]; then
    echo "bench-kernel: FAILED (QEMU status $rc); log in $log" >&2
    cat "$log" >&2
    exit 1
fi
grep -E '^kernel bench:' "$log"
printf '%s\n' "$rows" | column -t -s, 2>/dev/null || printf '%s\n' "$rows"
if [ -f "$csv" ]; then
    tmp=$(mktemp)
    { grep -v '^kernel_' "$csv"; printf '%s\n' "$rows"; } > "$tmp" && mv "$tmp" "$csv"
else
    mkdir -p "$(dirname "$csv")"
    { echo "metric,value,unit"; printf '%s\n' "$rows"; } > "$csv"
fi
echo "bench-kernel: $(printf '%s\n' "$rows" | wc -l) kernel_ rows in $csv"
