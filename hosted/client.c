/*
 * client.c - the user library's Linux backend: connect to a server, map
 * the ring it made, ring its futex doorbell, sleep on the CQ tail.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include "host.h"
#include "proto.h"

#define HOST_WAIT_SLICE_NS 100000000u /* re-check the server's life this often */

/* Has the server closed its end (died)? */
static bool host_server_gone(struct host_conn *conn)
{
	struct pollfd pfd = { .fd = conn->sock, .events = POLLIN };
	char byte;

	if (conn->sock < 0)
		return false;
	if (poll(&pfd, 1, 0) <= 0)
		return false;
	return recv(conn->sock, &byte, 1, MSG_DONTWAIT | MSG_PEEK) <= 0;
}

/* Can min CQEs never be ready? So when every SQE published has finished
 * (its CQE posted or skipped), none waits in the backlog, and fewer are
 * ready: only the user's own submissions could help. */
static bool host_cannot_complete(struct rc_ring *r, uint32_t min)
{
	/* Pairs with the engine's store_release of sq_retired, made after
	 * its cq_tail store and flag changes: those read below are at least
	 * as new as the count. */
	if (rc_load_acquire(&r->hdr->sq_retired) != r->sqe_head)
		return false;
	if (rc_load_acquire(&r->hdr->flags) & RC_RING_CQ_OVERFLOW)
		return false;
	return rc_cq_count(rc_load_acquire(&r->hdr->cq_tail), r->cq_head) < min;
}

/* Sleep until min_complete CQEs are ready: 0, -RC_EPIPE if the server
 * died, -RC_EDEADLK if they can never come, -RC_ETIME at deadline (on
 * host_now_ns; 0: none). */
static int host_wait(struct rc_ring *r, struct host_conn *conn, uint32_t min_complete,
		     uint64_t deadline)
{
	struct rc_ring_hdr *h = r->hdr;
	int ret = 0;

	for (;;) {
		uint64_t slice = HOST_WAIT_SLICE_NS, now;
		uint32_t tail;

		rc_store_relaxed(&h->cq_waiting, 1);
		/* Orders the cq_waiting store before the cq_tail load. Pairs
		 * with the engine's fence after its cq_tail store: either it
		 * sees us waiting and wakes us, or we see its tail here. */
		rc_fence_full();
		tail = rc_load_acquire(&h->cq_tail);
		if (rc_cq_count(tail, r->cq_head) >= min_complete)
			break;
		if (host_cannot_complete(r, min_complete)) {
			ret = -RC_EDEADLK;
			break;
		}
		if (deadline) {
			now = host_now_ns();
			if (now >= deadline) {
				ret = -RC_ETIME;
				break;
			}
			if (deadline - now < slice)
				slice = deadline - now;
		}
		r->stats.sleeps++;
		if (host_futex_wait(&h->cq_tail, tail, slice) && errno == ETIMEDOUT &&
		    host_server_gone(conn)) {
			ret = -RC_EPIPE;
			break;
		}
	}
	rc_store_relaxed(&h->cq_waiting, 0);
	return ret;
}

static int host_enter(struct rc_ring *r, uint32_t to_submit, uint32_t min_complete, uint32_t flags)
{
	struct host_conn *conn = r->backend_data;

	(void)to_submit;
	if (flags & RC_ENTER_SQ_WAKEUP) {
		/* Orders the SQEs (already released) before the bump; the
		 * worker load_acquires the word before re-checking the SQ. */
		rc_fetch_add(&r->hdr->sq_doorbell, 1);
		host_futex_wake(&r->hdr->sq_doorbell, 1);
	}
	if (flags & RC_ENTER_GETEVENTS)
		return host_wait(r, conn, min_complete, 0);
	return 0;
}

static int host_wait_timeout(struct rc_ring *r, uint32_t min_complete, uint64_t timeout_ns)
{
	uint64_t now = host_now_ns();
	uint64_t deadline = timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;

	return host_wait(r, r->backend_data, min_complete, deadline ? deadline : 1);
}

const struct rc_backend host_futex_backend = { .enter = host_enter,
					       .wait_timeout = host_wait_timeout };

/* ---- the data area: first fit over free extents, coalesced on free ----
 * The bookkeeping is private (malloc), not in the shared region: a
 * buffer overrun or the server cannot corrupt it. Blocks are multiples of
 * HOST_ALLOC_ALIGN, aligned to it. Costs are O(extents), which stays
 * small for the few long-lived and many short-lived buffers a ring has. */
#define HOST_ALLOC_ALIGN 64u

struct host_extent {
	size_t off, len;
	struct host_extent *next;
};

static struct host_extent *host_extent_new(size_t off, size_t len, struct host_extent *next)
{
	struct host_extent *e = malloc(sizeof(*e));

	if (e)
		*e = (struct host_extent){ off, len, next };
	return e;
}

