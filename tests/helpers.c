#include "helpers.h"
#include <stdlib.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

void ring_open(struct rc_ring *r, uint32_t sq, uint32_t cq, uint32_t backlog)
{
	struct rc_params p = { .sq_entries = sq, .cq_entries = cq, .backlog_entries = backlog };

	assert_int_equal(rc_inproc_init(r, &p), 0);
}

void ring_close(struct rc_ring *r)
{
	rc_inproc_exit(r);
}

void submit_all(struct rc_ring *r)
{
	uint32_t queued = r->sqe_tail - r->sqe_head;

	assert_int_equal(rc_submit(r), (int)queued);
}

int32_t reap_one(struct rc_ring *r, uint64_t *ud)
{
	struct rc_cqe *cqe;
	int32_t res;

	assert_int_equal(rc_peek_cqe(r, &cqe), 0);
	res = cqe->res;
	if (ud)
		*ud = cqe->user_data;
	rc_cqe_seen(r, cqe);
	return res;
}

int32_t run_one(struct rc_ring *r, struct rc_sqe *sqe)
{
	struct rc_cqe *cqe;
	int32_t res;

	(void)sqe;
	assert_int_equal(rc_submit_and_wait(r, 1), 1);
	assert_int_equal(rc_wait_cqe(r, &cqe), 0);
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	return res;
}

uint32_t cqes_ready(struct rc_ring *r)
{
	uint32_t n = 0, head;
	struct rc_cqe *cqe;

	rc_for_each_cqe(r, head, cqe) n++;
	return n;
}

static char temp_path[64];

static void temp_cleanup(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", temp_path);
	(void)!system(cmd);
}

const char *temp_dir(void)
{
	if (!temp_path[0]) {
		strcpy(temp_path, "/tmp/ringcall-test-XXXXXX");
		assert_non_null(mkdtemp(temp_path));
		atexit(temp_cleanup);
	}
	return temp_path;
}

void queue_nop(struct rc_ring *r, int32_t res, uint8_t flags, uint64_t ud)
{
	struct rc_sqe *sqe = rc_get_sqe(r);

	assert_non_null(sqe);
	rc_prep_nop(sqe, res);
	rc_sqe_set_flags(sqe, flags);
	rc_sqe_set_data(sqe, ud);
}

void expect(struct rc_ring *r, unsigned n, const uint64_t *ud, const int32_t *res)
{
	assert_true(rc_submit(r) >= 0);
	for (unsigned i = 0; i < n; i++) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(r, &cqe), 0);
		assert_int_equal(cqe->user_data, ud[i]);
		assert_int_equal(cqe->res, res[i]);
		rc_cqe_seen(r, cqe);
	}
	assert_int_equal(cqes_ready(r), 0);
}

/* The descriptors of process pid that are not sockets; *sockets gets the
 * number that are (an idle server has one: its listening socket; probe
 * connections come and go, so sockets are counted apart). -1: no such
 * process. */
int count_fds_sockets_apart(pid_t pid, int *sockets)
{
	char path[64], link[320], target[64];
	struct dirent *e;
	DIR *d;
	int n = 0;
	ssize_t len;

	*sockets = 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (!(d = opendir(path)))
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "%s/%s", path, e->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue; /* closed while we looked (a probe's socket): neither */
		if (!strncmp(target, "socket:", 7))
			++*sockets;
		else
			n++;
	}
	closedir(d);
	return n;
}

/* ---- channels on in-process rings (test_channel, test_call) ---- */

/* The SQE rc_get_sqe handed out last. */
struct rc_sqe *last_sqe(struct rc_ring *r)
{
	return &r->sqes[(r->sqe_tail - 1) & r->sq_mask];
}

/* Run r's engine with nothing new to submit (an in-process ring runs
 * only when entered): what a worker does when another ring wakes it. */
void run_engine(struct rc_ring *r)
{
	assert_true(rce_ring_run(&rc_inproc_client(r)->ring, 16) >= 0);
}

struct rce_ctx *ctx_of(struct rc_ring *r)
{
	return &rc_inproc_client(r)->ctx;
}

/* Make a channel on r: both handles. */
void make_channel(struct rc_ring *r, uint32_t *h0, uint32_t *h1)
{
	struct rc_channel_pair *p = rc_alloc(r, sizeof(*p));

	rc_prep_channel_create(rc_get_sqe(r), p, sizeof(*p), 0);
	assert_int_equal(run_one(r, NULL), 0);
	assert_int_not_equal(p->end[0], p->end[1]);
	*h0 = p->end[0];
	*h1 = p->end[1];
	rc_free(r, p);
}

/* ---- a ringcall-server child process ---- */

/* Does a server accept connections on the socket at path? */
bool socket_listens(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Stop the server *pid (if any), reap it, remove its socket. */
void stop_server_process(pid_t *pid, const char *sock)
{
	if (*pid > 0) {
		kill(*pid, SIGTERM);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
	unlink(sock);
}

/* The engine context behind a ring of a local (in-worker) connection. */
struct rce_ctx *local_ctx(struct rc_ring *r)
{
	return &((struct host_conn *)r->backend_data)->local->ctx;
}
