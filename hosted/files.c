/*
 * files.c - the hosted server's syscalls: files beneath a root directory
 * and a console. Paths are resolved by the Linux kernel with
 * RESOLVE_BENEATH, so neither ".." nor a symlink can leave the root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "host.h"

/* RC_E* are Linux's numbers: each name maps to itself, checked here. */
#define HOST_SAME_NUMBER(name) _Static_assert(RC_##name == name, "RC_" #name " is not Linux's");
RC_ERRORS(HOST_SAME_NUMBER)

int32_t host_err(int e)
{
	switch (e) {
#define HOST_ERR_CASE(name) \
	case name: return -RC_##name;
		RC_ERRORS(HOST_ERR_CASE)
#undef HOST_ERR_CASE
	}
	return -RC_EIO; /* a Linux error with no name in the vocabulary */
}

static struct host_client *host_of(struct rce_call *c)
{
	return (struct host_client *)c->ctx->port; /* mem is its first member */
}

static int host_open_flags(const struct rce_args_open *a)
{
	static const int access[RC_ACCESS_COUNT] = { O_RDONLY, O_WRONLY, O_RDWR };
	int flags = access[a->access] | O_CLOEXEC | O_NOCTTY;

	if (a->flags & RC_OPEN_CREATE)
		flags |= O_CREAT;
	if (a->flags & RC_OPEN_TRUNC)
		flags |= O_TRUNC;
	if (a->flags & RC_OPEN_APPEND)
		flags |= O_APPEND;
	if (a->flags & RC_OPEN_EXCL)
		flags |= O_EXCL;
	if (a->flags & RC_OPEN_DIRECTORY)
		flags |= O_DIRECTORY; /* Linux: -ENOTDIR for anything else */
	return flags;
}

static uint32_t host_open_rights(uint32_t access)
{
	if (access == RC_ACCESS_RDONLY)
		return RC_RIGHT_READ;
	if (access == RC_ACCESS_WRONLY)
		return RC_RIGHT_WRITE;
	return RC_RIGHT_READ | RC_RIGHT_WRITE;
}

/* Argument indices (the table's order), for the records of refusals. */
#define HOST_FI_OPEN(kind, ctype, name, a, b) host_fi_open_##name,
#define HOST_FI_IO(kind, ctype, name, a, b)   host_fi_io_##name,
#define HOST_FI_DIR(kind, ctype, name, a, b)  host_fi_dir_##name,
enum {
	RC_ARGS_open(HOST_FI_OPEN)
};
enum {
	RC_ARGS_readdir(HOST_FI_DIR)
};
enum {
	RC_ARGS_read(HOST_FI_IO)
}; /* WRITE's fields are READ's */
_Static_assert(offsetof(struct rc_args_read, len) == offsetof(struct rc_args_write, len),
	       "READ and WRITE share field numbers");

/* The policy's checks on an OPEN before it touches the file system: 0, or
 * the refusal, recorded with the rule that made it (rce_call_refuse). */
static int32_t host_open_policy(struct rce_call *c, const struct rce_args_open *a)
{
	const struct host_policy *p = &host_of(c)->policy;
	const uint32_t writes = RC_OPEN_CREATE | RC_OPEN_TRUNC | RC_OPEN_APPEND;

	if (p->read_only && a->access != RC_ACCESS_RDONLY)
		return rce_call_refuse(c, host_fi_open_access, RC_RULE_READ_ONLY, a->access, 0,
				       -RC_EROFS);
	if (p->read_only && (a->flags & writes))
		return rce_call_refuse(c, host_fi_open_flags, RC_RULE_READ_ONLY, a->flags, 0,
				       -RC_EROFS);
	if (p->max_handles && c->ctx->open_handles >= p->max_handles)
		return rce_call_refuse(c, RC_FIELD_OPCODE, RC_RULE_MAX_HANDLES,
				       c->ctx->open_handles, p->max_handles, -RC_EMFILE);
	return 0;
}

