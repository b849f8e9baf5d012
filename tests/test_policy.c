/*
 * test_policy.c - ringcall-server's policy per client: the allow-list is on
 * the ring before its first SQE and a client cannot loosen it; each client
 * has its own root; read-only, handle and in-flight limits refuse with the
 * rule named by rc_explain and leak nothing; the audit log names the client
 * (pid, uid, launch name) with each decoded request and its result; what a
 * launcher asks (ringcall-run's options, in the hello) only narrows.
 *
 * Each test starts its own server. Clients are this process, except where
 * two launch names are needed: copies of this binary, run as clients.
 */
#include "helpers.h"
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char self_bin[512], server_bin[512];
static char sock_path[100], root[128], log_path[128], policy_path[128];
static pid_t server_pid;

static const char allowed_text[] = "allowed by every policy\n"; /* 24 bytes */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Start ringcall-server on a fresh root (allowed.txt in it) with these
 * options after --root, --socket, --quiet and --log-file; NULL-terminated. */
static void serve(const char *opt, ...)
{
	const char *argv[32] = { server_bin, "--root",	root,	      "--socket",
				 sock_path,  "--quiet", "--log-file", log_path };
	unsigned n = 8;
	char path[200];
	va_list ap;

	snprintf(sock_path, sizeof(sock_path), "%s/pol.sock", temp_dir());
	snprintf(log_path, sizeof(log_path), "%s/audit.log", temp_dir());
	snprintf(policy_path, sizeof(policy_path), "%s/policy", temp_dir());
	mkdir(root, 0700);
	snprintf(path, sizeof(path), "%s/allowed.txt", root);
	write_file(path, allowed_text);
	unlink(sock_path);
	unlink(log_path);
	va_start(ap, opt);
	for (; opt && n < 31; opt = va_arg(ap, const char *))
		argv[n++] = opt;
	va_end(ap);
	argv[n] = NULL;
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execv(server_bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 1000 && !socket_listens(sock_path); i++)
		usleep(10000);
	assert_true(socket_listens(sock_path));
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/root", temp_dir());
	alarm(60);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	stop_server_process(&server_pid, sock_path);
	return 0;
}

static void connect_ok(struct rc_ring *r)
{
	assert_int_equal(rc_connect(r, sock_path, &(struct rc_params){ .sq_entries = 8 }), 0);
}

/* Submit the prepared SQE and wait: its res; rc_explain's words in why. */
static int32_t call(struct rc_ring *r, char *why, size_t size)
{
	struct rc_cqe *cqe;
	int32_t res;

	assert_int_equal(rc_submit_and_wait(r, 1), 1);
	assert_int_equal(rc_wait_cqe(r, &cqe), 0);
	res = cqe->res;
	rc_explain(r, cqe, why, size);
	rc_cqe_seen(r, cqe);
	return res;
}

static int32_t open_as(struct rc_ring *r, const char *name, uint32_t access, uint32_t flags,
		       char *why, size_t size)
{
	char *path = rc_alloc(r, strlen(name));

	assert_non_null(path);
	memcpy(path, name, strlen(name));
	rc_prep_open(rc_get_sqe(r), path, (uint32_t)strlen(name), access, flags, 0644);
	return call(r, why, size);
}

static int32_t open_ro(struct rc_ring *r, const char *name, char *why, size_t size)
{
	return open_as(r, name, RC_ACCESS_RDONLY, 0, why, size);
}

static int32_t close_h(struct rc_ring *r, int32_t h)
{
	char why[200];

	rc_prep_close(rc_get_sqe(r), (uint32_t)h, 0);
	return call(r, why, sizeof(why));
}

/* An op outside the server's allow-list is refused even as the client's
 * very first SQE, with the rule named; what it allows works. */
static void allow_list_holds_from_the_first_sqe(void **state)
{
	struct rc_ring r;
	char why[300], *msg;

	(void)state;
	serve("--allow", "NOP,OPEN,READ,CLOSE", NULL);
	connect_ok(&r);
	msg = rc_alloc(&r, 2);
	memcpy(msg, "x\n", 2);
	rc_prep_console_write(rc_get_sqe(&r), msg, 2); /* the first SQE of this ring */
	assert_int_equal(call(&r, why, sizeof(why)), -RC_EACCES);
	assert_string_equal(why, "CONSOLE_WRITE: opcode = 5 is outside this client's allow-list "
				 "(policy rule allow=NOP,OPEN,READ,CLOSE) (-EACCES)");
	rc_prep_nop(rc_get_sqe(&r), 7);
	assert_int_equal(call(&r, why, sizeof(why)), 7);
	assert_true(open_ro(&r, "allowed.txt", why, sizeof(why)) > 0);
	rc_disconnect(&r);
}

