/*
 * init - the first process of the user space: starts the file server
 * (user/fs/), hands each program it starts a connection to it (the
 * child's first SPAWN handle, fsc_channel) and a channel to init itself
 * (the second, a service channel: a program sends 4 bytes, FS_CLIENT_*
 * rights, and gets a new connection back, or 4 bytes of error; or
 * FSC_SVC_CHANNEL, and gets a new service channel for a child of its
 * own), restarts the file server when it dies, and says on the console
 * what it did. A connection asked for while the server is dead is sent
 * once it has been restarted: a client that got -EPIPE asks at once and
 * its answer comes when the new server is up (user/lib/fsc.c).
 *
 *   init [-d N | -h N] [prog [args...]]
 *       run prog (default: sh), wait for it, stop the file server, exit
 *       with prog's status; -d N: the first file server dies after N
 *       requests (the fs_restart test; `kill fs` from the shell does it
 *       too); -h N: it stops answering after N requests, until killed
 *       (fs_kill_inflight)
 */
#include "ulib.h"
#include "fsc.h"

#define UD_WAIT UINT64_C(0x1001)
#define UD_SVC	UINT64_C(0x2000) /* + a service slot */

static uint32_t fs_ctl; /* our end of the file server's control channel */
static long fs_pid;
static int fs_starts;

/* Start the file server with a fresh control channel (die_after: its
 * argument, or NULL). */
static int start_fs(const char *die_after)
{
	uint32_t ends[2];
	int r = rt_channel(ends);
	if (r < 0)
		return r;
	const struct rc_spawn_handle h = { ends[1], RC_RIGHT_SEND | RC_RIGHT_RECV };
	const char *argv[] = { "fs", die_after, NULL };
	fs_pid = spawn_with(argv, &h, 1);
	if (fs_pid < 0) {
		rt_close(ends[0]);
		rt_close(ends[1]);
		return (int)fs_pid;
	}
	fs_ctl = ends[0];
	fs_starts++;
	printf("init: started the file server fs (pid %ld)%s\n", fs_pid,
	       fs_starts > 1 ? ", again" : "");
	return 0;
}

/* A new client of the file server with rights: our end, for a child. */
static int fs_client(uint32_t rights)
{
	uint32_t ends[2];
	int r = rt_channel(ends);
	if (r < 0)
		return r;
	r = rt_send(fs_ctl, &rights, sizeof(rights), &ends[1], 1, 0);
	if (r < 0) {
		rt_close(ends[0]);
		rt_close(ends[1]);
		return r;
	}
	return (int)ends[0];
}

/* Start argv with a connection and the service channel svc's other end:
 * its pid or -errno. */
static long run(const char *const argv[], uint32_t svc_child)
{
	int h = fs_client(FS_CLIENT_READ | FS_CLIENT_WRITE);
	if (h < 0)
		return h;
	const struct rc_spawn_handle sh[2] = { { (uint32_t)h, RC_CHANNEL_RIGHTS },
					       { svc_child, RC_RIGHT_SEND | RC_RIGHT_RECV } };
	long pid = spawn_with(argv, sh, 2);
	if (pid < 0)
		rt_close((uint32_t)h);
	return pid;
}

static void report(const char *what, long pid, int status)
{
	if (status == (RK_STATUS_KILLED | RK_STATUS_KILL_REQUEST))
		printf("init: %s (pid %ld) killed by request\n", what, pid);
	else if (status & RK_STATUS_KILLED)
		printf("init: %s (pid %ld) killed by trap %d\n", what, pid, status & 0xff);
	else
		printf("init: %s (pid %ld) exited with status %d\n", what, pid, status);
}

static struct rc_wait_info wi;

/* The service channels: the program's (slot 0) and every one handed out
 * since (FSC_SVC_CHANNEL), each with one receive armed (UD_SVC + slot). A
 * request that finds the server dead waits (pending) for its restart. */
#define SVC_MAX 32
static struct svc {
	uint32_t h; /* 0: a free slot */
	uint32_t msg;
	int pending;
} svcs[SVC_MAX];

static void arm_wait(void)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_wait(sqe, 0, 0, &wi, sizeof(wi));
	rc_sqe_set_data(sqe, UD_WAIT);
	rc_submit(&rt_ring);
}

static void arm_svc(int i)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_recv(sqe, svcs[i].h, &svcs[i].msg, sizeof(svcs[i].msg), 0, NULL, 0);
	rc_sqe_set_data(sqe, UD_SVC + (uint64_t)i);
	rc_submit(&rt_ring);
}

