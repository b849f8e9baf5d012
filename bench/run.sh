#!/usr/bin/env bash
# bench/run.sh - run the peers and ringcall benchmarks, interleaved, then
# callgrind instruction counts; write bench/results/summary.csv, print the
# table with the targets, and draw the plots. Run by `make bench`.
#
#   bench/run.sh [--quick]      (QUICK=1 in the environment == --quick)
#
# Full mode: 3 rounds of (peers, ringcall_bench), the order alternating from
# round to round, and the per-metric median across rounds. These VMs are
# noisy and their vCPU placement changes between runs, so the two programs
# run close together in time and the ratios are taken between them.
# Quick mode: 1 round with shorter runs.
#
# Outputs in bench/results/:
#   summary.csv     metric,value,unit: every peer and ringcall row (median),
#                   then the ratio rows and the instruction counts
#   rounds.csv      round,metric,value,unit: every round's raw rows
#   throughput.dat  the data behind throughput.png
#   rtt_*.dat       batch-1 RTT percentiles from the round with the median
#                   p50, behind latency.png
#   throughput.png, latency.png
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
case "${QUICK:-0}" in ''|0) ;; *) quick=1 ;; esac
for a in "$@"; do
	case "$a" in
	--quick) quick=1 ;;
	*) echo "usage: $0 [--quick]" >&2; exit 2 ;;
	esac
done
unset BENCH_QUICK # ringcall_bench treats any value as quick; we pass flags

bin=${BENCH_BIN_DIR:-build/bench}
res=bench/results
for b in "$bin/peers" "$bin/ringcall_bench"; do
	[ -x "$b" ] || { echo "run.sh: $b is missing: run 'make bench'" >&2; exit 1; }
done
for t in valgrind gnuplot awk; do
	command -v "$t" >/dev/null || { echo "run.sh: $t is missing: run 'make deps'" >&2; exit 1; }
done
mkdir -p "$res"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$quick" = 1 ]; then rounds=1 cg_n=6400 qflag=--quick
else rounds=3 cg_n=64000 qflag=
fi
t_start=$(date +%s)
echo "ringcall bench: $( [ "$quick" = 1 ] && echo quick || echo full ) mode," \
	"$rounds round(s), $(nproc) cpus, $(date -u '+%Y-%m-%d %H:%M UTC')"

# ---- 1. interleaved rounds ----------------------------------------------
run_peers() { "$bin/peers" $qflag --csv "$1"; }
# ringcall_bench writes bench/results/rtt_{poll,doorbell}.dat: keep each
# round's, to plot the one from the round whose p50 is the median.
run_ring() {
	"$bin/ringcall_bench" $qflag --csv "$1" --root "$tmp"
	for m in poll doorbell; do cp "$res/rtt_$m.dat" "$tmp/rtt_$m.r$r.dat"; done
}
for r in $(seq 1 "$rounds"); do
	csv=$tmp/round$r.csv
	echo "== round $r/$rounds"
	if [ $((r % 2)) = 1 ]; then run_peers "$csv"; run_ring "$csv"
	else run_ring "$csv"; run_peers "$csv"
	fi
done
for r in $(seq 1 "$rounds"); do
	sed "s/^/$r,/" "$tmp/round$r.csv"
done | { echo "round,metric,value,unit"; cat; } >"$res/rounds.csv"

# ---- 2. callgrind: engine instructions per operation ---------------------
# --toggle-collect counts only while inside rce_ring_run (and what it
# calls), so the count is the engine's work: decode, dispatch, the op
# itself, CQE posting. For read4k that includes the libc pread wrapper but
# not the kernel.
cg_rows=$tmp/cg.csv
: >"$cg_rows"
for what in nop read4k; do
	out=$tmp/callgrind.$what
	echo "== callgrind $what x $cg_n"
	valgrind --tool=callgrind --toggle-collect=rce_ring_run \
		--callgrind-out-file="$out" \
		"$bin/ringcall_bench" --callgrind "$what" "$cg_n" --root "$tmp" \
		>"$tmp/cg.$what.log" 2>&1 || { cat "$tmp/cg.$what.log" >&2; exit 1; }
	total=$(awk '/^totals:/ { print $2 }' "$out")
	if [ -z "$total" ] || [ "$total" = 0 ]; then
		echo "run.sh: callgrind collected nothing for $what (rce_ring_run inlined?)" >&2
		exit 1
	fi
	awk -v w="$what" -v t="$total" -v n="$cg_n" \
		'BEGIN { printf "%s_instructions,%.1f,instr/op\n", w, t / n }' >>"$cg_rows"
done

