# icount_profile.py - gdb script for kernel/icount-profile.sh: where the
# instructions of one kbench iteration go, counted exactly.
#
# QEMU stops (gdb stub) at kbench's rc_submit_and_wait for batch B on the
# enter ring; gdb then single-steps the guest (QEMU masks interrupts while
# stepping) until the next call, recording every PC: user and kernel, one
# loop iteration (prep B NOPs, submit + enter, reap). PCs are then named by
# the symbol tables (the function each lies in, after inlining) and summed
# per function and per stage.
#
# MODE=ipc: the 64-in-flight ring IPC of kipcbench instead (booted with
# one vCPU, so that every instruction of the round trip, both processes
# and the kernel, runs on the CPU being stepped; bench-kernel's row uses
# three, the path is the same less the idle CPUs' wakeups): stops at the
# client's prep_call of its measured run after SKIP calls, then steps
# until BATCH more calls were issued (each issued call answers one: in
# steady state one round trip per call) and prints per round trip.
#
# env: PORT (gdb stub), BATCH, KELF, UELF, SKIP (iterations to let pass first), MODE
import bisect
import os
import subprocess

import gdb

port = os.environ["PORT"]
batch = int(os.environ.get("BATCH", "1"))
skip = int(os.environ.get("SKIP", "2"))
kelf, uelf = os.environ["KELF"], os.environ["UELF"]


def symbols(elf):
    """Sorted (address, name) of the function symbols of elf."""
    out = subprocess.run(["nm", "--defined-only", elf], capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    return sorted(syms)


ksyms, usyms = symbols(kelf), symbols(uelf)
mode = os.environ.get("MODE", "nop")
uaddr = dict((n, a) for a, n in usyms)

gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("target remote :" + port)
if mode == "ipc":
    # ring_client(h, total, b): the measured run has total 4096, b 64.
    # IPC_B=1: the batch-1 run instead (kernel_icount_ipc_ring_b1).
    ipcb = int(os.environ.get("IPC_B", "64"))
    gdb.execute("hbreak *0x%x if $rsi == 4096 && $rdx == %d" % (uaddr["ring_client"], ipcb))
    gdb.execute("continue", to_string=True)
    gdb.execute("delete")
    bp = uaddr["prep_call"]
    gdb.execute("hbreak *0x%x" % bp)
    for _ in range(skip + 1):
        gdb.execute("continue", to_string=True)
    gdb.execute("delete")
    stops, limit = batch, 2000000
else:
    bp = uaddr["rc_submit_and_wait"]
    # rsi is rc_submit_and_wait's wait_nr: kbench waits for the whole batch.
    gdb.execute("hbreak *0x%x if $rsi == %d" % (bp, batch))
    for _ in range(skip + 1):
        gdb.execute("continue", to_string=True)
    gdb.execute("delete")
    stops, limit = 1, 200000
pcs = []
while True:
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc")) & 0xFFFFFFFFFFFFFFFF
    if pc == bp:
        stops -= 1
        if stops == 0:
            break
    if len(pcs) > limit:
        break
    pcs.append(pc)
pcs.insert(0, bp)


def name(pc):
    syms = ksyms if pc >= 1 << 47 else usyms
    i = bisect.bisect_right(syms, (pc, "\xff")) - 1
    return syms[i][1] if i >= 0 else "?"


# Stages: the user's side, the trap's entry and exit (what the bare trap
# also pays), the kernel's locks, the engine (lib/), the kernel's ring glue.
USER = "user (prep, submit, reap)"
TRAP = "trap entry/exit (syscall_entry, syscall_trap)"
LOCK = "rk lock (acquire/release)"
ENGINE = "engine (lib/: rce_*)"
GLUE = "kernel enter (rk_syscall: lookup, refs, wait)"


def stage(pc, fn):
    if pc < 1 << 47:
        return USER
    if fn in ("syscall_entry", "syscall_trap", "myproc", "trapret"):
        return TRAP
    if fn in ("acquire", "release", "push_off", "pop_off", "tlb_service", "holding"):
        return LOCK
    if fn.startswith("rce_port_"):
        return GLUE  # the kernel's porting hooks (kring.c)
    if fn.startswith("rce_") or fn.startswith("rc_"):
        return ENGINE
    return GLUE


# PCS_OUT=file: also write each stepped PC (hex, one a line) for
# annotation with addr2line/objdump.
if os.environ.get("PCS_OUT"):
    with open(os.environ["PCS_OUT"], "w") as f:
        f.write("".join("%x\n" % pc for pc in pcs))

per_fn, per_stage = {}, {}
for pc in pcs:
    fn = name(pc)
    per_fn[fn] = per_fn.get(fn, 0) + 1
    st = stage(pc, fn)
    per_stage[st] = per_stage.get(st, 0) + 1
if mode == "ipc":
    print("icount-profile: ipc b%d: %d instructions for %d round trips, %.1f per round trip" %
          (ipcb, len(pcs), batch, len(pcs) / batch))
else:
    print("icount-profile: batch %d: %d instructions per iteration, %.1f per NOP" %
          (batch, len(pcs), len(pcs) / batch))
for st, n in sorted(per_stage.items(), key=lambda x: -x[1]):
    print("  stage %-48s %6d  %7.1f/unit" % (st, n, n / batch))
for fn, n in sorted(per_fn.items(), key=lambda x: -x[1]):
    print("    fn %-30s %6d  %7.1f/unit" % (fn, n, n / batch))
gdb.execute("kill")
