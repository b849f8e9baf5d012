/*
 * test_ipc_server.c - channels between processes: two clients of one
 * ringcall-server find each other by name (CHANNEL_PUBLISH and
 * CHANNEL_CONNECT), exchange messages and handles, and one dies with
 * messages and handles in flight: the other gets -EPIPE and the server's
 * fds and mappings return to their baseline; a caller dies while the
 * service holds its request, and the reply is dropped with -EPIPE.
 */
#include "helpers.h"
#include "ringcall/service.h"
#include <dirent.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char server_bin[512], sock_path[128], root_path[128];
static pid_t server_pid;

static int setup(void **state)
{
	struct stat st;

	(void)state;
	snprintf(sock_path, sizeof(sock_path), "%s/ipc-sock", temp_dir());
	snprintf(root_path, sizeof(root_path), "%s/ipc-root", temp_dir());
	mkdir(root_path, 0700);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock_path, "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && (lstat(sock_path, &st) || !S_ISSOCK(st.st_mode)); i++)
		usleep(10000); /* the server binds: no handshake to wait on but the socket */
	assert_int_equal(lstat(sock_path, &st), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	unlink(sock_path);
	return 0;
}

static int connect_ring(struct rc_ring *r)
{
	struct rc_params p = { .sq_entries = 16 };

	return rc_connect(r, sock_path, &p);
}

/* Submit what is queued and wait for one CQE: its res. */
static int32_t one(struct rc_ring *r)
{
	struct rc_cqe *cqe;
	int32_t res;

	if (rc_submit_and_wait(r, 1) < 0 || rc_wait_cqe(r, &cqe))
		return INT32_MIN;
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	return res;
}

/* name copied where the engine reads it (the shared data area). */
static char *shared_name(struct rc_ring *r, const char *name)
{
	return memcpy(rc_alloc(r, strlen(name)), name, strlen(name));
}

static int32_t name_op(struct rc_ring *r, bool publish, uint32_t h, const char *name)
{
	uint32_t len = (uint32_t)strlen(name);

	if (publish)
		return rc_channel_publish_wait(r, h, shared_name(r, name), len);
	return rc_channel_connect_wait(r, shared_name(r, name), len);
}

static int32_t send_text(struct rc_ring *r, uint32_t h, const char *text, uint32_t handle)
{
	char *b = rc_alloc(r, strlen(text) + 1);
	uint32_t *hs = rc_alloc(r, 4);

	strcpy(b, text);
	hs[0] = handle;
	rc_prep_channel_send(rc_get_sqe(r), h, b, (uint32_t)strlen(text), handle ? 4 : 0, hs, 0);
	return one(r);
}

static int32_t recv_into(struct rc_ring *r, uint32_t h, char *buf, struct rc_channel_info *info)
{
	rc_prep_channel_recv(rc_get_sqe(r), h, buf, 256, sizeof(*info), info, 0);
	return one(r);
}

/* A client publishes "<uid>/<svc>": return the handle on which
 * connections arrive, or a negative result. */
static int32_t publish(struct rc_ring *r, const char *svc)
{
	char name[64];

	snprintf(name, sizeof(name), "%u/%s", (unsigned)getuid(), svc);
	return rc_channel_listen(r, shared_name(r, name), (uint32_t)strlen(name),
				 rc_alloc(r, sizeof(struct rc_channel_pair)));
}

/* The echo service, in a child: publish, tell the parent (pipe), take one
 * connection, echo every message until the caller hangs up (-EPIPE). */
static int echo_child(int ready_fd)
{
	struct rc_ring r;
	struct rc_channel_info *info;
	char *buf;
	int32_t listen, res;
	uint32_t conn;

	if (connect_ring(&r))
		return 2;
	listen = publish(&r, "echo");
	if (listen < 0)
		return 3;
	if (write(ready_fd, "!", 1) != 1)
		return 4;
	buf = rc_alloc(&r, 256);
	info = rc_alloc(&r, sizeof(*info));
	if (recv_into(&r, (uint32_t)listen, buf, info) != 0 || info->nhandles != 1)
		return 5;
	conn = info->handles[0];
	while ((res = recv_into(&r, conn, buf, info)) >= 0) {
		uint32_t moved = info->nhandles ? info->handles[0] : 0;

		buf[res] = 0;
		if (send_text(&r, conn, buf, moved) != res)
			return 6;
	}
	rc_disconnect(&r);
	return res == -RC_EPIPE ? 0 : 7;
}

static pid_t start_child(int (*fn)(int), int *ready)
{
	int fds[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		_exit(fn(fds[1]));
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &c, 1), 1); /* published: a handshake, not a sleep */
	*ready = fds[0];
	return pid;
}

/* Two clients of one server: the child publishes "<uid>/echo", the parent
 * connects by name, sends messages (one carrying a handle, which comes
 * back moved twice, still working) and gets them echoed; names outside
 * the caller's uid are refused, unknown names are -ENOENT. */