/* The engine's fast path for NOP checks the same list: a policy without
 * NOP refuses it, first SQE or not, alone or in a batch. */
static void nop_fast_path_holds_the_policy(void **state)
{
	struct rc_ring r;
	char why[300];

	(void)state;
	serve("--allow", "OPEN,CLOSE", NULL);
	connect_ok(&r);
	for (int i = 0; i < 2; i++) {
		rc_prep_nop(rc_get_sqe(&r), 0);
		assert_int_equal(call(&r, why, sizeof(why)), -RC_EACCES);
		assert_string_equal(why, "NOP: opcode = 0 is outside this client's allow-list "
					 "(policy rule allow=OPEN,CLOSE) (-EACCES)");
	}
	rc_disconnect(&r);
}

/* The client's own RESTRICT intersects with the server's list: asking for
 * every op leaves the policy's, and a narrower RESTRICT narrows. */
static void restrict_cannot_loosen_the_policy(void **state)
{
	struct rc_ring r;
	struct rc_probe *probe;
	char why[300];
	uint64_t one = 1, policy = one << RC_OP_NOP | one << RC_OP_PROBE | one << RC_OP_RESTRICT |
				   one << RC_OP_OPEN | one << RC_OP_READ | one << RC_OP_CLOSE;

	(void)state;
	serve("--allow", "NOP,PROBE,RESTRICT,OPEN,READ,CLOSE", NULL);
	connect_ok(&r);
	rc_prep_restrict_ops(rc_get_sqe(&r), RC_OPS_ALL);
	assert_int_equal(call(&r, why, sizeof(why)), 0);
	probe = rc_alloc(&r, sizeof(*probe));
	rc_prep_probe(rc_get_sqe(&r), probe, sizeof(*probe));
	assert_true(call(&r, why, sizeof(why)) > 0);
	assert_int_equal(probe->allowed, policy); /* not RC_OPS_ALL */
	rc_prep_write(rc_get_sqe(&r), 1, probe, 1, 0);
	assert_int_equal(call(&r, why, sizeof(why)), -RC_EACCES);
	assert_non_null(strstr(why, "WRITE: opcode = 8 is outside this client's allow-list "
				    "(policy rule allow="));
	rc_disconnect(&r);

	connect_ok(&r); /* a RESTRICT inside the policy narrows, as the ring's own rule */
	rc_prep_restrict_ops(rc_get_sqe(&r), one << RC_OP_NOP | one << RC_OP_RESTRICT);
	assert_int_equal(call(&r, why, sizeof(why)), 0);
	assert_int_equal(open_ro(&r, "allowed.txt", why, sizeof(why)), -RC_EACCES);
	assert_string_equal(why, "OPEN: opcode = 6 is not allowed on this ring (-EACCES)");
	rc_disconnect(&r);
}

/* As a client named by its executable: open own (exit 10 + failure). */
static int client_of_root(const char *own, const char *other, const char *other_dir)
{
	struct rc_ring r;
	char why[300], path[100], *buf;
	int32_t h;

	if (rc_connect(&r, sock_path, &(struct rc_params){ .sq_entries = 8 }))
		return 10;
	h = open_ro(&r, own, why, sizeof(why));
	if (h <= 0)
		return 11;
	buf = rc_alloc(&r, 16);
	rc_prep_read(rc_get_sqe(&r), (uint32_t)h, buf, 16, 0);
	if (call(&r, why, sizeof(why)) != 2 || memcmp(buf, own, 1) != 0)
		return 12; /* the file holds its own letter and a newline */
	if (open_ro(&r, other, why, sizeof(why)) != -RC_ENOENT)
		return 13;
	snprintf(path, sizeof(path), "../%s/%s", other_dir, other);
	if (open_ro(&r, path, why, sizeof(why)) != -RC_EXDEV ||
	    strcmp(why, "OPEN: path leaves this client's root directory (policy rule root) "
			"(-EXDEV)"))
		return 14;
	rc_disconnect(&r);
	return 0;
}