void *rc_alloc(struct rc_ring *r, size_t bytes)
{
	struct host_conn *conn = r->backend_data;
	struct host_extent **pp, *e, *used;
	size_t n;

	if (!conn || !conn->data || bytes > conn->data_bytes) {
		errno = ENOMEM;
		return NULL;
	}
	n = (bytes + HOST_ALLOC_ALIGN - 1) & ~(size_t)(HOST_ALLOC_ALIGN - 1);
	if (n == 0)
		n = HOST_ALLOC_ALIGN;		  /* a distinct pointer for 0 bytes, as malloc */
	if (!conn->free_list && !conn->used_list) /* first use: all of it is free */
		conn->free_list = host_extent_new(0, conn->data_bytes, NULL);
	for (pp = &conn->free_list; (e = *pp) != NULL; pp = &e->next)
		if (e->len >= n)
			break;
	if (!e || !(used = host_extent_new(e->off, n, conn->used_list))) {
		errno = ENOMEM;
		return NULL;
	}
	conn->used_list = used;
	e->off += n;
	e->len -= n;
	if (!e->len) {
		*pp = e->next;
		free(e);
	}
	conn->data_used += n;
	return conn->data + used->off;
}

int rc_free(struct rc_ring *r, void *p)
{
	struct host_conn *conn = r->backend_data;
	struct host_extent **pp, *u, *prev = NULL, *next;
	size_t off;

	if (!p)
		return 0;
	if (!conn || (uint8_t *)p < conn->data || (uint8_t *)p >= conn->data + conn->data_bytes)
		return -RC_EINVAL;
	off = (size_t)((uint8_t *)p - conn->data);
	for (pp = &conn->used_list; (u = *pp) != NULL && u->off != off; pp = &u->next)
		;
	if (!u)
		return -RC_EINVAL; /* not from rc_alloc, or freed already */
	*pp = u->next;
	conn->data_used -= u->len;
	/* Insert in address order, then merge with the neighbours. */
	for (next = conn->free_list; next && next->off < off; next = next->next)
		prev = next;
	u->next = next;
	if (prev)
		prev->next = u;
	else
		conn->free_list = u;
	if (next && u->off + u->len == next->off) {
		u->len += next->len;
		u->next = next->next;
		free(next);
	}
	if (prev && prev->off + prev->len == u->off) {
		prev->len += u->len;
		prev->next = u->next;
		free(u);
	}
	return 0;
}

size_t rc_alloc_free_bytes(struct rc_ring *r)
{
	struct host_conn *conn = r->backend_data;

	return conn && conn->data ? conn->data_bytes - conn->data_used : 0;
}

static void host_extents_free(struct host_extent *e)
{
	while (e) {
		struct host_extent *next = e->next;

		free(e);
		e = next;
	}
}

/* Forget the data area's bookkeeping (the region goes with the ring). */
void host_conn_free_data(struct host_conn *conn)
{
	host_extents_free(conn->free_list);
	host_extents_free(conn->used_list);
	conn->free_list = conn->used_list = NULL;
}

void host_conn_init_ring_data(struct host_conn *conn, struct rc_ring *r, size_t data_off)
{
	conn->data = (uint8_t *)conn->region + data_off;
	conn->data_bytes = conn->region_bytes - data_off;
	conn->data_used = 0;
	conn->free_list = conn->used_list = NULL; /* made by the first rc_alloc */
	r->backend_data = conn;
}

/* ---- the setup conversation ---- */

/* A server answers in milliseconds; a peer silent this long is not one. */
#define HOST_CONNECT_TIMEOUT_S 5

/* Bound (seconds > 0) or unbound (0) every blocking call on sock. */
static void host_sock_deadline(int sock, time_t seconds)
{
	struct timeval tv = { .tv_sec = seconds };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Why a send or receive of n bytes during setup failed: the deadline, or
 * the server hanging up. */
static int host_setup_err(ssize_t n)
{
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? -RC_ETIMEDOUT : -RC_EPIPE;
}

static int host_dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -RC_ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return host_err(errno);
	host_sock_deadline(fd, HOST_CONNECT_TIMEOUT_S); /* connect included */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		close(fd);
		if (err == EAGAIN)
			return -RC_ETIMEDOUT;
		return err == ECONNREFUSED ? -RC_ENOENT : host_err(err);
	}
	return fd;
}

static int host_recv_welcome(int sock, struct host_welcome *w, int *memfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { w, sizeof(*w) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);

	*memfd = -1;
	if (n != sizeof(*w))
		return host_setup_err(n);
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(memfd, CMSG_DATA(cm), sizeof(int));
	if (w->status && *memfd >= 0) {
		close(*memfd);
		*memfd = -1;
	}
	if (w->status)
		return w->status;
	return *memfd < 0 ? -RC_EPIPE : 0;
}

/* A positive number from the environment variable name into *out (unset
 * or empty: left 0); -RC_EINVAL if it is not one. */
static int host_env_u32(const char *name, uint32_t *out)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return 0;
	n = strtoul(v, &end, 10);
	if (*end || n == 0 || n > UINT32_MAX)
		return -RC_EINVAL;
	*out = (uint32_t)n;
	return 0;
}

/* What ringcall-run asks the server to narrow this client's policy to
 * (proto.h), from RINGCALL_ALLOW, _ROOT, _RO, _LOG, _MAX_HANDLES and
 * _MAX_INFLIGHT: 0, or -RC_EINVAL for a value that is not one. */
