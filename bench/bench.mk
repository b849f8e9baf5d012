# bench/bench.mk - `make bench`: ringcall against its peers, with a summary
# table, summary.csv and plots.  Paths are relative to the repository root.
#
#   make bench             full run: 3 interleaved rounds, medians (a few minutes)
#   make bench QUICK=1     one short round (under a minute)
#   make bench-publish     a full run, then its results replace the published
#                          ones (bench/results/, embedded by docs/): the only
#                          target that writes tracked files
#
# Results go to $(BENCH_OUT) (build/bench/results/, untracked): running a
# benchmark never modifies tracked files.
#
# Meant to be included from the top-level Makefile (`include bench/bench.mk`;
# it includes bench/peers.mk itself, so do not include that one as well). It
# relies on the includer's `deps` and `host` targets and on its rule for
# build/host/libringcall.a. Without editing the Makefile:
#
#   make -f Makefile -f bench/bench.mk bench [QUICK=1]
#
# It does not take over the includer's default goal, wherever it is included,
# and reading it twice is harmless.

ifndef BENCH_MK_LOADED
BENCH_MK_LOADED := 1
BENCH_PREV_GOAL := $(.DEFAULT_GOAL)

ifndef PEERS_BIN
include bench/peers.mk
endif

BENCH_O       := $(if $(O),$(O),build)
BENCH_LIB     := $(BENCH_O)/host/libringcall.a
RCBENCH_BIN   := $(BENCH_O)/bench/ringcall_bench
RCBENCH_CC    ?= gcc
RCBENCH_FLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Iinclude -Ihosted -pthread
QUICK         ?= 0
BENCH_OUT     ?= $(BENCH_O)/bench/results
BENCH_PUBLISHED := bench/results
BENCH_PUBLISH_FILES := summary.csv rounds.csv pairs.csv throughput.png latency.png

.PHONY: bench bench-build bench-clean bench-publish

bench-build: host $(PEERS_BIN) $(RCBENCH_BIN)

$(RCBENCH_BIN): bench/ringcall_bench.c bench/ipc_bench.c bench/ipc_bench.h bench/bench_util.h $(BENCH_LIB) \
		$(wildcard include/ringcall/*.h include/ringcall/*.def hosted/*.h)
	@mkdir -p $(@D)
	$(RCBENCH_CC) $(RCBENCH_FLAGS) bench/ringcall_bench.c bench/ipc_bench.c $(BENCH_LIB) -lseccomp -o $@

# deps (liburing-dev, valgrind, gnuplot-nox, ...) must be there before
# anything is compiled, hence the second make, as `make test` does.
bench: deps
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) -f bench/bench.mk bench-build
	@BENCH_OUT=$(BENCH_OUT) BENCH_BIN_DIR=$(BENCH_O)/bench bench/run.sh $(if $(filter-out 0,$(QUICK)),--quick)
	@BENCH_OUT=$(BENCH_OUT) $(MAKE) --no-print-directory bench-kernel

# Deliberate: refresh the published figures from a full run (never a quick
# one), then review and commit them.
bench-publish:
	@if [ "$(QUICK)" != 0 ]; then echo "bench-publish: a quick run is not published (drop QUICK)" >&2; exit 1; fi
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) bench
	@mkdir -p $(BENCH_PUBLISHED)
	cd $(BENCH_OUT) && cp $(BENCH_PUBLISH_FILES) $(abspath $(BENCH_PUBLISHED))/
	@echo "bench-publish: $(BENCH_PUBLISHED)/ refreshed; review with git diff, then commit"

bench-clean:
	rm -f $(RCBENCH_BIN) $(PEERS_BIN)

# When included before the includer's first rule, hand the default goal
# back so that the includer's next target (e.g. `all`) becomes it.
ifeq ($(BENCH_PREV_GOAL),)
.DEFAULT_GOAL :=
endif
endif
