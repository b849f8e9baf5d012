/*
 * hosted.h - ringcall on Linux: connect to a ringcall-server, or run the
 * engine in-process (for tests and for programs that want a ring inside
 * one process).
 */
#ifndef RINGCALL_HOSTED_H
#define RINGCALL_HOSTED_H

#include "ringcall.h"

#ifdef __cplusplus
extern "C" {
#endif

enum rc_mode {
	RC_MODE_DOORBELL = 0, /* every submit rings a futex doorbell; waits sleep */
	RC_MODE_POLL = 1,     /* a server thread polls the SQ; doorbell only when it sleeps */
};

struct rc_params {
	uint32_t sq_entries;	  /* power of two; 0: 64 */
	uint32_t cq_entries;	  /* 0: 2 * sq_entries */
	uint32_t backlog_entries; /* requests in flight + overflowed CQEs; 0: cq_entries */
	uint32_t data_bytes;	  /* shared buffer area for rc_alloc; 0: 1 MiB */
	enum rc_mode mode;
	uint32_t idle_us; /* POLL: the server polls this long before sleeping; 0: 1000 */
};

/* Connect to the server listening at socket_path and attach r to a new
 * ring. Return 0 or a negative RC_E* (-RC_ENOENT: no server there;
 * -RC_ETIMEDOUT: something listens there but does not answer within 5 s).
 * socket_path NULL: the one in $RINGCALL_SOCKET (-RC_EINVAL if unset). With
 * $RINGCALL_SANDBOX set ("1", or "kill" for RC_SANDBOX_KILL), the process
 * is confined with rc_sandbox once connected (as ringcall-run -S does);
 * With $RINGCALL_ALLOW ("NOP,OPEN,READ") the ring is first RESTRICTed to
 * those opcodes. If either fails the ring is disconnected and the error
 * returned. */
int rc_connect(struct rc_ring *r, const char *socket_path, const struct rc_params *p);
/* Detach and disconnect; the server reclaims everything the ring held. */
void rc_disconnect(struct rc_ring *r);

/* Confine this process so that the ring r (connected with rc_connect) is
 * its only way out (docs/sandbox.md): no_new_privs, a Landlock ruleset
 * denying every file-system access, and a seccomp filter allowing only
 * what a ring client needs (futex, poll and recv on r's socket, clocks,
 * non-executable memory, write to fds 1 and 2, exit, threads). Every
 * other system call (open, openat, openat2, socket, execve, ptrace,
 * io_uring_setup, fork...) fails with EPERM, or with RC_SANDBOX_KILL kills
 * the process (SIGSYS). For good: a second call can only narrow (e.g.
 * EPERM to KILL). The filter binds every thread of the process, running
 * ones too; Landlock binds the calling thread and the threads it starts. Return the layers
 * now in force (RC_SANDBOX_SECCOMP | RC_SANDBOX_NO_NEW_PRIVS, and
 * RC_SANDBOX_LANDLOCK unless this kernel has no Landlock: seccomp still
 * refuses every open then), or a negative RC_E* (-RC_EINVAL: r is not
 * connected to a server, or unknown flags). Also done by rc_connect when
 * the environment has RINGCALL_SANDBOX (ringcall-run). */
#define RC_SANDBOX_KILL		(1u << 0)  /* flag: a denied call kills (SIGSYS) */
#define RC_SANDBOX_SECCOMP	(1u << 8)  /* result: the seccomp filter is in force */
#define RC_SANDBOX_LANDLOCK	(1u << 9)  /* result: Landlock denies all file access */
#define RC_SANDBOX_NO_NEW_PRIVS (1u << 10) /* result: no_new_privs is set */
int rc_sandbox(struct rc_ring *r, unsigned flags);

/* Memory inside the shared region's data area (rc_params.data_bytes,
 * default 1 MiB), the only place buffers may live when talking to a server
 * (its checks refuse pointers anywhere else). Blocks are 64-byte aligned
 * and take a multiple of 64 bytes. Returns NULL with errno ENOMEM when no
 * free extent is large enough. All of it goes with rc_disconnect or
 * rc_inproc_exit. */
void *rc_alloc(struct rc_ring *r, size_t bytes);
/* Give back a block from rc_alloc (NULL: nothing); free neighbours merge.
 * Return 0, or -RC_EINVAL for a pointer rc_alloc did not hand out (or one
 * freed already). A buffer must not be freed while an SQE in flight uses
 * it. */
int rc_free(struct rc_ring *r, void *p);
/* Bytes of the data area not handed out (possibly in several extents). */
size_t rc_alloc_free_bytes(struct rc_ring *r);

/* The engine in this process: enter runs it directly on the caller's
 * thread (no server, no threads). For unit tests and embedding. It has no
 * root directory until rc_inproc_set_root gives it one: until then OPEN
 * completes with -EBADF. */
int rc_inproc_init(struct rc_ring *r, const struct rc_params *p);
/* Give an in-process ring the directory its OPENs resolve beneath, with
 * the server's confinement (RESOLVE_BENEATH: ".." and symlinks that leave
 * it, and absolute paths, give -EXDEV), as ringcall-server --root DIR.
 * Replaces an earlier root (open handles stay open). Return 0 or -errno
 * (-RC_ENOENT, -RC_ENOTDIR, ...). Closed by rc_inproc_exit. */
int rc_inproc_set_root(struct rc_ring *r, const char *dir);
void rc_inproc_exit(struct rc_ring *r);
/* The engine behind an in-process ring (tests poke at it). */
struct rce_ring *rc_inproc_engine(struct rc_ring *r);

#ifdef __cplusplus
}
#endif

#endif