/* Copy this test's executable to dir/name (a launch name of its own). */
static void copy_self(const char *to)
{
	char buf[65536];
	int in = open(self_bin, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	ssize_t n;

	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

/* Run dir/name as a client of the root test (client_of_root): its status. */
static int run_copy(const char *bin, const char *own, const char *other, const char *other_dir)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl(bin, bin, "--client-of-root", sock_path, own, other, other_dir, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Two programs, two rules, two roots: each sees its own files, not the
 * other's, by name or by climbing; a client no rule names gets --root. */
static void roots_are_per_client(void **state)
{
	char ra[160], rb[160], path[200], bin_a[160], bin_b[160], why[300];
	struct rc_ring r;
	FILE *f;

	(void)state;
	snprintf(ra, sizeof(ra), "%s/ra", temp_dir());
	snprintf(rb, sizeof(rb), "%s/rb", temp_dir());
	mkdir(ra, 0700);
	mkdir(rb, 0700);
	snprintf(path, sizeof(path), "%s/a", ra);
	write_file(path, "a\n");
	snprintf(path, sizeof(path), "%s/b", rb);
	write_file(path, "b\n");
	snprintf(bin_a, sizeof(bin_a), "%s/pol-a", temp_dir());
	snprintf(bin_b, sizeof(bin_b), "%s/pol-b", temp_dir());
	copy_self(bin_a);
	copy_self(bin_b);
	snprintf(policy_path, sizeof(policy_path), "%s/policy", temp_dir());
	f = fopen(policy_path, "w");
	assert_non_null(f);
	fprintf(f,
		"# two programs, two roots\nclient name=pol-a root=%s\n\n"
		"client name=pol-b root=%s  # and nothing else\n",
		ra, rb);
	fclose(f);
	serve("--policy", policy_path, NULL);
	assert_int_equal(run_copy(bin_a, "a", "b", "rb") >> 8, 0);
	assert_int_equal(run_copy(bin_b, "b", "a", "ra") >> 8, 0);
	connect_ok(&r); /* this program: no rule, so the server's --root */
	assert_int_equal(open_ro(&r, "a", why, sizeof(why)), -RC_ENOENT);
	assert_true(open_ro(&r, "allowed.txt", why, sizeof(why)) > 0);
	rc_disconnect(&r);
}

/* --ro: OPEN for writing, CREATE, TRUNC are refused with the rule named,
 * and nothing is created; reading works. */
static void read_only_refuses_with_the_rule_named(void **state)
{
	struct rc_ring r;
	char why[300], path[200];

	(void)state;
	serve("--ro", NULL);
	connect_ok(&r);
	assert_true(open_ro(&r, "allowed.txt", why, sizeof(why)) > 0);
	assert_int_equal(open_as(&r, "allowed.txt", RC_ACCESS_RDWR, 0, why, sizeof(why)),
			 -RC_EROFS);
	assert_string_equal(why, "OPEN: access = 2 asks to modify a file, and this client is "
				 "read-only (policy rule ro) (-EROFS)");
	assert_int_equal(open_as(&r, "new.txt", RC_ACCESS_RDONLY, RC_OPEN_CREATE, why, sizeof(why)),
			 -RC_EROFS);
	assert_string_equal(why, "OPEN: flags = 0x1 asks to modify a file, and this client is "
				 "read-only (policy rule ro) (-EROFS)");
	assert_int_equal(
		open_as(&r, "allowed.txt", RC_ACCESS_RDONLY, RC_OPEN_TRUNC, why, sizeof(why)),
		-RC_EROFS);
	rc_disconnect(&r);
	snprintf(path, sizeof(path), "%s/new.txt", root);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/allowed.txt", root);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_size, sizeof(allowed_text) - 1); /* not truncated */
	}
}

/* Wait until the server has exactly `clients` client sockets besides its
 * listening one and exactly `fds` other descriptors (the clients gone,
 * and socket_listens' probe, are reclaimed asynchronously); 10 s is a
 * hang guard. */
static void expect_fds(int clients, int fds)
{
	int sockets = 0, n = count_fds_sockets_apart(server_pid, &sockets);

	for (int i = 0; i < 1000 && (sockets != 1 + clients || n != fds); i++) {
		usleep(10000);
		n = count_fds_sockets_apart(server_pid, &sockets);
	}
	assert_int_equal(sockets, 1 + clients);
	assert_int_equal(n, fds);
}

/* The server's own descriptors (root, log file, inherited ones) before
 * any client: a client adds its socket and one fd per file it has open,
 * nothing else (no ask_root), so every later count is this plus those. */
static int fds_at_start(void)
{
	int sockets = 0, n = count_fds_sockets_apart(server_pid, &sockets);

	for (int i = 0; i < 1000 && sockets != 1; i++) {
		usleep(10000);
		n = count_fds_sockets_apart(server_pid, &sockets);
	}
	assert_int_equal(sockets, 1);
	return n;
}

/* --max-handles 3: the fourth OPEN is refused with the rule named and
 * costs the server nothing; a CLOSE makes room; all is reclaimed. */
static void handle_limit_refuses_and_leaks_nothing(void **state)
{
	struct rc_ring r;
	char why[300];
	int32_t h[3];
	int baseline;

	(void)state;
	serve("--max-handles", "3", NULL);
	baseline = fds_at_start();
	connect_ok(&r);
	for (int i = 0; i < 3; i++)
		assert_true((h[i] = open_ro(&r, "allowed.txt", why, sizeof(why))) > 0);
	expect_fds(1, baseline + 3); /* its three files, nothing more */
	assert_int_equal(open_ro(&r, "allowed.txt", why, sizeof(why)), -RC_EMFILE);
	assert_string_equal(why, "OPEN: this client has 3 handles open, its limit (policy rule "
				 "max-handles=3) (-EMFILE)");
	expect_fds(1, baseline + 3); /* the refused OPEN opened nothing */
	assert_int_equal(close_h(&r, h[1]), 0);
	assert_true((h[1] = open_ro(&r, "allowed.txt", why, sizeof(why))) > 0);
	assert_int_equal(open_ro(&r, "allowed.txt", why, sizeof(why)), -RC_EMFILE);
	rc_disconnect(&r);
	expect_fds(0, baseline);
}

static int32_t transfer(struct rc_ring *r, bool write, int32_t h, void *buf, uint32_t len,
			char *why, size_t size)
{
	if (write)
		rc_prep_write(rc_get_sqe(r), (uint32_t)h, buf, len, 0);
	else
		rc_prep_read(rc_get_sqe(r), (uint32_t)h, buf, len, 0);
	return call(r, why, size);
}

/* --max-inflight 4096: a READ or WRITE that would have more bytes in flight
 * is refused with the rule named; refused or done, its bytes are no longer
 * counted (the limit's full size still works after). */
static void inflight_limit_refuses_and_leaks_nothing(void **state)
{
	struct rc_ring r;
	char why[300], *buf;
	int32_t rd, wr;

	(void)state;
	serve("--max-inflight", "4096", NULL);
	connect_ok(&r);
	buf = rc_alloc(&r, 8192);
	memset(buf, 'w', 8192);
	rd = open_ro(&r, "allowed.txt", why, sizeof(why));
	wr = open_as(&r, "scratch.bin", RC_ACCESS_RDWR, RC_OPEN_CREATE, why, sizeof(why));
	assert_true(rd > 0 && wr > 0);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(transfer(&r, false, rd, buf, 4096, why, sizeof(why)),
				 sizeof(allowed_text) - 1);
		assert_int_equal(transfer(&r, false, rd, buf, 4097, why, sizeof(why)), -RC_EDQUOT);
		assert_string_equal(why, "READ: len would put 4097 bytes in flight, over this "
					 "client's limit (policy rule max-inflight=4096) "
					 "(-EDQUOT)");
		assert_int_equal(transfer(&r, true, wr, buf, 8192, why, sizeof(why)), -RC_EDQUOT);
		assert_non_null(strstr(why, "WRITE: len would put 8192 bytes in flight"));
		assert_int_equal(transfer(&r, true, wr, buf, 4096, why, sizeof(why)), 4096);
	}
	rc_disconnect(&r);
}

/* Wait (10 s hang guard) until the audit log holds text; the log's bytes. */
static char *wait_for_log(const char *text)
{
	static char log[65536];

	for (int i = 0; i < 1000; i++) {
		FILE *f = fopen(log_path, "r");
		size_t n = f ? fread(log, 1, sizeof(log) - 1, f) : 0;

		if (f)
			fclose(f);
		log[n] = 0;
		if (strstr(log, text))
			return log;
		usleep(10000);
	}
	fail_msg("the audit log never said '%s': %s", text, log);
	return NULL;
}

/* --log: every operation is a line that names the client (pid, uid,
 * launch name), the request decoded (an OPEN's path too) and its result,
 * a refusal with its rule; its connection (with its policy) and its end
 * too. Every line carries the identity. */
static void audit_lines_name_the_client(void **state)
{
	struct rc_ring r;
	char why[300], who[128], want[400], *log, *line, *buf;
	int32_t h;

	(void)state;
	serve("--log", NULL);
	connect_ok(&r);
	h = open_ro(&r, "allowed.txt", why, sizeof(why));
	assert_true(h > 0);
	buf = rc_alloc(&r, 64);
	rc_prep_read(rc_get_sqe(&r), (uint32_t)h, buf, 64, 0);
	assert_int_equal(call(&r, why, sizeof(why)), sizeof(allowed_text) - 1);
	assert_int_equal(open_ro(&r, "../x", why, sizeof(why)), -RC_EXDEV);
	rc_disconnect(&r);
	snprintf(who, sizeof(who), "pid %d uid %u name test_policy ring ", (int)getpid(),
		 (unsigned)getuid());
	log = wait_for_log(": gone (its handles closed");
	for (line = log; *line; line = strchr(line, '\n') + 1) {
		assert_int_equal(strncmp(line, who, strlen(who)), 0);
		assert_non_null(strchr(line, '\n'));
	}
	snprintf(want, sizeof(want),
		 ": connected, the command line: root=%s rw allow=all "
		 "max-handles=- max-inflight=- log\n",
		 root);
	assert_non_null(strstr(log, want));
	snprintf(want, sizeof(want),
		 ", path_len=11, access=0, flags=0x0, mode=420) "
		 "\"allowed.txt\" = %d  [",
		 h);
	assert_non_null(strstr(log, want));
	snprintf(want, sizeof(want), ": READ(handle=%d, buf=0x", h);
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, ", len=64, offset=0) = 24  ["));
	assert_non_null(strstr(log, "\"../x\" = -EXDEV: OPEN: path leaves this client's root "
				    "directory (policy rule root) (-EXDEV)  ["));
}

