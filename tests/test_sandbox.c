/*
 * test_sandbox.c - rc_sandbox against ringcall-server: a confined client's
 * own system calls are refused, its ring still works, it cannot loosen
 * anything, and killing it leaves the server clean. Every scenario runs in
 * a forked child, so this test process itself stays unconfined; a child
 * reports through its exit status (its own checks, not cmocka's).
 */
#include "helpers.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/futex.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char server_bin[512];
static char sock_path[100];
static char root_path[128];
static char secret_path[160];
static pid_t server_pid;

static const char allowed_text[] = "allowed through the ring\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int start_server(void **state)
{
	char path[200];

	(void)state;
	snprintf(sock_path, sizeof(sock_path), "%s/sb.sock", temp_dir());
	snprintf(root_path, sizeof(root_path), "%s/sbroot", temp_dir());
	snprintf(secret_path, sizeof(secret_path), "%s/secret.txt", temp_dir());
	mkdir(root_path, 0700);
	snprintf(path, sizeof(path), "%s/allowed.txt", root_path);
	write_file(path, allowed_text);
	write_file(secret_path, "secret\n");
	unlink(sock_path);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock_path, "--quiet",
		      (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000 && !socket_listens(sock_path); i++)
		usleep(10000);
	assert_true(socket_listens(sock_path));
	alarm(60);
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	alarm(0);
	stop_server_process(&server_pid, sock_path);
	return 0;
}

/* The direct system calls a confined client must not make. */
enum direct {
	D_OPEN,
	D_OPENAT,
	D_OPENAT2,
	D_SOCKET,
	D_EXECVE,
	D_PTRACE,
	D_IO_URING,
	D_COUNT
};

/* Make direct call d: 0 if it succeeded, else its errno. */
static int direct_call(enum direct d)
{
	struct open_how how = { .flags = O_RDONLY };
	struct io_uring_params up = { 0 };
	char *const argv[] = { "true", NULL };
	long ret = -1;

	errno = 0;
	switch (d) {
	case D_OPEN: ret = open(secret_path, O_RDONLY); break;
	case D_OPENAT: ret = openat(AT_FDCWD, secret_path, O_RDONLY); break;
	case D_OPENAT2: ret = syscall(SYS_openat2, AT_FDCWD, secret_path, &how, sizeof(how)); break;
	case D_SOCKET: ret = socket(AF_INET, SOCK_STREAM, 0); break;
	case D_EXECVE: ret = execve("/bin/true", argv, NULL); break;
	case D_PTRACE: ret = ptrace(PTRACE_TRACEME, 0, NULL, NULL); break;
	case D_IO_URING: ret = syscall(SYS_io_uring_setup, 8, &up); break;
	case D_COUNT: break;
	}
	if (ret >= 0) {
		if (d != D_PTRACE)
			close((int)ret);
		return 0;
	}
	return errno;
}

typedef int (*child_fn)(struct rc_ring *r, int arg);

/* Fork a child that connects, runs fn, and exits with its result (100+:
 * the setup failed). The child's wait status. */
static int in_child(child_fn fn, int arg)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rc_ring r;

		alarm(30);
		if (rc_connect(&r, sock_path, &(struct rc_params){ 0 }))
			_exit(100);
		_exit(fn(&r, arg));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_exited(int status, int code)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d", WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), code);
}

/* Every direct call works unconfined (so refusing it below means
 * something), then fails with EPERM once confined. */
static int child_direct_calls_refused(struct rc_ring *r, int arg)
{
	long landlock_abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1 /* VERSION */);
	int got;

	(void)arg;
	if (direct_call(D_OPEN) || direct_call(D_OPENAT) || direct_call(D_OPENAT2) ||
	    direct_call(D_SOCKET))
		return 1;
	got = rc_sandbox(r, 0);
	if (got < 0 || !(got & RC_SANDBOX_SECCOMP) || !(got & RC_SANDBOX_NO_NEW_PRIVS))
		return 2;
	if (landlock_abi > 0 && !(got & RC_SANDBOX_LANDLOCK))
		return 3; /* this kernel has Landlock: it must be in force */
	for (int d = 0; d < D_COUNT; d++)
		if (direct_call(d) != EPERM)
			return 10 + d;
	return 0;
}

static void direct_syscalls_fail_with_eperm(void **state)
{
	(void)state;
	assert_exited(in_child(child_direct_calls_refused, 0), 0);
}

