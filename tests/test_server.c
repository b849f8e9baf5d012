/*
 * test_server.c - the hosted runtime across a real process boundary:
 * ringcall-server in its own process, clients connecting over its socket.
 * File syscalls and escape attempts, poll mode, a client that crashes or
 * scribbles, a server that dies under a waiting client.
 */
#include "helpers.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char server_bin[512];
static char sock_path[128];
static char root_path[128];
static pid_t server_pid;

static void start_server(void)
{
	snprintf(sock_path, sizeof(sock_path), "%s/sock", temp_dir());
	snprintf(root_path, sizeof(root_path), "%s/root", temp_dir());
	mkdir(root_path, 0700);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock_path,
		      "--quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock_path, F_OK); i++)
		usleep(10000);
	assert_int_equal(access(sock_path, F_OK), 0);
}

static void stop_server(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, NULL, 0);
		server_pid = 0;
	}
	unlink(sock_path);
}

static int setup(void **state)
{
	(void)state;
	start_server();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	stop_server();
	return 0;
}

static void connect_ring(struct rc_ring *r, enum rc_mode mode)
{
	struct rc_params p = { .sq_entries = 32, .mode = mode, .idle_us = 20000 };

	assert_int_equal(rc_connect(r, sock_path, &p), 0);
}

static char *shm_str(struct rc_ring *r, const char *s)
{
	char *p = rc_alloc(r, strlen(s) + 1);

	strcpy(p, s);
	return p;
}

static int32_t open_path(struct rc_ring *r, const char *path, uint32_t access, uint32_t flags)
{
	struct rc_sqe *sqe = rc_get_sqe(r);
	char *p = shm_str(r, path);

	rc_prep_open(sqe, p, (uint32_t)strlen(path), access, flags, 0644);
	return run_one(r, sqe);
}

