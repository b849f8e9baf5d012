/*
 * ulib.h - the user runtime for ringcall kernel programs: the process's
 * ring (the same user library as the hosted clients, include/ringcall/
 * ringcall.h) reached through the one trap, synchronous helpers over it,
 * printf, strings, and a tiny check framework for test programs.
 */
#ifndef USER_ULIB_H
#define USER_ULIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "../../lib/cstring.h" /* lib/string.c (not a public header) */
/* -ffreestanding makes every memcpy/memset/memcmp a call (lib/string.c:
 * rep movsb, one instruction per byte under icount); the builtins let the
 * compiler expand one of a small constant size into a move or two, and
 * still call lib/string.c for the rest. */
#define memcpy(d, s, n) __builtin_memcpy(d, s, n)
#define memset(d, c, n) __builtin_memset(d, c, n)
#define memcmp(a, b, n) __builtin_memcmp(a, b, n)
#include "ringcall/fmt.h" /* lib/fmt.c */
#include "ringcall/ringcall.h"
#include "rk_abi.h"

/* ---- the ring ---- */
extern struct rc_ring rt_ring; /* the first ring, attached before main */
extern uint32_t rt_ring_handle;
extern uint32_t rt_spawn_handles;	   /* how many handles SPAWN gave us (r9 at entry) */
extern const char *rt_cwd_arg;		   /* the working directory the parent passed, or NULL */
extern const struct rc_backend rt_backend; /* enter through the trap; backend_data = handle */
extern const struct rc_backend rt_files_backend; /* the same, file ops translated (RT_USES_FILES) */

#define RT_SYNC_DATA  UINT64_C(0xfffffffffffffff0) /* user_data of rt_sync's entry */
#define RT_WRITE_DATA UINT64_C(0xfffffffffffffff1) /* printf's silent writes (a failure only) */

/* The trap: enter(ring handle, to_submit, min_complete, RC_ENTER_* flags). */
long rt_enter(uint32_t handle, uint32_t to_submit, uint32_t min_complete, uint32_t flags);
/* A program that opens files with rc_prep_open and friends says so with
 * RT_USES_FILES at file scope (rtfile.h does): then, if SPAWN gave it a
 * handle, its file ops go to the file server over fsc_channel (SPAWN's
 * first handle, init's and the shell's convention). Without it they go to
 * the kernel as they are (OPEN: -EOPNOTSUPP), whatever its first handle
 * is (a fuzzer's or a test's channel is no file server: a call there
 * would wait for a reply that never comes). */
extern const int rt_uses_files __attribute__((weak));
/* path as OPEN should name it: in the kernel made absolute against the
 * working directory (fsc.c; into buf, FS_PATH_MAX + 1 bytes; NULL if too
 * long); on Linux path itself (the process's own directory applies). */
const char *rt_path(const char *path, char *buf);
#define RT_USES_FILES __attribute__((weak)) const int rt_uses_files = 1
/* Rewrite r's file ops among entries [from, to), about to be published
 * (OPEN; READ, WRITE, READDIR, CLOSE of a file handle), into calls to the
 * file server (rfile.c): rt_files_backend's prepare hook, which every
 * submit calls before it publishes, on every kind of ring. */
void rfile_prepare(struct rc_ring *r, uint32_t from, uint32_t to);
/* n bytes the engine can reach (64-byte aligned), never given back; NULL
 * when out of memory. The kernel maps them as needed; the hosted runtime
 * takes them from the ring's shared area. */
void *rt_alloc(uint32_t n);
/* A free SQE of rt_ring (submits what is prepared if the SQ is full). */
struct rc_sqe *rt_sqe(void);
/* Submit everything prepared, then wait for sqe's own CQE and return its
 * res. CQEs of other requests that arrive first are kept for rt_next_cqe. */
