/*
 * sandbox.c - rc_sandbox: confine a connected client so that its ring is
 * its only way out. Three layers, applied in this order:
 *   1. PR_SET_NO_NEW_PRIVS: no setuid/file-capability gain ever after
 *      (and what lets an unprivileged process install 2 and 3);
 *   2. a Landlock ruleset that handles every file-system right and grants
 *      none: no path can be opened, created, removed or executed (on this
 *      thread and the threads it starts: Landlock has no thread sync);
 *   3. a seccomp filter (libseccomp) allowing a short list of system calls
 *      (docs/sandbox.md lists each with its reason); every other one fails
 *      with EPERM, or kills the process with RC_SANDBOX_KILL.
 * Each layer only adds restrictions to what is already in force, so a
 * second rc_sandbox can narrow but never widen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "host.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* Every file-system right this kernel's Landlock ABI knows: ABI 1 has 13,
 * 2 adds REFER, 3 TRUNCATE, 5 IOCTL_DEV. */
static uint64_t landlock_fs_rights(long abi)
{
	unsigned bits = abi >= 5 ? 16 : abi >= 3 ? 15 : abi == 2 ? 14 : 13;

	return (1ULL << bits) - 1;
}

/* Deny every file-system access from now on: 1 done, 0 no Landlock in
 * this kernel, or -errno. Needs no_new_privs (or CAP_SYS_ADMIN). */
static int landlock_deny_all(void)
{
	struct landlock_ruleset_attr attr = { 0 };
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	int fd, err = 0;

	if (abi < 0)
		return errno == ENOSYS || errno == EOPNOTSUPP ? 0 : -errno;
	attr.handled_access_fs = landlock_fs_rights(abi);
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -errno;
	/* No rules: every handled right is denied beneath "/". */
	if (syscall(SYS_landlock_restrict_self, fd, 0))
		err = -errno;
	close(fd);
	return err ? err : 1;
}

/* Allow nr, optionally only when one argument comparison holds. */
#define ALLOW(nr) seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(nr), 0)
/* Argument n compared (every field named: clang's -Wextra rejects
 * libseccomp's SCMP_A0 macros, which leave datum_b out). */
#define ARG_EQ(n, v)            \
	((struct scmp_arg_cmp){ \
		.arg = n, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)(v), .datum_b = 0 })
#define ARG_MASKED(n, mask, v)  \
	((struct scmp_arg_cmp){ \
		.arg = n, .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), .datum_b = (v) })
#define ALLOW_IF(nr, cmp) seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(nr), 1, cmp)

/* The allow-list: what the ring client and a small C program need. */
static int seccomp_allow_list(scmp_filter_ctx ctx, int sock)
{
	int err = 0;

	/* The ring: doorbell and CQ sleep are futexes; rc_wait notices a
	 * dead server by polling and peeking its socket (that one only). */
	err |= ALLOW(futex);
	err |= ALLOW(poll);
	err |= ALLOW(ppoll);
	err |= ALLOW_IF(recvfrom, ARG_EQ(0, sock));
	err |= ALLOW(clock_gettime);
	err |= ALLOW(clock_nanosleep);
	err |= ALLOW(nanosleep);
	err |= ALLOW(gettimeofday);
	/* Leaving: rc_disconnect unmaps and closes; exit; signal returns. */
	err |= ALLOW(close);
	err |= ALLOW(exit);
	err |= ALLOW(exit_group);
	err |= ALLOW(rt_sigreturn);
	err |= ALLOW(rt_sigprocmask);
	err |= ALLOW(sigaltstack); /* ASan and stack-overflow handlers ask for it */
	err |= ALLOW(getpid);
	err |= ALLOW(gettid);
	err |= ALLOW_IF(tgkill, ARG_EQ(0, getpid())); /* abort() */
	/* Memory for malloc: never executable. */
	err |= ALLOW(brk);
	err |= ALLOW(munmap);
	err |= ALLOW(madvise);
	err |= ALLOW(mremap);
	err |= ALLOW_IF(mmap, ARG_MASKED(2, PROT_EXEC, 0));
	err |= ALLOW_IF(mprotect, ARG_MASKED(2, PROT_EXEC, 0));
	err |= ALLOW(getrandom);
	err |= ALLOW(sched_yield);
	/* printf: write to stdout and stderr only; stdio's first fstat. */
	err |= ALLOW_IF(write, ARG_EQ(0, 1));
	err |= ALLOW_IF(write, ARG_EQ(0, 2));
	err |= ALLOW_IF(writev, ARG_EQ(0, 1));
	err |= ALLOW_IF(writev, ARG_EQ(0, 2));
	err |= ALLOW(fstat);
	err |= ALLOW_IF(newfstatat, ARG_MASKED(3, AT_EMPTY_PATH, AT_EMPTY_PATH));
	/* Threads, but no processes: clone only with CLONE_THREAD; clone3's
	 * flags are out of a filter's reach, so ENOSYS sends glibc to clone. */
	err |= ALLOW_IF(clone, ARG_MASKED(0, CLONE_THREAD, CLONE_THREAD));
	err |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	err |= ALLOW(set_robust_list);
	err |= ALLOW(rseq);
	/* Narrowing again (a second rc_sandbox): filters and rulesets only
	 * ever add restrictions, so allowing these cannot widen anything. */
	err |= ALLOW_IF(prctl, ARG_EQ(0, PR_SET_NO_NEW_PRIVS));
	err |= ALLOW_IF(prctl, ARG_EQ(0, PR_GET_NO_NEW_PRIVS));
	err |= ALLOW_IF(prctl, ARG_EQ(0, PR_GET_SECCOMP));
	err |= ALLOW(seccomp);
	err |= ALLOW(landlock_create_ruleset);
	err |= ALLOW(landlock_restrict_self);
	return err ? -RC_EINVAL : 0;
}

/* Install the filter: 0 or a negative RC_E*. */
static int seccomp_confine(int sock, unsigned flags)
{
	uint32_t deny = flags & RC_SANDBOX_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	scmp_filter_ctx ctx = seccomp_init(deny);
	int err;

	if (!ctx)
		return -RC_ENOMEM;
	/* TSYNC: every thread of the process, not just this one, gets the
	 * filter (and no_new_privs with it), or the load fails. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) ? -RC_EINVAL : 0;
	if (!err)
		err = seccomp_allow_list(ctx, sock);
	if (!err && seccomp_load(ctx))
		err = -RC_EPERM;
	seccomp_release(ctx);
	return err;
}

int rc_sandbox(struct rc_ring *r, unsigned flags)
{
	struct host_conn *conn = r ? r->backend_data : NULL;
	int ll, err, in_force = RC_SANDBOX_SECCOMP | RC_SANDBOX_NO_NEW_PRIVS;

	if (!conn || conn->local || conn->sock < 0)
		return -RC_EINVAL; /* only a ring connected to a server */
	if (flags & ~RC_SANDBOX_KILL)
		return -RC_EINVAL;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return host_err(errno);
	ll = landlock_deny_all();
	if (ll < 0)
		return ll;
	if (ll)
		in_force |= RC_SANDBOX_LANDLOCK;
	err = seccomp_confine(conn->sock, flags);
	return err ? err : in_force;
}