# ---- 3. summary.csv -------------------------------------------------------
# Per-metric median over the rounds, in first-seen order.
median_csv() {
	awk -F, '
	{
		if (!($1 in n)) { order[++m] = $1; unit[$1] = $3 }
		v[$1, ++n[$1]] = $2 + 0
	}
	END {
		for (i = 1; i <= m; i++) {
			k = order[i]; c = n[k]
			for (a = 1; a <= c; a++) s[a] = v[k, a]
			for (a = 2; a <= c; a++) {      # insertion sort, c <= 3
				x = s[a]
				for (b = a - 1; b >= 1 && s[b] > x; b--) s[b + 1] = s[b]
				s[b + 1] = x
			}
			med = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			printf "%s,%.3f,%s\n", k, med, unit[k]
		}
	}' "$@"
}

# The ratio rows from a metric,value,unit file ("nan" when an input is
# missing).
ratios() {
	awk -F, '
	{ v[$1] = $2 }
	function q(a, b) { return (a in v) && (b in v) && v[b] != 0 ? sprintf("%.3f", v[a] / v[b]) : "nan" }
	END {
		print "ratio_poll_b256_vs_iouring_b256," q("ringcall_poll_nop_b256_ops", "iouring_nop_b256_ops") ",ratio"
		print "ratio_poll_b64_vs_spsc," q("ringcall_poll_nop_b64_ops", "spsc_msgs_per_s") ",ratio"
		print "ratio_rtt_vs_pingpong," q("ringcall_poll_rtt_p50_ns", "pingpong_rtt_ns") ",ratio"
		print "ratio_rtt_vs_getppid," q("ringcall_poll_rtt_p50_ns", "getppid_ns") ",ratio"
		print "ratio_block_rtt_vs_futex," q("ringcall_doorbell_rtt_p50_ns", "futex_rtt_ns") ",ratio"
	}' "$1"
}

median_csv "$tmp"/round*.csv >"$tmp/median.csv"
for m in poll doorbell; do
	k=ringcall_${m}_rtt_p50_ns
	med=$(awk -F, -v k="$k" '$1 == k { print $2 }' "$tmp/median.csv")
	pick=$(awk -F, -v k="$k" -v med="$med" '$1 == k && $2 + 0 == med + 0 { print FILENAME; exit }' \
		"$tmp"/round*.csv | sed 's/.*round\([0-9]*\)\.csv/\1/')
	cp "$tmp/rtt_$m.r${pick:-$rounds}.dat" "$res/rtt_$m.dat"
done
summary=$res/summary.csv
{
	echo "metric,value,unit"
	grep -v '^idle_cpu_percent,' "$tmp/median.csv"
	ratios "$tmp/median.csv"
	grep '^idle_cpu_percent,' "$tmp/median.csv" || echo "idle_cpu_percent,nan,%"
	cat "$cg_rows"
} >"$summary"

# Every row a round should have: fail loudly if one is missing.
expect="getppid_ns iouring_nop_b1_ns iouring_nop_b32_ns iouring_nop_b256_ns
spsc_msgs_per_s pingpong_rtt_ns futex_rtt_ns pipe_rtt_ns
ringcall_poll_rtt_p50_ns ringcall_poll_rtt_p99_ns ringcall_doorbell_rtt_p50_ns
ringcall_doorbell_rtt_p99_ns ringcall_poll_b64_clients1_ops
ringcall_poll_b64_clients2_ops ringcall_poll_b64_clients4_ops read4k_ring_b1_ns
read4k_ring_b32_ns read4k_pread_ns idle_cpu_percent nop_instructions
read4k_instructions"
for b in 1 8 32 64 256; do
	expect="$expect iouring_nop_b${b}_ops"
	for m in poll doorbell; do
		expect="$expect ringcall_${m}_nop_b${b}_ops ringcall_${m}_nop_b${b}_sync_ops"
	done
done
missing=
for k in $expect; do
	grep -q "^$k," "$summary" || missing="$missing $k"
done
grep -q ',nan,' "$summary" && missing="$missing $(grep ',nan,' "$summary" | cut -d, -f1 | tr '\n' ' ')"

# ---- 4. the table -----------------------------------------------------------
# Per-round ratios show the spread (full mode).
for r in $(seq 1 "$rounds"); do
	ratios "$tmp/round$r.csv" | sed "s/^/$r,/"
done >"$tmp/ratios_by_round.csv"