/* Return a new handle for path opened beneath the root, or -RC_E*. */
static int32_t host_open(struct rce_call *c, const struct rce_args_open *a)
{
	char path[RC_PATH_MAX + 1];
	struct open_how how = {
		.flags = (uint64_t)host_open_flags(a),
		.mode = (a->flags & RC_OPEN_CREATE) ? a->mode : 0,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int32_t h;
	long fd;

	if (rce_copy_in(c, path, a->path, 0, a->path_len))
		return -RC_EFAULT;
	path[a->path_len] = 0;
	if (strlen(path) != a->path_len)
		return -RC_EINVAL; /* a NUL inside would silently shorten it */
	if ((a->flags & RC_OPEN_DIRECTORY) &&
	    (a->access != RC_ACCESS_RDONLY || a->flags != RC_OPEN_DIRECTORY))
		return -RC_EINVAL; /* a directory is opened to be listed, nothing else */
	h = host_open_policy(c, a);
	if (h)
		return h;
	fd = syscall(SYS_openat2, host_of(c)->root_fd, path, &how, sizeof(how));
	if (fd < 0 && errno == EXDEV) /* RESOLVE_BENEATH: the path leaves the root */
		return rce_call_refuse(c, host_fi_open_path, RC_RULE_ROOT, 0, 0, -RC_EXDEV);
	if (fd < 0)
		return host_err(errno);
	h = rce_handle_install(c->ctx, RCE_HT_FILE, host_open_rights(a->access),
			       (void *)(intptr_t)(fd + 1));
	if (h < 0)
		close((int)fd);
	return h;
}

static int host_fd(struct rce_call *c)
{
	return (int)((intptr_t)c->target - 1); /* stored +1 so fd 0 is not NULL */
}

/* Count len bytes in flight for the transfer about to run: 0, or its
 * refusal by the client's max-inflight, naming argument field (then
 * nothing is counted). */
static int32_t host_inflight_take(struct rce_call *c, unsigned field, uint32_t len)
{
	struct host_client *hc = host_of(c);
	uint64_t with = hc->inflight_bytes + len;

	if (hc->policy.max_inflight && with > hc->policy.max_inflight)
		return rce_call_refuse(c, field, RC_RULE_MAX_INFLIGHT, with,
				       hc->policy.max_inflight, -RC_EDQUOT);
	hc->inflight_bytes = with;
	return 0;
}

/* Return bytes read into the caller's buffer, or -RC_E*. */
static int32_t host_read(struct rce_call *c, const struct rce_args_read *a)
{
	void *dst = host_user_ptr(c->ctx->port, a->buf.addr, a->buf.len);
	int32_t err = dst ? host_inflight_take(c, host_fi_io_len, a->buf.len) : -RC_EFAULT;
	ssize_t n;

	if (err)
		return err;
	n = pread(host_fd(c), dst, a->buf.len, (off_t)a->offset);
	host_of(c)->inflight_bytes -= a->buf.len;
	return n < 0 ? host_err(errno) : (int32_t)n;
}

static int32_t host_write(struct rce_call *c, const struct rce_args_write *a)
{
	const void *src = host_user_ptr(c->ctx->port, a->buf.addr, a->buf.len);
	int32_t err = src ? 0 : -RC_EFAULT;
	ssize_t n;

	if (!err && host_of(c)->policy.read_only) /* a writable handle passed in a message */
		err = rce_call_refuse(c, RC_FIELD_OPCODE, RC_RULE_READ_ONLY, RC_OP_WRITE, 0,
				      -RC_EROFS);
	if (!err)
		err = host_inflight_take(c, host_fi_io_len, a->buf.len);
	if (err)
		return err;
	n = pwrite(host_fd(c), src, a->buf.len, (off_t)a->offset);
	host_of(c)->inflight_bytes -= a->buf.len;
	return n < 0 ? host_err(errno) : (int32_t)n;
}

/* A directory's names, read whole to be sorted (getdents64 has no order):
 * each name is its d_type byte, then the name, NUL-terminated. */
struct host_names {
	char *bytes;
	size_t used, cap;
	uint32_t *at; /* where each name starts in bytes, sorted by name */
	size_t n, max;
};

static int host_names_add(struct host_names *ns, const char *name, uint8_t dtype)
{
	size_t len = strlen(name) + 1;

	if (ns->used + 1 + len > ns->cap) {
		size_t cap = 2 * ns->cap + 1 + len + 4096;
		char *b = cap <= UINT32_MAX ? realloc(ns->bytes, cap) : NULL;

		if (!b)
			return -RC_ENOMEM;
		ns->bytes = b;
		ns->cap = cap;
	}
	if (ns->n == ns->max) {
		size_t max = ns->max ? 2 * ns->max : 64;
		uint32_t *at = realloc(ns->at, max * sizeof(*at));

		if (!at)
			return -RC_ENOMEM;
		ns->at = at;
		ns->max = max;
	}
	ns->bytes[ns->used] = (char)dtype;
	memcpy(ns->bytes + ns->used + 1, name, len);
	ns->at[ns->n++] = (uint32_t)(ns->used + 1);
	ns->used += 1 + len;
	return 0;
}

/* Every name of directory dfd but "." and "..": 0 or -RC_E*. */
static int host_names_read(int dfd, struct host_names *ns)
{
	char buf[8192] __attribute__((aligned(8)));
	long n;

	while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (struct linux_dirent64 *)(buf + off);
			int err = 0;

			if (strcmp(d->name, ".") && strcmp(d->name, ".."))
				err = host_names_add(ns, d->name, d->type);
			if (err)
				return err;
			off += d->reclen;
		}
	}
	return n < 0 ? host_err(errno) : 0;
}

