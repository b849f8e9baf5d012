/*
 * demo.c - `make kernel-run`: boot, run user/demo.c (programs doing their
 * work through rings), report the kernel's own count of what it cost, and
 * leave QEMU.
 */
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "smp.h"

/* Run one benchmark program; its exit status (or -1). */
static int bench_prog(const char *prog)
{
	const char *argv[] = { prog };
	int pid = proc_spawn(prog, 1, argv);
	struct proc_stats st;
	if (pid < 0 || proc_wait(pid, &st) != pid) {
		kprintf("bench: cannot run %s (%d)\n", prog, pid);
		return -1;
	}
	return st.status;
}

/* First kernel thread in bench mode (make bench-kernel): run user/kbench
 * (syscalls), or with `ipc` user/kipcbench, whose rows the host script
 * collects. */
int bench_main(void *arg UNUSED)
{
	kprintf("kernel bench: %d CPUs; under QEMU -icount the TSC counts instructions\n", ncpu);
	int st;
	if (cmdline_has("fs")) { /* a file read through the file server (user/fsbench.c) */
		const char *argv[] = { "init", "fsbench" };
		int pid = proc_spawn("init", 2, argv);
		struct proc_stats ps;
		st = pid < 0 || proc_wait(pid, &ps) != pid ? -1 : (int)ps.status;
	} else {
		st = bench_prog(cmdline_has("ipc") ? "kipcbench" : "kbench");
	}
	qemu_exit(st == 0 ? 0 : 1);
}

/* Run init with argv (init's own args after "init"); its exit status, or -1. */
static int run_init(const char *const argv[], int argc)
{
	int pid = proc_spawn("init", argc, argv);
	struct proc_stats st;
	if (pid < 0 || proc_wait(pid, &st) != pid) {
		kprintf("kernel: cannot run init (%d)\n", pid);
		return -1;
	}
	return (int)st.status;
}

/* `make shell`: init and an interactive shell on the serial console. */
static int shell_main(void)
{
	const char *argv[] = { "init" };
	kprintf("ringcall: init starts the file server and a shell on this console; "
		"Ctrl-a x quits QEMU\n");
	qemu_exit(run_init(argv, 1) == 0 ? 0 : 1);
}

/* First kernel thread in demo mode. */
int demo_main(void *arg UNUSED)
{
	if (cmdline_has("shell"))
		return shell_main();
	size_t free0 = pmm_free_count();
	const char *argv[] = { "demo" };
	kprintf("ringcall demo: every syscall below is an SQE; a trap is one `enter`\n");
	int pid = proc_spawn("demo", 1, argv);
	struct proc_stats st;
	if (pid < 0 || proc_wait(pid, &st) != pid) {
		kprintf("demo: cannot run the demo program (%d)\n", pid);
		qemu_exit(1);
	}
	uint64_t per10 = st.syscalls ? st.sqes * 10 / st.syscalls : 0;
	kprintf("\nkernel: demo (pid %d) exited %d: %lu syscalls in %lu traps (%lu.%lu per trap); "
		"timer interrupts in user mode: %lu\n",
		pid, PROC_EXIT_CODE(st.status), st.sqes, st.syscalls, per10 / 10, per10 % 10,
		st.user_irqs);
	struct kpoll_stats kp;
	kpoll_stats(&kp);
	kprintf("kernel: %d CPUs; the poller took %lu SQEs in %lu passes, slept %lu times, "
		"%lu doorbells\n",
		ncpu, kp.sqes, kp.passes, kp.sleeps, kp.kicks);
	kprintf("kernel: channel messages made another process's ring ready %lu times (each "
		"delivered by the sender's CPU, no trap of the receiver's)\n",
		rk_ipc_deliveries());
	/* The user space: init, the file server and a shell running a script. */
	kprintf("\nkernel: now the user space: init starts the file server (a user process) and "
		"a shell that runs /etc/session.sh\n");
	const char *session[] = { "init", "sh", "/etc/session.sh" };
	int sess = run_init(session, 3);
	kprintf("kernel: the session ended with status %d\n", sess);
	kprintf("kernel: done at %lu ms, %lu free frames (%s)\n", clock_ns() / 1000000,
		pmm_free_count(), pmm_free_count() == free0 ? "no leak" : "LEAK");
	qemu_exit(st.status == 0 && sess == 0 && pmm_free_count() == free0 ? 0 : 1);
}
