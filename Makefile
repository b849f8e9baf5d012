# ringcall - quick start: `make run` (the demo) and `make test` (everything).
#
# Builds land in build/<variant>/: host (-O2), asan (ASan+UBSan), tsan, and
# freestanding compiles of the portable core for x86_64, riscv64, aarch64.

CC       ?= gcc
O        := build
WARN     := -Wall -Wextra -Werror
CSTD     := -std=gnu11
INC      := -Iinclude -Ihosted

LIB_SRCS    := lib/engine.c lib/handles.c lib/ops.c lib/channel.c lib/names.c lib/uring.c lib/version.c lib/trace.c \
               lib/fmt.c lib/service.c
HOSTED_SRCS := hosted/port.c hosted/files.c hosted/client_state.c hosted/worker.c \
               hosted/client.c hosted/inproc.c hosted/trace.c hosted/registry.c hosted/sandbox.c
# rc_sandbox (hosted/sandbox.c) builds its seccomp filter with libseccomp.
HOST_LIBS   := -lseccomp
TEST_SRCS   := $(wildcard tests/test_*.c)
TEST_NAMES  := $(patsubst tests/%.c,%,$(TEST_SRCS))
HDRS        := $(wildcard include/ringcall/*.h include/ringcall/*.def lib/*.h hosted/*.h tests/*.h \
                 user/fs/*.h)
# The file server's portable core (user/fs/), also tested hosted (test_fs).
FS_CORE_SRCS := user/fs/ramfs.c user/fs/archive.c user/fs/loop.c

CFLAGS_host := -O2 -g
CFLAGS_asan := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
CFLAGS_tsan := -O1 -g -fsanitize=thread
# gcc's TSan rejects atomic_thread_fence, which the wakeup handshakes need.
CC_host := $(CC)
CC_asan := $(CC)
CC_tsan := clang
VARIANTS    := host asan tsan

.PHONY: all run shell run-hosted run-sandbox run-ipc test bench clean deps cross fuzz gdb soak mutants format
all: $(O)/host/ringcall-server $(O)/host/ringcall-demo

# $(1) = variant: objects, library, server, demo and tests for it.
define variant
$(O)/$(1)/obj/%.o: %.c $(HDRS)
	@mkdir -p $$(dir $$@)
	$(CC_$(1)) $(CSTD) $(WARN) $(INC) $(CFLAGS_$(1)) -pthread -c $$< -o $$@
$(O)/$(1)/libringcall.a: $(patsubst %.c,$(O)/$(1)/obj/%.o,$(LIB_SRCS) $(HOSTED_SRCS))
	@rm -f $$@
	ar rcs $$@ $$^
$(O)/$(1)/ringcall-server: $(O)/$(1)/obj/hosted/server.o $(O)/$(1)/obj/hosted/policy.o $(O)/$(1)/libringcall.a
	$(CC_$(1)) $(CFLAGS_$(1)) -pthread $$^ $(HOST_LIBS) -o $$@
$(O)/$(1)/ringcall-demo: $(O)/$(1)/obj/hosted/demo.o $(O)/$(1)/libringcall.a
	$(CC_$(1)) $(CFLAGS_$(1)) -pthread $$^ $(HOST_LIBS) -o $$@
$(O)/$(1)/tests/%: $(O)/$(1)/obj/tests/%.o $(O)/$(1)/obj/tests/helpers.o $(O)/$(1)/libringcall.a
	@mkdir -p $$(dir $$@)
	$(CC_$(1)) $(CFLAGS_$(1)) -pthread $$(filter %.o,$$^) $$(filter %.a,$$^) -lcmocka $(HOST_LIBS) -o $$@
# (objects first: the file server's core, added below, calls into the library)
$(O)/$(1)/tests/test_fs: $(patsubst %.c,$(O)/$(1)/obj/%.o,$(FS_CORE_SRCS))
# The kernel's file programs, the same sources, built for Linux (hosted/ulib_hosted.c).
$(O)/$(1)/fileprogs/%: user/%.c hosted/ulib_hosted.c $(O)/$(1)/libringcall.a user/lib/ulib.h user/lib/rtfile.h
	@mkdir -p $$(dir $$@)
	$(CC_$(1)) $(CSTD) $(WARN) $(INC) -Iuser/lib -Ikernel/uapi $(CFLAGS_$(1)) -pthread \
	  $$< hosted/ulib_hosted.c $(O)/$(1)/libringcall.a $(HOST_LIBS) -o $$@
$(O)/$(1)/ringcall-run: $(O)/$(1)/obj/hosted/run.o
	$(CC_$(1)) $(CFLAGS_$(1)) $$^ -o $$@
$(O)/$(1)/ringcall-sandbox-demo: $(O)/$(1)/obj/hosted/sandbox_demo.o $(O)/$(1)/libringcall.a
	$(CC_$(1)) $(CFLAGS_$(1)) -pthread $$^ $(HOST_LIBS) -o $$@
$(1): $(addprefix $(O)/$(1)/fileprogs/,cat wc cp ls) \
	$(O)/$(1)/ringcall-server $(O)/$(1)/ringcall-demo $(O)/$(1)/ringcall-run \
	$(O)/$(1)/ringcall-sandbox-demo $(addprefix $(O)/$(1)/tests/,$(TEST_NAMES))
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(v))))
.SECONDARY:

# The portable core, freestanding: no libc, no OS, any 64-bit target.
FREE_FLAGS := $(CSTD) $(WARN) -Iinclude -O2 -ffreestanding -fno-builtin -nostdlib
CROSS_riscv64 := riscv64-linux-gnu-gcc
CROSS_aarch64 := aarch64-linux-gnu-gcc
CROSS_x86_64  := $(CC)
define freestanding
$(O)/free-$(1)/%.o: lib/%.c $(HDRS)
	@mkdir -p $$(dir $$@)
	$(CROSS_$(1)) $(FREE_FLAGS) -c $$< -o $$@
free-$(1): $(patsubst lib/%.c,$(O)/free-$(1)/%.o,$(LIB_SRCS) lib/string.c)
endef
$(foreach a,x86_64 riscv64 aarch64,$(eval $(call freestanding,$(a))))
cross: free-x86_64 free-riscv64 free-aarch64

deps:
	@scripts/deps.sh

include kernel/kernel.mk

# The main job: boot the ringcall kernel under QEMU and run its demo.
run: deps kernel-run

# Boot to an interactive shell on the serial console (Ctrl-a x quits QEMU).
shell: deps kernel-shell

gdb: deps kernel-gdb

run-hosted: deps $(O)/host/ringcall-server $(O)/host/ringcall-demo
	@scripts/run-hosted.sh $(O)/host

# A client confined by seccomp and Landlock whose only way out is its ring.
run-sandbox: deps $(O)/host/ringcall-server $(O)/host/ringcall-run $(O)/host/ringcall-sandbox-demo
	@scripts/run-sandbox.sh $(O)/host

# The IPC examples: an echo and a key-value service, each with its clients.
run-ipc: deps $(O)/host/ringcall-server examples
	@scripts/run-ipc.sh $(O)/examples $(O)/host/ringcall-server

test: deps
	@$(MAKE) --no-print-directory host asan tsan $(O)/fuzz/fuzz_engine kernel
	@scripts/run-tests.sh

# The hosted soak in full (make test runs it with 20 kills): clients killed
# with 200 requests in flight while others keep working (tests/test_soak.c).
SOAK_KILLS ?= 1000
soak: $(O)/host/ringcall-server $(O)/host/tests/test_soak
	SOAK_KILLS=$(SOAK_KILLS) $(O)/host/tests/test_soak

# Plant known bugs one at a time; the suite must go red for each (docs/testing.md).
mutants: deps
	@scripts/mutants.sh

# Lay out every C source and header in the tree's one style (.clang-format).
format:
	@scripts/check-format.sh --fix

clean:
	rm -rf $(O)

# libFuzzer: arbitrary SQEs and indices into the engine (clang, ASan+UBSan).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(O)/fuzz/fuzz_engine: tests/fuzz_engine.c $(LIB_SRCS) $(HOSTED_SRCS) $(HDRS)
	@mkdir -p $(@D)
	clang $(CSTD) $(WARN) $(INC) $(FUZZ_FLAGS) -pthread tests/fuzz_engine.c $(LIB_SRCS) $(HOSTED_SRCS) $(HOST_LIBS) -o $@
fuzz: $(O)/fuzz/fuzz_engine
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=4096
include bench/bench.mk

# Install, docs generation, examples, ISO: one file per concern under mk/.
include $(sort $(wildcard mk/*.mk))