static int child_call_under_kill(struct rc_ring *r, int d)
{
	if (rc_sandbox(r, RC_SANDBOX_KILL) < 0)
		return 2;
	direct_call(d);
	return 3; /* survived */
}

/* RC_SANDBOX_KILL: each refused call ends the process with SIGSYS. */
static void kill_flag_kills_with_sigsys(void **state)
{
	(void)state;
	for (int d = 0; d < D_COUNT; d++) {
		int status = in_child(child_call_under_kill, d);

		if (!WIFSIGNALED(status))
			fail_msg("call %d: child exited %d instead of SIGSYS", d,
				 WEXITSTATUS(status));
		assert_int_equal(WTERMSIG(status), SIGSYS);
	}
}

/* Open name beneath the server's root through the ring: the handle. */
static int32_t open_via_ring(struct rc_ring *r, const char *name)
{
	char *path = rc_alloc(r, strlen(name));

	if (!path)
		return -RC_ENOMEM;
	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(r), path, (uint32_t)strlen(name), RC_ACCESS_RDONLY, 0, 0);
	return run_one(r, NULL);
}

/* Confined, the ring still does NOP, OPEN and READ (and malloc, printf). */
static int child_ring_works(struct rc_ring *r, int arg)
{
	char *buf, *heap;
	int32_t h, n;

	(void)arg;
	if (rc_sandbox(r, 0) < 0)
		return 2;
	rc_prep_nop(rc_get_sqe(r), 0);
	if (run_one(r, NULL) != 0)
		return 3;
	if ((h = open_via_ring(r, "allowed.txt")) <= 0)
		return 4;
	if (!(buf = rc_alloc(r, 4096)))
		return 5;
	rc_prep_read(rc_get_sqe(r), (uint32_t)h, buf, 4096, 0);
	n = run_one(r, NULL);
	if (n != (int32_t)strlen(allowed_text) || memcmp(buf, allowed_text, (size_t)n))
		return 6;
	heap = malloc(1 << 20); /* large: mmap, not brk */
	if (!heap)
		return 7;
	memset(heap, 1, 1 << 20);
	free(heap);
	if (printf("%s", "") < 0 || fflush(stdout))
		return 8;
	rc_disconnect(r);
	return 0;
}

static void ring_operations_work_confined(void **state)
{
	(void)state;
	assert_exited(in_child(child_ring_works, 0), 0);
}

/* no_new_privs reads 1; a second rc_sandbox narrows (EPERM to KILL) and a
 * third, laxer one cannot undo that: the refused open kills. */
static int child_only_narrows(struct rc_ring *r, int arg)
{
	(void)arg;
	if (rc_sandbox(r, 0) < 0)
		return 2;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 3;
	if (prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0)
		return 4; /* cannot be cleared */
	if (rc_sandbox(r, RC_SANDBOX_KILL) < 0)
		return 5;
	if (rc_sandbox(r, 0) < 0)
		return 6;
	direct_call(D_OPEN);
	return 7;
}

