#!/usr/bin/env bash
# run-tests.sh - boot the kernel in test mode under QEMU and judge the result.
#
# usage: kernel/run-tests.sh build/kernel/kernel.img [extra kernel cmdline words]
# env:   K_QEMU, K_QEMU_FLAGS, K_TEST_TIMEOUT (seconds, default 60), K_TEST_LOG
#
# Passes (exit 0) only if QEMU exits through isa-debug-exit with guest
# status 0, the log has no FAIL/PANIC line, and the guest's summary line
# reports 0 failures.  A hung guest is killed after the timeout.
set -u
img=${1:?usage: run-tests.sh kernel.img}
shift
qemu=${K_QEMU:-qemu-system-x86_64}
flags=${K_QEMU_FLAGS:--M microvm -accel tcg -cpu max -m 128M -smp 2 -no-reboot -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04}
limit=${K_TEST_TIMEOUT:-60}
log=${K_TEST_LOG:-$(dirname "$img")/test.log}

[ -f "$img" ] || { echo "run-tests: no kernel image $img" >&2; exit 2; }

# Guest output streams live (CRs stripped) and is kept in $log for the checks.
# shellcheck disable=SC2086
timeout --kill-after=5 "$limit" $qemu $flags -serial stdio -monitor none \
    -kernel "$img" -append "test $*" </dev/null | tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}

# isa-debug-exit: QEMU status = ((0x10 + guest_status) << 1) | 1.
case $rc in
    33) verdict="guest reported success" ;;
    35) verdict="guest reported test failures" ;;
    37) verdict="kernel panic" ;;
    124|137) verdict="timeout after ${limit}s (QEMU killed)" ;;
    *) verdict="QEMU exited with unexpected status $rc" ;;
esac

fails=$(grep -c '^FAIL ' "$log")
passes=$(grep -c '^PASS ' "$log")
summary=$(grep -E '^kernel-test: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
echo "----"
if [ "$rc" -eq 33 ] && [ "$fails" -eq 0 ] && ! grep -q '^PANIC' "$log" &&
   [ "$summary" = "kernel-test: $passes passed, 0 failed" ] && [ "$passes" -gt 0 ]; then
    echo "run-tests: OK ($verdict)"
    echo "$passes passed, 0 failed"
    exit 0
fi
echo "run-tests: FAILED: $verdict; $fails FAIL line(s); log in $log"
grep -E '^(FAIL|PANIC)' "$log"
# Count a crash or timeout as one extra failure so the closing line never says 0 failed.
[ "$fails" -eq 0 ] && fails=1
echo "$passes passed, $fails failed"
exit 1
