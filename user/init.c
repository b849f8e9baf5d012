/*
 * init - the first process of the user space: starts the file server
 * (user/fs/), hands each program it starts a connection to it (the
 * child's first SPAWN handle, fsc_channel) and a channel to init itself
 * (the second: a program sends 4 bytes of FS_CLIENT_* rights and gets a
 * new connection back, or 4 bytes of error), restarts the file server
 * when it dies, and says on the console what it did.
 *
 *   init [-d N] [prog [args...]]
 *       run prog (default: sh), wait for it, stop the file server, exit
 *       with prog's status; -d N: the first file server dies after N
 *       requests (the restart test: there is no KILL syscall)
 */
#include "ulib.h"
#include "fsc.h"

#define UD_WAIT UINT64_C(0x1001)
#define UD_SVC	UINT64_C(0x1002)

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
	if (status & RK_STATUS_KILLED)
		printf("init: %s (pid %ld) killed by trap %d\n", what, pid, status & 0xff);
	else
		printf("init: %s (pid %ld) exited with status %d\n", what, pid, status);
}

static struct rc_wait_info wi;
static uint32_t svc_msg;

static void arm_wait(void)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_wait(sqe, 0, 0, &wi, sizeof(wi));
	rc_sqe_set_data(sqe, UD_WAIT);
	rc_submit(&rt_ring);
}

static void arm_svc(uint32_t svc)
{
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_recv(sqe, svc, &svc_msg, sizeof(svc_msg), 0, NULL, 0);
	rc_sqe_set_data(sqe, UD_SVC);
	rc_submit(&rt_ring);
}

/* A program asks for a new connection: send it one, or the error. */
static void serve_svc(uint32_t svc)
{
	int h = fs_client(svc_msg & (FS_CLIENT_READ | FS_CLIENT_WRITE));
	if (h < 0) {
		int32_t err = h;
		rt_send(svc, &err, sizeof(err), NULL, 0, 0);
		return;
	}
	uint32_t hh = (uint32_t)h;
	if (rt_send(svc, "", 0, &hh, 1, 0) < 0)
		rt_close(hh);
}

int main(int argc, char **argv)
{
	static const char *const sh[] = { "sh", NULL };
	static char die_arg[32];
	const char *die_after = NULL;
	int first = 1;
	if (argc > 2 && strcmp(argv[1], "-d") == 0) {
		snprintf(die_arg, sizeof(die_arg), "die-after=%s", argv[2]);
		die_after = die_arg;
		first = 3;
	}
	const char *const *prog = argc > first ? (const char *const *)argv + first : sh;
	uint32_t svc[2];
	int r = start_fs(die_after);
	if (r < 0 || rt_channel(svc) < 0) {
		printf("init: cannot start the file server: %d\n", r);
		return 1;
	}
	long pid = run(prog, svc[1]);
	if (pid < 0) {
		printf("init: cannot start %s: %ld\n", prog[0], pid);
		return 1;
	}
	printf("init: started %s (pid %ld)\n", prog[0], pid);
	arm_wait();
	arm_svc(svc[0]);
	int svc_open = 1;
	for (;;) {
		struct rc_cqe cqe;
		if (rt_next_cqe(&cqe) < 0) {
			printf("init: ring error\n");
			return 1;
		}
		if (cqe.user_data == UD_SVC) {
			if (cqe.res == (int32_t)sizeof(svc_msg)) {
				serve_svc(svc[0]);
				arm_svc(svc[0]);
			} else {
				svc_open = 0; /* the program is gone */
			}
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
		rt_close(svc[0]); /* a receive still parked on it ends */
		(void)svc_open;
		long st = waitpid((int)fs_pid, &wi);
		report("the file server", fs_pid, (int)st);
		return st == 0 ? status : 255;
	}
}