int32_t rt_sync(struct rc_sqe *sqe);
extern struct rc_cqe rt_sync_cqe; /* the CQE of the last rt_sync (for rc_explain) */
/* The next completion (kept ones first), waiting for it: 0 or -errno. */
int rt_next_cqe(struct rc_cqe *out);
/* Same without waiting: 0, or -RC_EAGAIN if none is ready. */
int rt_peek_cqe(struct rc_cqe *out);

/* A ring made by RING_CREATE at addr and attached to r: its handle or
 * -errno. flags RC_SETUP_POLL: served by the kernel poller. */
int32_t rt_ring_create(struct rc_ring *r, uint64_t addr, uint32_t sq, uint32_t cq, uint32_t flags);
/* Wait for a CQE on r by its phase only (no trap); NULL after max_cycles. */
struct rc_cqe *rt_spin_cqe(struct rc_ring *r, uint64_t max_cycles);

static inline uint64_t rt_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* ---- synchronous helpers: one SQE, one trap each ---- */
__attribute__((noreturn)) void exit(int code);				/* EXIT on rt_ring */
__attribute__((noreturn)) void rt_exit_on(struct rc_ring *r, int code); /* #UD if r is wedged */
long getpid(void);
long getppid(void);
uint64_t clock_ns(void);
int rt_map(uint64_t addr, uint32_t pages, uint32_t flags);
int rt_unmap(uint64_t addr, uint32_t pages);
int rt_proc_stats(struct rc_proc_stats *st);
/* Pack argv (NULL-terminated) as SPAWN wants it; bytes used, or 0 if it does not fit. */
uint32_t rt_pack_argv(char *buf, uint32_t size, const char *const argv[]);
long spawn(const char *const argv[]);		  /* child pid or -errno */
long waitpid(int pid, struct rc_wait_info *info); /* wait status or -errno (pid 0: any) */
/* SPAWN passing n handles: entry i is the child's RK_SPAWN_HANDLE(i). */
long spawn_with(const char *const argv[], const struct rc_spawn_handle *hs, uint32_t n);
/* The same with the program's ELF image from memory (len bytes at image,
 * at most RC_SPAWN_IMAGE_MAX; len 0: the boot image's argv[0]). */
long spawn_image(const char *const argv[], const void *image, uint32_t len,
		 const struct rc_spawn_handle *hs, uint32_t n);
/* Channels, one SQE each (rt_sync): CHANNEL_CREATE (0, ends filled),
 * CHANNEL_SEND (n handles), CHANNEL_RECV (info may be NULL), CLOSE. */
int rt_channel(uint32_t ends[2]);
int rt_send(uint32_t h, const void *buf, uint32_t len, const uint32_t *handles, uint32_t n,
	    uint32_t flags);
int rt_recv(uint32_t h, void *buf, uint32_t len, struct rc_channel_info *info, uint32_t flags);
int rt_close(uint32_t h);
void rt_write(const void *buf, size_t len); /* console, no CQE unless it fails */

/* ---- C library bits (strings: cstring.h; formats: fmt.h) ---- */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int puts(const char *s);
long atol(const char *s);

/* ---- checks for test programs: exit status = failures ---- */
extern int rt_checks, rt_fails;
#define CHECK(cond, ...)                                                              \
	do {                                                                          \
		rt_checks++;                                                          \
		if (!(cond)) {                                                        \
			rt_fails++;                                                   \
			char why_[160];                                               \
			snprintf(why_, sizeof(why_), __VA_ARGS__);                    \
			printf("  %s:%d: %s: %s\n", __FILE__, __LINE__, #cond, why_); \
		}                                                                     \
	} while (0)
#define CHECK_EQ(got, want)                                   \
	do {                                                  \
		long g_ = (long)(got), w_ = (long)(want);     \
		CHECK(g_ == w_, "got %ld, want %ld", g_, w_); \
	} while (0)
/* Print "  name: N checks, M failed" and return the exit status. */
int rt_report(const char *name);

#endif
