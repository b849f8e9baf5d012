#!/usr/bin/env bash
# bench/run.sh - run the peers and ringcall benchmarks, interleaved, then
# callgrind instruction counts; write summary.csv, print the table with the
# targets, and draw the plots. Run by `make bench`.
#
#   bench/run.sh [--quick]      (QUICK=1 in the environment == --quick)
#
# Full mode: 3 rounds of (peers, ringcall_bench), the order alternating from
# round to round, and the per-metric median across rounds: every row of
# summary.csv but the ratios. Quick mode: 1 round with shorter runs.
#
# The target ratios come from back-to-back pairs instead. These VMs move
# their vCPUs around every few seconds to tens of seconds, and cross-core
# costs change 3-6x with the placement, so a ratio between two medians often
# pairs a peer measured in one placement with a ringcall metric measured in
# another. For each ratio, a pair is the peer metric alone (`peers --only`),
# immediately followed by the ringcall metric alone (`ringcall_bench
# --only`), a few hundred ms each; the pair's ratio is ringcall / peer. K
# pairs per ratio (7 full, 3 quick), the five ratios' pairs interleaved, and
# the ratio row is the median over its K pairs.
#
# Outputs in $BENCH_OUT (default build/bench/results: untracked; a run never
# touches the tracked bench/results/, which `make bench-publish` refreshes):
#   host.txt        the CPU model, CPU count, kernel and date of the run
#   summary.csv     metric,value,unit: every peer and ringcall row (median
#                   over the rounds), then the ratio rows (median over the
#                   pairs) and the instruction counts
#   rounds.csv      round,metric,value,unit: every round's raw rows
#   pairs.csv       pair,ratio,value,peer_metric,peer_value,ring_metric,
#                   ring_value: every pair
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
res=${BENCH_OUT:-build/bench/results}
export BENCH_OUT=$res # ringcall_bench writes its rtt_*.dat there
for b in "$bin/peers" "$bin/ringcall_bench"; do
	[ -x "$b" ] || { echo "run.sh: $b is missing: run 'make bench'" >&2; exit 1; }
done
for t in valgrind gnuplot awk; do
	command -v "$t" >/dev/null || { echo "run.sh: $t is missing: run 'make deps'" >&2; exit 1; }
done
mkdir -p "$res"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$quick" = 1 ]; then rounds=1 npairs=3 cg_n=6400 qflag=--quick
else rounds=3 npairs=7 cg_n=64000 qflag=
fi
t_start=$(date +%s)
# The host, recorded beside the numbers (host ns figures mean nothing
# without it).
{
	echo "cpu: $(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "cpus: $(nproc)"
	echo "kernel: $(uname -r)"
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "mode: $( [ "$quick" = 1 ] && echo quick || echo full )"
} >"$res/host.txt"
sed 's/^/host /' "$res/host.txt"
echo "ringcall bench: $( [ "$quick" = 1 ] && echo quick || echo full ) mode," \
	"$rounds round(s), $npairs pairs per ratio, $(nproc) cpus, $(date -u '+%Y-%m-%d %H:%M UTC')"

# ---- 1. interleaved rounds ----------------------------------------------
run_peers() { "$bin/peers" $qflag --csv "$1"; }
# ringcall_bench writes $res/rtt_{poll,doorbell}.dat: keep each
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

