/*
 * ktest.c - in-kernel test suite, run as the first kernel thread when the
 * command line contains "test".  Prints "PASS name" / "FAIL name: why"
 * per test and a closing "kernel-test: N passed, M failed" line, then
 * leaves QEMU with status 0 (all passed) or 1.  A kernel crash panics,
 * which exits with status 2; the host runner also enforces a timeout.
 *
 * Most ringcall tests are user programs (user/tests/rt_*.c) that check their
 * own results through their rings, report over the console and exit with
 * the number of failed checks; this thread spawns each one, and checks
 * from the kernel side that it exited cleanly and that every frame and
 * process slot came back.
 */
#include "arch.h"
#include "clock.h"
#include "kring.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"

static int npass, nfail;
static char why[160];

/* Record the first failure reason of the running test and fail it. */
#define EXPECT(cond, ...)                                                            \
	do {                                                                         \
		if (!(cond)) {                                                       \
			int n_ = ksnprintf(why, sizeof(why), "line %d: ", __LINE__); \
			ksnprintf(why + n_, sizeof(why) - n_, __VA_ARGS__);          \
			return false;                                                \
		}                                                                    \
	} while (0)

/* Wait (bounded) until only `procs` slots are in use: orphans a test left
 * running finish and are reaped by the scheduler. */
static void settle(int procs)
{
	for (int i = 0; i < 300 && proc_count() != procs; i++)
		proc_sleep_ns(10 * 1000000ul);
}

/* Run one test; `leakcheck` also demands the free-frame count be unchanged. */
static void run(const char *name, bool (*fn)(void), bool leakcheck)
{
	if (cmdline_has("only") && !cmdline_has(name))
		return; /* `test only NAME...`: just those (while working on them) */
	size_t before = pmm_free_count();
	int procs_before = proc_count();
	why[0] = 0;
	bool ok = fn();
	settle(procs_before);
	if (ok && leakcheck && pmm_free_count() != before) {
		ksnprintf(why, sizeof(why), "leaked %ld frames", (long)(before - pmm_free_count()));
		ok = false;
	}
	if (ok && proc_count() != procs_before) {
		ksnprintf(why, sizeof(why), "process slots %d -> %d", procs_before, proc_count());
		ok = false;
	}
	if (ok) {
		npass++;
		kprintf("PASS %s\n", name);
	} else {
		nfail++;
		kprintf("FAIL %s: %s\n", name, why);
	}
}

/* Spawn prog with argv (NULL-terminated list), wait for it, return its stats. */
static int run_prog(struct proc_stats *st, const char *prog, ...)
{
	const char *argv[MAX_ARGS + 1];
	int argc = 0;
	argv[argc++] = prog;
	va_list ap;
	va_start(ap, prog);
	for (const char *a; argc < MAX_ARGS && (a = va_arg(ap, const char *));)
		argv[argc++] = a;
	va_end(ap);
	int pid = proc_spawn(prog, argc, argv);
	if (pid < 0)
		return pid;
	return proc_wait(pid, st);
}

/* ---- memory ---- */

static bool t_pmm(void)
{
	size_t f0 = pmm_free_count();
	uint64_t pages[64];
	for (int i = 0; i < 64; i++) {
		pages[i] = pmm_alloc();
		EXPECT(pages[i] && (pages[i] & (PAGE_SIZE - 1)) == 0, "alloc %d", i);
		EXPECT(*(uint64_t *)P2V(pages[i]) == 0, "frame not zeroed");
		memset(P2V(pages[i]), 0xab, PAGE_SIZE);
	}
	EXPECT(pmm_free_count() == f0 - 64, "count after alloc");
	for (int i = 0; i < 64; i++)
		for (int j = i + 1; j < 64; j++)
			EXPECT(pages[i] != pages[j], "duplicate frame");
	for (int i = 0; i < 64; i++)
		pmm_free(pages[i]);
	uint64_t c = pmm_alloc_contig(8);
	EXPECT(c, "contig alloc");
	pmm_free_contig(c, 8);
	EXPECT(pmm_free_count() == f0, "count after free");
	return true;
}

static bool t_kmalloc(void)
{
	static const size_t sizes[] = {
		1, 8, 16, 17, 100, 500, 1000, 2032, 2033, 4096, 10000, 70000
	};
	void *p[ARRAY_SIZE(sizes)];
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = kmalloc(sizes[i]);
		EXPECT(p[i] && ((uint64_t)p[i] & 15) == 0, "kmalloc(%lu)", sizes[i]);
		memset(p[i], (int)i + 1, sizes[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint8_t *b = p[i];
		for (size_t k = 0; k < sizes[i]; k++)
			EXPECT(b[k] == (uint8_t)(i + 1), "block %lu corrupted", i);
		kfree(p[i]);
	}
	size_t f0 = pmm_free_count();
	void *big = kzalloc(64 * 1024);
	EXPECT(big && ((uint8_t *)big)[100] == 0, "kzalloc big");
	kfree(big);
	EXPECT(pmm_free_count() == f0, "large block frames not returned");
	void *a = kmalloc(64), *b;
	kfree(a);
	b = kmalloc(64);
	EXPECT(a == b, "small block not reused");
	kfree(b);
	return true;
}

extern char __text_start[], __rodata_start[], __data_start[];
extern bool smap_on;
long probe_user_read(const void *p); /* entry.S */

/* Kernel mappings: W^X, not user-accessible. */
static bool t_vm_kernel(void)
{
	uint64_t k = vm_kernel_pml4();
	pte_t *t = vm_walk(k, (uint64_t)__text_start, false);
	pte_t *r = vm_walk(k, (uint64_t)__rodata_start, false);
	pte_t *d = vm_walk(k, (uint64_t)&npass, false);
	EXPECT(t && (*t & PTE_P) && !(*t & PTE_W) && !(*t & PTE_NX) && !(*t & PTE_U),
	       "text pte %lx", t ? *t : 0);
	EXPECT(r && (*r & PTE_P) && !(*r & PTE_W) && (*r & PTE_NX) && !(*r & PTE_U),
	       "rodata pte %lx", r ? *r : 0);
	EXPECT(d && (*d & PTE_P) && (*d & PTE_W) && (*d & PTE_NX) && !(*d & PTE_U), "data pte %lx",
	       d ? *d : 0);
	EXPECT(vm_translate(k, (uint64_t)&npass) == KIMG_V2P(&npass), "image translate");
	EXPECT(vm_translate(k, (uint64_t)P2V(0x200123)) == 0x200123, "direct map translate");
	EXPECT(vm_translate(k, 0x400000) == (uint64_t)-1, "kernel PML4 has user mappings");
	const char *mmu_off = arch_mmu_check();
	EXPECT(!mmu_off, "%s", mmu_off);
	return true;
}

/* User mappings: map/unmap/translate/check, and destroy returns every frame. */
static bool t_vm_user(void)
{
	size_t f0 = pmm_free_count();
	uint64_t as = vm_create();
	EXPECT(as, "vm_create");
	EXPECT(vm_translate(as, (uint64_t)&npass) == KIMG_V2P(&npass), "kernel half not shared");
	EXPECT(vm_alloc_user(as, 0x500000, 3 * PAGE_SIZE, VM_WRITE) == 0, "alloc rw");
	EXPECT(vm_alloc_user(as, 0x600000, PAGE_SIZE, VM_READ) == 0, "alloc ro");
	uint64_t pa = pmm_alloc();
	EXPECT(vm_map_user(as, 0x700000, pa, VM_WRITE | VM_EXEC) == -RC_EINVAL, "W+X accepted");
	EXPECT(vm_map_user(as, 0x500000, pa, VM_READ) == -RC_EINVAL, "double map accepted");
	EXPECT(vm_map_user(as, KERNEL_BASE, pa, VM_READ) == -RC_EINVAL, "kernel va accepted");
	EXPECT(vm_map_user(as, 0x700000, pa, VM_EXEC) == 0, "map exec");
	pte_t *x = vm_walk(as, 0x700000, false);
	EXPECT(x && (*x & PTE_U) && !(*x & PTE_W) && !(*x & PTE_NX), "exec pte %lx", x ? *x : 0);
	pte_t *w = vm_walk(as, 0x500000, false);
	EXPECT(w && (*w & PTE_U) && (*w & PTE_W) && (*w & PTE_NX), "rw pte %lx", w ? *w : 0);
	EXPECT(vm_translate(as, 0x700123) == pa + 0x123, "translate");
	EXPECT(vm_user_pages(as) == 5, "page count %lu", vm_user_pages(as));

	EXPECT(vm_check_user(as, 0x500000, 3 * PAGE_SIZE, true), "rw range");
	EXPECT(vm_check_user(as, 0x500ff0, 0x20, true), "straddling rw range");
	EXPECT(!vm_check_user(as, 0x500000, 3 * PAGE_SIZE + 1, false), "past end");
	EXPECT(vm_check_user(as, 0x600000, 10, false), "ro read");
	EXPECT(!vm_check_user(as, 0x600000, 10, true), "ro write allowed");
	EXPECT(!vm_check_user(as, (uint64_t)&npass, 8, false), "kernel address allowed");
	EXPECT(!vm_check_user(as, 0x500000, ~0ul, false), "overflow allowed");
	EXPECT(!vm_check_user(as, USER_TOP - 8, 16, false), "crosses into kernel half");
	EXPECT(!vm_check_user(as, 0x0, 1, false), "null allowed");

	EXPECT(vm_unmap_user(as, 0x700000) == pa, "unmap");
	EXPECT(vm_translate(as, 0x700000) == (uint64_t)-1, "still mapped");
	pmm_free(pa);
	vm_destroy(as);
	EXPECT(pmm_free_count() == f0, "leaked %ld frames", (long)(f0 - pmm_free_count()));
	return true;
}

/*
 * copy_{from,to}_user from a kernel thread borrowing a test address space,
 * including the exception-fixup path for a page unmapped after the check.
 */
static bool t_usercopy(void)
{
	struct proc *me = myproc();
	uint64_t as = vm_create();
	EXPECT(as, "vm_create");
	EXPECT(vm_alloc_user(as, 0x800000, 2 * PAGE_SIZE, VM_WRITE) == 0, "alloc");
	EXPECT(vm_alloc_user(as, 0x900000, PAGE_SIZE, VM_READ) == 0, "alloc ro");
	char buf[64], out[64];
	bool ok = true;

	EXPECT(copy_to_user(0x800000, "x", 1) == -RC_EFAULT, "kernel thread has no user space");
	me->pml4 = as;
	vm_switch(as);
	memset(buf, 'q', sizeof(buf));
#define CHECK(c)                                                                  \
	do {                                                                      \
		if (!(c)) {                                                       \
			ok = false;                                               \
			ksnprintf(why, sizeof(why), "line %d: %s", __LINE__, #c); \
			goto out;                                                 \
		}                                                                 \
	} while (0)
	CHECK(copy_to_user(0x800ff0, buf, 32) == 0); /* spans two pages */
	CHECK(copy_from_user(out, 0x800ff0, 32) == 0 && memcmp(out, buf, 32) == 0);
	CHECK(copy_to_user(0x900000, buf, 1) == -RC_EFAULT); /* read-only */
	CHECK(copy_from_user(out, 0x900000, 8) == 0);	     /* but readable */
	CHECK(copy_from_user(out, (uint64_t)&npass, 4) == -RC_EFAULT);
	CHECK(copy_to_user((uint64_t)&npass, buf, 4) == -RC_EFAULT);
	CHECK(copy_from_user(out, 0x801ff8, 16) == -RC_EFAULT); /* runs off the end */
	CHECK(copy_from_user(out, ~0ul - 4, 16) == -RC_EFAULT); /* wraps */
	CHECK(copy_from_user(out, 0x800000, 0) == 0);
	/* SMAP: a plain kernel load of a mapped user byte faults; only the copy routine gets through. */
	CHECK(!smap_on || probe_user_read((const void *)0x800ff0) == -RC_EFAULT);
	CHECK(copy_to_user(0x801000, "hello", 6) == 0);
	CHECK(strncpy_from_user(out, 0x801000, sizeof(out)) == 5 && strcmp(out, "hello") == 0);
	CHECK(strncpy_from_user(out, 0x801000, 3) == -RC_EINVAL);
	CHECK(strncpy_from_user(out, 0x10000000, 8) == -RC_EFAULT);

	/* The check passed, then the page vanished: the fixup must yield -EFAULT. */
	CHECK(user_range_ok(0x801000, 16, false));
	uint64_t pa = vm_unmap_user(as, 0x801000);
	CHECK(pa != 0);
	pmm_free(pa);
	CHECK(copy_user_raw(out, (const void *)0x801000, 16) == -RC_EFAULT);
	CHECK(copy_user_raw((void *)0x800ff8, buf, 16) == -RC_EFAULT); /* faults mid-copy */
	CHECK(copy_from_user(out, 0x801000, 16) == -RC_EFAULT);
#undef CHECK
out:
	me->pml4 = 0;
	vm_switch(vm_kernel_pml4());
	vm_destroy(as);
	return ok;
}

/* ---- time ---- */

static bool t_clock(void)
{
	uint64_t a = clock_ns(), b = clock_ns();
	EXPECT(a > 0 && b >= a, "not monotonic: %lu then %lu", a, b);
	uint64_t t0 = timer_ticks(), n0 = clock_ns();
	proc_sleep_ns(30 * 1000000ul);
	uint64_t dt = clock_ns() - n0, dticks = timer_ticks() - t0;
	EXPECT(dt >= 30 * 1000000ul, "slept only %lu ns", dt);
	EXPECT(dt < 500 * 1000000ul, "slept %lu ns", dt);
	EXPECT(dticks >= 2 && dticks <= 50, "%lu ticks in %lu ns", dticks, dt);
	return true;
}

/* ---- processes ---- */

static bool t_hello(void)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, "hello", "test", NULL) > 0, "spawn/wait");
	EXPECT(!PROC_WAS_KILLED(st.status) && PROC_EXIT_CODE(st.status) == 0, "status %x",
	       st.status);
	EXPECT(st.syscalls == 3 && st.sqes == 3, "%lu traps, %lu SQEs (getpid, write, exit)",
	       st.syscalls, st.sqes);
	return true;
}

