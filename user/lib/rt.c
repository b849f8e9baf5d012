/*
 * rt.c - the process side of ringcall in the kernel: attach the first
 * ring at entry, the enter trap as the library's backend, synchronous
 * helpers, exit.
 */
#include "ulib.h"

struct rc_ring rt_ring;
uint32_t rt_ring_handle;
int rt_checks, rt_fails;

/* The only trap (rk_abi.h). `syscall` clobbers rcx (rip) and r11
 * (rflags); enter also the argument and scratch registers rdi, rsi, rdx,
 * r8, r9, r10 (it returns them zeroed). */
long rt_enter(uint32_t handle, uint32_t to_submit, uint32_t min_complete, uint32_t flags)
{
	register long r10 __asm__("r10") = flags;
	long ret, rdi = handle, rsi = to_submit, rdx = min_complete;
	__asm__ volatile("syscall"
			 : "=a"(ret), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10)
			 : "a"((long)RK_TRAP_ENTER)
			 : "rcx", "r11", "r8", "r9", "memory");
	return ret;
}

static int backend_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete,
			 uint32_t flags)
{
	return (int)rt_enter((uint32_t)(uintptr_t)r->backend_data, to_submit, min_complete, flags);
}

const struct rc_backend rt_backend = { .enter = backend_enter };
/* A program with RT_USES_FILES (ulib.h): its file ops become calls to the
 * file server before each submit publishes them (rfile.c). One without
 * pays nothing for it: its rings have no prepare hook. */
const struct rc_backend rt_files_backend = { .enter = backend_enter, .prepare = rfile_prepare };

/* The backend for this program's rings. */
static const struct rc_backend *rt_backend_here(void)
{
	return &rt_uses_files && rt_uses_files ? &rt_files_backend : &rt_backend;
}

int main(int argc, char **argv);

uint32_t rt_spawn_handles;
const char *rt_cwd_arg;

/* Entry from crt0: attach the ring the kernel made, run main, exit. */
__attribute__((noreturn)) void rt_start(int argc, char **argv, uint64_t ring, uint64_t bytes,
					uint64_t handle, uint64_t nhandles)
{
	rt_ring_handle = (uint32_t)handle;
	rt_spawn_handles = (uint32_t)nhandles;
	/* A last argument "\001cwd=DIR" is the working directory the parent
	 * passed (user/lib/fsc.h), not one of main's. */
	if (argc > 1 && memcmp(argv[argc - 1], "\001cwd=", 5) == 0) {
		rt_cwd_arg = argv[argc - 1] + 5;
		argv[--argc] = NULL;
	}
	if (rc_ring_attach(&rt_ring, (void *)ring, bytes, rt_backend_here(),
			   (void *)(uintptr_t)handle))
		__builtin_trap(); /* no ring, no syscalls: die visibly */
	exit(main(argc, argv));
}

/* CQEs that arrived while rt_sync waited for its own. */
#define STASH 128
static struct rc_cqe stash[STASH];
static unsigned stash_head, stash_n;

static void stash_push(const struct rc_cqe *c)
{
	if (c->user_data == RT_WRITE_DATA)
		return; /* a failed printf: nobody waits for it */
	if (stash_n == STASH)
		__builtin_trap();
	stash[(stash_head + stash_n++) % STASH] = *c;
}

struct rc_sqe *rt_sqe(void)
{
	struct rc_sqe *sqe = rc_get_sqe(&rt_ring);
	if (!sqe) {
		rc_submit(&rt_ring);
		sqe = rc_get_sqe(&rt_ring);
	}
	if (!sqe)
		__builtin_trap();
	return sqe;
}

/* Take the CQE at the head into *out and hand its slot back. */
static void take_head(struct rc_cqe *cqe, struct rc_cqe *out)
{
	*out = *cqe;
	rc_cqe_seen(&rt_ring, cqe);
}

struct rc_cqe rt_sync_cqe;

int32_t rt_sync(struct rc_sqe *sqe)
{
	sqe->user_data = RT_SYNC_DATA;
	int ret = rc_submit(&rt_ring);
	if (ret < 0 && ret != -RC_EBUSY)
		return ret;
	for (;;) {
		struct rc_cqe *cqe, c;
		ret = rc_wait_cqe(&rt_ring, &cqe);
		if (ret < 0)
			return ret;
		take_head(cqe, &c);
		if (c.user_data == RT_SYNC_DATA) {
			rt_sync_cqe = c;
			return c.res;
		}
		stash_push(&c);
	}
}

int rt_peek_cqe(struct rc_cqe *out)
{
	struct rc_cqe *cqe;
	if (stash_n) {
		*out = stash[stash_head];
		stash_head = (stash_head + 1) % STASH;
		stash_n--;
		return 0;
	}
	while (rc_peek_cqe(&rt_ring, &cqe) == 0) {
		take_head(cqe, out);
		if (out->user_data != RT_WRITE_DATA)
			return 0;
	}
	return -RC_EAGAIN;
}

int rt_next_cqe(struct rc_cqe *out)
{
	for (;;) {
		struct rc_cqe *cqe;
		if (rt_peek_cqe(out) == 0)
			return 0;
		int ret = rc_wait_cqe(&rt_ring, &cqe);
		if (ret < 0)
			return ret;
	}
}

/* EXIT through ring r. If r cannot take it (its SQ waits behind a held
 * DRAIN, or its backlog is full) the enter returns: then die visibly. */
void rt_exit_on(struct rc_ring *r, int code)
{
	struct rc_sqe *sqe = rc_get_sqe(r);
	if (sqe) {
		rc_prep_exit(sqe, (uint32_t)code & 0xff);
		rc_submit(r);
	}
	__builtin_trap();
}