# ---- 1b. back-to-back pairs for the ratios -------------------------------
# ratio, peers --only name, its metric, ringcall_bench --only name, its
# metric; the ratio is ring / peer.
pair_defs="ratio_poll_b256_vs_iouring_b256 iouring_b256 iouring_nop_b256_ops poll_b256 ringcall_poll_nop_b256_ops
ratio_poll_b64_vs_spsc spsc spsc_msgs_per_s poll_b64 ringcall_poll_nop_b64_ops
ratio_poll_b256_vs_spsc spsc spsc_msgs_per_s poll_b256 ringcall_poll_nop_b256_ops
ratio_rtt_vs_pingpong pingpong pingpong_rtt_ns poll_rtt ringcall_poll_rtt_p50_ns
ratio_rtt_vs_getppid getppid getppid_ns poll_rtt ringcall_poll_rtt_p50_ns
ratio_block_rtt_vs_futex futex futex_rtt_ns doorbell_rtt ringcall_doorbell_rtt_p50_ns
ratio_ipc_rtt_poll_vs_pipe pipe pipe_rtt_ns ipc_rtt_poll ipc_rtt_poll_ns
ratio_ipc_msgs_vs_unix unix_dgram unix_dgram_msgs_per_s ipc_msgs ipc_msgs_per_s"
pairs=$res/pairs.csv
echo "pair,ratio,value,peer_metric,peer_value,ring_metric,ring_value" >"$pairs"
for k in $(seq 1 "$npairs"); do
	line=
	while read -r ratio peer pm ring rm; do
		f=$tmp/pair.csv
		: >"$f"
		"$bin/peers" --only "$peer" --csv "$f" </dev/null >"$tmp/pair.log" 2>&1 &&
		"$bin/ringcall_bench" --only "$ring" --csv "$f" --root "$tmp" </dev/null \
			>>"$tmp/pair.log" 2>&1 || { cat "$tmp/pair.log" >&2; exit 1; }
		awk -F, -v k="$k" -v r="$ratio" -v pm="$pm" -v rm="$rm" '
			{ v[$1] = $2 }
			END {
				p = (pm in v) ? v[pm] : "nan"; q = (rm in v) ? v[rm] : "nan"
				x = (p != "nan" && q != "nan" && p + 0 != 0) ? sprintf("%.4f", q / p) : "nan"
				printf "%d,%s,%s,%s,%s,%s,%s\n", k, r, x, pm, p, rm, q
			}' "$f" >>"$pairs"
		line="$line $(tail -n 1 "$pairs" | awk -F, '{ printf($3 == "nan" ? "nan" : "%.3f", $3) }')"
	done <<<"$pair_defs"
	echo "== pairs $k/$npairs (b256/io_uring b64/spsc b256/spsc rtt/pingpong rtt/getppid bell/futex" \
		"ipc/pipe ipcmsgs/unix):$line"
done