static bool t_args(void)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, "args", "alpha", "beta", NULL) > 0, "spawn/wait");
	EXPECT(st.status == 0, "status %x", st.status);
	return true;
}

static bool t_exitcode(void)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, "exitcode", NULL) > 0, "spawn/wait");
	EXPECT(st.status == 42, "status %x", st.status);
	return true;
}

/* Traps, SQEs and user-mode interrupts are counted separately and exactly. */
static bool t_transitions(void)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, "traps", "50", NULL) > 0, "spawn/wait");
	EXPECT(st.status == 0, "status %x", st.status);
	EXPECT(st.syscalls == 51 && st.sqes == 51, "%lu traps, %lu SQEs, want 50 NOPs + exit",
	       st.syscalls, st.sqes);
	EXPECT(st.user_faults == 0, "faults %lu", st.user_faults);
	EXPECT(run_prog(&st, "traps", "60", "20", NULL) > 0, "spawn/wait batched");
	EXPECT(st.status == 0, "status %x", st.status);
	EXPECT(st.syscalls == 4 && st.sqes == 61, "%lu traps, %lu SQEs, want 3 + exit, 60 + exit",
	       st.syscalls, st.sqes);
	EXPECT(run_prog(&st, "spin", "s", "50", NULL) > 0, "spawn/wait spin");
	EXPECT(st.user_irqs >= 2, "spin saw %lu timer irqs in user mode", st.user_irqs);
	return true;
}

static bool t_badptr(void)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, "badptr", NULL) > 0, "spawn/wait");
	EXPECT(st.status == 0, "status %x (killed or %d bad results)", st.status,
	       PROC_EXIT_CODE(st.status));
	return true;
}

/* A hostile program dies with the expected vector; the kernel carries on. */
static bool hostile(const char *prog, int vector)
{
	struct proc_stats st;
	EXPECT(run_prog(&st, prog, NULL) > 0, "spawn/wait");
	EXPECT(PROC_WAS_KILLED(st.status), "%s not killed, status %x", prog, st.status);
	EXPECT(PROC_KILL_VECTOR(st.status) == vector, "%s killed by vector %d, want %d", prog,
	       PROC_KILL_VECTOR(st.status), vector);
	EXPECT(st.user_faults == 1, "faults %lu", st.user_faults);
	return true;
}

/* Writing mapped kernel memory is a protection fault (P=1, W=1, U=1), not a miss. */
static bool t_kwrite(void)
{
	struct proc_stats st;
	if (!hostile("kwrite", T_PF))
		return false;
	run_prog(&st, "kwrite", NULL);
	EXPECT(st.fault_err == 7 && st.fault_addr == DIRECT_BASE + 0x100000, "err %lx addr %lx",
	       st.fault_err, st.fault_addr);
	return true;
}
static bool t_priv(void)
{
	return hostile("priv", T_GP);
}
static bool t_unmapped(void)
{
	return hostile("unmapped", T_PF);
}
static bool t_wtext(void)
{
	return hostile("wtext", T_PF);
}
static bool t_xstack(void)
{
	return hostile("xstack", T_PF);
}

/* Hostile programs dying while a bystander runs must not disturb it. */
static bool t_isolation(void)
{
	const char *bystander[] = { "spin", "bystander", "150" };
	int spid = proc_spawn("spin", 3, bystander);
	EXPECT(spid > 0, "spawn spin");
	const char *ring_bystander[] = { "rt_batch" };
	int rpid = proc_spawn("rt_batch", 1, ring_bystander);
	EXPECT(rpid > 0, "spawn rt_batch");
	const char *bad[] = { "kwrite", "priv",	  "unmapped",  "wtext",
			      "xstack", "badptr", "rt_badidx", "rt_validate" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT(proc_spawn(bad[i], 1, &bad[i]) > 0, "spawn %s", bad[i]);
	const char *faulty[] = { "rt_inflight", "fault" };
	EXPECT(proc_spawn("rt_inflight", 2, faulty) > 0, "spawn rt_inflight");
	struct proc_stats st;
	int killed = 0, clean = 0, pid;
	bool spin_ok = false, ring_ok = false;
	while ((pid = proc_wait(-1, &st)) > 0) {
		if (pid == spid)
			spin_ok = st.status == 0;
		else if (pid == rpid)
			ring_ok = st.status == 0;
		else if (PROC_WAS_KILLED(st.status))
			killed++;
		else
			clean += st.status == 0;
	}
	EXPECT(spin_ok, "bystander did not exit cleanly");
	EXPECT(ring_ok, "ring bystander (rt_batch) failed");
	EXPECT(killed == 6, "%d hostile processes killed, want 6", killed);
	EXPECT(clean == 3, "%d hostile ring programs passed their own checks, want 3", clean);
	return true;
}

/* Two CPU-bound processes that never yield both make progress concurrently. */
static bool t_preempt(void)
{
	const char *a[] = { "spin", "a", "100" }, *b[] = { "spin", "b", "100" };
	int pa = proc_spawn("spin", 3, a), pb = proc_spawn("spin", 3, b);
	EXPECT(pa > 0 && pb > 0, "spawn");
	struct proc_stats sa, sb;
	EXPECT(proc_wait(pa, &sa) == pa && proc_wait(pb, &sb) == pb, "wait");
	EXPECT(sa.status == 0 && sb.status == 0, "status %x %x", sa.status, sb.status);
	EXPECT(sa.user_irqs > 0 && sb.user_irqs > 0, "irqs %lu %lu", sa.user_irqs, sb.user_irqs);
	EXPECT(sb.start_ns < sa.end_ns && sa.start_ns < sb.end_ns, "lifetimes do not overlap");
	/* Round-robin: each ran ~100 ms of its own clock within ~200 ms wall. */
	uint64_t wall = (sa.end_ns > sb.end_ns ? sa.end_ns : sb.end_ns) - sa.start_ns;
	EXPECT(wall < 400 * 1000000ul, "took %lu ms", wall / 1000000);
	return true;
}

static bool t_fpu(void)
{
	const char *a[] = { "fpu", "3" }, *b[] = { "fpu", "7" };
	int pa = proc_spawn("fpu", 2, a), pb = proc_spawn("fpu", 2, b);
	EXPECT(pa > 0 && pb > 0, "spawn");
	struct proc_stats sa, sb;
	EXPECT(proc_wait(pa, &sa) == pa && proc_wait(pb, &sb) == pb, "wait");
	EXPECT(sa.status == 0 && sb.status == 0, "status %x %x", sa.status, sb.status);
	return true;
}

/* proc_kill ends a process that never makes a syscall. */
static bool t_kill(void)
{
	const char *argv[] = { "spin", "forever", "0" };
	int pid = proc_spawn("spin", 3, argv);
	EXPECT(pid > 0, "spawn");
	proc_sleep_ns(30 * 1000000ul);
	EXPECT(proc_kill(pid) == 0, "kill");
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == (PROC_KILLED | PROC_KILL_REQUEST), "status %x", st.status);
	EXPECT(proc_kill(pid) == -RC_ESRCH, "kill of reaped pid");
	return true;
}

