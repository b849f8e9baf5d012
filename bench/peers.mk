# bench/peers.mk - peer benchmarks (getppid, io_uring NOP, SPSC ring,
# ping-pong, futex, pipe).  Paths are relative to the repository root.
#
#   make -f bench/peers.mk                 build build/bench/peers
#   make -f bench/peers.mk bench-peers-run [PEERS_CSV=out.csv]
#   make -f bench/peers.mk bench-peers-quick
#
# Or `include bench/peers.mk` from the top-level Makefile: it defines only
# PEERS_* variables and bench-peers* targets, and does not take over the
# includer's default goal.

# Remember whether a default goal existed before this file's first rule.
PEERS_PREV_GOAL := $(.DEFAULT_GOAL)

PEERS_CC      ?= gcc
PEERS_CFLAGS  ?= -std=gnu11 -O2 -Wall -Wextra -Werror -pthread
PEERS_LDLIBS  ?= -luring
PEERS_BIN     := build/bench/peers
PEERS_SRCS    := bench/peers.c
PEERS_HDRS    := bench/bench_util.h
PEERS_CSV     ?= build/bench/peers.csv

.PHONY: bench-peers bench-peers-run bench-peers-quick bench-peers-clean

bench-peers: $(PEERS_BIN)

$(PEERS_BIN): $(PEERS_SRCS) $(PEERS_HDRS)
	@mkdir -p $(@D)
	$(PEERS_CC) $(PEERS_CFLAGS) -o $@ $(PEERS_SRCS) $(PEERS_LDLIBS)

bench-peers-run: $(PEERS_BIN)
	$(PEERS_BIN) --csv $(PEERS_CSV)

bench-peers-quick: $(PEERS_BIN)
	$(PEERS_BIN) --quick --csv $(PEERS_CSV)

bench-peers-clean:
	rm -f $(PEERS_BIN)

# When included before the includer's own first rule, hand the default
# goal back so the includer's next target (e.g. `all`) becomes it.
ifeq ($(PEERS_PREV_GOAL),)
ifneq ($(words $(MAKEFILE_LIST)),1)
.DEFAULT_GOAL :=
endif
endif