/* A new service channel: its slot, or -errno; *child is the other end. */
static int svc_new(uint32_t *child)
{
	for (int i = 0; i < SVC_MAX; i++) {
		if (svcs[i].h)
			continue;
		uint32_t ends[2];
		int r = rt_channel(ends);
		if (r < 0)
			return r;
		svcs[i] = (struct svc){ .h = ends[0] };
		*child = ends[1];
		return i;
	}
	return -RC_EMFILE;
}

static void svc_reply_err(uint32_t h, int32_t err)
{
	rt_send(h, &err, sizeof(err), NULL, 0, 0);
}

/* Send handle child over h (ours to give away): closed if that fails. */
static void svc_reply_handle(uint32_t h, uint32_t child)
{
	if (rt_send(h, "", 0, &child, 1, 0) < 0)
		rt_close(child);
}

/* Serve slot i's request: a new connection, or a new service channel.
 * A connection the dead server cannot make waits for its restart. */
static void serve_svc(int i)
{
	struct svc *s = &svcs[i];
	if (s->msg & FSC_SVC_CHANNEL) {
		uint32_t child;
		int j = svc_new(&child);
		if (j < 0) {
			svc_reply_err(s->h, j);
		} else {
			svc_reply_handle(s->h, child);
			arm_svc(j);
		}
		arm_svc(i);
		return;
	}
	int h = fs_client(s->msg & (FS_CLIENT_READ | FS_CLIENT_WRITE));
	if (h == -RC_EPIPE) {
		s->pending = 1; /* the server is dying: answered when it is back */
		return;
	}
	if (h < 0)
		svc_reply_err(s->h, h);
	else
		svc_reply_handle(s->h, (uint32_t)h);
	arm_svc(i);
}

/* The server is back: answer the requests that waited for it. */
static void serve_pending(void)
{
	for (int i = 0; i < SVC_MAX; i++) {
		if (svcs[i].h && svcs[i].pending) {
			svcs[i].pending = 0;
			serve_svc(i);
		}
	}
}

/* A service receive completed with res: serve it, or close a channel whose
 * program is gone. */
static void svc_done(int i, int32_t res)
{
	if (res == (int32_t)sizeof(svcs[i].msg)) {
		serve_svc(i);
		return;
	}
	rt_close(svcs[i].h);
	svcs[i] = (struct svc){ 0 };
}

int main(int argc, char **argv)
{
	static const char *const sh[] = { "sh", NULL };
	static char die_arg[32];
	const char *die_after = NULL;
	int first = 1;
	if (argc > 2 && (strcmp(argv[1], "-d") == 0 || strcmp(argv[1], "-h") == 0)) {
		snprintf(die_arg, sizeof(die_arg), "%s-after=%s",
			 argv[1][1] == 'd' ? "die" : "hold", argv[2]);
		die_after = die_arg;
		first = 3;
	}
	const char *const *prog = argc > first ? (const char *const *)argv + first : sh;
	uint32_t svc_child;
	int r = start_fs(die_after);
	if (r < 0 || svc_new(&svc_child) < 0) {
		printf("init: cannot start the file server: %d\n", r);
		return 1;
	}
	long pid = run(prog, svc_child);
	if (pid < 0) {
		printf("init: cannot start %s: %ld\n", prog[0], pid);
		return 1;
	}
	printf("init: started %s (pid %ld)\n", prog[0], pid);
	arm_wait();
	arm_svc(0);
	for (;;) {
		struct rc_cqe cqe;
		if (rt_next_cqe(&cqe) < 0) {
			printf("init: ring error\n");
			return 1;
		}
		if (cqe.user_data >= UD_SVC && cqe.user_data < UD_SVC + SVC_MAX) {
			svc_done((int)(cqe.user_data - UD_SVC), cqe.res);
			continue;
		}
		if (cqe.user_data != UD_WAIT)
			continue;
		if (cqe.res < 0) {
			printf("init: wait: %d\n", cqe.res);
			return 1;
		}
		if (wi.pid == fs_pid) {
			report("the file server", wi.pid, cqe.res);
			rt_close(fs_ctl);
			if (start_fs(NULL) < 0)
				printf("init: cannot restart the file server\n");
			else
				serve_pending();
			arm_wait();
			continue;
		}
		if (wi.pid != pid) {
			arm_wait();
			continue;
		}
		report(prog[0], pid, cqe.res);
		int status = cqe.res & RK_STATUS_KILLED ? 255 : cqe.res;
		/* Closing the control channel stops the server once its clients are gone. */
		rt_close(fs_ctl);
		for (int i = 0; i < SVC_MAX; i++) /* a receive still parked on one ends */
			if (svcs[i].h)
				rt_close(svcs[i].h);
		long st = waitpid((int)fs_pid, &wi);
		report("the file server", fs_pid, (int)st);
		return st == 0 ? status : 255;
	}
}
