/*
 * test_soak.c - the hosted soak: clients killed with 200 requests in
 * flight, over and over, while other clients keep working. Afterwards the
 * server holds the fds, threads, shared regions and (within a small slack)
 * the memory it held before, and the surviving clients lost nothing: each
 * of their SQEs got exactly one CQE, with the right result.
 *
 * SOAK_KILLS=N sets the number of kills (default 20, what `make test`
 * runs; `make soak` runs 1000). Every wait is bounded; it stops by itself.
 */
#include "helpers.h"
#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NR_SURVIVORS 3
#define VICTIMS	     4	  /* killed together, per round */
#define IN_FLIGHT    200  /* requests each victim has in flight when killed */
#define BATCH	     32	  /* a survivor's SQEs per submit */
#define RSS_SLACK_KB 2048 /* allocator caches may keep this much */

static char server_bin[512], sock_path[160], root_path[160];
static pid_t server_pid;

/* Shared with the survivors (MAP_SHARED). */
struct survivors {
	uint32_t stop;
	uint32_t ready;
	struct {
		uint64_t cqes;	 /* CQEs checked */
		uint64_t errors; /* missing, duplicate, extra or wrong CQEs */
	} s[NR_SURVIVORS];
};
static struct survivors *sv;

struct usage {
	unsigned fds, threads, maps;
	unsigned long rss_kb;
};

static unsigned count_dir(const char *path)
{
	unsigned n = 0;
	DIR *d = opendir(path);

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static struct usage server_usage(void)
{
	struct usage u = { 0 };
	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)server_pid);
	u.fds = count_dir(path);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)server_pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "Threads: %u", &u.threads);
		sscanf(line, "VmRSS: %lu", &u.rss_kb);
	}
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)server_pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		u.maps += strstr(line, "memfd:ringcall") != NULL;
	fclose(f);
	return u;
}

static void start_server(void)
{
	snprintf(sock_path, sizeof(sock_path), "%s/sock", temp_dir());
	snprintf(root_path, sizeof(root_path), "%s/root", temp_dir());
	mkdir(root_path, 0700);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		execl(server_bin, server_bin, "--root", root_path, "--socket", sock_path,
		      "--workers", "2", "--quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 500 && access(sock_path, F_OK); i++)
		usleep(10000);
	assert_int_equal(access(sock_path, F_OK), 0);
}

/* One survivor: batches of NOPs (res = a function of the sequence number)
 * and short TIMEOUTs (-ETIME), each SQE's CQE checked off exactly once;
 * nothing may be left over after a batch. Exits when told to stop. */
static void survivor(int id)
{
	struct rc_params p = { .sq_entries = 64,
			       .mode = id == 0 ? RC_MODE_POLL : RC_MODE_DOORBELL,
			       .idle_us = 200 };
	struct rc_ring r;
	uint64_t seq = 0;

	if (rc_connect(&r, sock_path, &p))
		_exit(2);
	__atomic_fetch_add(&sv->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&sv->stop, __ATOMIC_ACQUIRE)) {
		bool seen[BATCH] = { false };
		uint64_t first = seq;
		struct rc_cqe *cqe;

		for (int i = 0; i < BATCH; i++, seq++) {
			struct rc_sqe *sqe = rc_get_sqe(&r);

			if (i % 8 == 7)
				rc_prep_timeout(sqe, 100000, 0, 0);
			else
				rc_prep_nop(sqe, (int32_t)(seq & 0xffff));
			rc_sqe_set_data(sqe, seq);
		}
		if (rc_submit_and_wait(&r, BATCH) != BATCH)
			_exit(3);
		for (int i = 0; i < BATCH; i++) {
			uint64_t k;

			if (rc_wait_cqe(&r, &cqe))
				_exit(4);
			k = cqe->user_data - first;
			if (k >= BATCH || seen[k] ||
			    cqe->res !=
				    (k % 8 == 7 ? -RC_ETIME : (int32_t)(cqe->user_data & 0xffff)))
				sv->s[id].errors++;
			else
				seen[k] = true;
			rc_cqe_seen(&r, cqe);
			sv->s[id].cqes++;
		}
		if (rc_peek_cqe(&r, &cqe) == 0)
			sv->s[id].errors++; /* a CQE nobody asked for */
	}
	rc_disconnect(&r);
	_exit(0);
}

/* One victim: two files open, IN_FLIGHT long TIMEOUTs taken by the server;
 * then it says so on fd and waits to be killed. */
static void victim(int fd)
{
	struct rc_params p = { .sq_entries = 256 };
	struct rc_ring r;
	char *name;

	if (rc_connect(&r, sock_path, &p))
		_exit(2);
	name = rc_alloc(&r, 8);
	for (int i = 0; i < 2; i++) {
		struct rc_sqe *sqe = rc_get_sqe(&r);

		name[0] = 'v';
		name[1] = (char)('0' + i);
		rc_prep_open(sqe, name, 2, RC_ACCESS_RDWR, RC_OPEN_CREATE, 0600);
		if (run_one(&r, sqe) <= 0)
			_exit(3);
	}
	for (int i = 0; i < IN_FLIGHT; i++)
		rc_prep_timeout(rc_get_sqe(&r), 60000000000ull, 0, 0);
	if (rc_submit(&r) != IN_FLIGHT)
		_exit(4);
	/* the server has read them all: they are in flight there */
	for (int i = 0; i < 5000 && rc_load_acquire(&r.hdr->sq_head) != IN_FLIGHT + 2; i++)
		usleep(1000);
	if (rc_load_acquire(&r.hdr->sq_head) != IN_FLIGHT + 2 || write(fd, "k", 1) != 1)
		_exit(5);
	pause();
	_exit(6);
}