static void two_clients_talk_by_name(void **state)
{
	struct rc_ring r;
	int ready, status;
	pid_t child;
	int32_t conn;
	char *buf, other[64];
	struct rc_channel_info *info;
	struct rc_channel_pair *p;

	(void)state;
	child = start_child(echo_child, &ready);
	assert_int_equal(connect_ring(&r), 0);
	snprintf(other, sizeof(other), "%u/echo", (unsigned)getuid() + 1);
	assert_int_equal(name_op(&r, false, 0, "nobody/here"), -RC_ENOENT);
	snprintf(other, sizeof(other), "%u/echo", (unsigned)getuid());
	conn = name_op(&r, false, 0, other);
	assert_true(conn > 0);
	/* publishing under someone else's uid, or taking a used name */
	p = rc_alloc(&r, sizeof(*p));
	rc_prep_channel_create(rc_get_sqe(&r), p, sizeof(*p), 0);
	assert_int_equal(one(&r), 0);
	snprintf(other, sizeof(other), "%u/mine", (unsigned)getuid() + 1);
	assert_int_equal(name_op(&r, true, p->end[0], other), -RC_EACCES);
	snprintf(other, sizeof(other), "%u/echo", (unsigned)getuid());
	assert_int_equal(name_op(&r, true, p->end[0], other), -RC_EEXIST);
	buf = rc_alloc(&r, 256);
	info = rc_alloc(&r, sizeof(*info));
	for (int i = 0; i < 100; i++) {
		char m[32];

		snprintf(m, sizeof(m), "ping %d", i);
		assert_int_equal(send_text(&r, (uint32_t)conn, m, 0), (int)strlen(m));
		assert_int_equal(recv_into(&r, (uint32_t)conn, buf, info), (int)strlen(m));
		buf[strlen(m)] = 0;
		assert_string_equal(buf, m);
	}
	/* a handle there and back: p->end[0] travels, p->end[1] stays */
	assert_int_equal(send_text(&r, (uint32_t)conn, "h", p->end[0]), 1);
	assert_int_equal(recv_into(&r, (uint32_t)conn, buf, info), 1);
	assert_int_equal(info->nhandles, 1);
	assert_int_equal(send_text(&r, info->handles[0], "round trip", 0), 10);
	assert_int_equal(recv_into(&r, p->end[1], buf, info), 10);
	rc_disconnect(&r); /* the child's receive gets -EPIPE, and it exits 0 */
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(ready);
}

/* The server's threads once started: its main thread and its one worker,
 * and under TSan the runtime's background thread, which it starts some
 * time after the first pthread_create (not when the socket listens). */
#if defined(__SANITIZE_THREAD__)
#define SERVER_THREADS 3u
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SERVER_THREADS 3u
#endif
#endif
#ifndef SERVER_THREADS
#define SERVER_THREADS 2u
#endif

static unsigned count_dir(pid_t pid, const char *what)
{
	char path[64];
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	d = opendir(path);
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 2; /* . and .. */
}

/* Wait until the server has exactly fds descriptors and SERVER_THREADS
 * threads (it reclaims a dead client asynchronously; 60 s is a hang guard:
 * under TSan on a loaded host 3 s was short). True if it got there. */
static bool server_settles_at(unsigned fds)
{
	for (int i = 0; i < 6000; i++) {
		if (count_dir(server_pid, "fd") == fds &&
		    count_dir(server_pid, "task") == SERVER_THREADS)
			return true;
		usleep(10000);
	}
	fprintf(stderr, "server: %u fds (want %u), %u threads (want %u)\n",
		count_dir(server_pid, "fd"), fds, count_dir(server_pid, "task"), SERVER_THREADS);
	return false;
}

/* A service that takes a connection, then sits on it (its receive parked)
 * until killed. */
static int sitting_child(int ready_fd)
{
	struct rc_ring r;
	struct rc_channel_info *info;
	char *buf;
	int32_t listen;

	if (connect_ring(&r))
		return 2;
	listen = publish(&r, "sit");
	if (listen < 0 || write(ready_fd, "!", 1) != 1)
		return 3;
	buf = rc_alloc(&r, 256);
	info = rc_alloc(&r, sizeof(*info));
	if (recv_into(&r, (uint32_t)listen, buf, info) != 0 || info->nhandles != 1)
		return 4;
	if (write(ready_fd, "!", 1) != 1)
		return 5;
	for (;;)
		pause(); /* killed here */
}

/* The service dies with 20 messages queued for it, each carrying a handle,
 * and with a receive parked: the caller's next send and receive get
 * -EPIPE, the handles it kept see their peers closed, and the server's
 * fds and mappings return to where they were before both came. */
