# bench/plot.gp - the two plots of `make bench` (called by bench/run.sh).
# Variables, given with -e: term (pngcairo or png), res (results dir),
# getppid_ns, pingpong_ns, futex_ns, label (machine and date).

if (term eq 'pngcairo') {
	set terminal pngcairo size 960,600 font 'sans,11' linewidth 1.5
} else {
	set terminal png size 960,600
}
set grid xtics ytics mytics lc rgb '#dddddd'
set format y '10^{%L}'

# ---- NOP throughput vs batch size ------------------------------------------
set output res.'/throughput.png'
set title "NOP throughput vs batch size (".label.")"
set logscale x 2
set logscale y 10
set xrange [0.8:320]
set xtics ('1' 1, '8' 8, '32' 32, '64' 64, '256' 256)
set xlabel 'batch size (requests per submit)'
set ylabel 'operations per second'
set autoscale y
set key right bottom inside box opaque
plot res.'/throughput.dat' using 1:2 with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'ringcall poll, streamed', \
     ''                    using 1:3 with linespoints lw 2 pt 6 dt 2 lc rgb '#1f77b4' title 'ringcall poll, sync', \
     ''                    using 1:4 with linespoints lw 2 pt 5 lc rgb '#d62728' title 'ringcall doorbell, streamed', \
     ''                    using 1:6 with linespoints lw 2 pt 9 lc rgb '#2ca02c' title 'io\_uring (sync)', \
     1e9/getppid_ns with lines lw 2 dt 3 lc rgb '#444444' title sprintf('getppid trap (%.0f ns)', getppid_ns)

# ---- batch-1 round-trip distribution ---------------------------------------
set output res.'/latency.png'
set title "Batch-1 NOP round trip, median round (".label.")"
unset logscale x
set logscale y 10
set xrange [0:100]
set xtics 10
set autoscale y
set key right center inside box opaque
set xlabel 'percentile'
set ylabel 'round trip (ns)'
set format y '%.0f'
plot res.'/rtt_poll.dat' using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'ringcall poll', \
     res.'/rtt_doorbell.dat' using 1:2 with lines lw 2 lc rgb '#d62728' title 'ringcall doorbell', \
     pingpong_ns with lines lw 2 dt 2 lc rgb '#9467bd' title sprintf('atomic ping-pong (%.0f ns)', pingpong_ns), \
     getppid_ns with lines lw 2 dt 3 lc rgb '#444444' title sprintf('getppid trap (%.0f ns)', getppid_ns), \
     futex_ns with lines lw 2 dt 4 lc rgb '#ff7f0e' title sprintf('futex ping-pong (%.0f ns)', futex_ns)