/* PROC_STATS of another process and KILL (user/tests/rt_pskill.c): in the
 * caller's spawn tree they work, ps and kill with them; a process of
 * another tree (this sleeper, started by the kernel: a tree of its own) can
 * be neither read nor ended. */
static bool t_pskill(void)
{
	const char *argv[] = { "sleeper", "86400000" }; /* a day: only our kill ends it */
	int other = proc_spawn("sleeper", 2, argv);
	EXPECT(other > 0, "spawn");
	char pid[16];
	ksnprintf(pid, sizeof(pid), "%d", other);
	struct proc_stats st;
	int r = run_prog(&st, "rt_pskill", pid, NULL);
	int k = proc_kill(other);
	struct proc_stats so;
	EXPECT(proc_wait(other, &so) == other, "wait sleeper"); /* reaped even if it ended early */
	EXPECT(k == 0 && so.status == (PROC_KILLED | PROC_KILL_REQUEST),
	       "the other tree's sleeper: kill %d, status %x", k, so.status);
	EXPECT(r > 0 && st.status == 0, "rt_pskill: %d, status %x", r, st.status);
	return true;
}

/*
 * `syscall` executed in the last bytes of the user half returns to a
 * non-canonical RIP: the kernel must kill the process, not fault itself.
 */
static bool t_sysret_noncanon(void)
{
	const char *argv[] = { "hello", "-q" };
	int pid = proc_spawn_held("hello", 2, argv);
	EXPECT(pid > 0, "spawn");
	struct proc *p = proc_find(pid); /* not runnable until proc_start */
	uint64_t pa = pmm_alloc();
	EXPECT(pa && vm_map_user(p->pml4, USER_TOP - PAGE_SIZE, pa, VM_EXEC) == 0, "map top page");
	uint8_t *code = P2V(pa);
	code[PAGE_SIZE - 2] = 0x0f; /* syscall */
	code[PAGE_SIZE - 1] = 0x05;
	p->tf->rip = USER_TOP - 2;
	p->tf->rax = RK_TRAP_ENTER; /* enter(0): -EBADF, then the return is refused */
	proc_start(pid);
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == (PROC_KILLED | T_GP), "status %x", st.status);
	EXPECT(st.syscalls == 1, "syscalls %lu", st.syscalls);
	return true;
}

/* Many processes at once; all reaped, no frames or slots leaked. */
static bool t_many(void)
{
	const char *argv[] = { "hello", "-q" };
	int n = 0;
	for (int i = 0; i < 40; i++)
		n += proc_spawn("hello", 2, argv) > 0;
	EXPECT(n == 40, "spawned %d of 40", n);
	struct proc_stats st;
	int reaped = 0, bad = 0;
	while (proc_wait(-1, &st) > 0) {
		reaped++;
		bad += st.status != 0;
	}
	EXPECT(reaped == 40 && bad == 0, "reaped %d, %d bad", reaped, bad);
	EXPECT(proc_wait(-1, NULL) == -RC_ECHILD, "wait with no children");
	return true;
}

/* Orphans (parent exited first) are reaped by the scheduler. */
static int orphan_parent(void *arg UNUSED)
{
	const char *argv[] = { "spin", "orphan", "20" };
	return proc_spawn("spin", 3, argv) > 0 ? 0 : 1;
}

static bool t_orphan(void)
{
	size_t f0 = pmm_free_count();
	int pid = kthread_create("orphan-parent", orphan_parent, NULL);
	EXPECT(pid > 0, "kthread_create");
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid && st.status == 0, "parent status %x", st.status);
	for (int i = 0; i < 50 && pmm_free_count() != f0; i++)
		proc_sleep_ns(10 * 1000000ul);
	EXPECT(pmm_free_count() == f0, "orphan not reaped");
	return true;
}

/* ---- a CPU lets go of a process's page tables as it stops running it ---- */

/*
 * CPU 1 held in its scheduler right after a process left it: a kernel
 * thread on CPU 1 arms CPU 1's pmm_probe and exits; the test makes that
 * zombie an orphan while the process runs on CPU 1, so CPU 1's scheduler,
 * the moment the process switches out, frees the orphan before anything
 * else, and stops in the free of its stack until `go`. The probe stays
 * armed while other code runs on CPU 1 (against pmm_probe's rule): it
 * refuses nothing and stops at that one frame only.
 */
struct cr3_stall {
	struct pmm_probe pr;  /* first: the probe's callbacks are handed it */
	struct proc *zombie;  /* the thread that armed it (atomic) */
	uint64_t kstack;      /* its stack's first frame: the free that stops */
	uint32_t stalled, go; /* atomic */
};

static void stall_free(struct pmm_probe *pr, uint64_t pa, size_t n UNUSED)
{
	struct cr3_stall *s = (struct cr3_stall *)pr;
	if (pa != s->kstack)
		return;
	__atomic_store_n(&s->stalled, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&s->go, __ATOMIC_ACQUIRE)) {
		arch_cpu_relax();
		tlb_service(); /* the exit on CPU 0 shoots down */
	}
	pmm_probe(NULL); /* this CPU's own */
}

static int stall_arm(void *arg)
{
	struct cr3_stall *s = arg;
	s->pr = (struct pmm_probe){ .failed = true /* refuses nothing */, .on_free = stall_free };
	s->kstack = V2P(myproc()->kstack);
	pmm_probe(&s->pr);
	__atomic_store_n(&s->zombie, myproc(), __ATOMIC_RELEASE);
	return 0;
}

static int stall_disarm(void *arg UNUSED)
{
	pmm_probe(NULL);
	return 0;
}

/* What the CPU that frees a PML4 saw as it freed it. */
struct cr3_watch {
	struct pmm_probe pr; /* first */
	uint64_t pml4;
	int loaded; /* aspace_cpu(pml4) at its free; -2: not freed on this CPU */
};

static void watch_free(struct pmm_probe *pr, uint64_t pa, size_t n)
{
	struct cr3_watch *w = (struct cr3_watch *)pr;
	if (w->pml4 >= pa && w->pml4 < pa + n * PAGE_SIZE)
		w->loaded = aspace_cpu(w->pml4);
}

/* Let the calling kernel thread run on cpu only (-1: any), from now on. */
static void pin_self(int cpu)
{
	acquire(&ptable_lock);
	myproc()->cpu_only = cpu;
	release(&ptable_lock);
	yield();
}

/* Busy-wait (this CPU kept, shootdowns answered) until *flag or 10 s. */
static bool spin_until(const uint32_t *flag)
{
	for (uint64_t end = clock_ns() + 10000000000ul; clock_ns() < end;) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return true;
		arch_cpu_relax();
		tlb_service();
	}
	return false;
}

/* Make o an orphan once it is a zombie off its CPU and p runs on CPU 1
 * (busy: this CPU never enters its scheduler, so only CPU 1's claims o,
 * after p leaves it). */
static bool orphan_while_running(struct proc *o, struct proc *p)
{
	for (uint64_t end = clock_ns() + 10000000000ul; clock_ns() < end;) {
		acquire(&ptable_lock);
		bool now = o->state == P_ZOMBIE && !o->on_cpu && p->state == P_RUNNING &&
			   cpus[1].proc == p;
		if (now)
			o->parent = NULL;
		release(&ptable_lock);
		if (now)
			return true;
		arch_cpu_relax();
	}
	return false;
}

/*
 * A process's page tables are loaded on no CPU once it has left it, and
 * none when they are freed: p runs on CPU 1, is preempted, and while
 * CPU 1 is held in its scheduler right after (cr3_stall) p is off every
 * CPU (it could run and exit elsewhere: checked here), then exits on CPU
 * 0, whose free of p's PML4 must find it loaded nowhere. Before the fix a
 * CPU kept the tables of the process it had last run until it ran
 * another or went idle, so another CPU could free them under it.
 */
static bool t_exit_cr3(void)
{
	static struct cr3_stall s;
	static struct cr3_watch w;
	const char *argv[] = { "spin", "forever", "0" };
	EXPECT(ncpu >= 2, "needs two CPUs, has %d", ncpu);
	memset(&s, 0, sizeof(s));
	pin_self(0);
	bool ok = true, orphaned = false;
	int pid = -1, opid = kthread_create_on("cr3-stall", stall_arm, &s, 1);
	struct proc *p = NULL, *o = NULL;
	struct proc_stats st = { 0 };
#define CHECK(c, ...)                                                                \
	do {                                                                         \
		if (!(c)) {                                                          \
			int n_ = ksnprintf(why, sizeof(why), "line %d: ", __LINE__); \
			ksnprintf(why + n_, sizeof(why) - n_, __VA_ARGS__);          \
			ok = false;                                                  \
			goto out;                                                    \
		}                                                                    \
	} while (0)
	CHECK(opid > 0, "kthread_create_on");
	for (int i = 0; i < 1000 && !(o = __atomic_load_n(&s.zombie, __ATOMIC_ACQUIRE)); i++)
		proc_sleep_ns(1000000);
	CHECK(o, "the stall thread did not run on CPU 1");
	pid = proc_spawn_held("spin", 3, argv);
	CHECK(pid > 0, "spawn");
	p = proc_find(pid);
	p->cpu_only = 1;
	proc_start(pid);
	/* From here this thread keeps CPU 0 until it waits for p. */
	orphaned = orphan_while_running(o, p);
	CHECK(orphaned, "p never ran on CPU 1 with the stall thread a zombie");
	CHECK(spin_until(&s.stalled), "CPU 1 never freed the orphan");
	acquire(&ptable_lock);
	bool off = p->state == P_RUNNABLE && !p->on_cpu;
	int cpu = aspace_cpu(p->pml4);
	release(&ptable_lock);
	CHECK(off, "p did not leave CPU 1 (state %d, on_cpu %d)", p->state, p->on_cpu);
	CHECK(cpu < 0,
	      "p has left CPU 1 (it may run and exit on another), "
	      "its page tables are still loaded on CPU %d",
	      cpu);

	/* Exit on CPU 0 while CPU 1 is still held; watch the PML4's free. */
	w = (struct cr3_watch){ .pr = { .failed = true, .on_free = watch_free },
				.pml4 = p->pml4,
				.loaded = -2 };
	acquire(&ptable_lock);
	p->cpu_only = 0;
	release(&ptable_lock);
	pmm_probe(&w.pr);
	proc_kill(pid);
	int waited = proc_wait(pid, &st);
	pmm_probe(NULL);
	pid = -1;
	CHECK(waited > 0 && st.status == (PROC_KILLED | PROC_KILL_REQUEST), "p: status %x",
	      st.status);
	CHECK(!__atomic_load_n(&s.go, __ATOMIC_RELAXED) && w.loaded != -2,
	      "p's PML4 was not freed on CPU 0 while CPU 1 was held");
	CHECK(w.loaded < 0, "p's page tables were freed while loaded on CPU %d", w.loaded);
#undef CHECK
out:
	__atomic_store_n(&s.go, 1, __ATOMIC_RELEASE); /* CPU 1 goes on */
	if (pid > 0) { /* a check failed: p exits (on CPU 1, where it is loaded) */
		proc_kill(pid);
		proc_wait(pid, NULL);
	}
	int d = kthread_create_on("cr3-disarm", stall_disarm, NULL, 1); /* if still armed */
	if (d > 0)
		proc_wait(d, NULL);
	if (opid > 0 && !orphaned)
		proc_wait(opid, NULL);
	pin_self(-1);
	return ok;
}