static void confinement_only_narrows(void **state)
{
	int status;

	(void)state;
	status = in_child(child_only_narrows, 0);
	if (!WIFSIGNALED(status))
		fail_msg("child exited %d instead of SIGSYS", WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* The ring's own allow-list can only narrow too: a second RESTRICT is
 * -EBUSY and the first stays in force. */
static int child_restrict_twice(struct rc_ring *r, int arg)
{
	uint64_t allow = 1ull << RC_OP_NOP | 1ull << RC_OP_RESTRICT;

	(void)arg;
	if (rc_sandbox(r, 0) < 0)
		return 2;
	rc_prep_restrict_ops(rc_get_sqe(r), allow);
	if (run_one(r, NULL) != 0)
		return 3;
	rc_prep_restrict_ops(rc_get_sqe(r), RC_OPS_ALL);
	if (run_one(r, NULL) != -RC_EBUSY)
		return 4;
	if (open_via_ring(r, "allowed.txt") != -RC_EACCES)
		return 5;
	rc_prep_nop(rc_get_sqe(r), 0);
	if (run_one(r, NULL) != 0)
		return 6;
	return 0;
}

static void second_restrict_cannot_widen(void **state)
{
	(void)state;
	assert_exited(in_child(child_restrict_twice, 0), 0);
}

/* The server's non-socket descriptor count once it is idle: only its
 * listening socket left (clients of earlier tests are reclaimed
 * asynchronously), and two readings 10 ms apart agree. 10 s is a hang
 * guard. */
static int idle_fds(pid_t pid)
{
	int sockets = 0, n = count_fds_sockets_apart(pid, &sockets), prev = -1;

	for (int i = 0; i < 1000 && (sockets != 1 || n != prev); i++) {
		usleep(10000);
		prev = n;
		n = count_fds_sockets_apart(pid, &sockets);
	}
	assert_int_equal(sockets, 1);
	return n;
}

/* Confined, holding an open file, told "ready" on fd 1 (a pipe), then
 * asleep for good. */
static int child_hold_and_sleep(struct rc_ring *r, int ready_fd)
{
	uint32_t never = 0;

	if (dup2(ready_fd, 1) != 1 || rc_sandbox(r, 0) < 0)
		return 2;
	if (open_via_ring(r, "allowed.txt") <= 0)
		return 3;
	if (write(1, "r", 1) != 1)
		return 4;
	for (;;)
		syscall(SYS_futex, &never, FUTEX_WAIT, 0, NULL, NULL, 0);
}

/* SIGKILL a confined client with a file open: the server's descriptors go
 * back to what they were before it connected. */
static void killing_a_confined_client_leaves_server_clean(void **state)
{
	int pipefd[2], baseline, during = -1, after = -1, status, sockets = 0;
	char byte;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pipefd), 0);
	baseline = idle_fds(server_pid);
	assert_true(baseline > 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rc_ring r;

		close(pipefd[0]);
		alarm(30);
		if (rc_connect(&r, sock_path, &(struct rc_params){ 0 }))
			_exit(100);
		_exit(child_hold_and_sleep(&r, pipefd[1]));
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &byte, 1), 1);
	close(pipefd[0]);
	during = count_fds_sockets_apart(server_pid, &sockets);
	assert_true(during > baseline); /* its region's memfd or its file */
	assert_true(sockets >= 2);	/* listening, and the client's */
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* Reclaiming is asynchronous (the worker notices the hang-up): wait
	 * for it with a deadline, not a guess. */
	for (int i = 0; i < 1000; i++) {
		after = count_fds_sockets_apart(server_pid, &sockets);
		if (after == baseline && sockets == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(after, baseline);
	assert_int_equal(sockets, 1);
}

struct other_thread {
	pthread_barrier_t started, confined;
	int err;
};

/* Started before the sandbox, it opens after it. */
static void *other_thread_main(void *p)
{
	struct other_thread *t = p;

	pthread_barrier_wait(&t->started);
	pthread_barrier_wait(&t->confined);
	t->err = direct_call(D_OPEN);
	return NULL;
}

/* The filter reaches threads that were already running (seccomp TSYNC). */
static int child_other_thread(struct rc_ring *r, int arg)
{
	struct other_thread t = { .err = -1 };
	pthread_t th;

	(void)arg;
	pthread_barrier_init(&t.started, NULL, 2);
	pthread_barrier_init(&t.confined, NULL, 2);
	if (pthread_create(&th, NULL, other_thread_main, &t))
		return 2;
	pthread_barrier_wait(&t.started);
	if (rc_sandbox(r, 0) < 0)
		return 3;
	pthread_barrier_wait(&t.confined);
	pthread_join(th, NULL);
	return t.err == EPERM ? 0 : 4;
}

static void threads_started_before_are_confined(void **state)
{
	(void)state;
	assert_exited(in_child(child_other_thread, 0), 0);
}

/* rc_sandbox wants a ring connected to a server. */
static void sandbox_needs_a_server_ring(void **state)
{
	struct rc_ring r;

	(void)state;
	assert_int_equal(rc_sandbox(NULL, 0), -RC_EINVAL);
	ring_open(&r, 8, 16, 16);
	assert_int_equal(rc_sandbox(&r, 0), -RC_EINVAL);
	ring_close(&r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(direct_syscalls_fail_with_eperm, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(kill_flag_kills_with_sigsys, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(ring_operations_work_confined, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(confinement_only_narrows, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(second_restrict_cannot_widen, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(killing_a_confined_client_leaves_server_clean,
						start_server, stop_server),
		cmocka_unit_test_setup_teardown(threads_started_before_are_confined, start_server,
						stop_server),
		cmocka_unit_test(sandbox_needs_a_server_ring),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
