/*
 * rt_fs - files through the file server, from a program init started
 * (`init rt_fs`): the boot archive's files, creating, writing, reading,
 * truncating, listing and removing, each error the server documents, a
 * second client (a child with its own connection) working at the same
 * time, and a child that exits with a request in flight.
 *
 *   rt_fs              the test
 *   rt_fs child NAME   write /tmp/NAME 50 times, read it back (the second client)
 *   rt_fs inflight     send a request and exit without its reply
 *   rt_fs restart      (init -d 5 rt_fs restart) the server dies after 5
 *                      requests: the next one gets -EPIPE, not a hang;
 *                      the user library's new connection from init then
 *                      works once init has restarted it
 *   rt_fs killheld     (init -h 4 rt_fs killheld) calls on two connections
 *                      parked at a server that answers no more are ended
 *                      by killing it: each gets -EPIPE, and so does a
 *                      file handle from before
 */
#include "ulib.h"
#include "fsc.h"

static int child_writer(const char *name)
{
	char path[64], line[32];
	snprintf(path, sizeof(path), "/tmp/%s", name);
	int fd = fsc_open(path, RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "open %s: %d", path, fd);
	for (int i = 0; i < 50; i++) {
		int n = snprintf(line, sizeof(line), "%s %02d\n", name, i);
		CHECK_EQ(fsc_write(fd, line, (uint32_t)n, (uint64_t)i * (uint64_t)n), n);
	}
	char back[16];
	int n = snprintf(line, sizeof(line), "%s %02d\n", name, 49);
	CHECK_EQ(fsc_read(fd, back, (uint32_t)n, (uint64_t)49 * (uint64_t)n), n);
	CHECK(memcmp(back, line, (size_t)n) == 0, "read back");
	CHECK_EQ(fsc_close(fd), 0);
	return rt_report(name);
}

/* Send a request whose reply we never take, then exit. */
static int inflight(void)
{
	static struct fs_req h = { .op = FS_OP_STAT, .len = 1 };
	static char msg[sizeof(h) + 1];
	memcpy(msg, &h, sizeof(h));
	msg[sizeof(h)] = '/';
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_send(sqe, fsc_channel, msg, sizeof(msg), 0, NULL, 0);
	CHECK_EQ(rt_sync(sqe), sizeof(msg));
	return rt_report("inflight");
}

static int restart(void)
{
	struct fs_stat st;
	int i, r = 0;
	for (i = 0; i < 100 && (r = fsc_stat("/", &st)) == 0; i++)
		;
	CHECK_EQ(r, -RC_EPIPE);
	CHECK_EQ(i, 5);
	/* The library asked init for a new connection before returning
	 * -EPIPE; init sent it once the new server was up. */
	uint32_t first = fsc_channel;
	CHECK(first != RK_SPAWN_HANDLE(0), "reconnected: %u", first);
	CHECK_EQ(fsc_stat("/README.md", &st), 0);
	static char buf[64];
	int fd = fsc_open("/README.md", RC_ACCESS_RDONLY, 0);
	CHECK_EQ(fsc_read(fd, buf, 10, 0), 10);
	CHECK(memcmp(buf, "# ringcall", 10) == 0, "README.md after the restart");
	CHECK_EQ(fsc_close(fd), 0);
	/* A second service channel from init (what the shell gives each
	 * child) gives connections too. */
	int svc = fsc_svc_channel();
	CHECK(svc > 0, "fsc_svc_channel: %d", svc);
	uint32_t svc1 = fsc_svc;
	fsc_svc = (uint32_t)svc;
	CHECK_EQ(fsc_reconnect(), 0);
	CHECK(fsc_channel != first, "a new connection: %u", fsc_channel);
	CHECK_EQ(fsc_stat("/README.md", &st), 0);
	CHECK_EQ(rt_close((uint32_t)svc), 0);
	fsc_svc = svc1;
	return rt_report("rt_fs restart");
}