/* Names in strcmp order: bytes as unsigned, a prefix first (the ramfs's). */
static int host_name_cmp(const void *a, const void *b, void *bytes)
{
	return strcmp((const char *)bytes + *(const uint32_t *)a,
		      (const char *)bytes + *(const uint32_t *)b);
}

/* The entry of name (getdents' type dtype) in directory dfd. */
static struct rc_dirent host_dirent(int dfd, const char *name, uint8_t dtype)
{
	size_t len = strlen(name);
	struct rc_dirent d = { .reclen = RC_DIRENT_LEN(len), .name_len = (uint16_t)len };
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		d.type = S_ISREG(st.st_mode)   ? RC_DT_FILE
			 : S_ISDIR(st.st_mode) ? RC_DT_DIR
					       : RC_DT_OTHER;
		d.size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	} else { /* gone since it was read: what getdents said */
		d.type = dtype == DT_REG ? RC_DT_FILE : dtype == DT_DIR ? RC_DT_DIR : RC_DT_OTHER;
	}
	return d;
}

/* Pack the sorted entries of ns from index on into dst (len bytes): the
 * count, or -RC_EINVAL if the entry at index does not fit. */
static int32_t host_dirents_pack(int dfd, const struct host_names *ns, uint64_t index, uint8_t *dst,
				 uint32_t len)
{
	uint32_t used = 0;
	int32_t count = 0;

	for (uint64_t i = index; i < ns->n; i++) {
		const char *name = ns->bytes + ns->at[i];
		size_t nlen = strlen(name);
		struct rc_dirent d;

		if (nlen > RC_NAME_MAX || used + RC_DIRENT_LEN(nlen) > len)
			break;
		d = host_dirent(dfd, name, (uint8_t)name[-1]);
		memcpy(dst + used, &d, sizeof(d));
		memcpy(dst + used + sizeof(d), name, nlen);
		memset(dst + used + sizeof(d) + nlen, 0, d.reclen - sizeof(d) - nlen);
		used += d.reclen;
		count++;
	}
	return count == 0 && index < ns->n ? -RC_EINVAL : count;
}

/* Return the number of entries of the target directory from index on
 * written to the caller's buffer, or -RC_E*. Each call reads the whole
 * directory and sorts it: O(n log n) for n names, so that the order and
 * the indices are the file server's (docs/abi.md "READDIR"). */