/* Malformed or hostile ELF images are rejected without leaking frames. */
static bool t_elf_reject(void)
{
	const struct user_prog *up = user_prog_find("hello");
	EXPECT(up, "hello not embedded");
	uint8_t *img = kmalloc(up->size);
	EXPECT(img, "kmalloc");
	bool ok = true;
	uint64_t *entry = (uint64_t *)(img + 24), *phoff = (uint64_t *)(img + 32);
	for (int mode = 0; mode < 7 && ok; mode++) {
		memcpy(img, up->data, up->size);
		uint8_t *ph = img + *phoff; /* first PT_LOAD (text) */
		size_t len = up->size;
		switch (mode) {
		case 0: img[0] = 0; break;				/* magic */
		case 1: *(uint32_t *)(ph + 4) |= 2; break;		/* W+X text */
		case 2: *(uint64_t *)(ph + 16) = KERNEL_BASE; break;	/* kernel vaddr */
		case 3: len = 100; break;				/* truncated */
		case 4: *entry = 0x10000000; break;			/* entry unmapped */
		case 5: *(uint64_t *)(ph + 32) = ~0ul; break;		/* filesz huge */
		case 6: *(uint64_t *)(ph + 16) = 0x7ffffffff000; break; /* over the stack */
		}
		const char *argv[] = { "bad" };
		int r = proc_spawn_elf("bad", img, len, 1, argv);
		if (r != -RC_ENOEXEC) {
			ksnprintf(why, sizeof(why), "mode %d: spawn returned %d", mode, r);
			ok = false;
			if (r > 0)
				proc_wait(r, NULL);
		}
	}
	kfree(img);
	const char *argv[] = { "x" };
	if (ok && proc_spawn("no-such-program", 1, argv) != -RC_ENOEXEC) {
		ksnprintf(why, sizeof(why), "missing program accepted");
		ok = false;
	}
	if (ok && proc_spawn("hello", MAX_ARGS + 1, argv) != -RC_EINVAL) {
		ksnprintf(why, sizeof(why), "too many args accepted");
		ok = false;
	}
	return ok;
}

/* ---- ringcall ---- */

/* The kernel's handler table against the impl column of syscalls.def:
 * every PLATFORM and KERNEL op has a handler, no HOSTED one does. */
