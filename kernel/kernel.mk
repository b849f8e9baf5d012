# kernel/kernel.mk - build the x86_64 microkernel and its user programs.
#
# Meant to be `include`d by the top-level Makefile (run from the repo root);
# also works standalone:  make -f kernel/kernel.mk [kernel|kernel-run|kernel-test|kernel-gdb]
# Outputs go to build/kernel/ and build/user/.  Every variable and target
# is prefixed K_/U_/kernel- so it can't collide with the includer's.

K_PREV_DEFAULT_GOAL := $(.DEFAULT_GOAL)
K_STANDALONE := $(filter 1,$(words $(MAKEFILE_LIST)))

K_DIR     := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
R_DIR     := $(patsubst %/,%,$(dir $(K_DIR)))
U_DIR     := $(R_DIR)/user
K_ARCH    ?= x86_64
K_ARCH_DIR := $(K_DIR)/arch/$(K_ARCH)
K_BUILD   ?= build/kernel
U_BUILD   ?= build/user

K_CC      ?= gcc
K_LD      ?= ld
K_OBJCOPY ?= objcopy
K_QEMU    ?= qemu-system-x86_64
K_GDB     ?= gdb
K_MACHINE ?= microvm
K_SMP     ?= 2
K_QEMU_FLAGS ?= -M $(K_MACHINE) -accel tcg -cpu max -m 128M -smp $(K_SMP) -no-reboot \
                -display none -device isa-debug-exit,iobase=0xf4,iosize=0x04
# A hang detector, not a performance goal: the suite takes ~15 s of TCG on
# a quiet 2-CPU host and several times that when the host is shared.
K_TEST_TIMEOUT ?= 180
K_ICOUNT_TEST_TIMEOUT ?= $(K_TEST_TIMEOUT)

K_COMMON_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
                   -fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none \
                   -fno-tree-loop-distribute-patterns -fno-strict-aliasing -MMD -MP
# The ringcall core (include/, lib/) is built with the same flags as the rest of the kernel.
K_CFLAGS  := $(K_COMMON_CFLAGS) -mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx \
             -mno-80387 -fno-omit-frame-pointer -I$(K_DIR) -I$(K_ARCH_DIR) -I$(K_DIR)/uapi \
             -I$(R_DIR)/include
# The 32-bit boot segment (entry code + early page tables) is RWX by necessity.
K_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
             -T $(K_ARCH_DIR)/linker.ld
U_CFLAGS  := $(K_COMMON_CFLAGS) -I$(U_DIR)/lib -I$(K_DIR)/uapi -I$(R_DIR)/include
U_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack -T $(U_DIR)/lib/user.ld

# The portable engine, unchanged: the kernel is one more platform (kring.c is its port).
K_RC_SRCS := $(R_DIR)/lib/engine.c $(R_DIR)/lib/ops.c $(R_DIR)/lib/handles.c $(R_DIR)/lib/names.c $(R_DIR)/lib/trace.c \
             $(R_DIR)/lib/channel.c $(R_DIR)/lib/fmt.c $(R_DIR)/lib/string.c