/* The pid of the tree's process named name, or -errno. */
static int32_t pid_of(const char *name)
{
	struct rc_proc_stats st;
	for (int32_t pid = 0;; pid = st.pid + 1) {
		struct rc_sqe *sqe = rt_sqe();
		rc_prep_proc_stats(sqe, &st, sizeof(st), pid, RC_PROC_STATS_NEXT);
		int32_t r = rt_sync(sqe);
		if (r < 0)
			return r;
		if (strcmp(st.name, name) == 0)
			return st.pid;
	}
}

/* (init -h 4 rt_fs killheld) The server answers 4 requests, then none:
 * calls on two connections are parked at it when one submit kills it.
 * Each ends with -EPIPE; then the library's reconnect works. */
static int killheld(void)
{
	struct fs_stat st;
	int other = fsc_connect(FS_CLIENT_READ); /* request 1: a second client */
	CHECK(other > 0, "connect: %d", other);
	CHECK_EQ(fsc_stat("/", &st), 0);		       /* 2 */
	int old = fsc_open("/README.md", RC_ACCESS_RDONLY, 0); /* 3 */
	CHECK(old > 0, "open: %d", old);
	CHECK_EQ(fsc_stat("/README.md", &st), 0); /* 4: the server holds from here */
	int32_t fs = pid_of("fs");
	CHECK(fs > 0, "the file server's pid: %d", fs);
	static uint8_t req[3][sizeof(struct fs_req) + 1], rep[3][FS_MSG_MAX];
	const uint32_t on[3] = { fsc_channel, (uint32_t)other, fsc_channel };
	for (int i = 0; i < 3; i++) {
		struct fs_req h = { .op = FS_OP_STAT, .len = 1, .tag = (uint64_t)i + 100 };
		memcpy(req[i], &h, sizeof(h));
		req[i][sizeof(h)] = '/';
		struct rc_sqe *sqe = rt_sqe();
		rc_prep_channel_call(sqe, on[i], req[i], sizeof(req[i]), 0, NULL, rep[i],
				     FS_MSG_MAX, 0);
		rc_sqe_set_data(sqe, (uint64_t)i + 100);
	}
	/* The calls are queued at the server before KILL runs: the same
	 * submit, in order; the server answers none of them. */
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_kill(sqe, fs, 0);
	CHECK_EQ(rt_sync(sqe), 0);
	for (int seen = 0; seen < 3; seen++) {
		struct rc_cqe cqe;
		CHECK_EQ(rt_next_cqe(&cqe), 0);
		CHECK(cqe.user_data >= 100 && cqe.user_data < 103, "user_data %lu",
		      (unsigned long)cqe.user_data);
		CHECK_EQ(cqe.res, -RC_EPIPE);
	}
	/* The next call gets -EPIPE too (the library reconnects), then works. */
	CHECK_EQ(fsc_stat("/", &st), -RC_EPIPE);
	CHECK_EQ(fsc_stat("/README.md", &st), 0);
	/* A file opened before: its handle went with the server. */
	static char buf[16];
	CHECK_EQ(fsc_read(old, buf, 10, 0), -RC_EPIPE);
	CHECK_EQ(fsc_close(old), -RC_EPIPE);
	int fd = fsc_open("/README.md", RC_ACCESS_RDONLY, 0);
	CHECK(fd > 0 && fd != old, "open again: %d (before: %d)", fd, old);
	CHECK_EQ(fsc_read(fd, buf, 10, 0), 10);
	CHECK_EQ(fsc_read(999, buf, 10, 0), -RC_EBADF);
	CHECK_EQ(fsc_close(fd), 0);
	CHECK_EQ(rt_close((uint32_t)other), 0);
	return rt_report("rt_fs killheld");
}