/* A client nobody logs leaves no line. */
static void unlogged_clients_leave_no_lines(void **state)
{
	struct rc_ring r;
	char why[300];
	struct stat st;
	int baseline;

	(void)state;
	serve(NULL);
	baseline = fds_at_start();
	connect_ok(&r);
	assert_true(open_ro(&r, "allowed.txt", why, sizeof(why)) > 0);
	rc_disconnect(&r);
	expect_fds(0, baseline); /* reclaimed: anything it logged is written */
	assert_true(stat(log_path, &st) != 0 || st.st_size == 0);
}

/* What a launcher asks in the hello (ringcall-run --root, --allow,
 * --max-handles, --ro: RINGCALL_* for rc_connect) narrows the policy, and
 * cannot widen it: a root outside the policy's is refused at connect. */
static void launcher_requests_only_narrow(void **state)
{
	struct rc_ring r;
	char why[300], path[200];

	(void)state;
	serve("--allow", "NOP,OPEN,READ,CLOSE", "--max-handles", "3", NULL);
	snprintf(path, sizeof(path), "%s/sub", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/sub/s.txt", root);
	write_file(path, "s\n");

	setenv("RINGCALL_ROOT", "sub", 1);
	setenv("RINGCALL_ALLOW", "NOP,OPEN,CONSOLE_WRITE", 1); /* CONSOLE_WRITE: not granted */
	setenv("RINGCALL_MAX_HANDLES", "9", 1);		       /* more than granted */
	connect_ok(&r);
	assert_true(open_ro(&r, "s.txt", why, sizeof(why)) > 0);
	assert_int_equal(open_ro(&r, "../allowed.txt", why, sizeof(why)), -RC_EXDEV);
	assert_non_null(strstr(why, "(policy rule root)"));
	rc_prep_console_write(rc_get_sqe(&r), rc_alloc(&r, 1), 1);
	assert_int_equal(call(&r, why, sizeof(why)), -RC_EACCES);
	assert_non_null(strstr(why, "(policy rule allow=NOP,OPEN)"));
	assert_true(open_ro(&r, "s.txt", why, sizeof(why)) > 0);
	assert_true(open_ro(&r, "s.txt", why, sizeof(why)) > 0);
	assert_int_equal(open_ro(&r, "s.txt", why, sizeof(why)), -RC_EMFILE); /* 3, not 9 */
	rc_disconnect(&r);

	setenv("RINGCALL_MAX_HANDLES", "1", 1);
	setenv("RINGCALL_RO", "1", 1);
	connect_ok(&r);
	assert_int_equal(open_as(&r, "s.txt", RC_ACCESS_WRONLY, 0, why, sizeof(why)), -RC_EROFS);
	assert_true(open_ro(&r, "s.txt", why, sizeof(why)) > 0);
	assert_int_equal(open_ro(&r, "s.txt", why, sizeof(why)), -RC_EMFILE);
	assert_non_null(strstr(why, "(policy rule max-handles=1)"));
	rc_disconnect(&r);

	setenv("RINGCALL_ROOT", "../..", 1); /* out of the policy's root */
	assert_int_equal(rc_connect(&r, sock_path, &(struct rc_params){ 0 }), -RC_EXDEV);
	setenv("RINGCALL_ROOT", "allowed.txt", 1); /* not a directory */
	assert_int_equal(rc_connect(&r, sock_path, &(struct rc_params){ 0 }), -RC_ENOTDIR);
	setenv("RINGCALL_ROOT", "", 1);
	setenv("RINGCALL_ALLOW", "NOP,NO_SUCH_OP", 1);
	assert_int_equal(rc_connect(&r, sock_path, &(struct rc_params){ 0 }), -RC_EINVAL);
	unsetenv("RINGCALL_ROOT");
	unsetenv("RINGCALL_ALLOW");
	unsetenv("RINGCALL_MAX_HANDLES");
	unsetenv("RINGCALL_RO");
}

/* A policy file with a wrong line stops the server at start, naming it. */
static void bad_policy_line_is_named(void **state)
{
	char err_path[160], err[600] = "";
	int status, fd;
	FILE *f;
	pid_t pid;

	(void)state;
	snprintf(policy_path, sizeof(policy_path), "%s/bad-policy", temp_dir());
	snprintf(err_path, sizeof(err_path), "%s/bad-policy.err", temp_dir());
	snprintf(sock_path, sizeof(sock_path), "%s/bad.sock", temp_dir());
	mkdir(root, 0700);
	write_file(policy_path, "client name=x ro\nclient uid=1 max-handles=zero\n");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		execl(server_bin, server_bin, "--root", root, "--socket", sock_path, "--policy",
		      policy_path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
	f = fopen(err_path, "r");
	assert_non_null(f);
	assert_non_null(fgets(err, sizeof(err), f));
	fclose(f);
	assert_non_null(strstr(err, "bad-policy:2: max-handles=zero: not a number"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(allow_list_holds_from_the_first_sqe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(nop_fast_path_holds_the_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(restrict_cannot_loosen_the_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(roots_are_per_client, setup, teardown),
		cmocka_unit_test_setup_teardown(read_only_refuses_with_the_rule_named, setup,
						teardown),
		cmocka_unit_test_setup_teardown(handle_limit_refuses_and_leaks_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(inflight_limit_refuses_and_leaks_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(audit_lines_name_the_client, setup, teardown),
		cmocka_unit_test_setup_teardown(unlogged_clients_leave_no_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(launcher_requests_only_narrow, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_policy_line_is_named, setup, teardown),
	};
	char dir[512];
	ssize_t n;

	if (argc == 6 && strcmp(argv[1], "--client-of-root") == 0) {
		snprintf(sock_path, sizeof(sock_path), "%s", argv[2]);
		return client_of_root(argv[3], argv[4], argv[5]);
	}
	n = readlink("/proc/self/exe", self_bin, sizeof(self_bin) - 1);
	assert_true(n > 0);
	self_bin[n] = 0;
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(dir));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