static int32_t host_readdir(struct rce_call *c, const struct rce_args_readdir *a)
{
	uint8_t *dst = host_user_ptr(c->ctx->port, a->buf.addr, a->buf.len);
	int32_t res = dst ? host_inflight_take(c, host_fi_dir_len, a->buf.len) : -RC_EFAULT;
	struct host_names ns = { 0 };
	int dfd;

	if (res)
		return res;
	/* A descriptor of its own: its read position is this call's alone. */
	dfd = openat(host_fd(c), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	res = dfd < 0 ? host_err(errno) : host_names_read(dfd, &ns);
	if (res == 0) {
		if (ns.n) /* an empty directory has no array to sort */
			qsort_r(ns.at, ns.n, sizeof(*ns.at), host_name_cmp, ns.bytes);
		res = host_dirents_pack(dfd, &ns, a->index, dst, a->buf.len);
	}
	if (dfd >= 0)
		close(dfd);
	free(ns.bytes);
	free(ns.at);
	host_of(c)->inflight_bytes -= a->buf.len;
	return res;
}

static int32_t host_close(struct rce_call *c, const struct rce_args_close *a)
{
	(void)a;
	if (rce_close_engine_object(c))
		return 0; /* a channel endpoint */
	rce_handle_remove(c->ctx, c->sqe->handle);
	close(host_fd(c));
	return 0;
}

/* Write the caller's bytes to the server's console, one prefixed line. */
static int32_t host_console_write(struct rce_call *c, const struct rce_args_console_write *a)
{
	char buf[RC_CONSOLE_MAX];
	char prefix[32];
	int plen;

	if (rce_copy_in(c, buf, a->buf, 0, a->len))
		return -RC_EFAULT;
	plen = snprintf(prefix, sizeof(prefix), "[client %u] ", host_of(c)->id);
	if (write(host_of(c)->console_fd, prefix, (size_t)plen) < 0 ||
	    write(host_of(c)->console_fd, buf, a->len) < 0)
		return host_err(errno);
	if (a->len == 0 || buf[a->len - 1] != '\n')
		(void)!write(host_of(c)->console_fd, "\n", 1);
	return (int32_t)a->len;
}

static void host_close_object(struct rce_ctx *ctx, uint32_t type, void *obj)
{
	(void)ctx;
	if (type == RCE_HT_FILE)
		close((int)((intptr_t)obj - 1));
}

/* Channels: one lock for all channel state of the server (every client's
 * rings); waking a ring kicks the worker that serves it (in-process rings
 * have none: their enter runs the engine).
 *
 * The lock is a futex word (Drepper, "Futexes are tricky", mutex 3): 0
 * free, 1 held, 2 held and someone may sleep on it. Taken and dropped a
 * few times per message, always briefly: uncontended it is one CAS and
 * one exchange (a pthread mutex cost ~60 instructions per round trip,
 * ~10 % of a call).
 *
 * A server's only worker keeps it (host_ipc_keep): from its first IPC op
 * in a pass to the end of that pass, its unlocks leave the word held and
 * its locks find it held by itself, so a pass of many messages pays one
 * CAS and one exchange instead of two per lock. Those two are locked
 * instructions: each waits for every store before it to reach the cache,
 * and the worker's stores go to lines the clients read (CQEs, provided
 * buffers), so each waited for a line to come back from the other CPU
 * (~15 % of the worker's time at 64 calls in flight, docs/performance.md).
 * Nobody else waits for it long: no other worker exists, and a pass is
 * bounded (HOST_BUDGET per ring). A contender that slept on the word (2)
 * is woken by the release at the end of the pass. */
static uint32_t host_ipc_word;
static __thread bool host_ipc_keeping; /* this thread's unlocks keep the word */
static __thread bool host_ipc_kept;    /* ... and it holds it now, kept */
__thread uint64_t host_ipc_acquires;

static void host_ipc_acquire(void)
{
	uint32_t c = 0;

	host_ipc_acquires++; /* this thread's count (tests); not a locked add */
	/* Acquire pairs with the release exchange in host_ipc_release: what
	 * the last holder wrote under the lock is seen by the next. */
	if (__atomic_compare_exchange_n(&host_ipc_word, &c, 1, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(&host_ipc_word, 2, __ATOMIC_ACQUIRE);
	while (c != 0) { /* held: sleep until the holder's unlock wakes us */
		host_futex_wait(&host_ipc_word, 2, 0);
		c = __atomic_exchange_n(&host_ipc_word, 2, __ATOMIC_ACQUIRE);
	}
}

static void host_ipc_release(void)
{
	/* Release: pairs with the acquire in host_ipc_acquire. A 2 means a
	 * waiter may sleep (or be about to: its futex wait then sees 0 and
	 * returns at once), so one is woken. */
	if (__atomic_exchange_n(&host_ipc_word, 0, __ATOMIC_RELEASE) == 2)
		host_futex_wake(&host_ipc_word, 1);
}

static void host_ipc_lock(void)
{
	if (host_ipc_kept)
		return; /* this thread holds it since its last unlock */
	host_ipc_acquire();
}

static void host_ipc_unlock(void)
{
	if (host_ipc_keeping)
		host_ipc_kept = true;
	else
		host_ipc_release();
}

bool host_ipc_held(void)
{
	return __atomic_load_n(&host_ipc_word, __ATOMIC_RELAXED) != 0;
}

void host_ipc_keep(bool on)
{
	host_ipc_keeping = on;
	if (!on && host_ipc_kept) {
		host_ipc_kept = false;
		host_ipc_release();
	}
}

/* The worker may be asleep in futex_waitv: the kick bumps its control word
 * after the ring's flag is set, so either its pre-sleep check sees the
 * flag (rce_ring_has_work) or the control word moved since its snapshot
 * and the wait returns at once. A ring served by this very thread's worker
 * (a send between two of its clients) needs no kick, and gets none: the
 * worker is awake, and its pre-sleep check of every ring comes after this
 * (same thread) flag store. That saves a FUTEX_WAKE and an extra pass per
 * message; and the worker delivers it right after the sender's run, in the
 * same pass, wherever the receiver is in its list (host_worker_woken). */
static void host_ipc_wake(struct rce_ring *ring)
{
	struct host_client *c = (struct host_client *)((char *)ring -
						       offsetof(struct host_client, ring));
	struct host_worker *w = __atomic_load_n(&c->worker, __ATOMIC_ACQUIRE);

	if (w && w != host_worker_self)
		host_worker_kick(w);
	else if (w)
		host_worker_woken(c);
}

/* Every caller's memory is mapped in the server: a reply goes from the
 * replier's straight to the caller's (memmove: both may be one caller's). */
static int host_ipc_copy(struct rce_ctx *to, uint64_t dst, struct rce_ctx *from, uint64_t src,
			 uint64_t len)
{
	void *d = host_user_ptr(to->port, dst, len);
	const void *s = host_user_ptr(from->port, src, len);

	if (!d || !s)
		return -RC_EFAULT;
	memmove(d, s, len);
	return 0;
}

/* May this thread act for ring (deliver into it: rce_ipc_ops.act)? A
 * ring on a worker: if this thread is that worker (it runs the ring's
 * engine calls one after another, so none is running now but perhaps the
 * caller's own). An in-process ring: if nobody is in an engine call on it
 * (a try-lock of its engine_busy word, which its enter holds too). Any
 * other (a client still in its handshake): no. */
static bool host_ipc_act(struct rce_ring *ring)
{
	struct host_client *c = (struct host_client *)((char *)ring -
						       offsetof(struct host_client, ring));
	struct host_worker *w = __atomic_load_n(&c->worker, __ATOMIC_ACQUIRE);

	if (w)
		return w == host_worker_self;
	/* Acquire pairs with the release in host_ipc_act_end/inproc_run:
	 * what the last holder did to the ring is seen. */
	return c->inproc && !__atomic_exchange_n(&c->engine_busy, 1, __ATOMIC_ACQUIRE);
}

static void host_ipc_act_end(struct rce_ring *ring)
{
	struct host_client *c = (struct host_client *)((char *)ring -
						       offsetof(struct host_client, ring));

	if (!__atomic_load_n(&c->worker, __ATOMIC_RELAXED))
		__atomic_store_n(&c->engine_busy, 0, __ATOMIC_RELEASE);
}

static const struct rce_ipc_ops host_ipc_ops = {
	.lock = host_ipc_lock,
	.unlock = host_ipc_unlock,
	.wake = host_ipc_wake,
	.copy = host_ipc_copy,
	.grant = host_acct_grant, /* client_state.c: bytes as malloc'd, per client */
	.trim = host_acct_trim,
	.act = host_ipc_act,
	.act_end = host_ipc_act_end,
};

const struct rce_handlers host_handlers = {
	.console_write = host_console_write,
	.open = host_open,
	.read = host_read,
	.write = host_write,
	.readdir = host_readdir,
	.close = host_close,
	.close_object = host_close_object,
	.ipc = &host_ipc_ops,
	.channel_publish = host_channel_publish,
	.channel_connect = host_channel_connect,
};