/* The working directory (user/lib/fsc.c): resolution, chdir, its errors. */
static void cwd_checks(void)
{
	static const char *const cases[][2] = {
		{ "/", "/" },	    { "a", "/a" },	 { "/a/./b//c/", "/a/b/c" },
		{ "a/../b", "/b" }, { "../../..", "/" }, { "/a/b/..", "/a" },
		{ ".", "/" },	    { "", "/" },	 { "a/..b/.c", "/a/..b/.c" },
	};
	char out[FS_PATH_MAX + 1];
	CHECK(strcmp(fsc_getcwd(), "/") == 0, "starts at the root: %s", fsc_getcwd());
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ(fsc_resolve(cases[i][0], out), 0);
		CHECK(strcmp(out, cases[i][1]) == 0, "%s -> %s, want %s", cases[i][0], out,
		      cases[i][1]);
	}
	static char longp[FS_PATH_MAX + 8];
	memset(longp, 'x', sizeof(longp) - 1);
	CHECK_EQ(fsc_resolve(longp, out), -RC_ENAMETOOLONG);
	memcpy(longp, "/..", 3); /* "/..xxx": one long component, still too long */
	CHECK_EQ(fsc_resolve(longp, out), -RC_ENAMETOOLONG);

	CHECK_EQ(fsc_mkdir("/tmp/cwd"), 0);
	CHECK_EQ(fsc_chdir("/tmp/cwd"), 0);
	CHECK(strcmp(fsc_getcwd(), "/tmp/cwd") == 0, "cwd %s", fsc_getcwd());
	int fd = fsc_open("f", RC_ACCESS_RDWR, RC_OPEN_CREATE);
	CHECK(fd > 0, "relative create: %d", fd);
	CHECK_EQ(fsc_write(fd, "rel", 3, 0), 3);
	CHECK_EQ(fsc_close(fd), 0);
	struct fs_stat st;
	CHECK_EQ(fsc_stat("/tmp/cwd/f", &st), 0); /* it went where cwd says */
	CHECK_EQ(fsc_stat("../cwd/./f", &st), 0);
	CHECK_EQ(fsc_chdir(".."), 0);
	CHECK(strcmp(fsc_getcwd(), "/tmp") == 0, "cwd %s", fsc_getcwd());
	CHECK_EQ(fsc_chdir("cwd/f"), -RC_ENOTDIR);
	CHECK_EQ(fsc_chdir("nosuch"), -RC_ENOENT);
	CHECK(strcmp(fsc_getcwd(), "/tmp") == 0, "unchanged by a failed chdir: %s", fsc_getcwd());
	CHECK_EQ(fsc_remove("cwd/f"), 0);
	CHECK_EQ(fsc_remove("cwd"), 0);
	CHECK_EQ(fsc_chdir("/"), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "restart") == 0)
		return restart();
	if (argc > 1 && strcmp(argv[1], "killheld") == 0)
		return killheld();
	if (argc > 2 && strcmp(argv[1], "child") == 0)
		return child_writer(argv[2]);
	if (argc > 1 && strcmp(argv[1], "inflight") == 0)
		return inflight();

	/* The boot archive: the README, read whole across several requests. */
	struct fs_stat st;
	CHECK_EQ(fsc_stat("/README.md", &st), 0);
	CHECK(st.type == FS_FILE && st.size > 8000, "README.md: type %u size %lu", st.type,
	      (unsigned long)st.size);
	int fd = fsc_open("README.md", RC_ACCESS_RDONLY, 0);
	CHECK(fd > 0, "open README.md: %d", fd);
	static char buf[16384];
	int32_t n = fsc_read(fd, buf, sizeof(buf), 0);
	CHECK(n > 0 && (uint64_t)n == (st.size < sizeof(buf) ? st.size : sizeof(buf)), "read %d",
	      n);
	CHECK(memcmp(buf, "# ringcall", 10) == 0, "README.md starts %.10s", buf);
	CHECK_EQ(fsc_write(fd, "x", 1, 0), -RC_EBADF); /* read-only handle */
	CHECK_EQ(fsc_close(fd), 0);
	CHECK_EQ(fsc_close(fd), -RC_EBADF);

	/* Create, write, truncate, read back, list, remove. */
	CHECK_EQ(fsc_mkdir("/tmp/d"), 0);
	CHECK_EQ(fsc_mkdir("/tmp/d"), -RC_EEXIST);
	fd = fsc_open("/tmp/d/f", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_EXCL);
	CHECK(fd > 0, "create: %d", fd);
	for (int i = 0; i < 6000; i++)
		buf[i] = (char)('a' + i % 26);
	CHECK_EQ(fsc_write(fd, buf, 6000, 0), 6000); /* two requests */
	CHECK_EQ(fsc_truncate(fd, 5000), 0);
	memset(buf, 0, 6000);
	CHECK_EQ(fsc_read(fd, buf, 6000, 0), 5000);
	CHECK(buf[4999] == (char)('a' + 4999 % 26), "byte 4999");
	CHECK_EQ(fsc_close(fd), 0);
	struct fs_stat fst; /* listing: rt_files, through READDIR on the ring */
	CHECK_EQ(fsc_stat("/tmp/d/f", &fst), 0);
	CHECK(fst.type == FS_FILE && fst.size == 5000, "stat /tmp/d/f");

	/* Errors, as documented. */
	CHECK_EQ(fsc_open("/nope", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	CHECK_EQ(fsc_open("/tmp", RC_ACCESS_RDONLY, 0), -RC_EISDIR);
	CHECK_EQ(fsc_open("/README.md/x", RC_ACCESS_RDONLY, 0), -RC_ENOTDIR);
	/* ".." is the library's to resolve (the server refuses it, -EXDEV:
	 * tests/test_fs.c): /tmp/../x is /x, which does not exist. */
	CHECK_EQ(fsc_open("/tmp/../x", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	CHECK_EQ(fsc_mkdir("/tmp/a-name-longer-than-sixty-bytes-is-refused-by-the-file-server-x"),
		 -RC_ENAMETOOLONG);
	CHECK_EQ(fsc_remove("/tmp/d"), -RC_ENOTEMPTY);
	CHECK_EQ(fsc_remove("/tmp/d/f"), 0);
	CHECK_EQ(fsc_remove("/tmp/d"), 0);
	CHECK_EQ(fsc_stat("/tmp/d", &st), -RC_ENOENT);

	/* Two clients at once: children with their own connections (CONNECT). */
	long pids[2];
	const char *names[2] = { "one", "two" };
	for (int i = 0; i < 2; i++) {
		int h = fsc_connect(FS_CLIENT_READ | FS_CLIENT_WRITE);
		CHECK(h > 0, "connect: %d", h);
		const struct rc_spawn_handle sh = { (uint32_t)h, RC_CHANNEL_RIGHTS };
		const char *argv_c[] = { "rt_fs", "child", names[i], NULL };
		pids[i] = spawn_with(argv_c, &sh, 1);
		CHECK(pids[i] > 0, "spawn: %ld", pids[i]);
	}
	for (int i = 0; i < 2; i++)
		CHECK_EQ(waitpid((int)pids[i], NULL), 0);
	CHECK_EQ(fsc_stat("/tmp/one", &st), 0);
	CHECK_EQ(st.size, 50 * 7);
	CHECK_EQ(fsc_stat("/tmp/two", &st), 0);
	CHECK_EQ(st.size, 50 * 7);

	/* A client exiting with a request in flight: the server carries on. */
	int h = fsc_connect(FS_CLIENT_READ);
	const struct rc_spawn_handle sh = { (uint32_t)h, RC_CHANNEL_RIGHTS };
	const char *argv_i[] = { "rt_fs", "inflight", NULL };
	CHECK_EQ(waitpid((int)spawn_with(argv_i, &sh, 1), NULL), 0);
	CHECK_EQ(fsc_stat("/tmp/one", &st), 0);
	/* A read-only client cannot write. */
	int ro = fsc_connect(FS_CLIENT_READ);
	uint32_t mine = fsc_channel;
	fsc_channel = (uint32_t)ro;
	CHECK_EQ(fsc_mkdir("/tmp/ro"), -RC_EACCES);
	CHECK_EQ(fsc_stat("/tmp/one", &st), 0);
	fsc_channel = mine;
	cwd_checks();
	return rt_report("rt_fs");
}
