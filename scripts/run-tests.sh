#!/usr/bin/env bash
# Run every test: the unit and integration tests in each build variant
# (host, ASan+UBSan, and TSan for the concurrent ones), the freestanding
# cross-builds of the core, and the demo. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
failures=()

# One cmocka binary (run through the command after it, if any: e.g. a
# CPU pin): count its TAP results; a crash or a short plan counts every
# missing result as a failure.
run_suite() {
	local variant=$1 bin=$2 name out rc plan ok notok
	shift 2
	name=$(basename "$bin")
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 300 "$@" "$bin" 2>&1); rc=$?
	plan=$(grep -m1 -oE '^1\.\.[0-9]+' <<<"$out" | cut -d. -f3)
	ok=$(grep -cE '^ok [0-9]+' <<<"$out")
	notok=$(grep -cE '^not ok [0-9]+' <<<"$out")
	plan=${plan:-$((ok + notok))}
	[ "$plan" -eq 0 ] && plan=1
	if [ $rc -ne 0 ] && [ $((ok + notok)) -ge "$plan" ] && [ "$notok" -eq 0 ]; then
		notok=1 # exited badly after its tests (sanitizer report at exit)
	fi
	local missing=$((plan - ok - notok)); [ $missing -lt 0 ] && missing=0
	passed=$((passed + ok)); failed=$((failed + notok + missing))
	printf '%-5s %-16s %3d passed, %d failed\n' "$variant" "$name" "$ok" $((notok + missing))
	if [ $((notok + missing)) -gt 0 ]; then
		failures+=("$variant/$name")
		grep -vE '^ok [0-9]+' <<<"$out" | tail -25 | sed 's/^/      /'
	fi
}

# A shell check that is one test.
check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		passed=$((passed + 1)); printf '%-5s %-16s   1 passed\n' check "$name"
	else
		failed=$((failed + 1)); failures+=("check/$name")
		printf '%-5s %-16s   FAILED\n' check "$name"; tail -15 <<<"$out" | sed 's/^/      /'
	fi
}

for t in build/host/tests/test_*; do run_suite host "$t"; done
for t in build/asan/tests/test_*; do run_suite asan "$t"; done
for t in test_hostile test_wakeup test_server test_channel test_call test_ipc_server; do run_suite tsan "build/tsan/tests/$t"; done
# Once more on one CPU: a test that needs another thread to get scheduled
# at the right moment (instead of waiting for it by handshake) fails here.
for t in build/host/tests/test_*; do run_suite cpu0 "$t" taskset -c 0; done

# The ringcall kernel under QEMU: one line per test from the guest; its
# runner's closing "N passed, N failed" line is added to ours.
run_kernel() {
	local out last kp kf
	out=$(make --no-print-directory -s kernel-test 2>&1)
	grep -E '^(PASS|FAIL|PANIC) ' <<<"$out" | sed 's/^/kernel /'
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -n 1)
	kp=${last%% passed*}; kf=${last#*, }; kf=${kf%% failed}
	if [ -z "$last" ]; then kp=0; kf=1; fi
	passed=$((passed + kp)); failed=$((failed + kf))
	printf '%-5s %-16s %3d passed, %d failed\n' kernel qemu "$kp" "$kf"
	if [ "$kf" -gt 0 ]; then
		failures+=("kernel")
		grep -vE '^PASS ' <<<"$out" | tail -30 | sed 's/^/      /'
	fi
}
run_kernel
# The kernel tests that assert timing, on an instruction-counting clock.
check kernel-icount make --no-print-directory -s kernel-test-icount

for arch in x86_64 riscv64 aarch64; do
	check "free-$arch" make --no-print-directory -s "free-$arch"
done
check spin-model scripts/spin-check.sh
# The kept corpus replayed, then 100 000 new inputs; new finds go to a
# scratch directory (libFuzzer writes into the first one), not the repo.
fuzz_short() {
	local scratch rc
	scratch=$(mktemp -d)
	./build/fuzz/fuzz_engine -runs=100000 -max_len=4096 -seed=1 -close_fd_mask=2 \
		"$scratch" tests/corpus/fuzz_engine; rc=$?
	rm -rf "$scratch"
	return $rc
}
check fuzz-engine fuzz_short
# Using ringcall from outside its tree: headers as C and C++, the programs'
# options, install + pkg-config, the examples.
check format scripts/check-format.sh
check headers scripts/check-headers.sh
check programs scripts/check-programs.sh
check install scripts/check-install.sh
check reference scripts/check-reference.sh
check porting scripts/check-porting.sh
check opaque scripts/check-opaque.sh
check trace scripts/check-trace.sh
check iso scripts/check-iso.sh
check ktrace scripts/check-ktrace.sh
check shell scripts/check-shell.sh
check examples bash -c 'make --no-print-directory -s examples && scripts/check-examples.sh'
check demo bash -c 'scripts/run-hosted.sh build/host | grep -c "is identical" | grep -qx 2'
check sandbox scripts/check-sandbox.sh

[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