# ---- 2. callgrind: engine instructions per operation ---------------------
# --toggle-collect counts only while inside rce_ring_run (and what it
# calls), so the count is the engine's work: decode, dispatch, the op
# itself, CQE posting. For read4k that includes the libc pread wrapper but
# not the kernel.
cg_rows=$tmp/cg.csv
: >"$cg_rows"
# ipc_worker_b64 counts inside host_worker_step instead: the worker
# thread's whole share of a call (its pass, the engine, delivery, the IPC
# hooks), as the hosted server's only worker runs it.
for what in nop read4k ipc_call_b1 ipc_call_b64 ipc_worker_b64; do
	out=$tmp/callgrind.$what
	echo "== callgrind $what x $cg_n"
	collect=rce_ring_run
	[ "$what" = ipc_worker_b64 ] && collect=host_worker_step
	valgrind --tool=callgrind --toggle-collect=$collect \
		--callgrind-out-file="$out" \
		"$bin/ringcall_bench" --callgrind "$what" "$cg_n" --root "$tmp" \
		>"$tmp/cg.$what.log" 2>&1 || { cat "$tmp/cg.$what.log" >&2; exit 1; }
	total=$(awk '/^totals:/ { print $2 }' "$out")
	if [ -z "$total" ] || [ "$total" = 0 ]; then
		echo "run.sh: callgrind collected nothing for $what (rce_ring_run inlined?)" >&2
		exit 1
	fi
	awk -v w="$what" -v t="$total" -v n="$cg_n" -v u="$( [ "${what#ipc}" != "$what" ] && echo call || echo op)" \
		'BEGIN { printf "%s_instructions,%.1f,instr/%s\n", w, t / n, u }' >>"$cg_rows"
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

# The ratio rows: the median of each ratio's pair ratios in pairs.csv
# (pairs without a value are left out; "nan" when none has one), in the
# order of pair_defs.
ratios() {
	awk -F, '
	FNR == 1 { next }
	{
		if (!($2 in n)) { order[++m] = $2; n[$2] = 0 }
		if ($3 != "nan") v[$2, ++n[$2]] = $3 + 0
	}
	END {
		for (i = 1; i <= m; i++) {
			k = order[i]; c = n[k]
			if (c == 0) { printf "%s,nan,ratio\n", k; continue }
			for (a = 1; a <= c; a++) s[a] = v[k, a]
			for (a = 2; a <= c; a++) {
				x = s[a]
				for (b = a - 1; b >= 1 && s[b] > x; b--) s[b + 1] = s[b]
				s[b + 1] = x
			}
			med = c % 2 ? s[(c + 1) / 2] : (s[c / 2] + s[c / 2 + 1]) / 2
			printf "%s,%.3f,ratio\n", k, med
		}
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
	ratios "$pairs"
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
read4k_instructions ipc_call_b1_instructions ipc_call_b64_instructions ipc_worker_b64_instructions pipe_rtt_1cpu_ns unix_rtt_ns unix_dgram_msgs_per_s
unix_dgram_1cpu_msgs_per_s ipc_rtt_poll_ns ipc_rtt_poll_p99_ns ipc_rtt_doorbell_ns
ipc_rtt_doorbell_p99_ns ipc_rtt_doorbell_xcpu_ns ipc_rtt_doorbell_xcpu_p99_ns
ipc_calls_per_s ipc_msgs_per_s ratio_ipc_rtt_poll_vs_pipe ratio_ipc_msgs_vs_unix
ratio_poll_b256_vs_spsc"
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
# A ratio row shows the median pair ratio and min..max over its pairs; its
# detail line, the two sides of the median pair (the lower of the two middle
# ones if a pair had no value).
table() {
	awk -F, -v rounds="$rounds" -v npairs="$npairs" -v res="$res" '
	FILENAME == ARGV[1] { if (FNR > 1) v[$1] = $2; next }
	FNR > 1 && $3 != "nan" {                               # pairs.csv
		i = ++c[$2]; rat[$2, i] = $3 + 0; pn[$2, i] = $1; pv[$2, i] = $5; rv[$2, i] = $7
		if (i == 1 || $3 + 0 < lo[$2]) lo[$2] = $3 + 0
		if (i == 1 || $3 + 0 > hi[$2]) hi[$2] = $3 + 0
	}
	function mid(r,   n, o, a, b, x) {     # index of the median pair of ratio r
		n = c[r]
		if (n == 0) return 0
		for (a = 1; a <= n; a++) o[a] = a
		for (a = 2; a <= n; a++) {
			x = o[a]
			for (b = a - 1; b >= 1 && rat[r, o[b]] > rat[r, x]; b--) o[b + 1] = o[b]
			o[b + 1] = x
		}
		return o[int((n + 1) / 2)]
	}
	function row(k, op, t, what,   x, ok, spread) {
		x = (k in v) ? v[k] : "nan"
		if (x == "nan") ok = "NO DATA"
		else if (op == ">=") ok = (x + 0 >= t) ? "met" : "MISSED"
		else if (op == "<=") ok = (x + 0 <= t) ? "met" : "MISSED"
		else ok = "(info)"
		spread = (k in lo) ? sprintf("%.3f..%.3f", lo[k], hi[k]) : ""
		printf "  %-33s %12s  %-8s %-8s %s\n", k, x, (op == "" ? "(info)" : op " " t), ok, spread
		if (what != "") printf "      %s\n", what
	}
	# The median pair of ratio r: "ring <what> / peer <unit2>".
	function pair(r, ring, peer, unit1, unit2,   i) {
		i = mid(r)
		if (!i) return "no pair has a value"
		return sprintf("pair %d: %s %.0f%s / %s %.0f %s", pn[r, i], ring, rv[r, i], unit1, peer, pv[r, i], unit2)
	}
	function ns(k) { return (k in v) && v[k] > 0 ? sprintf("%9.1f", 1e9 / v[k]) : "      nan" }
	END {
		printf "\nsummary (%s)\n", res "/summary.csv"
		printf "  ratios: median over %d back-to-back pairs, detail: the median pair (%s)\n", npairs, res "/pairs.csv"
		printf "  other rows: medians of %d round(s)\n", rounds
		printf "  %-33s %12s  %-8s %-8s %s\n", "metric", "value", "target", "status", "pairs min..max"
		a = "ratio_poll_b256_vs_iouring_b256"
		row(a, "", "", pair(a, "ringcall poll NOP b256", "io_uring NOP b256", "", "ops/s"))
		a = "ratio_poll_b64_vs_spsc"
		row(a, ">=", 0.3, pair(a, "ringcall poll NOP b64", "SPSC", " ops/s", "msgs/s"))
		a = "ratio_poll_b256_vs_spsc"
		row(a, ">=", 0.6, pair(a, "ringcall poll NOP b256", "SPSC", " ops/s", "msgs/s"))
		a = "ratio_rtt_vs_pingpong"
		row(a, "<=", 2, pair(a, "ringcall poll RTT p50", "atomic ping-pong", " ns", "ns"))
		a = "ratio_rtt_vs_getppid"
		row(a, "", "", pair(a, "ringcall poll RTT p50", "getppid", " ns", "ns"))
		a = "ratio_block_rtt_vs_futex"
		row(a, "<=", 1.2, pair(a, "ringcall doorbell RTT p50", "futex ping-pong", " ns", "ns"))
		a = "ratio_ipc_rtt_poll_vs_pipe"
		row(a, "<=", 0.05, pair(a, "IPC call polled p50", "pipe ping-pong", " ns", "ns"))
		a = "ratio_ipc_msgs_vs_unix"
		row(a, ">=", 10, pair(a, "IPC 64 B msgs, 64 in flight", "Unix datagram", "/s", "msgs/s"))
		row("idle_cpu_percent", "<=", 1, "worker CPU after the 1 ms poll idle timeout")
		row("nop_instructions", "<=", 40, "callgrind, inside rce_ring_run, per NOP")
		row("read4k_instructions", "", "", "callgrind, inside rce_ring_run, per 4 KiB READ (user side only)")
		row("ipc_call_b1_instructions", "", "", "callgrind, inside rce_ring_run, per call/reply, one at a time (both sides)")
		row("ipc_call_b64_instructions", "", "", "callgrind, inside rce_ring_run, per call/reply, 64 per submit (both sides)")
		row("ipc_worker_b64_instructions", "", "", "callgrind, the hosted worker thread per call/reply, 64 per submit (pass, engine, delivery, IPC hooks)")
		printf "\nIPC between two client processes of one ringcall-server (docs/performance.md)\n"
		printf "  call RTT p50/p99 ns: polled %s/%s, doorbell 1 cpu %s/%s, doorbell across cpus %s/%s\n",
			v["ipc_rtt_poll_ns"], v["ipc_rtt_poll_p99_ns"], v["ipc_rtt_doorbell_ns"],
			v["ipc_rtt_doorbell_p99_ns"], v["ipc_rtt_doorbell_xcpu_ns"], v["ipc_rtt_doorbell_xcpu_p99_ns"]
		printf "  peers ns: pipe %s (1 cpu %s), Unix socket %s, atomic ping-pong %s\n",
			v["pipe_rtt_ns"], v["pipe_rtt_1cpu_ns"], v["unix_rtt_ns"], v["pingpong_rtt_ns"]
		printf "  64 B msgs/s, 64 calls in flight: %s (Unix datagram %s, 1 cpu %s)\n",
			v["ipc_msgs_per_s"], v["unix_dgram_msgs_per_s"], v["unix_dgram_1cpu_msgs_per_s"]
		printf "\nns per NOP by batch (1e9 / ops/s; getppid %.1f ns, io_uring is submit+wait per batch)\n", v["getppid_ns"]
		printf "  %6s %9s %9s %9s %9s %9s\n", "batch", "poll", "poll-sync", "bell", "bell-sync", "io_uring"
		split("1 8 32 64 256", bs, " ")
		for (i = 1; i <= 5; i++) {
			b = bs[i]
			printf "  %6d %s %s %s %s %s\n", b, ns("ringcall_poll_nop_b" b "_ops"),
				ns("ringcall_poll_nop_b" b "_sync_ops"), ns("ringcall_doorbell_nop_b" b "_ops"),
				ns("ringcall_doorbell_nop_b" b "_sync_ops"), ns("iouring_nop_b" b "_ops")
		}
	}' "$summary" "$pairs"
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
echo "wrote $summary, $res/host.txt, $res/rounds.csv, $res/pairs.csv, $res/throughput.png, $res/latency.png" \
	"($(($(date +%s) - t_start)) s)"

if [ -n "$missing" ]; then
	echo "run.sh: rows missing or not computable:$missing" >&2
	exit 1
fi