static bool t_handlers_agree(void)
{
#define HAS_ENGINE(name)   true
#define HAS_PLATFORM(name) (kernel_handlers.name != NULL)
#define HAS_KERNEL(name)   (kernel_handlers.name != NULL)
#define HAS_HOSTED(name)   (kernel_handlers.name != NULL)
#define HAS_OTHER(name)	   (kernel_handlers.name != NULL)
#define HAS_IPC(name)	   (kernel_handlers.ipc != NULL)
#define WANT_ENGINE	   true
#define WANT_PLATFORM	   true
#define WANT_KERNEL	   true
#define WANT_HOSTED	   false
#define WANT_OTHER	   false
#define WANT_IPC	   true /* kring.c gives the engine its cross-ring hooks */
#define RC_SYSCALL(name, NAME, num, target, rights, impl, doc)                       \
	EXPECT(HAS_##impl(name) == WANT_##impl, "%s (%s): handler %s", #NAME, #impl, \
	       HAS_##impl(name) ? "present" : "missing");
#include "ringcall/syscalls.def"
#undef RC_SYSCALL
	EXPECT(kernel_handlers.close_object, "no close_object");
	return true;
}

/*
 * A wakeup wakes one idle CPU (smp.c kick_pick), on fake CPUs: an idle
 * one other than the waker, and a second process made runnable before
 * the first CPU woke wakes another; a process pinned to a CPU wakes that
 * one, none if it is busy (it scans when it is done), and another idle
 * one if it was kicked already for another process (which it may run
 * first, leaving the other for nobody); none when none is idle.
 */
static bool t_kick_one(void)
{
	static struct cpu cs[3];
	memset(cs, 0, sizeof(cs));
	cs[0].idle = cs[1].idle = cs[2].idle = true; /* cs[0] is "me": never picked */
	EXPECT(kick_pick(cs, 3, &cs[0], 2) == 2 && !cs[2].idle && cs[1].idle, "pinned to 2");
	EXPECT(kick_pick(cs, 3, &cs[0], 0) == -1 && cs[1].idle, "pinned to the waker");
	EXPECT(kick_pick(cs, 3, &cs[0], 2) == 1 && !cs[1].idle,
	       "pinned to 2, 2 already kicked: another idle CPU for what 2 leaves");
	EXPECT(kick_pick(cs, 3, &cs[0], -1) == -1, "any: none idle");
	cs[1].idle = cs[2].idle = true;
	cs[1].kicked = cs[2].kicked = false;
	EXPECT(kick_pick(cs, 3, &cs[0], 7) == 1, "pinned out of range: any");
	EXPECT(kick_pick(cs, 3, &cs[0], 7) == 2, "a second wakeup: another CPU");
	cs[1].idle = true;
	cs[2].kicked = false; /* 2 woke and scanned: busy now */
	EXPECT(kick_pick(cs, 3, &cs[0], 2) == -1 && cs[1].idle, "pinned to a busy CPU: none");
	EXPECT(kick_pick(cs, 3, &cs[0], -1) == 1 && !cs[1].idle, "any: the first idle");
	return true;
}

/*
 * The porting hooks from a foreign context (this kernel thread, kernel
 * CR3) on a process that has not run yet: checks against its page tables,
 * page-crossing copies in its address space, CR3 restored, a page that
 * is gone refused.
 */
static bool t_port_copy(void)
{
	const char *argv[] = { "hello", "-q" };
	int pid = proc_spawn_held("hello", 2, argv);
	EXPECT(pid > 0, "spawn");
	struct proc *p = proc_find(pid); /* not runnable until proc_start */
	struct rce_ctx *ctx = &p->rk.ctx;
	uint64_t low = USTACK_TOP - 8 * PAGE_SIZE, cr3 = arch_aspace();
	char out[32];
	bool ok = true;
#define CHECK(c)                                                                  \
	do {                                                                      \
		if (!(c)) {                                                       \
			ok = false;                                               \
			ksnprintf(why, sizeof(why), "line %d: %s", __LINE__, #c); \
			goto out;                                                 \
		}                                                                 \
	} while (0)
	/* Page 0, never mapped, asked twice: the second time the cache is
	 * of the current generation with page 0's slot empty (tag 0), which
	 * must match no page (usercopy.c UC_VALID). */
	CHECK(rce_port_user_ptr(ctx, 8, 8, 0) == NULL);
	CHECK(rce_port_user_ptr(ctx, 8, 8, 0) == NULL);
	CHECK(rce_port_copy_in(ctx, out, 8, 8) == -RC_EFAULT);
	CHECK(rce_port_user_ptr(ctx, low - 8, 16, 1) != NULL);
	CHECK(rce_port_user_ptr(ctx, 0x400000, 16, 0) != NULL);	       /* text: readable */
	CHECK(rce_port_user_ptr(ctx, 0x400000, 16, 1) == NULL);	       /* not writable */
	CHECK(rce_port_user_ptr(ctx, RK_RING0_ADDR, 4096, 1) != NULL); /* its ring */
	CHECK(rce_port_user_ptr(ctx, 0x10000000, 8, 0) == NULL);       /* unmapped */
	CHECK(rce_port_user_ptr(ctx, KERNEL_BASE + 0x100000, 8, 0) == NULL);
	CHECK(rce_port_user_ptr(ctx, DIRECT_BASE, 8, 0) == NULL);
	CHECK(rce_port_user_ptr(ctx, USER_TOP - 8, 16, 0) == NULL);
	CHECK(rce_port_copy_out(ctx, low - 8, "0123456789abcdef", 16) == 0);
	CHECK(arch_aspace() == cr3);
	CHECK(rce_port_copy_in(ctx, out, low - 8, 16) == 0 &&
	      memcmp(out, "0123456789abcdef", 16) == 0);
	/* The check's pointer (what the engine copies a small buffer
	 * through): a range within one page, now cached, is its bytes in the
	 * direct map at its own offset; one over two pages is none (they are
	 * not contiguous there), nor one not checked yet (a miss), but both
	 * pass. */
	{
		const char *k0 = rce_port_user_ptr(ctx, low, 8, 0);
		const char *k3 = rce_port_user_ptr(ctx, low + 3, 5, 1);
		CHECK(rce_port_user_ptr(ctx, low - 8, 16, 0) == RCE_PORT_CHECKED);
		CHECK(rce_port_user_ptr(ctx, low - 1, 2, 1) == RCE_PORT_CHECKED);
		CHECK(k0 != NULL && k0 != RCE_PORT_CHECKED && memcmp(k0, "89abcdef", 8) == 0);
		CHECK(k3 == k0 + 3);
		uc_forget(p); /* the process has not run: nobody else uses its slots */
		CHECK(rce_port_user_ptr(ctx, low, 8, 0) == RCE_PORT_CHECKED); /* walked */
		CHECK(rce_port_user_ptr(ctx, low, 8, 0) == k0);		      /* cached by it */
	}
	/* Within one cached page (the check above filled page low's slot),
	 * every size of a hit's copy (8 to 16 bytes as two moves that may
	 * overlap, others eight at a time and a tail) at an odd offset:
	 * each byte lands, none next to it changes, both ways. */
	for (uint32_t n = 1; n <= 32; n++) {
		char fill[48], pat[32], got[48];
		for (uint32_t i = 0; i < sizeof(fill); i++)
			fill[i] = (char)(0xa0 + i);
		for (uint32_t i = 0; i < n; i++)
			pat[i] = (char)(n * 7 + i);
		CHECK(rce_port_copy_out(ctx, low + 99, fill, sizeof(fill)) == 0);
		CHECK(rce_port_copy_out(ctx, low + 107, pat, n) == 0);
		memset(got, 0x55, sizeof(got));
		CHECK(rce_port_copy_in(ctx, got, low + 99, sizeof(got)) == 0);
		CHECK(memcmp(got, fill, 8) == 0 && memcmp(got + 8, pat, n) == 0 &&
		      memcmp(got + 8 + n, fill + 8 + n, sizeof(got) - 8 - n) == 0);
		memset(got, 0x55, sizeof(got));
		CHECK(rce_port_copy_in(ctx, got + 8, low + 107, n) == 0);
		CHECK(got[7] == 0x55 && memcmp(got + 8, pat, n) == 0 && got[8 + n] == 0x55);
	}
	CHECK(rce_port_copy_out(ctx, 0x400000, "x", 1) == -RC_EFAULT);
	CHECK(rce_port_copy_in(ctx, out, 0x10000000, 8) == -RC_EFAULT);
	CHECK(rce_port_copy_in(ctx, out, KERNEL_BASE + 0x100000, 8) == -RC_EFAULT);
	uint64_t pa = vm_unmap_user(p->pml4, low);
	CHECK(pa != 0);
	uc_forget(p); /* as every remover of p's mappings does, under p's rk lock */
	pmm_free(pa);
	CHECK(rce_port_copy_in(ctx, out, low - 8, 16) == -RC_EFAULT); /* the second page is gone */
	CHECK(rce_port_copy_out(ctx, low + 8, "y", 1) == -RC_EFAULT);
	CHECK(arch_aspace() == cr3);
	/* A ring's region, its translation cached by a check and a copy,
	 * then the ring closed (as CLOSE does): the region is unmapped and
	 * its translation must be gone with it (kring_unmap's uc_forget).
	 * Asked from page 0 too, whose slot shares no page with it. */
	{
		const uint64_t ra = 0x30000000;
		rk_lock(p);
		int32_t h = kring_create(p, ra, 8, 16, 0);
		void *before = h > 0 ? rce_port_user_ptr(ctx, ra, 64, 1) : NULL;
		int copied = h > 0 ? rce_port_copy_out(ctx, ra + 8, "z", 1) : -1;
		struct kring *kr = h > 0 ? kring_get(p, (uint32_t)h) : NULL;
		if (kr) {
			rce_handle_remove(ctx, (uint32_t)h);
			kring_close(kr);
			kring_put(kr); /* kring_get's: the last one, the ring goes */
		}
		void *after = rce_port_user_ptr(ctx, ra, 64, 1);
		int after_copy = rce_port_copy_out(ctx, ra + 8, "z", 1);
		rk_unlock(p);
		CHECK(h > 0 && before != NULL && copied == 0);
		CHECK(after == NULL && after_copy == -RC_EFAULT);
	}
#undef CHECK
out:;
	proc_start(pid);
	struct proc_stats st;
	if (proc_wait(pid, &st) != pid || st.status != 0) {
		ksnprintf(why, sizeof(why), "hello -q status %x", st.status);
		ok = false;
	}
	return ok;
}

/* ---- MAP's undo and UNMAP: frames freed only after a shootdown ---- */

#define MW_PAGES 100 /* the range: two of UNMAP's 64-page batches */

/* What a pmm_probe saw of one MAP or UNMAP by p: the frames mapped in
 * [addr, addr + MW_PAGES pages) when the probe looked (mw_snapshot), and
 * how many of them were freed, and freed before this CPU had completed a
 * TLB shootdown since. */
struct map_watch {
	struct pmm_probe pr; /* first: the probe's callbacks are handed it */
	struct proc *p;
	uint64_t addr;
	uint64_t frames[MW_PAGES];
	uint32_t nframes;
	uint64_t shot;	       /* tlb_shootdowns() when the frames were noted */
	uint32_t freed, early; /* of frames[]: freed; freed with no shootdown since */
};

/* Note the frames mapped in the range, and the shootdowns so far. */
static void mw_snapshot(struct pmm_probe *pr)
{
	struct map_watch *w = (struct map_watch *)pr;
	w->nframes = w->freed = w->early = 0;
	for (uint32_t i = 0; i < MW_PAGES; i++) {
		uint64_t pa = vm_translate(w->p->pml4, w->addr + (uint64_t)i * PAGE_SIZE);
		if (pa != (uint64_t)-1)
			w->frames[w->nframes++] = pa;
	}
	w->shot = tlb_shootdowns();
}

/* n frames from pa are being freed: count those that were mapped. */
static void mw_free(struct pmm_probe *pr, uint64_t pa, size_t n)
{
	struct map_watch *w = (struct map_watch *)pr;
	for (uint32_t i = 0; i < w->nframes; i++) {
		if (w->frames[i] >= pa && w->frames[i] < pa + n * PAGE_SIZE) {
			w->freed++;
			w->early += tlb_shootdowns() == w->shot;
		}
	}
}

/* MAP (RC_MAP_WRITE) or UNMAP of pages pages at w->addr, run for w->p as
 * its ring would run it (under its rk lock), with w's probe armed: a MAP
 * is refused its frame after allocs_ok allocations. */
static int32_t mw_call(struct map_watch *w, bool unmap, uint32_t pages, uint32_t allocs_ok)
{
	struct rce_call c = { .ctx = &w->p->rk.ctx };
	w->pr = (struct pmm_probe){ .allocs_ok = allocs_ok,
				    .on_fail = mw_snapshot,
				    .on_free = mw_free };
	w->nframes = 0;
	rk_lock(w->p);
	pmm_probe(&w->pr);
	int32_t r;
	if (unmap) {
		mw_snapshot(&w->pr);
		struct rce_args_unmap a = { .addr = w->addr, .pages = pages };
		r = kernel_handlers.unmap(&c, &a);
	} else {
		struct rce_args_map a = { .addr = w->addr, .pages = pages, .flags = RC_MAP_WRITE };
		r = kernel_handlers.map(&c, &a);
	}
	pmm_probe(NULL);
	rk_unlock(w->p);
	return r;
}

/* Is no page of [addr, addr + pages pages) mapped in p? */
static bool mw_unmapped(struct proc *p, uint64_t addr, uint32_t pages)
{
	for (uint32_t i = 0; i < pages; i++) {
		pte_t *pte = vm_walk(p->pml4, addr + (uint64_t)i * PAGE_SIZE, false);
		if (pte && (*pte & PTE_P))
			return false;
	}
	return true;
}

/* map_undo_frees_after_shootdown's checks on the held process w->p. */
static bool map_undo_checks(struct map_watch *w)
{
	const uint64_t base = 0x50000000; /* a 2 MiB region hello leaves alone */
	struct proc *p = w->p;
	/* UNMAP, 100 pages: each frame freed after a shootdown. The page
	 * tables the MAP made stay: the frame counts below are of pages. */
	w->addr = base;
	EXPECT(mw_call(w, false, MW_PAGES, UINT32_MAX) == 0, "map");
	EXPECT(mw_call(w, true, MW_PAGES, 0) == 0, "unmap");
	EXPECT(w->nframes == MW_PAGES && w->freed == MW_PAGES, "unmap freed %u of %u", w->freed,
	       w->nframes);
	EXPECT(w->early == 0, "unmap freed %u frames before a shootdown", w->early);

	/* MAP refused its 81st frame: 80 pages were mapped, p may have
	 * touched them (on another CPU). */
	size_t f0 = pmm_free_count();
	uint32_t charged0 = p->rk.frames;
	int32_t r = mw_call(w, false, MW_PAGES, 80);
	EXPECT(r == -RC_ENOMEM && w->pr.failed, "map: %d (failed %d)", r, w->pr.failed);
	EXPECT(w->nframes == 80, "%u pages mapped when the frame was refused", w->nframes);
	EXPECT(mw_unmapped(p, w->addr, MW_PAGES), "a page stays mapped");
	EXPECT(pmm_free_count() == f0, "leaked %ld frames", (long)(f0 - pmm_free_count()));
	EXPECT(p->rk.frames == charged0, "charge %u, was %u", p->rk.frames, charged0);
	EXPECT(w->freed == 80, "freed %u of the 80 frames", w->freed);
	EXPECT(w->early == 0, "map's undo freed %u of 80 frames before a shootdown", w->early);

	/* MAP across into the next 2 MiB, whose page table is refused
	 * (vm_map_user fails) after 50 pages were mapped: the same, but the
	 * table it was charged for stays charged (until exit: docs/kernel.md). */
	w->addr = base + (512 - 50) * PAGE_SIZE;
	uint32_t tables = vm_tables_needed(p->pml4, w->addr, MW_PAGES);
	EXPECT(tables == 1, "tables needed %u", tables);
	r = mw_call(w, false, MW_PAGES, 51); /* 50 pages, the 51st's frame, then its table */
	EXPECT(r == -RC_ENOMEM && w->pr.failed, "map: %d (failed %d)", r, w->pr.failed);
	EXPECT(w->nframes == 50, "%u pages mapped when the table was refused", w->nframes);
	EXPECT(mw_unmapped(p, w->addr, MW_PAGES), "a page stays mapped");
	EXPECT(pmm_free_count() == f0, "leaked %ld frames", (long)(f0 - pmm_free_count()));
	EXPECT(p->rk.frames == charged0 + tables, "charge %u, was %u", p->rk.frames, charged0);
	EXPECT(w->freed == 50, "freed %u of the 50 frames", w->freed);
	EXPECT(w->early == 0, "map's undo freed %u of 50 frames before a shootdown", w->early);
	return true;
}

/*
 * MAP failing partway (a frame or a page table refused: pmm_probe) undoes
 * what it mapped as UNMAP does: -ENOMEM, no page of the range mapped,
 * every frame back, the charge back, and each frame it had mapped freed
 * only once this CPU completed a TLB shootdown after mapping it: p may
 * run on another CPU meanwhile (MAP from the poller, or from another
 * context) with the pages' translations in its TLB.
 */
static bool t_map_undo(void)
{
	const char *argv[] = { "hello", "-q" };
	int pid = proc_spawn_held("hello", 2, argv);
	EXPECT(pid > 0, "spawn");
	struct map_watch w = { .p = proc_find(pid) }; /* not runnable until proc_start */
	bool ok = map_undo_checks(&w);
	proc_start(pid);
	struct proc_stats st;
	if (proc_wait(pid, &st) != pid || st.status != 0) {
		if (ok)
			ksnprintf(why, sizeof(why), "hello -q status %x", st.status);
		ok = false;
	}
	return ok;
}

/* A user test program: passes if it exits 0 (its checks report over the console). */
static bool user_test(const char *prog, const char *arg)
{
	struct proc_stats st;
	int pid = run_prog(&st, prog, arg, NULL);
	EXPECT(pid > 0, "spawn/wait %s: %d", prog, pid);
	EXPECT(!PROC_WAS_KILLED(st.status), "%s killed by trap %d", prog,
	       PROC_KILL_VECTOR(st.status));
	EXPECT(st.status == 0, "%s: %d failed checks", prog, PROC_EXIT_CODE(st.status));
	return true;
}

/* The trap keeps every register but rax, rcx, r11, enter's light way
 * included (rt_regs). */
static bool t_rt_regs(void)
{
	return user_test("rt_regs", NULL);
}
static bool t_rt_basic(void)
{
	return user_test("rt_basic", NULL);
}
static bool t_rt_batch(void)
{
	return user_test("rt_batch", NULL);
}
static bool t_rt_timeout(void)
{
	return user_test("rt_timeout", NULL);
}
static bool t_rt_ring(void)
{
	return user_test("rt_ring", NULL);
}
static bool t_rt_map(void)
{
	return user_test("rt_map", NULL);
}
static bool t_rt_spawn(void)
{
	return user_test("rt_spawn", NULL);
}
static bool t_rt_validate(void)
{
	return user_test("rt_validate", NULL);
}
static bool t_rt_badidx(void)
{
	return user_test("rt_badidx", NULL);
}
static bool t_rt_spawnlim(void)
{
	return user_test("rt_spawnlim", NULL);
}
static bool t_tstorm_strict(void)
{
	return user_test("rt_tstorm", "strict");
}
static bool t_rt_userlib(void)
{
	return user_test("rt_userlib", NULL);
}
/* The file server loads the boot archive the build linked into it. */
static bool t_fs_archive(void)
{
	return user_test("fs", "selftest");
}
/* init starts the file server and rt_fs, which works with files through it. */
static bool t_fs_session(void)
{
	return user_test("init", "rt_fs");
}
/* rc_prep_open/read/write/close reach the file server (user/lib/rfile.c). */
static bool t_fs_ring_files(void)
{
	return user_test("init", "rt_files");
}
/* The same on a polled ring (RC_SETUP_POLL): translated before the
 * poller can see the entries, with the same results. */
static bool t_fs_ring_files_poll(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "rt_files", "poll", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init rt_files poll: status %x", st.status);
	return true;
}
/* The file server dies with a client connected: the client's next
 * request gets -EPIPE, init restarts the server, the client reconnects. */
static bool t_fs_restart(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "-d", "5", "rt_fs", "restart", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init -d 5 rt_fs restart: status %x", st.status);
	return true;
}

/* init -h 4: the server stops answering after 4 requests; rt_fs parks
 * calls on two connections, then kills it: each call ends -EPIPE, none
 * hangs, a new connection from init works, a file handle from before
 * answers -EPIPE. */
static bool t_fs_kill_inflight(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "-h", "4", "rt_fs", "killheld", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init -h 4 rt_fs killheld: status %x", st.status);
	return true;
}

/* SPAWN from memory: an image read from the file server runs; prefixes,
 * broken headers, garbage, bad pointers are refused (user/tests/rt_spawnimg.c). */
static bool t_spawn_image(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "rt_spawnimg", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init rt_spawnimg: status %x", st.status);
	return true;
}

/* init starts the shell on a script of commands (user/etc/test.sh). */
static bool t_shell_script(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "sh", "/etc/test.sh", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init sh /etc/test.sh: status %x", st.status);
	return true;
}

/* The shell kills the file server while reread (in the background) reads:
 * reread gets -EPIPE and reads again through a new connection, the shell
 * reconnects too, and its next commands work (user/etc/restart.sh). */
static bool t_shell_fs_kill(void)
{
	struct proc_stats st;
	int pid = run_prog(&st, "init", "sh", "/etc/restart.sh", NULL);
	EXPECT(pid > 0, "spawn/wait init: %d", pid);
	EXPECT(st.status == 0, "init sh /etc/restart.sh: status %x", st.status);
	return true;
}

/* Wait (bounded) until n CONSOLE_READs are parked. */
static bool readers(int n)
{
	for (int i = 0; i < 300; i++) {
		if (console_readers() == n)
			return true;
		proc_sleep_ns(1000000);
	}
	return false;
}

/* The test types what rt_conread waits for, when it waits for it. */
static bool t_rt_conread(void)
{
	console_flush();
	const char *argv[] = { "rt_conread" };
	int pid = proc_spawn("rt_conread", 1, argv);
	EXPECT(pid > 0, "spawn");
	EXPECT(readers(1), "no read parked (1)");
	console_inject("hello\n", 6);
	EXPECT(readers(2), "two reads not parked");
	console_inject("abcdefg", 7);
	EXPECT(readers(1), "no read parked (3)");
	console_inject("xyz", 3);
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == 0, "status %x", st.status);
	EXPECT(console_readers() == 0, "%d reads still parked", console_readers());
	return true;
}

/* Exit, or die of a fault, with everything in flight: nothing leaks (the
 * frame count is checked by run), no parked read survives its ring. */
static bool inflight(const char *mode, int want)
{
	struct proc_stats st;
	int pid = run_prog(&st, "rt_inflight", mode, NULL);
	EXPECT(pid > 0, "spawn/wait");
	EXPECT(st.status == want, "status %x, want %x", st.status, want);
	EXPECT(console_readers() == 0, "a dead process's read is still parked");
	console_inject("z", 1); /* nobody may receive it */
	console_flush();
	return true;
}

static bool t_exit_inflight(void)
{
	return inflight(NULL, 0);
}
static bool t_fault_inflight(void)
{
	return inflight("fault", PROC_KILLED | T_PF);
}

/* A process asleep in enter (waiting for a 10 s TIMEOUT) can be killed. */
static bool t_kill_blocked(void)
{
	const char *argv[] = { "sleeper", "10000" };
	int pid = proc_spawn("sleeper", 2, argv);
	EXPECT(pid > 0, "spawn");
	struct proc *p = proc_find(pid);
	for (int i = 0; i < 100 && p->state != P_SLEEPING; i++)
		proc_sleep_ns(1000000);
	EXPECT(p->state == P_SLEEPING, "not asleep in enter");
	EXPECT(proc_kill(pid) == 0, "kill");
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == (PROC_KILLED | PROC_KILL_REQUEST), "status %x", st.status);
	EXPECT(st.syscalls == 1, "%lu traps", st.syscalls);
	return true;
}

