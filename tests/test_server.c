/*
 * test_server.c - the hosted runtime across a real process boundary:
 * ringcall-server in its own process, clients connecting over its socket.
 * File syscalls and escape attempts, poll mode, a client that crashes or
 * scribbles, a server that dies under a waiting client; what the server
 * does with the path it is given; setup conversations that go wrong
 * (silent, garbage, bad parameters) and what they may not cost others.
 */
#include "helpers.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "proto.h"

static char server_bin[512];
static char sock_path[128];
static char root_path[128];
static pid_t server_pid;

static char log_path[128];

/* Run ringcall-server on socket path sock; its output goes to log_path. */
static pid_t spawn_server(const char *sock)
{
	pid_t pid;

	snprintf(root_path, sizeof(root_path), "%s/root", temp_dir());
	snprintf(log_path, sizeof(log_path), "%s/server.log", temp_dir());
	mkdir(root_path, 0700);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);

		dup2(log, 1);
		dup2(log, 2);
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock, "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* How many lines of the server's log contain text (0 before any log). */
static unsigned log_count(const char *text)
{
	char line[1024];
	unsigned n = 0;
	FILE *f = fopen(log_path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

#define SERVING "ringcall-server: serving "

/* Wait until server pid says it serves: its log has more 'serving' lines
 * than the seen_before counted before it was spawned. The line comes after
 * listening and starting the workers, so the server is then complete (its
 * fds and maps are its idle baseline) and a connect is answered; the path
 * merely existing proves neither. Fails if the server exits first, or
 * says nothing within 60 s (a hang, not a slow start). */
static void wait_serving(pid_t pid, unsigned seen_before)
{
	for (int i = 0; i < 6000 && log_count(SERVING) <= seen_before; i++) {
		assert_int_equal(waitpid(pid, NULL, WNOHANG), 0);
		usleep(10000);
	}
	if (log_count(SERVING) <= seen_before) {
		/* A failed setup runs no teardown: stop the server here, or it
		 * outlives the test. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("ringcall-server %d never said it serves", (int)pid);
	}
}

static void start_server(void)
{
	unsigned seen;

	snprintf(log_path, sizeof(log_path), "%s/server.log", temp_dir());
	seen = log_count(SERVING);
	snprintf(sock_path, sizeof(sock_path), "%s/sock", temp_dir());
	server_pid = spawn_server(sock_path);
	wait_serving(server_pid, seen);
}

/* The exit status of pid, waiting at most 5 s; a process still running
 * then is killed and reported as -1. */
static int wait_exit(pid_t pid)
{
	int status;

	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* Does the server's log contain text? */
static bool log_has(const char *text)
{
	char line[1024];
	bool found = false;
	FILE *f = fopen(log_path, "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	fclose(f);
	return found;
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

/* A polling server answers without doorbells while it is busy. It polls
 * 10 s before sleeping, so that a stall of the client (a loaded host,
 * TSan) cannot put it to sleep mid-test: what is checked is that no
 * doorbell is needed while it polls, not how long a stall it survives. */
static void poll_mode_needs_no_doorbells(void **state)
{
	struct rc_params p = { .sq_entries = 32, .mode = RC_MODE_POLL, .idle_us = 10000000 };
	struct rc_ring r;

	(void)state;
	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
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
		for (int i = 0; i < 8; i++) {
			struct rc_sqe *sqe = rc_get_sqe(&r);

			assert_non_null(sqe);
			rc_prep_nop(sqe, batch * 8 + i);
		}
		ret = rc_submit(&r);
		/* The first two batches are taken: into the CQ, then the
		 * backlog. Wait until the server has taken them (60 s is a hang
		 * guard, not a guess: a loaded host may take long). */
		for (int k = 0;
		     batch < 2 && k < 60000 && rc_load_acquire(&r.hdr->sq_head) != 8u * (batch + 1);
		     k++)
			usleep(1000);
	}
	for (int k = 0; k < 60000 && ret != -RC_EBUSY; k++) {
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
	for (int i = 0; i < 300 && (count_fds(server_pid) != fds || count_maps(server_pid) != maps);
	     i++)
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
	fds = count_fds(server_pid); /* the idle server: setup saw it serving */
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

/* ---- the socket path ---- */

static void nop_through(const char *path)
{
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring r;

	assert_int_equal(rc_connect(&r, path, &p), 0);
	rc_prep_nop(rc_get_sqe(&r), 7);
	assert_int_equal(run_one(&r, NULL), 7);
	rc_disconnect(&r);
}

/* A regular file given by mistake is refused, not replaced. */
static void socket_path_that_is_a_file_is_left_alone(void **state)
{
	char path[160], buf[64] = { 0 };
	int status, fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/precious.txt", temp_dir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_int_equal(write(fd, "my only copy", 12), 12);
	close(fd);
	status = wait_exit(spawn_server(path));
	assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 12);
	close(fd);
	assert_string_equal(buf, "my only copy");
	assert_true(log_has("is not a socket"));
	unlink(path);
}

/* A second server on a live server's socket refuses to start; the first
 * keeps its socket and its clients. */
static void second_server_on_a_live_socket_refuses(void **state)
{
	struct stat before, after;
	int status;

	(void)state;
	assert_int_equal(lstat(sock_path, &before), 0);
	status = wait_exit(spawn_server(sock_path));
	assert_true(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) != 0);
	assert_true(log_has("already listening"));
	assert_int_equal(lstat(sock_path, &after), 0);
	assert_true(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
	nop_through(sock_path);
}

/* A socket nobody listens on (its server died) is replaced. */
static void stale_socket_is_replaced(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	(void)state;
	snprintf(sock_path, sizeof(sock_path), "%s/sock", temp_dir());
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* bound, never listened: connect gets ECONNREFUSED */
	server_pid = spawn_server(sock_path);
	for (int i = 0; i < 500; i++) {
		struct rc_params p = { .sq_entries = 8 };
		struct rc_ring r;

		if (rc_connect(&r, sock_path, &p) == 0) {
			rc_disconnect(&r);
			break;
		}
		usleep(10000);
	}
	nop_through(sock_path);
	assert_int_equal(kill(server_pid, 0), 0);
}

/* A server removes at exit only the socket it made: not one a later
 * server put at the same path. */
static void exit_removes_only_its_own_socket(void **state)
{
	unsigned seen = log_count(SERVING);
	pid_t second;

	(void)state;
	assert_int_equal(unlink(sock_path), 0); /* as an admin might */
	second = spawn_server(sock_path);
	wait_serving(second, seen);
	kill(server_pid, SIGTERM);
	assert_true(wait_exit(server_pid) != -1);
	server_pid = second; /* teardown stops it */
	nop_through(sock_path);
}

/* ---- setup conversations ---- */

static int raw_dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Wait (at most 5 s) until the server holds fds descriptors. */
static bool server_fds_reach(unsigned fds)
{
	for (int i = 0; i < 500 && count_fds(server_pid) != fds; i++)
		usleep(10000);
	return count_fds(server_pid) == fds;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Peers that connect and say nothing: a real client still gets through at
 * once (before: each silent peer cost it the 2 s receive timeout), and
 * the silent ones are dropped at their 2 s deadline, freeing their fds. */
static void silent_peers_delay_no_one(void **state, int nr_silent)
{
	unsigned base;
	int silent[64];
	struct timespec t0;
	struct rc_params p = { .sq_entries = 8 };
	struct rc_ring r;
	double took;

	(void)state;
	base = count_fds(server_pid); /* a fresh server: nothing connected */
	for (int i = 0; i < nr_silent; i++)
		silent[i] = raw_dial();
	/* all taken by the server (old code: one at a time; go on anyway) */
	server_fds_reach(base + (nr_silent < 32 ? nr_silent : 32));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(rc_connect(&r, sock_path, &p), 0);
	took = seconds_since(&t0);
	printf("# rc_connect with %d silent peers connected: %.2f ms\n", nr_silent, took * 1e3);
	/* Below one handshake deadline (2 s): old code needed nr_silent of them. */
	assert_true(took < 1.9);
	rc_prep_nop(rc_get_sqe(&r), 5);
	assert_int_equal(run_one(&r, NULL), 5);
	rc_disconnect(&r);
	/* Each silent peer is hung up on, by its deadline. */
	for (int i = 0; i < nr_silent; i++) {
		struct pollfd pfd = { .fd = silent[i], .events = POLLIN };
		char byte;

		assert_int_equal(poll(&pfd, 1, 5000), 1);
		assert_int_equal(recv(silent[i], &byte, 1, MSG_DONTWAIT), 0);
		close(silent[i]);
	}
	assert_true(server_fds_reach(base));
}

static void sixteen_silent_peers_delay_no_one(void **state)
{
	silent_peers_delay_no_one(state, 16);
}

/* More than the 32 handshake slots: the oldest are dropped early. */
static void forty_silent_peers_delay_no_one(void **state)
{
	silent_peers_delay_no_one(state, 40);
	assert_true(log_has("dropped the oldest"));
}

/* Send hello (len bytes of it) on a new connection; return the welcome's
 * status, or 1 if the server hung up without one. Closes any memfd. */
static int raw_hello(const void *hello, size_t len, bool send_mapped)
{
	int fd = raw_dial(), memfd = -1, status;
	struct host_welcome w;
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &w, sizeof(w) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;

	assert_int_equal(send(fd, hello, len, MSG_NOSIGNAL), (ssize_t)len);
	if (len < sizeof(struct host_hello)) {
		close(fd); /* hangs up mid-hello */
		return 1;
	}
	if (recvmsg(fd, &msg, MSG_CMSG_CLOEXEC) != sizeof(w)) {
		close(fd);
		return 1;
	}
	cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&memfd, CMSG_DATA(cm), sizeof(int));
	status = w.status;
	if (send_mapped && memfd >= 0) {
		struct host_mapped m = { 0x10000 };

		assert_int_equal(send(fd, &m, sizeof(m), MSG_NOSIGNAL), sizeof(m));
	}
	if (memfd >= 0)
		close(memfd);
	close(fd); /* after the welcome: before or after host_mapped */
	return status;
}

/* Every way a setup conversation can fail gives its socket (and region)
 * back: hang-ups at each step, garbage, a short hello, a wrong ABI
 * version, bad parameters. */
static void failed_handshakes_leak_nothing(void **state)
{
	struct host_hello good = { .magic = HOST_PROTO_MAGIC,
				   .abi_version = RC_ABI_VERSION,
				   .sq_entries = 8 };
	struct host_hello h;
	char garbage[sizeof(struct host_hello)];
	unsigned fds, maps;

	(void)state;
	fds = count_fds(server_pid); /* a fresh server: nothing connected */
	maps = count_maps(server_pid);
	memset(garbage, 0xa5, sizeof(garbage));
	for (int i = 0; i < 25; i++) {
		struct rc_params bad = { .sq_entries = 33 };
		struct rc_ring r;

		close(raw_dial()); /* says nothing */
		assert_int_equal(raw_hello(garbage, sizeof(garbage), false), -RC_EINVAL);
		assert_int_equal(raw_hello(&good, 10, false), 1); /* short hello */
		h = good;
		h.abi_version = RC_ABI_VERSION + 1;
		assert_int_equal(raw_hello(&h, sizeof(h), false), -RC_EINVAL);
		h = good;
		h.cq_entries = 4; /* cq < sq */
		assert_int_equal(raw_hello(&h, sizeof(h), false), -RC_EINVAL);
		assert_int_equal(raw_hello(&good, sizeof(good), false), 0); /* no host_mapped */
		assert_int_equal(raw_hello(&good, sizeof(good), true), 0);  /* no wait for ready */
		assert_int_equal(rc_connect(&r, sock_path, &bad), -RC_EINVAL);
	}
	assert_true(server_fds_reach(fds));
	expect_reclaimed(fds, maps);
	nop_through(sock_path);
}

/* ---- ring parameters: one check, the same answer on every backend ---- */

static const struct bad_params {
	struct rc_params p;
	const char *why; /* what the server's log names */
} bad_params[] = {
	{ { .sq_entries = 33 }, "sq_entries" },
	{ { .sq_entries = 65536 }, "sq_entries" },
	{ { .sq_entries = 8, .cq_entries = 4 }, "cq_entries" },
	{ { .sq_entries = 8, .cq_entries = 24 }, "cq_entries" },
	{ { .sq_entries = 8, .cq_entries = 131072 }, "cq_entries" },
	{ { .sq_entries = 8, .backlog_entries = 1u << 20 }, "backlog_entries" },
	{ { .sq_entries = 8, .mode = (enum rc_mode)7 }, "mode" },
	{ { .sq_entries = 8, .idle_us = 20000000 }, "idle_us" },
	{ { .sq_entries = 8, .data_bytes = 512u << 20 }, "data_bytes" },
};

static const struct rc_params good_params[] = {
	{ .sq_entries = 1 },
	{ .sq_entries = 8, .cq_entries = 8, .mode = RC_MODE_POLL, .idle_us = 10000000 },
	{ .sq_entries = 32, .cq_entries = 64, .backlog_entries = 8, .mode = RC_MODE_DOORBELL },
};

static void ring_params_agree_on_every_backend(void **state)
{
	struct host_worker w;

	(void)state;
	assert_int_equal(host_worker_start(&w), 0);
	for (size_t i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++) {
		const struct rc_params *p = &bad_params[i].p;
		struct rc_ring r;
		char logged[64];

		assert_int_equal(rc_inproc_init(&r, p), -RC_EINVAL);
		assert_int_equal(host_local_connect(&r, &w, p, -1), -RC_EINVAL);
		assert_int_equal(rc_connect(&r, sock_path, p), -RC_EINVAL);
		snprintf(logged, sizeof(logged), "refused a client: %s", bad_params[i].why);
		assert_true(log_has(logged));
	}
	for (size_t i = 0; i < sizeof(good_params) / sizeof(good_params[0]); i++) {
		const struct rc_params *p = &good_params[i];
		struct rc_ring r;

		assert_int_equal(rc_inproc_init(&r, p), 0);
		rc_inproc_exit(&r);
		assert_int_equal(host_local_connect(&r, &w, p, -1), 0);
		rc_disconnect(&r);
		assert_int_equal(rc_connect(&r, sock_path, p), 0);
		rc_prep_nop(rc_get_sqe(&r), 1);
		assert_int_equal(run_one(&r, NULL), 1);
		rc_disconnect(&r);
	}
	host_worker_stop(&w);
}


/* Something listens on the path but never answers (a hung server, some
 * other program's socket): rc_connect gives up with -ETIMEDOUT after its
 * 5 s deadline instead of hanging (run in a child: before, it hung). */
static void silent_listener_is_a_timeout_not_a_hang(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), status = -1;
	bool reaped = false;
	pid_t child;

	(void)state;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/mute.sock", temp_dir());
	unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0); /* never accepts, never answers */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct rc_params p = { .sq_entries = 8 };
		struct rc_ring r;

		_exit(-rc_connect(&r, sa.sun_path, &p));
	}
	for (int i = 0; i < 3000 && !reaped; i++) {
		reaped = waitpid(child, &status, WNOHANG) == child;
		usleep(10000);
	}
	if (!reaped) { /* still hanging after 30 s */
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	close(fd);
	unlink(sa.sun_path);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), RC_ETIMEDOUT);
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
		cmocka_unit_test_setup_teardown(scribbling_client_does_not_hurt_others, setup,
						teardown),
		cmocka_unit_test_setup_teardown(dead_server_gives_epipe_not_a_hang, setup,
						teardown),
		cmocka_unit_test(no_server_is_a_clear_error),
		cmocka_unit_test(silent_listener_is_a_timeout_not_a_hang),
		cmocka_unit_test(socket_path_that_is_a_file_is_left_alone),
		cmocka_unit_test_setup_teardown(second_server_on_a_live_socket_refuses, setup,
						teardown),
		cmocka_unit_test_teardown(stale_socket_is_replaced, teardown),
		cmocka_unit_test_setup_teardown(exit_removes_only_its_own_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(sixteen_silent_peers_delay_no_one, setup, teardown),
		cmocka_unit_test_setup_teardown(forty_silent_peers_delay_no_one, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_handshakes_leak_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(ring_params_agree_on_every_backend, setup,
						teardown),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