static int host_hello_asks(struct host_hello *h)
{
	const char *allow = getenv("RINGCALL_ALLOW"), *root = getenv("RINGCALL_ROOT");

	if (allow && *allow && host_trace_parse_ops(allow, &h->ask_allow))
		return -RC_EINVAL;
	if (root && strlen(root) >= sizeof(h->ask_root))
		return -RC_EINVAL;
	if (root)
		strcpy(h->ask_root, root);
	if (getenv("RINGCALL_RO"))
		h->ask_flags |= HOST_ASK_READ_ONLY;
	if (getenv("RINGCALL_LOG"))
		h->ask_flags |= HOST_ASK_LOG;
	if (host_env_u32("RINGCALL_MAX_HANDLES", &h->ask_max_handles) ||
	    host_env_u32("RINGCALL_MAX_INFLIGHT", &h->ask_max_inflight))
		return -RC_EINVAL;
	return 0;
}

static int host_handshake(struct host_conn *conn, const struct rc_params *p, struct host_welcome *w)
{
	struct host_hello hello = { .magic = HOST_PROTO_MAGIC,
				    .abi_version = RC_ABI_VERSION,
				    .sq_entries = p->sq_entries,
				    .cq_entries = p->cq_entries,
				    .backlog_entries = p->backlog_entries,
				    .data_bytes = p->data_bytes,
				    .mode = (uint32_t)p->mode,
				    .idle_us = p->idle_us };
	struct host_mapped mapped;
	struct host_ready ready;
	int memfd, err;
	ssize_t n;

	err = host_hello_asks(&hello);
	if (err)
		return err;
	n = send(conn->sock, &hello, sizeof(hello), MSG_NOSIGNAL);
	if (n != sizeof(hello))
		return host_setup_err(n);
	err = host_recv_welcome(conn->sock, w, &memfd);
	if (err)
		return err;
	conn->region = mmap(NULL, w->region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	close(memfd);
	if (conn->region == MAP_FAILED) {
		conn->region = NULL;
		return -RC_ENOMEM;
	}
	conn->region_bytes = w->region_bytes;
	mapped.base = (uintptr_t)conn->region;
	n = send(conn->sock, &mapped, sizeof(mapped), MSG_NOSIGNAL);
	if (n != sizeof(mapped))
		return host_setup_err(n);
	n = recv(conn->sock, &ready, sizeof(ready), MSG_WAITALL);
	if (n != sizeof(ready))
		return host_setup_err(n);
	if (!ready.status)
		host_sock_deadline(conn->sock, 0); /* from now on only polled */
	return ready.status;
}

/* RINGCALL_SANDBOX in the environment (ringcall-run -S): confine this
 * process right after its first connection ("kill": RC_SANDBOX_KILL), so
 * an unmodified client runs confined. 0, or the refusal (disconnected). */
static int host_sandbox_from_env(struct rc_ring *r)
{
	const char *how = getenv("RINGCALL_SANDBOX");
	int err;

	if (!how || !*how)
		return 0;
	err = rc_sandbox(r, strcmp(how, "kill") == 0 ? RC_SANDBOX_KILL : 0);
	if (err >= 0) {
		unsetenv("RINGCALL_SANDBOX"); /* once: later rings are inside */
		return 0;
	}
	rc_disconnect(r);
	return err;
}

int rc_connect(struct rc_ring *r, const char *socket_path, const struct rc_params *p)
{
	struct host_conn *conn = calloc(1, sizeof(*conn));
	struct host_welcome w;
	int err;

	if (!socket_path)
		socket_path = getenv("RINGCALL_SOCKET"); /* as ringcall-run sets it */
	if (!conn || !socket_path) {
		free(conn);
		return conn ? -RC_EINVAL : -RC_ENOMEM;
	}
	conn->sock = host_dial(socket_path);
	err = conn->sock < 0 ? conn->sock : host_handshake(conn, p, &w);
	if (!err)
		err = rc_ring_attach(r, conn->region, w.ring_bytes, &host_futex_backend, conn);
	if (err) {
		if (conn->region)
			munmap(conn->region, conn->region_bytes);
		if (conn->sock >= 0)
			close(conn->sock);
		free(conn);
		return err;
	}
	host_conn_init_ring_data(conn, r, w.data_off);
	return host_sandbox_from_env(r);
}

void rc_disconnect(struct rc_ring *r)
{
	struct host_conn *conn = r->backend_data;

	if (!conn)
		return;
	if (conn->local) {
		/* In-process worker: it owns the region and frees it (as soon
		 * as dead is set: read what we need first). */
		struct host_worker *w = conn->local->worker;

		__atomic_store_n(&conn->local->dead, 1, __ATOMIC_RELEASE);
		host_worker_kick(w);
		host_conn_free_data(conn);
		free(conn);
		r->backend_data = NULL;
		return;
	}
	munmap(conn->region, conn->region_bytes);
	if (conn->sock >= 0)
		close(conn->sock);
	host_conn_free_data(conn);
	free(conn);
	r->backend_data = NULL;
}