/* Start VICTIMS victims, wait until each is ready (10 s at most), check
 * that the server holds their sockets and files (more than base_fds), kill
 * them all. Return the number killed while ready. */
static int kill_round(unsigned base_fds)
{
	pid_t pids[VICTIMS];
	int fds[2], killed = 0;

	assert_int_equal(pipe(fds), 0);
	for (int i = 0; i < VICTIMS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			close(fds[0]);
			victim(fds[1]);
		}
	}
	close(fds[1]);
	for (int i = 0; i < VICTIMS; i++) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		char byte;

		if (poll(&pfd, 1, 10000) == 1 && read(fds[0], &byte, 1) == 1)
			killed++;
	}
	close(fds[0]);
	if (killed == VICTIMS) /* each: its socket and two files, at least */
		assert_true(server_usage().fds >= base_fds + 3 * VICTIMS);
	for (int i = 0; i < VICTIMS; i++) {
		int status;

		kill(pids[i], SIGKILL);
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFSIGNALED(status));
	}
	return killed;
}

/* Wait (5 s at most) for the server to be back to fds, threads, maps. */
static struct usage settle(const struct usage *base)
{
	struct usage u = server_usage();

	for (int i = 0;
	     i < 500 && (u.fds != base->fds || u.threads != base->threads || u.maps != base->maps);
	     i++) {
		usleep(10000);
		u = server_usage();
	}
	return u;
}

static void kills_leave_no_trace(void **state)
{
	const char *env = getenv("SOAK_KILLS");
	int kills = env ? atoi(env) : 20, killed = 0;
	pid_t pids[NR_SURVIVORS];
	uint64_t cqes_before[NR_SURVIVORS];
	struct usage pre, base, after;
	struct timespec t0, t1;
	int status;

	(void)state;
	sv = mmap(NULL, sizeof(*sv), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sv != MAP_FAILED);
	start_server();
	for (int i = 0; i < NR_SURVIVORS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			survivor(i);
	}
	for (int i = 0; i < 1000 && __atomic_load_n(&sv->ready, __ATOMIC_ACQUIRE) < NR_SURVIVORS;
	     i++)
		usleep(10000);
	assert_int_equal(sv->ready, NR_SURVIVORS);
	pre = server_usage();
	kill_round(pre.fds); /* warm-up: the allocators reach their steady state */
	base = settle(&pre);
	assert_int_equal(base.fds, pre.fds);
	for (int i = 0; i < NR_SURVIVORS; i++)
		cqes_before[i] = __atomic_load_n(&sv->s[i].cqes, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	killed = 0;
	for (int round = 0; round * VICTIMS < kills; round++)
		killed += kill_round(base.fds);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	after = settle(&base);
	__atomic_store_n(&sv->stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < NR_SURVIVORS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	printf("# soak: %d kills with %d requests in flight in %.1f s; server fds %u -> %u, "
	       "threads %u -> %u, regions %u -> %u, VmRSS %lu -> %lu kB; survivors checked "
	       "%llu, %llu, %llu CQEs (%llu, %llu, %llu during the kills), errors %llu\n",
	       killed, IN_FLIGHT, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       base.fds, after.fds, base.threads, after.threads, base.maps, after.maps, base.rss_kb,
	       after.rss_kb, (unsigned long long)sv->s[0].cqes, (unsigned long long)sv->s[1].cqes,
	       (unsigned long long)sv->s[2].cqes,
	       (unsigned long long)(sv->s[0].cqes - cqes_before[0]),
	       (unsigned long long)(sv->s[1].cqes - cqes_before[1]),
	       (unsigned long long)(sv->s[2].cqes - cqes_before[2]),
	       (unsigned long long)(sv->s[0].errors + sv->s[1].errors + sv->s[2].errors));
	assert_true(killed >= kills);
	assert_int_equal(after.fds, base.fds);
	assert_int_equal(after.threads, base.threads);
	assert_int_equal(after.maps, base.maps);
#ifndef __SANITIZE_ADDRESS__
	/* (ASan's quarantine holds freed memory; there LeakSanitizer checks
	 * the server at exit instead, below) */
	assert_true(after.rss_kb <= base.rss_kb + RSS_SLACK_KB);
#endif
	for (int i = 0; i < NR_SURVIVORS; i++) {
		assert_int_equal(sv->s[i].errors, 0);
		assert_true(sv->s[i].cqes > cqes_before[i]); /* kept working meanwhile */
	}
	kill(server_pid, SIGTERM);
	assert_int_equal(waitpid(server_pid, &status, 0), server_pid);
	server_pid = 0;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int teardown(void **state)
{
	(void)state;
	if (server_pid > 0) { /* a failed assertion left it running */
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	if (sv) {
		__atomic_store_n(&sv->stop, 1, __ATOMIC_RELEASE);
		while (wait(NULL) > 0)
			;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(kills_leave_no_trace, teardown),
	};
	char self[512];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(server_bin, sizeof(server_bin), "%s/../ringcall-server", dirname(self));
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