static void files_through_the_server(void **state)
{
	struct rc_ring r;
	struct rc_sqe *sqe;
	char *buf;
	int32_t h;
	char on_disk[256];
	FILE *f;

	(void)state;
	connect_ring(&r, RC_MODE_DOORBELL);
	h = open_path(&r, "hello.txt", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	assert_true(h > 0);
	buf = shm_str(&r, "hello through the ring");
	sqe = rc_get_sqe(&r);
	rc_prep_write(sqe, (uint32_t)h, buf, 22, 0);
	assert_int_equal(run_one(&r, sqe), 22);
	memset(buf, 0, 22);
	sqe = rc_get_sqe(&r);
	rc_prep_read(sqe, (uint32_t)h, buf, 100, 6);
	assert_int_equal(run_one(&r, sqe), 16);
	assert_memory_equal(buf, "through the ring", 16);
	sqe = rc_get_sqe(&r);
	rc_prep_close(sqe, (uint32_t)h, 0);
	assert_int_equal(run_one(&r, sqe), 0);
	snprintf(on_disk, sizeof(on_disk), "%s/hello.txt", root_path);
	f = fopen(on_disk, "r");
	assert_non_null(f);
	assert_non_null(fgets(on_disk, sizeof(on_disk), f));
	fclose(f);
	assert_string_equal(on_disk, "hello through the ring");
	/* A buffer outside the shared region is refused before any I/O. */
	sqe = rc_get_sqe(&r);
	rc_prep_console_write(sqe, "not shared", 10);
	assert_int_equal(run_one(&r, sqe), -RC_EFAULT);
	rc_disconnect(&r);
}

static void paths_cannot_escape_the_root(void **state)
{
	struct rc_ring r;
	char link[200];
	struct rc_sqe *sqe;
	char *p;

	(void)state;
	snprintf(link, sizeof(link), "%s/etc-link", root_path);
	assert_int_equal(symlink("/etc", link), 0);
	snprintf(link, sizeof(link), "%s/abs-link", root_path);
	assert_int_equal(symlink("/etc/passwd", link), 0);
	connect_ring(&r, RC_MODE_DOORBELL);
	assert_int_equal(open_path(&r, "../sock", RC_ACCESS_RDONLY, 0), -RC_EXDEV);
	assert_int_equal(open_path(&r, "/etc/passwd", RC_ACCESS_RDONLY, 0), -RC_EXDEV);
	assert_int_equal(open_path(&r, "etc-link/passwd", RC_ACCESS_RDONLY, 0), -RC_EXDEV);
	assert_int_equal(open_path(&r, "abs-link", RC_ACCESS_RDONLY, 0), -RC_EXDEV);
	assert_int_equal(open_path(&r, "a/../../x", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	assert_int_equal(open_path(&r, "missing", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	/* A NUL inside the path would silently shorten it. */
	p = shm_str(&r, "ok");
	sqe = rc_get_sqe(&r);
	rc_prep_open(sqe, "x\0../y", 6, RC_ACCESS_RDONLY, 0, 0);
	sqe->args.open.path = (uintptr_t)memcpy(rc_alloc(&r, 6), "x\0../y", 6);
	assert_int_equal(run_one(&r, sqe), -RC_EINVAL);
	(void)p;
	rc_disconnect(&r);
}

/* A polling server answers without doorbells while it is busy. */
static void poll_mode_needs_no_doorbells(void **state)
{
	struct rc_ring r;

	(void)state;
	connect_ring(&r, RC_MODE_POLL);
	for (int i = 0; i < 20000; i++) {
		rc_prep_nop(rc_get_sqe(&r), i & 0xff);
		assert_int_equal(run_one(&r, NULL), i & 0xff);
	}
	/* The first submit may find the server asleep; after that it polls. */
	assert_true(r.stats.doorbells <= 2);
	rc_disconnect(&r);
}

/* A client that submits far more than it reaps: the server keeps every
 * completion (CQ, then backlog), then refuses more with a visible -EBUSY,
 * and takes the waiting entries once the client reaps. */
static void full_backlog_is_a_clear_refusal(void **state)
{
	struct rc_params p = { .sq_entries = 8, .cq_entries = 8, .backlog_entries = 8 };
	struct rc_ring r;
	int ret = 0;

	(void)state;
	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
	for (int batch = 0; batch < 3; batch++) {
		for (int i = 0; i < 8; i++)
			rc_prep_nop(rc_get_sqe(&r), batch * 8 + i);
		ret = rc_submit(&r);
		/* the first two batches are taken: into the CQ, then the backlog */
		for (int k = 0; batch < 2 && k < 500 &&
				rc_load_acquire(&r.hdr->sq_head) != 8u * (batch + 1); k++)
			usleep(1000);
	}
	for (int k = 0; k < 500 && ret != -RC_EBUSY; k++) {
		usleep(1000);
		ret = rc_submit(&r);
	}
	assert_int_equal(ret, -RC_EBUSY);
	assert_true(r.hdr->flags & RC_RING_CQ_OVERFLOW);
	assert_int_equal(r.hdr->sq_head, 16);
	for (int i = 0; i < 24; i++) {
		struct rc_cqe *cqe;

		assert_int_equal(rc_wait_cqe(&r, &cqe), 0);
		assert_int_equal(cqe->res, i);
		rc_cqe_seen(&r, cqe);
	}
	assert_false(r.hdr->flags & RC_RING_BUSY);
	rc_disconnect(&r);
}

static unsigned count_fds(pid_t pid)
{
	char path[64];
	unsigned n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static unsigned count_maps(pid_t pid)
{
	char path[64], line[512];
	unsigned n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "memfd:ringcall") != NULL;
	fclose(f);
	return n;
}

/* Wait up to 3 s for the server to get back to fds and maps. */
static void expect_reclaimed(unsigned fds, unsigned maps)
{
	for (int i = 0; i < 300 && (count_fds(server_pid) != fds || count_maps(server_pid) != maps); i++)
		usleep(10000);
	assert_int_equal(count_fds(server_pid), fds);
	assert_int_equal(count_maps(server_pid), maps);
}

/* A client that dies with files open and requests in flight: the server
 * reclaims all of it and serves others as before. */
static void crashed_client_is_reclaimed(void **state)
{
	unsigned fds, maps;
	pid_t child;
	int status;
	struct rc_ring r;

	(void)state;
	usleep(100000);
	fds = count_fds(server_pid);
	maps = count_maps(server_pid);
	child = fork();
	if (child == 0) {
		struct rc_ring c;
		struct rc_sqe *sqe;

		connect_ring(&c, RC_MODE_DOORBELL);
		for (int i = 0; i < 5; i++)
			if (open_path(&c, "f", RC_ACCESS_RDWR, RC_OPEN_CREATE) <= 0)
				_exit(2);
		sqe = rc_get_sqe(&c);
		rc_prep_timeout(sqe, 60000000000ull, 0, 0);
		rc_submit(&c);
		if (count_fds(getppid()) == 0)
			_exit(3);
		raise(SIGKILL);
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFSIGNALED(status));
	expect_reclaimed(fds, maps);
	connect_ring(&r, RC_MODE_DOORBELL);
	rc_prep_nop(rc_get_sqe(&r), 3);
	assert_int_equal(run_one(&r, NULL), 3);
	rc_disconnect(&r);
	expect_reclaimed(fds, maps);
}

/* A client that writes garbage over its whole ring and rings the bell:
 * the server survives and serves the next client. */
static void scribbling_client_does_not_hurt_others(void **state)
{
	struct rc_ring bad, good;
	uint64_t seed = 12345;

	(void)state;
	connect_ring(&good, RC_MODE_DOORBELL);
	connect_ring(&bad, RC_MODE_DOORBELL);
	for (int round = 0; round < 50; round++) {
		uint8_t *p = (uint8_t *)bad.hdr;

		for (uint32_t i = 0; i < rc_ring_bytes(bad.sq_entries, bad.cq_entries); i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			p[i] = (uint8_t)(seed >> 56);
		}
		bad.hdr->flags |= RC_RING_NEED_WAKEUP;
		bad.backend->enter(&bad, 1, 0, RC_ENTER_SQ_WAKEUP);
		rc_prep_nop(rc_get_sqe(&good), round);
		assert_int_equal(run_one(&good, NULL), round);
	}
	rc_disconnect(&bad);
	rc_disconnect(&good);
	assert_int_equal(kill(server_pid, 0), 0);
}

/* Kill the server once the client is asleep waiting for its CQE (it
 * says so in cq_waiting): a handshake, not a sleep hoping it got there. */
static void *kill_server_soon(void *arg)
{
	struct rc_ring *r = arg;

	while (!rc_load_acquire(&r->hdr->cq_waiting))
		usleep(1000);
	kill(server_pid, SIGKILL);
	return NULL;
}

/* The server dies while the client sleeps waiting: a clear error, soon. */
static void dead_server_gives_epipe_not_a_hang(void **state)
{
	struct rc_ring r;
	struct rc_cqe *cqe;
	pthread_t th;
	struct timespec t0, t1;

	(void)state;
	connect_ring(&r, RC_MODE_DOORBELL);
	rc_prep_timeout(rc_get_sqe(&r), 60000000000ull, 0, 0);
	assert_int_equal(rc_submit(&r), 1);
	pthread_create(&th, NULL, kill_server_soon, &r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rc_wait_cqe(&r, &cqe), -RC_EPIPE);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	assert_true(t1.tv_sec - t0.tv_sec < 3);
	waitpid(server_pid, NULL, 0);
	server_pid = 0;
	rc_disconnect(&r);
}

static void no_server_is_a_clear_error(void **state)
{
	struct rc_ring r;
	struct rc_params p = { 0 };

	(void)state;
	assert_int_equal(rc_connect(&r, "/nonexistent/ringcall.sock", &p), -RC_ENOENT);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(files_through_the_server, setup, teardown),
		cmocka_unit_test_setup_teardown(paths_cannot_escape_the_root, setup, teardown),
		cmocka_unit_test_setup_teardown(poll_mode_needs_no_doorbells, setup, teardown),
		cmocka_unit_test_setup_teardown(full_backlog_is_a_clear_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(crashed_client_is_reclaimed, setup, teardown),
		cmocka_unit_test_setup_teardown(scribbling_client_does_not_hurt_others, setup, teardown),
		cmocka_unit_test_setup_teardown(dead_server_gives_epipe_not_a_hang, setup, teardown),
		cmocka_unit_test(no_server_is_a_clear_error),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