/* ---- object lifetimes (issue 9) ---- */

/* A live child of parent named prog, or 0. */
static int child_named(struct proc *parent, const char *prog)
{
	int pid = 0;
	acquire(&ptable_lock);
	for (int i = 0; i < NPROC && !pid; i++) {
		struct proc *c = proc_at(i);
		if (c->parent == parent && c->state != P_UNUSED && c->state != P_ZOMBIE &&
		    c->state != P_REAPING && strcmp(c->name, prog) == 0)
			pid = c->pid;
	}
	release(&ptable_lock);
	return pid;
}

/* Defect 1: rt_closechain parks WAIT(child) -LINK-> CLOSE(B); once the
 * WAIT is parked the test kills the child, whose exit completes the chain
 * and closes B from outside any enter. */
static bool closechain(const char *mode)
{
	const char *argv[] = { "rt_closechain", mode };
	int pid = proc_spawn("rt_closechain", 2, argv);
	EXPECT(pid > 0, "spawn: %d", pid);
	struct proc *p = proc_find(pid);
	int child = 0;
	for (int i = 0; i < 500; i++) {
		child = child_named(p, "sleeper");
		if (child && __atomic_load_n(&p->rk.waits.first, __ATOMIC_ACQUIRE))
			break;
		proc_sleep_ns(1000000);
	}
	EXPECT(child && p->rk.waits.first, "no WAIT parked (child %d)", child);
	EXPECT(proc_kill(child) == 0, "kill %d", child);
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == 0, "rt_closechain %s: status %x", mode, st.status);
	return true;
}

static bool t_closechain_full(void)
{
	return closechain("full");
}
static bool t_closechain_room(void)
{
	return closechain("room");
}

/* Defect 2: CLOSE from a polled ring racing enter on the closed ring. */
static bool t_rt_closerace(void)
{
	return user_test("rt_closerace", NULL);
}

/* Defect 3: rt_exitchain's chain after EXIT(7) is completed by the timer
 * tick (a parked read fed the byte queued here, or TIMEOUT(count 1)
 * counting a 20 ms TIMEOUT's expiry). Nothing after EXIT may run: no
 * console bytes, no spawn (the probe gets the next pid). */
static bool exitchain(const char *mode)
{
	console_flush();
	const char *argv[] = { "rt_exitchain", mode };
	uint64_t bytes0 = console_written();
	int pid = proc_spawn("rt_exitchain", mode ? 2 : 1, argv);
	EXPECT(pid > 0, "spawn: %d", pid);
	if (!mode) {
		EXPECT(readers(1), "no read parked");
		console_queue("x", 1); /* fed by the next tick */
	}
	struct proc_stats st;
	EXPECT(proc_wait(pid, &st) == pid, "wait");
	EXPECT(st.status == 7, "status %x, want 7", st.status);
	EXPECT(console_written() == bytes0, "%lu bytes written after EXIT",
	       (unsigned long)(console_written() - bytes0));
	const char *hargv[] = { "hello", "-q" };
	int probe = proc_spawn("hello", 2, hargv);
	EXPECT(probe > 0 && proc_wait(probe, NULL) == probe, "probe");
	EXPECT(probe == pid + 1, "a process was spawned after EXIT (probe pid %d, want %d)", probe,
	       pid + 1);
	return true;
}

static bool t_exitchain(void)
{
	return exitchain(NULL);
}
static bool t_exitchain_count(void)
{
	return exitchain("count");
}

/* ---- limits (issue 9, defect 5) ---- */

/* Live processes named prog, and how many of them are asleep. */
static int count_named(const char *prog, int *asleep)
{
	int n = 0;
	*asleep = 0;
	acquire(&ptable_lock);
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = proc_at(i);
		if (c->state == P_UNUSED || c->state == P_ZOMBIE || c->state == P_REAPING ||
		    strcmp(c->name, prog) != 0)
			continue;
		n++;
		*asleep += c->state == P_SLEEPING;
	}
	release(&ptable_lock);
	return n;
}

/* Kill every live process named prog. */
static void kill_named(const char *prog)
{
	for (int i = 0; i < NPROC; i++) {
		struct proc *c = proc_at(i);
		int pid = c->pid;
		if (c->state != P_UNUSED && strcmp(c->name, prog) == 0)
			proc_kill(pid);
	}
}

/* A spawn tree that takes all it can (rt_hog hog: processes, frames,
 * rings, parked reads) must hit its limits with clean errors and leave
 * a bystander able to spawn, map and complete requests. */