table() {
	awk -F, -v rounds="$rounds" '
	FILENAME == ARGV[1] { if (FNR > 1) v[$1] = $2; next }
	{ rr[$2] = rr[$2] (rr[$2] == "" ? "" : " ") $3 }      # round ratios
	function row(k, op, t, what,   x, ok, spread) {
		x = (k in v) ? v[k] : "nan"
		if (x == "nan") ok = "NO DATA"
		else if (op == ">=") ok = (x + 0 >= t) ? "met" : "MISSED"
		else if (op == "<=") ok = (x + 0 <= t) ? "met" : "MISSED"
		else ok = "(info)"
		spread = (rounds > 1 && k in rr) ? rr[k] : ""
		printf "  %-33s %12s  %-8s %-8s %s\n", k, x, (op == "" ? "(info)" : op " " t), ok, spread
		if (what != "") printf "      %s\n", what
	}
	function f(k) { return (k in v) ? sprintf("%.0f", v[k]) : "nan" }
	function ns(k) { return (k in v) && v[k] > 0 ? sprintf("%9.1f", 1e9 / v[k]) : "      nan" }
	END {
		printf "\nsummary (%s; medians of %d round(s))\n", "bench/results/summary.csv", rounds
		printf "  %-33s %12s  %-8s %-8s %s\n", "metric", "value", "target", "status", (rounds > 1 ? "per round" : "")
		row("ratio_poll_b256_vs_iouring_b256", ">=", 8, "ringcall poll NOP b256 " f("ringcall_poll_nop_b256_ops") " / io_uring NOP b256 " f("iouring_nop_b256_ops") " ops/s")
		row("ratio_poll_b64_vs_spsc", ">=", 0.3, "ringcall poll NOP b64 " f("ringcall_poll_nop_b64_ops") " ops/s / SPSC " f("spsc_msgs_per_s") " msgs/s")
		row("ratio_rtt_vs_pingpong", "<=", 2, "ringcall poll RTT p50 " f("ringcall_poll_rtt_p50_ns") " ns / atomic ping-pong " f("pingpong_rtt_ns") " ns")
		row("ratio_rtt_vs_getppid", "", "", "ringcall poll RTT p50 " f("ringcall_poll_rtt_p50_ns") " ns / getppid " f("getppid_ns") " ns")
		row("ratio_block_rtt_vs_futex", "<=", 1.2, "ringcall doorbell RTT p50 " f("ringcall_doorbell_rtt_p50_ns") " ns / futex ping-pong " f("futex_rtt_ns") " ns")
		row("idle_cpu_percent", "<=", 1, "worker CPU after the 1 ms poll idle timeout")
		row("nop_instructions", "", "", "callgrind, inside rce_ring_run, per NOP")
		row("read4k_instructions", "", "", "callgrind, inside rce_ring_run, per 4 KiB READ (user side only)")
		printf "\nns per NOP by batch (1e9 / ops/s; getppid %.1f ns, io_uring is submit+wait per batch)\n", v["getppid_ns"]
		printf "  %6s %9s %9s %9s %9s %9s\n", "batch", "poll", "poll-sync", "bell", "bell-sync", "io_uring"
		split("1 8 32 64 256", bs, " ")
		for (i = 1; i <= 5; i++) {
			b = bs[i]
			printf "  %6d %s %s %s %s %s\n", b, ns("ringcall_poll_nop_b" b "_ops"),
				ns("ringcall_poll_nop_b" b "_sync_ops"), ns("ringcall_doorbell_nop_b" b "_ops"),
				ns("ringcall_doorbell_nop_b" b "_sync_ops"), ns("iouring_nop_b" b "_ops")
		}
	}' "$summary" "$tmp/ratios_by_round.csv"
}
table

# ---- 5. plots ---------------------------------------------------------------
awk -F, '
	{ v[$1] = $2 }
	END {
		print "# batch poll poll_sync doorbell doorbell_sync iouring (NOP ops/s, medians)"
		split("1 8 32 64 256", bs, " ")
		for (i = 1; i <= 5; i++) {
			b = bs[i]
			print b, v["ringcall_poll_nop_b" b "_ops"], v["ringcall_poll_nop_b" b "_sync_ops"],
				v["ringcall_doorbell_nop_b" b "_ops"], v["ringcall_doorbell_nop_b" b "_sync_ops"],
				v["iouring_nop_b" b "_ops"]
		}
	}' "$summary" >"$res/throughput.dat"
val() { awk -F, -v k="$1" '$1 == k { print $2 }' "$summary"; }
cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo | tr -d "'")
term=pngcairo
gnuplot -e 'set terminal pngcairo' >/dev/null 2>&1 || term=png
gnuplot -e "term='$term'; res='$res'; getppid_ns=$(val getppid_ns);
	pingpong_ns=$(val pingpong_rtt_ns); futex_ns=$(val futex_rtt_ns);
	label='$cpu, $(nproc) vCPU, $(date -u +%Y-%m-%d), $( [ "$quick" = 1 ] && echo quick run || echo "median of $rounds rounds")'" \
	bench/plot.gp
echo
echo "wrote $summary, $res/rounds.csv, $res/throughput.png, $res/latency.png" \
	"($(($(date +%s) - t_start)) s)"

if [ -n "$missing" ]; then
	echo "run.sh: rows missing or not computable:$missing" >&2
	exit 1
fi
