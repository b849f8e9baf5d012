#!/usr/bin/env bash
# Model-check the ring protocol (spec/ring.pml) with spin: the model must
# verify with no error in each configuration, and each mutant (one piece of
# the protocol removed) must be rejected with the violation it should cause,
# which shows the model and its properties can fail. Prints one line per
# run; exits non-zero if any run disagrees.
set -uo pipefail
cd "$(dirname "$0")/.."
model=$PWD/spec/ring.pml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bad=0

# run NAME EXPECT DEFINES...: EXPECT is ok, assert (an assertion fails) or
# end (an invalid end state: the user waits forever, i.e. a lost wakeup).
run() {
	local name=$1 expect=$2 got out opt=-O0; shift 2
	[ "$expect" = ok ] && opt=-O2 # the full searches; a mutant fails fast
	mkdir -p "$work/$name" && cd "$work/$name" || return 1
	if ! spin "$@" -a "$model" >spin.log 2>&1 ||
	   ! gcc "$opt" -DSAFETY -DNOBOUNDCHECK -DCOLLAPSE -w -o pan pan.c 2>>spin.log; then
		echo "FAIL $name: spin/gcc failed"; sed 's/^/    /' spin.log | tail -5; bad=1; cd - >/dev/null; return
	fi
	out=$(./pan -m1000000 2>&1)
	if grep -q 'errors: 0' <<<"$out" && ! grep -q 'error:\|max search depth too small' <<<"$out"; then
		got=ok
	elif grep -q 'assertion violated' <<<"$out"; then
		got=assert
	elif grep -q 'invalid end state' <<<"$out"; then
		got=end
	else
		got=other
	fi
	local states; states=$(grep -oE '^ *[0-9]+ states, stored' <<<"$out" | grep -oE '[0-9]+')
	if [ "$got" = "$expect" ]; then
		printf 'ok   %-22s %-6s (%s states)\n' "$name" "$got" "${states:-?}"
	else
		printf 'FAIL %-22s expected %s, got %s\n' "$name" "$expect" "$got"
		grep -E 'error|violated|invalid|depth' <<<"$out" | head -5 | sed 's/^/    /'
		bad=1
	fi
	cd - >/dev/null
}

# The protocol as the code has it: polled SQ (seq words) and doorbell mode
# (sq_tail), sq 2, cq 2, backlog 1 (so BUSY is reached), 4 operations.
run poll            ok     -DPOLL=1
run doorbell        ok     -DPOLL=0

# Mutants, each on the polled configuration.
run no-user-fence   end    -DPOLL=1 -DM_NO_USER_FENCE     # publish; NEED_WAKEUP load may pass it
run user-check-first end   -DPOLL=1 -DM_USER_CHECK_FIRST  # flag read before the publication
run no-engine-fence end    -DPOLL=1 -DM_NO_ENGINE_FENCE   # flag set; re-check may pass it
run no-recheck      end    -DPOLL=1 -DM_NO_RECHECK        # sleep without looking again
run snapshot-late   end    -DPOLL=1 -DM_SNAPSHOT_LATE     # doorbell counter read after the check
run no-wait-fence   end    -DPOLL=1 -DM_NO_WAIT_FENCE     # cq_head store vs CQ_OVERFLOW load
run no-overflow-kick end   -DPOLL=1 -DM_NO_OVERFLOW_KICK  # waiter never asks for a flush
run no-phase-flip   end    -DPOLL=1 -DM_NO_PHASE_FLIP     # lap 2's CQEs never look new
run seq-before-data assert -DPOLL=1 -DM_SEQ_BEFORE_DATA   # seq released before the entry
run seq-not-checked assert -DPOLL=1 -DM_SEQ_NOT_CHECKED   # poller takes unpublished slots
run no-space-check  assert -DPOLL=1 -DM_USER_NO_SPACE_CHECK # user refills untaken slots
run no-room-check   assert -DPOLL=1 -DM_NO_ROOM_CHECK     # CQE over an unread one
run backlog-bypass  assert -DPOLL=1 -DCAP=2 -DM_BACKLOG_BYPASS # new CQE overtakes the backlog
run no-cap-check    assert -DPOLL=1 -DM_NO_CAP_CHECK      # taken with no backlog slot (no BUSY)

exit $bad