static bool t_hog(void)
{
	const char *argv[] = { "rt_hog", "hog" };
	int root = proc_spawn("rt_hog", 2, argv);
	EXPECT(root > 0, "spawn hog: %d", root);
	/* Grown: every hog asleep (the last step), and no new one for 100 ms. */
	int n = 0, asleep = 0, stable = 0;
	for (int i = 0; i < 3000 && stable < 20; i++) {
		int before = n;
		n = count_named("rt_hog", &asleep);
		stable = n == before && asleep == n ? stable + 1 : 0;
		proc_sleep_ns(5 * 1000000ul);
	}
	uint32_t procs, frames;
	tree_usage(proc_find(root), &procs, &frames);
	kprintf("  hog tree: %d processes asleep, %u slots, %u frames charged, %lu frames free\n",
		asleep, procs, frames, (unsigned long)pmm_free_count());
	bool grown = stable >= 20 && procs == TREE_PROCS && frames > TREE_FRAMES - 64;
	struct proc_stats st;
	int by = grown ? run_prog(&st, "rt_hog", "bystander", NULL) : -1;
	kill_named("rt_hog");
	struct proc_stats hs;
	EXPECT(proc_wait(root, &hs) == root, "wait hog");
	EXPECT(grown, "hog tree did not reach its limits: %d of %d asleep, %u slots, %u frames",
	       asleep, n, procs, frames);
	EXPECT(by > 0, "bystander: spawn/wait %d", by);
	EXPECT(st.status == 0, "bystander status %x", st.status);
	EXPECT(hs.status == (PROC_KILLED | PROC_KILL_REQUEST), "hog root status %x", hs.status);
	return true;
}

/* ---- the kernel poller ---- */

/* rt_poll counts traps: the poller must not fall asleep in the middle
 * because a loaded host stalled a vCPU past the 50 ms idle timeout. */
static bool t_rt_poll(void)
{
	kpoll_set_idle_ns(10 * 1000000000ul);
	bool ok = user_test("rt_poll", NULL);
	kpoll_set_idle_ns(0);
	return ok;
}

/* Wait (10 s: a hang guard) until n CONSOLE_READs are parked and the
 * poller sleeps: from then on only a kick wakes it. */
static bool parked_with_poller_asleep(int n)
{
	for (int i = 0; i < 10000; i++) {
		struct kpoll_stats k;
		kpoll_stats(&k);
		if (console_readers() == n && k.asleep)
			return true;
		proc_sleep_ns(1000000);
	}
	return false;
}

/* The sleep/wake edge: a 2 ms idle timeout and submissions around it; in
 * every tenth round rt_pollwake parks a read and submits once this test,
 * having seen the poller asleep, types a byte: so the poller sleeps and is
 * woken by a doorbell at least that often, whatever the host's load. No
 * CQE may be lost (rt_pollwake fails on one). */
static bool t_pollwake(void)
{
	struct kpoll_stats k0, k1;
	struct proc_stats st;
	int asleep = 0;
	console_flush();
	kpoll_stats(&k0);
	kpoll_set_idle_ns(2 * 1000000ul);
	const char *argv[] = { "rt_pollwake", "300", "2000" };
	int pid = proc_spawn("rt_pollwake", 3, argv);
	for (; pid > 0 && asleep < 30 && parked_with_poller_asleep(1); asleep++)
		console_inject("g", 1);
	int w = pid > 0 ? proc_wait(pid, &st) : pid;
	kpoll_set_idle_ns(0);
	kpoll_stats(&k1);
	EXPECT(w > 0 && w == pid, "spawn/wait: %d", w);
	EXPECT(st.status == 0, "status %x", st.status);
	EXPECT(asleep == 30, "round %d: no read parked with the poller asleep", asleep * 10 + 9);
	EXPECT(k1.wakes - k0.wakes >= 30, "the poller was woken %lu times, not 30",
	       (unsigned long)(k1.wakes - k0.wakes));
	EXPECT(k1.kicks - k0.kicks >= 30, "%lu doorbells reached the kernel, not 30",
	       (unsigned long)(k1.kicks - k0.kicks));
	return true;
}

/* Two CPUs, four processes (two polled rings, two entered) each keeping
 * 200 requests in flight: every submission gets exactly one completion
 * (the programs check), and every frame comes back (run checks). */
static bool t_stress(void)
{
	static const char *const modes[] = { "poll", "enter", "poll", "enter" };
	int pids[4];
	for (int i = 0; i < 4; i++) {
		const char *argv[] = { "rt_stress", modes[i], "60000", "200" };
		pids[i] = proc_spawn("rt_stress", 4, argv);
		EXPECT(pids[i] > 0, "spawn %d: %d", i, pids[i]);
	}
	for (int i = 0; i < 4; i++) {
		struct proc_stats st;
		EXPECT(proc_wait(pids[i], &st) == pids[i], "wait %d", i);
		EXPECT(st.status == 0, "rt_stress %s: status %x", modes[i], st.status);
		EXPECT(st.sqes >= 60000, "rt_stress %s: %lu SQEs", modes[i], st.sqes);
	}
	return true;
}

/* ---- channels between processes (user/tests/rt_ipc.c) ---- */

/* Each mode is a parent and a child it starts with handles; run() checks
 * every frame came back (messages, channels, handles in flight at a
 * death included). */
static bool t_ipc_basic(void)
{
	return user_test("rt_ipc", "basic");
}
static bool t_ipc_death(void)
{
	return user_test("rt_ipc", "death");
}
static bool t_ipc_full(void)
{
	return user_test("rt_ipc", "full");
}
static bool t_ipc_fault(void)
{
	return user_test("rt_ipc", "fault");
}
static bool t_ipc_backlog(void)
{
	return user_test("rt_ipc", "backlog");
}
static bool t_ipc_call(void)
{
	return user_test("rt_ipc", "call");
}

/* Is p asleep in enter, waiting for CQEs on one of its rings? (ptable_lock) */
static bool asleep_in_enter(struct proc *p)
{
	return p->state == P_SLEEPING && (char *)p->chan >= (char *)p->rk.rings &&
	       (char *)p->chan < (char *)(p->rk.rings + PROC_RINGS);
}

/* Wait, spinning (CPU 0's tick may be stopped: no sleep), up to ns for p
 * to have taken `sqes` SQEs in all; true if it did. */
static bool spin_for_sqes(struct proc *p, uint64_t sqes, uint64_t ns)
{
	uint64_t end = clock_ns() + ns;
	while (__atomic_load_n(&p->stats.sqes, __ATOMIC_RELAXED) < sqes)
		if (clock_ns() > end)
			return false;
	return true;
}

/*
 * kring_wait delivers the rings it finds marked before it sleeps (kring.c,
 * "No lost wakeup" (b)). rt_ipc callwake makes a CALL and waits for the
 * reply in the same enter, to a server asleep with its receive parked:
 * the send marks the server's ring, and nothing but the caller's own wait
 * is left to deliver it. The caller and the server run on CPU 0 only, the
 * tick's CPU (the caller's enter has interrupts off: no tick delivers
 * meanwhile); the byte that starts the call is handed out by the tick,
 * on CPU 0 too; this thread holds CPU 1 and takes no rk lock (an
 * rk_unlock there would deliver), and the poller, the only other thread
 * of CPU 1, is asleep with nothing to kick it. A wait that does not
 * deliver before it sleeps leaves CPU 0 in the caller's enter for ever
 * (it spins while a ring is marked, or sleeps with the reply never
 * coming): after 5 s (the call takes microseconds) this thread delivers,
 * to end the test, and fails it.
 */
static bool t_ipc_wait_delivers(void)
{
	const char *argv[] = { "rt_ipc", "callwake" };
	struct proc_stats st = { 0 };
	bool ready = false, replied = false, rescued = false;
	console_flush();
	kpoll_set_idle_ns(2 * 1000000ul);
	pin_self(ncpu > 1 ? 1 : -1);
	int pid = proc_spawn_held("rt_ipc", 2, argv);
	if (pid > 0) {
		proc_find(pid)->cpu_only = 0; /* not runnable yet */
		proc_start(pid);
		/* Ready: the server asleep in enter (its receive parked: the
		 * only entry it has) and pinned, the caller asleep in enter
		 * with its read parked, the poller asleep (10 s: a hang guard). */
		struct proc *a = proc_find(pid);
		uint64_t s0 = 0;
		for (int i = 0; i < 10000 && !ready; i++) {
			int bpid = child_named(a, "rt_ipc");
			struct proc *b = bpid > 0 ? proc_find(bpid) : NULL;
			bool asleep = false;
			struct kpoll_stats k;
			kpoll_stats(&k);
			acquire(&ptable_lock);
			if (b && asleep_in_enter(b) && asleep_in_enter(a)) {
				b->cpu_only = 0;
				asleep = true;
				s0 = a->stats.sqes;
			}
			release(&ptable_lock);
			ready = asleep && k.asleep && console_readers() == 1;
			if (!ready)
				proc_sleep_ns(1000000);
		}
		if (ready) {
			/* The caller's next SQEs: the CALL, then (the reply
			 * came) its second read. */
			console_queue("g", 1); /* CPU 0's tick starts the call */
			replied = spin_for_sqes(a, s0 + 2, 5000000000ul);
			/* Failed: CPU 0 is stuck in the caller's enter; end it. */
			for (int i = 0; i < 10000 && !replied && !rescued; i++) {
				rk_ipc_deliver();
				rescued = spin_for_sqes(a, s0 + 2, 1000000);
			}
		}
		console_inject("gg", ready ? 1 : 2); /* the reads the caller has left */
		proc_wait(pid, &st);
	}
	pin_self(-1);
	kpoll_set_idle_ns(0);
	EXPECT(pid > 0, "spawn rt_ipc: %d", pid);
	EXPECT(ready, "the server never slept with its receive parked, or the poller stayed awake");
	EXPECT(replied,
	       "no reply in 5 s: the caller's enter did not deliver the server's ring "
	       "before sleeping (%s)",
	       rescued ? "delivered from CPU 1, the reply came" : "no reply even then");
	EXPECT(st.status == 0, "rt_ipc callwake: status %x", st.status);
	return true;
}

/* Channel memory charged to the process that caused it (rt_kmem.c): a
 * flood stops at the frame limit, -ENOMEM, with a bystander working; the
 * charge moves with each message and outlives an exited sender. */
static bool t_kmem_flood(void)
{
	return user_test("rt_kmem", "flood");
}
static bool t_kmem_move(void)
{
	return user_test("rt_kmem", "move");
}
/* The IPC examples (examples/ipc_echo.c, ipc_kv.c: the hosted programs'
 * source) run by user/ipcdemo: each exits 0 and prints what the hosted
 * build prints (scripts/check-examples.sh checks the same lines there). */