void exit(int code)
{
	rt_exit_on(&rt_ring, code);
}

long getpid(void)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_getpid(sqe, 0);
	return rt_sync(sqe);
}

long getppid(void)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_getpid(sqe, RC_GETPID_PARENT);
	return rt_sync(sqe);
}

uint64_t clock_ns(void)
{
	uint64_t t = 0;
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_clock(sqe, &t, sizeof(t));
	return rt_sync(sqe) == 0 ? t : 0;
}

int rt_map(uint64_t addr, uint32_t pages, uint32_t flags)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_map(sqe, addr, pages, flags);
	return rt_sync(sqe);
}

int rt_unmap(uint64_t addr, uint32_t pages)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_unmap(sqe, addr, pages, 0);
	return rt_sync(sqe);
}

int rt_proc_stats(struct rc_proc_stats *st)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_proc_stats(sqe, st, sizeof(*st), 0, 0);
	return rt_sync(sqe);
}

uint32_t rt_pack_argv(char *buf, uint32_t size, const char *const argv[])
{
	uint32_t n = 0;
	for (int i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]) + 1;
		if (len > size - n)
			return 0;
		memcpy(buf + n, argv[i], len);
		n += (uint32_t)len;
	}
	return n;
}

long spawn(const char *const argv[])
{
	char buf[RC_SPAWN_ARGS_MAX];
	uint32_t n = rt_pack_argv(buf, sizeof(buf), argv);
	if (!n)
		return -RC_EINVAL;
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_spawn(sqe, buf, n, 0, NULL, 0, 0, NULL);
	return rt_sync(sqe);
}

long spawn_with(const char *const argv[], const struct rc_spawn_handle *hs, uint32_t n)
{
	return spawn_image(argv, NULL, 0, hs, n);
}

long spawn_image(const char *const argv[], const void *image, uint32_t len,
		 const struct rc_spawn_handle *hs, uint32_t n)
{
	char buf[RC_SPAWN_ARGS_MAX];
	uint32_t alen = rt_pack_argv(buf, sizeof(buf), argv);
	if (!alen)
		return -RC_EINVAL;
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_spawn(sqe, buf, alen, 0, hs, n * (uint32_t)sizeof(*hs), len, image);
	return rt_sync(sqe);
}

int rt_channel(uint32_t ends[2])
{
	struct rc_channel_pair pair;
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_create(sqe, &pair, sizeof(pair), 0);
	int res = rt_sync(sqe);
	if (res == 0) {
		ends[0] = pair.end[0];
		ends[1] = pair.end[1];
	}
	return res;
}

int rt_send(uint32_t h, const void *buf, uint32_t len, const uint32_t *handles, uint32_t n,
	    uint32_t flags)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_send(sqe, h, buf, len, n * 4, handles, flags);
	return rt_sync(sqe);
}

int rt_recv(uint32_t h, void *buf, uint32_t len, struct rc_channel_info *info, uint32_t flags)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_recv(sqe, h, buf, len, info ? sizeof(*info) : 0, info, flags);
	return rt_sync(sqe);
}

int rt_close(uint32_t h)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_close(sqe, h, 0);
	return rt_sync(sqe);
}

long waitpid(int pid, struct rc_wait_info *info)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_wait(sqe, pid, 0, info, info ? sizeof(*info) : 0);
	return rt_sync(sqe);
}

/* Console output costs one trap and, when it works, no CQE. */
void rt_write(const void *buf, size_t len)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_console_write(sqe, buf, (uint32_t)(len < RC_CONSOLE_MAX ? len : RC_CONSOLE_MAX));
	rc_sqe_set_data(sqe, RT_WRITE_DATA);
	rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
	rc_submit(&rt_ring);
}

int rt_report(const char *name)
{
	printf("  %s: %d checks, %d failed\n", name, rt_checks, rt_fails);
	return rt_fails > 255 ? 255 : rt_fails;
}

int32_t rt_ring_create(struct rc_ring *r, uint64_t addr, uint32_t sq, uint32_t cq, uint32_t flags)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_ring_create(s, addr, sq, cq, flags);
	int32_t h = rt_sync(s);
	if (h < 0)
		return h;
	if (rc_ring_attach(r, (void *)addr, rc_ring_bytes(sq, cq ? cq : 2 * sq), rt_backend_here(),
			   (void *)(uintptr_t)h))
		return -RC_EINVAL;
	return h;
}

/* rt_alloc's memory: pages MAPped at RT_HEAP as it grows. */
#define RT_HEAP UINT64_C(0x600000000000)
static uint64_t heap_top = RT_HEAP, heap_end = RT_HEAP;

void *rt_alloc(uint32_t n)
{
	uint64_t size = ((uint64_t)n + 63) & ~UINT64_C(63);
	if (heap_top + size > heap_end) {
		uint64_t pages = (heap_top + size - heap_end + 4095) / 4096;
		if (pages > RC_MAP_PAGES_MAX || rt_map(heap_end, (uint32_t)pages, RC_MAP_WRITE))
			return NULL;
		heap_end += pages * 4096;
	}
	void *p = (void *)(uintptr_t)heap_top;
	heap_top += size;
	return p;
}

struct rc_cqe *rt_spin_cqe(struct rc_ring *r, uint64_t max_cycles)
{
	struct rc_cqe *cqe;
	uint64_t t0 = rt_rdtsc();
	while (rc_peek_cqe(r, &cqe) != 0) {
		if (rt_rdtsc() - t0 > max_cycles)
			return NULL;
		__builtin_ia32_pause();
	}
	return cqe;
}