static void peer_death_with_handles_in_flight(void **state)
{
	struct rc_ring r;
	int ready, status;
	pid_t child;
	int32_t conn;
	unsigned fds;
	char name[64], c;
	char *buf;
	struct rc_channel_info *info;
	uint32_t kept[20];

	(void)state;
	/* The baseline: the server started, no client yet. It holds no fd for
	 * a client before its hello, so this count is exact once its threads
	 * are all there. */
	for (int i = 0; i < 6000 && count_dir(server_pid, "task") != SERVER_THREADS; i++)
		usleep(10000);
	fds = count_dir(server_pid, "fd");
	assert_true(server_settles_at(fds));
	child = start_child(sitting_child, &ready);
	assert_int_equal(connect_ring(&r), 0);
	snprintf(name, sizeof(name), "%u/sit", (unsigned)getuid());
	conn = name_op(&r, false, 0, name);
	assert_true(conn > 0);
	assert_int_equal(read(ready, &c, 1), 1); /* it holds the connection */
	for (int i = 0; i < 20; i++) {
		struct rc_channel_pair *p = rc_alloc(&r, sizeof(*p));

		rc_prep_channel_create(rc_get_sqe(&r), p, sizeof(*p), 0);
		assert_int_equal(one(&r), 0);
		kept[i] = p->end[1];
		assert_int_equal(send_text(&r, (uint32_t)conn, "take this", p->end[0]), 9);
	}
	buf = rc_alloc(&r, 256);
	info = rc_alloc(&r, sizeof(*info));
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	/* the server reclaims the child when it sees its socket close: the
	 * receive completes with -EPIPE then (it waits for that, parked) */
	assert_int_equal(recv_into(&r, (uint32_t)conn, buf, info), -RC_EPIPE);
	assert_int_equal(send_text(&r, (uint32_t)conn, "late", 0), -RC_EPIPE);
	for (int i = 0; i < 20; i++)
		assert_int_equal(recv_into(&r, kept[i], buf, info), -RC_EPIPE);
	rc_disconnect(&r);
	close(ready);
	/* Both clients' sockets, and nothing else, are gone: exactly the
	 * baseline again (one reading that matches; transient fds of the
	 * sanitizer runtime cannot fail it afterwards). */
	assert_true(server_settles_at(fds));
}

/* A client that connects to "<uid>/svc", makes one call, says so, and
 * waits for the reply until killed. */
static int calling_child(int ready_fd)
{
	struct rc_ring r;
	char name[64], *req, *reply;
	int32_t conn;

	if (connect_ring(&r))
		return 2;
	snprintf(name, sizeof(name), "%u/svc", (unsigned)getuid());
	conn = name_op(&r, false, 0, name);
	if (conn <= 0)
		return 3;
	req = rc_alloc(&r, 8);
	reply = rc_alloc(&r, 64);
	memcpy(req, "help", 4);
	rc_prep_channel_call(rc_get_sqe(&r), (uint32_t)conn, req, 4, 0, NULL, reply, 64, 0);
	if (rc_submit(&r) != 1 || write(ready_fd, "!", 1) != 1)
		return 4;
	for (;;)
		pause(); /* killed here, its call waiting */
}

/* Call and reply between two client processes of one server: a client
 * calls, the service takes the request (with its txid), the client is
 * killed before the answer: once the server has reclaimed it (the
 * service's receive on the connection gets -EPIPE), the reply is dropped
 * with -EPIPE, and the server goes on serving. */
static void reply_after_the_calling_process_died(void **state)
{
	struct rc_ring r;
	int ready, status;
	pid_t child;
	int32_t listen;
	uint32_t conn;
	char *buf, *out;
	struct rc_channel_info *info;
	uint64_t txid;

	(void)state;
	assert_int_equal(connect_ring(&r), 0);
	listen = publish(&r, "svc");
	assert_true(listen > 0);
	child = start_child(calling_child, &ready);
	buf = rc_alloc(&r, 256);
	info = rc_alloc(&r, sizeof(*info));
	assert_int_equal(recv_into(&r, (uint32_t)listen, buf, info), 0);
	assert_int_equal(info->nhandles, 1);
	conn = info->handles[0];
	assert_int_equal(recv_into(&r, conn, buf, info), 4);
	assert_memory_equal(buf, "help", 4);
	assert_true(info->txid != 0);
	txid = info->txid;
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(recv_into(&r, conn, buf, info), -RC_EPIPE); /* reclaimed */
	out = rc_alloc(&r, 8);
	memcpy(out, "answer", 6);
	rc_prep_channel_reply(rc_get_sqe(&r), conn, txid, out, 6, 0);
	assert_int_equal(one(&r), -RC_EPIPE);
	rc_prep_nop(rc_get_sqe(&r), 5);
	assert_int_equal(one(&r), 5);
	rc_disconnect(&r);
	close(ready);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(two_clients_talk_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(peer_death_with_handles_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(reply_after_the_calling_process_died, setup,
						teardown),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