static char example_out[8192];
static bool t_ipc_examples(void)
{
	static const char *const want[] = {
		"echo client: 600 calls, 16 in flight, every reply matched\n",
		"echo client: 300 calls, 16 in flight, every reply matched\n",
		"echo: served 900 calls in ",
		"kv client: put 100 keys, got them back, deleted 50, 50 left, 16 in flight\n",
		"kv: served 350 calls in ",
	};
	struct proc_stats st;
	console_tap(example_out, sizeof(example_out) - 1);
	int pid = run_prog(&st, "ipcdemo", "600", "100", NULL);
	example_out[console_tapped()] = 0;
	console_tap(NULL, 0);
	EXPECT(pid > 0 && st.status == 0, "ipcdemo: pid %d status 0x%x", pid, st.status);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		EXPECT(strstr(example_out, want[i]), "no '%s' in what they printed", want[i]);
	return true;
}
/* Receives parked on one endpoint, from two rings, take messages in the
 * order they were posted. */
static bool t_recvorder(void)
{
	return user_test("rt_recvorder", NULL);
}
/* A receive handed a message that fails to take it leaves it first. */
static bool t_recvfail(void)
{
	return user_test("rt_recvorder", "fail");
}
/* LINK_TIMEOUT bounding a call another process holds, fired by the tick. */
static bool t_linkto(void)
{
	return user_test("rt_linkto", NULL);
}
/* The receiver spins on its CQ: delivered by the sender's CPU, no trap. */
static bool t_ipc_spin(void)
{
	uint64_t d0 = rk_ipc_deliveries();
	bool ok = user_test("rt_ipc", "spin");
	EXPECT(!ok || rk_ipc_deliveries() > d0, "no ring was delivered to");
	return ok;
}
/* The receiver's ring is polled and its poller asleep when the send
 * comes, and it stays asleep: the sending CPU delivers the message
 * (kring.c, "Channels between processes", step 4), the receive completes
 * with no poller. The sender parks a read before the send and another
 * after it; this test types the first byte once it has seen the poller
 * asleep (2 ms idle), and looks again when the second read is parked. */
static bool t_ipc_poll(void)
{
	struct kpoll_stats k0, k1;
	struct proc_stats st;
	console_flush();
	kpoll_set_idle_ns(2 * 1000000ul);
	const char *argv[] = { "rt_ipc", "poll" };
	int pid = proc_spawn("rt_ipc", 2, argv);
	bool asleep = pid > 0 && parked_with_poller_asleep(1);
	kpoll_stats(&k0);
	console_inject("g", 1); /* the sender sends, then parks its second read */
	bool sent = pid > 0 && parked_with_poller_asleep(1);
	kpoll_stats(&k1);
	console_inject("g", 1);
	int w = pid > 0 ? proc_wait(pid, &st) : pid;
	kpoll_set_idle_ns(0);
	EXPECT(w > 0 && w == pid, "spawn/wait rt_ipc: %d", w);
	EXPECT(st.status == 0, "rt_ipc poll: status %x (the receive did not complete?)", st.status);
	EXPECT(asleep && k0.asleep, "the sender never parked with the poller asleep");
	EXPECT(sent && k1.asleep && k1.wakes == k0.wakes,
	       "the poller woke during the send (%lu wakes, %lu kicks)",
	       (unsigned long)(k1.wakes - k0.wakes), (unsigned long)(k1.kicks - k0.kicks));
	return true;
}

/* The ring fuzzer (user/fuzz.c, kfuzz.c), a short run: three processes
 * and their children, the lifetime scenarios included ('k'). */
bool kfuzz_run(uint64_t seed, uint64_t count, const char *flags, char *why, size_t n,
	       uint64_t *sqes);
void kfuzz_cmdline(void);
static bool t_fuzz(void)
{
	uint64_t sqes;
	EXPECT(kfuzz_run(1, 6000, "k", why, sizeof(why), &sqes), "%s", why);
	EXPECT(sqes >= 6000 / 2, "only %lu SQEs taken", (unsigned long)sqes);
	return true;
}

/* First occurrence of needle in hay, or NULL. */
static const char *strstr_k(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* Entry point of the test kernel thread. */
int ktest_main(void *arg UNUSED)
{
	size_t frames0 = pmm_free_count();
	/* Self-checks for the host runner: it must report these as failures. */
	if (cmdline_has("ktest-panic"))
		panic("deliberate panic (ktest-panic)");
	if (cmdline_has("ktest-hang"))
		for (;;)
			arch_halt();
	kfuzz_cmdline(); /* `test fuzz=SEED:COUNT[:FLAGS]`: only the fuzzer */
	const char *only = strstr_k(kcmdline, "run=");
	if (only) { /* `test run=PROG`: one user program, for debugging */
		char prog[PROC_NAME];
		size_t n = 0;
		for (only += 4; only[n] && only[n] != ' ' && n + 1 < sizeof(prog); n++)
			prog[n] = only[n];
		prog[n] = 0;
		struct proc_stats st;
		int pid = run_prog(&st, prog, NULL);
		kprintf("kernel-test: %s (pid %d) status %x, %lu traps, %lu SQEs\n", prog, pid,
			st.status, st.syscalls, st.sqes);
		qemu_exit(pid > 0 && st.status == 0 ? 0 : 1);
	}
	if (cmdline_has("icount")) { /* the clock counts instructions: exact timing */
		run("timeout_storm_icount", t_tstorm_strict, true);
		kprintf("kernel-test: %d passed, %d failed\n", npass, nfail);
		qemu_exit(nfail ? 1 : 0);
	}
	kprintf("kernel-test: starting (%lu free frames)\n", frames0);
	run("pmm", t_pmm, true);
	run("kmalloc", t_kmalloc, false); /* keeps small-class pages cached */
	run("vm_kernel_wx", t_vm_kernel, true);
	run("vm_user", t_vm_user, true);
	run("usercopy_fixup", t_usercopy, true);
	run("clock_timer", t_clock, true);
	run("hello", t_hello, true);
	run("args", t_args, true);
	run("exitcode", t_exitcode, true);
	run("transitions", t_transitions, true);
	run("badptr_efault", t_badptr, true);
	run("kill_kwrite", t_kwrite, true);
	run("kill_priv", t_priv, true);
	run("kill_unmapped", t_unmapped, true);
	run("kill_wtext", t_wtext, true);
	run("kill_xstack", t_xstack, true);
	run("sysret_noncanonical", t_sysret_noncanon, true);
	run("trap_keeps_registers", t_rt_regs, true);
	run("isolation", t_isolation, true);
	run("preempt", t_preempt, true);
	run("fpu_state", t_fpu, true);
	run("proc_kill", t_kill, true);
	run("pskill", t_pskill, true);
	run("many_procs", t_many, true);
	run("orphan_reap", t_orphan, true);
	run("exit_frees_tables_loaded_nowhere", t_exit_cr3, true);
	run("elf_reject", t_elf_reject, false); /* kmalloc of the image copy */
	run("handlers_agree", t_handlers_agree, true);
	run("port_copy", t_port_copy, true);
	run("kick_one_idle_cpu", t_kick_one, true);
	run("ring_basic", t_rt_basic, true);
	run("ring_batch_traps", t_rt_batch, true);
	run("ring_timeout", t_rt_timeout, true);
	run("ring_userlib", t_rt_userlib, true);
	run("fs_boot_archive", t_fs_archive, true);
	run("fs_init_session", t_fs_session, true);
	run("fs_ring_files", t_fs_ring_files, true);
	run("fs_ring_files_poll", t_fs_ring_files_poll, true);
	run("fs_restart", t_fs_restart, true);
	run("fs_kill_inflight", t_fs_kill_inflight, true);
	run("spawn_image", t_spawn_image, true);
	run("shell_script", t_shell_script, true);
	run("shell_fs_kill", t_shell_fs_kill, true);
	run("ring_create_close", t_rt_ring, true);
	run("map_unmap", t_rt_map, true);
	run("map_undo_frees_after_shootdown", t_map_undo, true);
	run("spawn_wait", t_rt_spawn, true);
	run("console_read", t_rt_conread, true);
	run("hostile_every_field", t_rt_validate, true);
	run("hostile_ring_indices", t_rt_badidx, true);
	run("hostile_exit_inflight", t_exit_inflight, true);
	run("hostile_fault_inflight", t_fault_inflight, true);
	run("hostile_spawn_limit", t_rt_spawnlim, true);
	run("kill_blocked_in_enter", t_kill_blocked, true);
	run("lifetime_close_own_chain_full_cq", t_closechain_full, true);
	run("lifetime_close_own_chain", t_closechain_room, true);
	run("lifetime_exit_stops_chain", t_exitchain, true);
	run("lifetime_exit_stops_chain_timeout", t_exitchain_count, true);
	run("poll_no_traps", t_rt_poll, true);
	run("poll_sleep_wake", t_pollwake, true);
	run("stress_smp", t_stress, true);
	run("ipc_messages_handles", t_ipc_basic, true);
	run("ipc_peer_death_no_leak", t_ipc_death, true);
	run("ipc_full_parks_sender", t_ipc_full, true);
	run("ipc_fault_with_parked_recv", t_ipc_fault, true);
	run("ipc_call_reply_across_processes", t_ipc_call, true);
	run("ipc_multishot_burst_never_overruns_the_backlog", t_ipc_backlog, true);
	run("ipc_wait_delivers_before_sleeping", t_ipc_wait_delivers, true);
	run("kmem_flood_hits_limit_bystander", t_kmem_flood, true);
	run("kmem_charge_moves_no_leak", t_kmem_move, true);
	run("ipc_call_link_timeout", t_linkto, true);
	run("ipc_parked_receives_in_order", t_recvorder, true);
	run("ipc_failed_receive_keeps_order", t_recvfail, true);
	run("ipc_examples_echo_kv", t_ipc_examples, true);
	run("ipc_wake_spinning_receiver", t_ipc_spin, true);
	run("ipc_wake_sleeping_poller", t_ipc_poll, true);
	run("fuzz_short", t_fuzz, true);
	run("lifetime_close_races_enter", t_rt_closerace, true);
	run("limits_hog_tree_bystander", t_hog, true);
	kprintf("kernel-test: %lu free frames at end (%lu at start), %lu ms\n", pmm_free_count(),
		frames0, clock_ns() / 1000000);
	kprintf("kernel-test: %d passed, %d failed\n", npass, nfail);
	qemu_exit(nfail ? 1 : 0);
}