# Portable kernel in kernel/, what only one architecture has in kernel/arch/$(K_ARCH)/.
K_SRCS := $(wildcard $(K_DIR)/*.c) $(wildcard $(K_ARCH_DIR)/*.c) $(wildcard $(K_ARCH_DIR)/*.S)
K_OBJS := $(patsubst $(K_DIR)/%,$(K_BUILD)/%.o,$(K_SRCS)) \
          $(patsubst $(R_DIR)/lib/%,$(K_BUILD)/rc/%.o,$(K_RC_SRCS)) $(K_BUILD)/user_blobs.o

# User programs, linked with the runtime in user/lib/ and the same user
# library as the hosted clients (lib/uring.c, names.c): user/*.c one program
# each; user/tests/*.c the same, the programs the kernel suite runs; and a
# program of several files has a folder, user/NAME/*.c and *.S. Names are
# flat (build/user/NAME.elf, spawned by NAME) wherever the source lives.
# lib/string.c and lib/fmt.c: one source, a copy in each binary (kernel, every program).
U_RC_SRCS  := $(R_DIR)/lib/uring.c $(R_DIR)/lib/names.c $(R_DIR)/lib/version.c $(R_DIR)/lib/fmt.c \
              $(R_DIR)/lib/string.c $(R_DIR)/lib/service.c
U_LIB_SRCS := $(U_DIR)/lib/crt0.S $(wildcard $(U_DIR)/lib/*.c)
U_LIB_OBJS := $(patsubst $(U_DIR)/lib/%,$(U_BUILD)/lib/%.o,$(U_LIB_SRCS)) \
              $(patsubst $(R_DIR)/lib/%,$(U_BUILD)/rc/%.o,$(U_RC_SRCS))
U_TESTS    := $(basename $(notdir $(wildcard $(U_DIR)/tests/*.c)))
U_DIRPROGS := $(filter-out lib tests etc,$(notdir $(patsubst %/,%,$(wildcard $(U_DIR)/*/))))
# The IPC examples (examples/ipc_*.c): the hosted programs' own source, its
# kernel platform functions chosen by RC_EXAMPLE_KERNEL (examples/ipc_service.h).
U_EXAMPLES := ipc_echo ipc_kv
U_PROGS    := $(basename $(notdir $(wildcard $(U_DIR)/*.c))) $(U_TESTS) $(U_DIRPROGS) $(U_EXAMPLES)
U_ELFS     := $(patsubst %,$(U_BUILD)/%.elf,$(U_PROGS))
U_DIROBJS   = $(patsubst $(U_DIR)/%,$(U_BUILD)/%.o,$(wildcard $(U_DIR)/$(1)/*.c $(U_DIR)/$(1)/*.S))
U_ONEOBJS  := $(patsubst %,$(U_BUILD)/%.c.o,$(basename $(notdir $(wildcard $(U_DIR)/*.c)))) \
              $(patsubst %,$(U_BUILD)/tests/%.c.o,$(U_TESTS))

K_ELF := $(K_BUILD)/kernel.elf
K_IMG := $(K_BUILD)/kernel.img

# Keep user objects (make would delete them as intermediates of the .elf chain).
.SECONDARY: $(U_LIB_OBJS) $(U_ONEOBJS)

.PHONY: kernel kernel-user kernel-run kernel-shell kernel-test kernel-test-icount kernel-gdb kernel-clean \
        bench-kernel fuzz-kernel kernel-icount-profile

kernel: $(K_IMG)
kernel-user: $(U_ELFS)

$(K_BUILD)/%.c.o: $(K_DIR)/%.c
	@mkdir -p $(@D)
	$(K_CC) $(K_CFLAGS) -c $< -o $@

$(K_BUILD)/%.S.o: $(K_DIR)/%.S
	@mkdir -p $(@D)
	$(K_CC) $(K_CFLAGS) -c $< -o $@

$(K_BUILD)/rc/%.c.o: $(R_DIR)/lib/%.c
	@mkdir -p $(@D)
	$(K_CC) $(K_CFLAGS) -c $< -o $@

$(U_BUILD)/rc/%.c.o: $(R_DIR)/lib/%.c
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_BUILD)/lib/%.c.o: $(U_DIR)/lib/%.c
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_BUILD)/lib/%.S.o: $(U_DIR)/lib/%.S
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_BUILD)/%.c.o: $(U_DIR)/%.c
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_BUILD)/%.S.o: $(U_DIR)/%.S
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

$(U_BUILD)/%.elf: $(U_BUILD)/%.c.o $(U_LIB_OBJS) $(U_DIR)/lib/user.ld
	$(K_LD) $(U_LDFLAGS) -o $@ $(U_LIB_OBJS) $<

$(patsubst %,$(U_BUILD)/%.elf,$(U_TESTS)): $(U_BUILD)/%.elf: $(U_BUILD)/tests/%.c.o $(U_LIB_OBJS) \
                                           $(U_DIR)/lib/user.ld
	$(K_LD) $(U_LDFLAGS) -o $@ $(U_LIB_OBJS) $<

$(U_BUILD)/examples/%.c.o: $(R_DIR)/examples/%.c $(R_DIR)/examples/ipc_service.h
	@mkdir -p $(@D)
	$(K_CC) $(U_CFLAGS) -DRC_EXAMPLE_KERNEL -c $< -o $@
$(patsubst %,$(U_BUILD)/%.elf,$(U_EXAMPLES)): $(U_BUILD)/%.elf: $(U_BUILD)/examples/%.c.o \
                                              $(U_LIB_OBJS) $(U_DIR)/lib/user.ld
	$(K_LD) $(U_LDFLAGS) -o $@ $(U_LIB_OBJS) $<
.SECONDARY: $(patsubst %,$(U_BUILD)/examples/%.c.o,$(U_EXAMPLES))

# Folder programs; U_EXTRA_<name>: more objects one of them links (a generated blob).
U_EXTRA_fs := $(U_BUILD)/fs_archive.o
define U_DIRPROG
$(U_BUILD)/$(1).elf: $(call U_DIROBJS,$(1)) $$(U_EXTRA_$(1)) $(U_LIB_OBJS) $(U_DIR)/lib/user.ld
	$(K_LD) $(U_LDFLAGS) -o $$@ $(U_LIB_OBJS) $(call U_DIROBJS,$(1)) $$(U_EXTRA_$(1))
.SECONDARY: $(call U_DIROBJS,$(1))
endef
$(foreach p,$(U_DIRPROGS),$(eval $(call U_DIRPROG,$(p))))

# The file server's boot archive (user/fs/fs.h): every other program,
# stripped, under bin/, and the README and docs as text; packed by
# tools/mkarchive.c and linked into the file server's own image (fs.elf),
# which loads it into its RAM file system at start.
K_HOSTCC   ?= gcc
U_AR       := $(U_BUILD)/boot.rcar
U_AR_PROGS := $(filter-out fs,$(U_PROGS))
U_AR_TEXT  := README.md $(patsubst $(R_DIR)/%,%,$(wildcard $(R_DIR)/docs/*.md))
U_AR_ETC   := $(wildcard $(U_DIR)/etc/*)
$(U_BUILD)/tools/mkarchive: $(R_DIR)/tools/mkarchive.c $(U_DIR)/fs/fs.h
	@mkdir -p $(@D)
	$(K_HOSTCC) -std=gnu11 -O1 -Wall -Wextra -Werror -I$(R_DIR)/include $< -o $@
$(U_BUILD)/strip/%.elf: $(U_BUILD)/%.elf
	@mkdir -p $(@D)
	$(K_OBJCOPY) --strip-all $< $@
$(U_AR): $(U_BUILD)/tools/mkarchive $(patsubst %,$(U_BUILD)/strip/%.elf,$(U_AR_PROGS)) \
         $(addprefix $(R_DIR)/,$(U_AR_TEXT)) $(U_AR_ETC) $(K_DIR)/kernel.mk
	$(U_BUILD)/tools/mkarchive $@ $(foreach p,$(U_AR_PROGS),bin/$(p)=$(U_BUILD)/strip/$(p).elf) \
	  $(foreach f,$(U_AR_TEXT),$(f)=$(R_DIR)/$(f)) \
	  $(foreach f,$(U_AR_ETC),etc/$(notdir $(f))=$(f)) tmp/
$(U_BUILD)/fs_archive.S: $(K_DIR)/kernel.mk
	@mkdir -p $(@D)
	@printf '\t.section .rodata\n\t.balign 16\n\t.globl fs_archive, fs_archive_end\nfs_archive:\n\t.incbin "%s"\nfs_archive_end:\n\t.section .note.GNU-stack,"",@progbits\n' \
	  $(abspath $(U_AR)) > $@
$(U_BUILD)/fs_archive.o: $(U_BUILD)/fs_archive.S $(U_AR)
	$(K_CC) $(U_CFLAGS) -c $< -o $@

# User programs are linked into the kernel image as .incbin blobs plus a
# name table (struct user_prog user_progs[]): no bootloader module support needed.
# Depends on the user/ directories themselves so adding or removing a program regenerates it.
$(K_BUILD)/user_blobs.S: $(K_DIR)/kernel.mk $(U_DIR) $(U_DIR)/tests | $(U_ELFS)
	@mkdir -p $(@D)
	@{ echo '/* generated by kernel.mk: embedded user programs */'; \
	   for p in $(U_PROGS); do \
	     printf '\t.section .rodata\n\t.balign 16\nblob_%s:\n\t.incbin "%s"\nblob_%s_end:\nname_%s:\n\t.asciz "%s"\n' \
	       $$p $(abspath $(U_BUILD))/$$p.elf $$p $$p $$p; \
	   done; \
	   printf '\t.balign 8\n\t.globl user_progs\nuser_progs:\n'; \
	   for p in $(U_PROGS); do \
	     printf '\t.quad name_%s, blob_%s, blob_%s_end - blob_%s\n' $$p $$p $$p $$p; \
	   done; \
	   printf '\t.quad 0, 0, 0\n\t.section .note.GNU-stack,"",@progbits\n'; } > $@

$(K_BUILD)/user_blobs.o: $(K_BUILD)/user_blobs.S $(U_ELFS)
	$(K_CC) $(K_CFLAGS) -c $< -o $@

$(K_ELF): $(K_OBJS) $(K_ARCH_DIR)/linker.ld
	$(K_LD) $(K_LDFLAGS) -o $@ $(K_OBJS)

# QEMU's multiboot loader refuses ELF64; the 32-bit entry code doesn't care.
$(K_IMG): $(K_ELF)
	$(K_OBJCOPY) -I elf64-x86-64 -O elf32-i386 $< $@

# Demo: exits QEMU itself (debug-exit 0x10 -> status 33 means success).
kernel-run: $(K_IMG)
	@$(K_QEMU) $(K_QEMU_FLAGS) -serial stdio -monitor none -kernel $(K_IMG) -append "demo"; \
	 st=$$?; if [ $$st -eq 33 ]; then exit 0; else echo "kernel-run: QEMU exit status $$st"; exit 1; fi

# Boot to init and an interactive shell on the serial console (Ctrl-a x quits QEMU).
kernel-shell: $(K_IMG)
	@echo "ringcall: booting to a shell on the serial console; Ctrl-a x quits QEMU"
	@$(K_QEMU) $(K_QEMU_FLAGS) -serial mon:stdio -kernel $(K_IMG) -append "shell"; true

kernel-test: $(K_IMG)
	@K_QEMU="$(K_QEMU)" K_QEMU_FLAGS="$(K_QEMU_FLAGS)" K_TEST_TIMEOUT=$(K_TEST_TIMEOUT) \
	  $(K_DIR)/run-tests.sh $(K_IMG)

# The tests that assert timing, on a guest clock that counts instructions
# (QEMU -icount): exact and the same each run, whatever the host's load.
kernel-test-icount: $(K_IMG)
	@K_QEMU="$(K_QEMU)" K_QEMU_FLAGS="$(K_QEMU_FLAGS) $(K_ICOUNT_FLAGS)" \
	  K_TEST_TIMEOUT=$(K_ICOUNT_TEST_TIMEOUT) K_TEST_LOG=$(K_BUILD)/test-icount.log \
	  $(K_DIR)/run-tests.sh $(K_IMG) icount

# The ring fuzzer (user/fuzz.c, kernel/kfuzz.c): COUNT SQEs from SEED, over
# three processes and their children. KFUZZ_FLAGS=k: issue 9's lifetime scenarios.
SEED ?= 1
COUNT ?= 1000000
KFUZZ_FLAGS ?= k
FUZZ_TIMEOUT ?= 3600
fuzz-kernel: $(K_IMG)
	@K_QEMU="$(K_QEMU)" K_QEMU_FLAGS="$(K_QEMU_FLAGS)" K_TEST_TIMEOUT=$(FUZZ_TIMEOUT) \
	  K_TEST_LOG=$(K_BUILD)/fuzz.log $(K_DIR)/run-tests.sh $(K_IMG) fuzz=$(SEED):$(COUNT):$(KFUZZ_FLAGS)

# NOP cost at batch 1..256, entered and polled, against a bare trap, in
# instructions (QEMU icount: the guest TSC counts them; two runs, identical):
# prints kernel_* rows and puts them in build/bench/results/summary.csv.
K_ICOUNT_FLAGS ?= -icount shift=0,sleep=off
bench-kernel: $(K_IMG)
	@K_QEMU="$(K_QEMU)" K_QEMU_FLAGS="$(K_QEMU_FLAGS) $(K_ICOUNT_FLAGS)" $(K_DIR)/bench.sh $(K_IMG)

# Where one NOP's instructions go at batch K_PROFILE_BATCH through enter:
# one kbench iteration single-stepped under gdb, per stage and per function.
# K_PROFILE_MODE=ipc: kipcbench's 64-in-flight ring IPC, K_PROFILE_BATCH
# round trips (default 128) instead.
K_PROFILE_BATCH ?=
K_PROFILE_MODE ?= nop
kernel-icount-profile: $(K_IMG)
	@K_QEMU="$(K_QEMU)" K_QEMU_FLAGS="$(K_QEMU_FLAGS) $(K_ICOUNT_FLAGS)" K_GDB="$(K_GDB)" \
	  U_BUILD=$(U_BUILD) $(K_DIR)/icount-profile.sh $(K_IMG) "$(K_PROFILE_BATCH)" $(K_PROFILE_MODE)

# QEMU halted at reset with a gdb stub on :1234, gdb attached with symbols.
# Use hbreak for early code (kmain); `monitor quit` or ^C then `kill` to stop.
kernel-gdb: $(K_IMG)
	@$(K_QEMU) $(K_QEMU_FLAGS) -serial file:$(K_BUILD)/gdb-serial.log -monitor none \
	  -kernel $(K_IMG) -append "$(or $(K_APPEND),demo)" -s -S & \
	 qpid=$$!; \
	 $(K_GDB) -q $(K_ELF) -ex 'set architecture i386:x86-64' -ex 'target remote :1234' \
	   -ex 'hbreak kmain' -ex 'echo serial output: $(K_BUILD)/gdb-serial.log\n' $(K_GDB_ARGS); \
	 kill $$qpid 2>/dev/null; wait $$qpid 2>/dev/null; true

kernel-clean:
	rm -rf $(K_BUILD) $(U_BUILD)

-include $(K_OBJS:.o=.d) $(U_LIB_OBJS:.o=.d) $(U_ONEOBJS:.o=.d) \
	 $(patsubst %,$(U_BUILD)/examples/%.c.d,$(U_EXAMPLES)) \
	 $(patsubst %.o,%.d,$(foreach p,$(U_DIRPROGS),$(call U_DIROBJS,$(p))))

# Don't steal the includer's default goal; standalone, default to `kernel`.
ifeq ($(K_PREV_DEFAULT_GOAL),)
  ifneq ($(K_STANDALONE),)
    .DEFAULT_GOAL := kernel
  else
    .DEFAULT_GOAL :=
  endif
else
  .DEFAULT_GOAL := $(K_PREV_DEFAULT_GOAL)
endif
