/*
 * sh - the shell: reads lines from the console (or from a script file
 * through the file server), runs programs of /bin with their arguments,
 * each with its own connection to the file server, waits for them and
 * reports a non-zero exit status or the fault that killed them. A program
 * is its file: /bin/NAME is read through the file server and SPAWN runs
 * the bytes (a file written at run time runs as well; one that is no
 * executable is refused with a clear error).
 *
 *   sh            interactive, on the console
 *   sh FILE       run FILE's lines, echoing each after the prompt
 *
 * In a script, a line "! CMD" expects CMD to fail; sh exits with the
 * number of commands whose outcome was not the expected one (or exit's N).
 * "CMD &" runs CMD without waiting for it; its end is reported before a
 * later line, or by wait.
 *
 * Each program gets a connection to the file server (SPAWN handle 0) and
 * a service channel to init (handle 1, user/lib/fsc.h) through which the
 * user library reconnects when the server dies. The shell does the same:
 * when reading a program gets -EPIPE it says so, reconnects, and tries
 * once more.
 *
 * Built-ins: cd [DIR] (the root without DIR), pwd, exit [N], wait (for the
 * commands run with &), ringstat CMD... (run CMD, then print its
 * syscalls, traps and syscalls per trap from WAIT's info). The working
 * directory lives in the user library (fsc.c resolves paths against it)
 * and goes to each program as a last argument its runtime takes off.
 */
#include "ulib.h"
#include "fsc.h"

#define LINE_MAX 256
#define ARGS_MAX 16

/* Read one line from the console into line, echoing what is typed:
 * its length, or -1 at an error. */
static int read_console_line(char *line)
{
	int n = 0;
	for (;;) {
		static char in[64];
		struct rc_sqe *sqe = rt_sqe();
		rc_prep_console_read(sqe, in, sizeof(in));
		int got = rt_sync(sqe);
		if (got <= 0)
			return -1;
		for (int i = 0; i < got; i++) {
			char c = in[i];
			if (c == '\r' || c == '\n') {
				rt_write("\n", 1);
				line[n] = 0;
				return n;
			}
			if ((c == 0x7f || c == 0x08) && n > 0) {
				n--;
				rt_write("\b \b", 3);
			} else if (c >= ' ' && n < LINE_MAX - 1) {
				line[n++] = c;
				rt_write(&c, 1);
			}
		}
	}
}

/* The script, read whole at start (so that it survives the file server's
 * restart: handles do not), and where the next line starts. */
#define SCRIPT_MAX 16384
static char script[SCRIPT_MAX + 1];
static uint32_t script_len, script_at;

/* Read script path: 0, or -errno (-EFBIG past SCRIPT_MAX). */
static int32_t load_script(const char *path)
{
	int fd = fsc_open(path, RC_ACCESS_RDONLY, 0);
	if (fd < 0)
		return fd;
	int32_t r = fsc_read(fd, script, SCRIPT_MAX + 1, 0);
	fsc_close(fd);
	if (r < 0)
		return r;
	if ((uint32_t)r > SCRIPT_MAX)
		return -RC_EFBIG;
	script_len = (uint32_t)r;
	return 0;
}

/* The script's next line: its length, or -1 at its end. */
static int read_script_line(char *line)
{
	int n = 0;
	if (script_at == script_len)
		return -1;
	while (script_at < script_len) {
		char c = script[script_at++];
		if (c == '\n')
			break;
		if (n < LINE_MAX - 1)
			line[n++] = c;
	}
	line[n] = 0;
	return n;
}

/* Split line at spaces into argv: the count. */
static int split(char *line, const char **argv)
{
	int argc = 0;
	char *p = line;
	while (*p && argc < ARGS_MAX) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	argv[argc] = NULL;
	return argc;
}

/* The program being started: /bin/NAME's bytes, read through the file
 * server and handed to SPAWN (which copies them in and checks them). */
static uint8_t image[RC_SPAWN_IMAGE_MAX + 1] __attribute__((aligned(4096)));

/* Read /bin/name into image: its length, or -errno (reported). A read
 * that finds the server gone (-EPIPE) is reported and tried once more, on
 * the new connection the user library got from init. */
static int32_t load(const char *name)
{
	char path[80];
	int32_t r = -RC_ENOENT;
	for (int tries = 0; tries < 2; tries++) {
		snprintf(path, sizeof(path), "/bin/%s", name);
		if (strlen(name) > FS_NAME_MAX)
			break;
		int fd = fsc_open(path, RC_ACCESS_RDONLY, 0);
		r = fd;
		if (fd > 0) {
			r = fsc_read(fd, image, sizeof(image), 0);
			fsc_close(fd);
		}
		if (r != -RC_EPIPE)
			break;
		printf("sh: the file server is gone (EPIPE): reconnected through init\n");
	}
	if (r == -RC_ENOENT || r == -RC_EISDIR || r == -RC_ENOTDIR)
		printf("sh: %s: not found\n", name);
	else if (r < 0)
		printf("sh: %s: %s\n", path, rc_err_name(r));
	else if (r > (int32_t)RC_SPAWN_IMAGE_MAX)
		printf("sh: %s: too big to run (more than %u bytes)\n", path, RC_SPAWN_IMAGE_MAX);
	else if (r == 0)
		printf("sh: %s: empty: not a program\n", path);
	else
		return r;
	return r < 0 ? r : -RC_ENOEXEC;
}

/* Report how pid (running name) ended, if not with 0. */
static void report(const char *name, long pid, long st)
{
	if (st == (RK_STATUS_KILLED | RK_STATUS_KILL_REQUEST))
		printf("sh: %s (pid %ld) killed by request\n", name, pid);
	else if (st & RK_STATUS_KILLED)
		printf("sh: %s (pid %ld) killed by trap %ld\n", name, pid, st & 0xff);
	else if (st > 0)
		printf("sh: %s exited with status %ld\n", name, st);
}

/* Commands run with &, not yet reaped. */
#define JOBS_MAX 8
static struct job {
	long pid;
	char name[16];
} jobs[JOBS_MAX];
static int njobs;

/* Reap the background commands that ended (all of them, waiting, if
 * block): how many of those failed. */
static int reap_jobs(int block)
{
	int failed = 0;
	while (njobs > 0) {
		struct rc_wait_info wi;
		long st = -1;
		int j;
		for (j = 0; j < njobs; j++) {
			struct rc_sqe *sqe = rt_sqe();
			rc_prep_wait(sqe, (int32_t)jobs[j].pid, block ? 0 : RC_WAIT_NOHANG, &wi,
				     sizeof(wi));
			if ((st = rt_sync(sqe)) != -RC_EAGAIN)
				break;
		}
		if (j == njobs)
			return failed;
		if (st >= 0) {
			printf("sh: [%ld] %s done\n", jobs[j].pid, jobs[j].name);
			report(jobs[j].name, jobs[j].pid, st);
		}
		failed += st != 0;
		jobs[j] = jobs[--njobs];
	}
	return failed;
}

/* argv with the working directory passed on as a last argument the
 * child's runtime takes off (FSC_CWD_ARG), unless it is the root. */
static const char *const *with_cwd(const char **argv)
{
	static const char *out[ARGS_MAX + 2];
	static char arg[sizeof(FSC_CWD_ARG) + FS_PATH_MAX];
	int n = 0;
	while (argv[n] && n < ARGS_MAX) {
		out[n] = argv[n];
		n++;
	}
	const char *dir = fsc_getcwd();
	if (strcmp(dir, "/") != 0) {
		snprintf(arg, sizeof(arg), "%s%s", FSC_CWD_ARG, dir);
		out[n++] = arg;
	}
	out[n] = NULL;
	return out;
}

/* Start argv[0] from /bin with its own connection and a service channel:
 * its pid, or -errno (reported). */
static long start(const char **argv)
{
	int32_t len = load(argv[0]);
	if (len < 0)
		return len;
	int h = fsc_connect(FS_CLIENT_READ | FS_CLIENT_WRITE);
	if (h < 0) {
		printf("sh: no connection to the file server: %s\n", rc_err_name(h));
		return h;
	}
	struct rc_spawn_handle hs[2] = { { (uint32_t)h, RC_CHANNEL_RIGHTS } };
	int svc = fsc_svc_channel(); /* none when init did not start us */
	if (svc > 0)
		hs[1] = (struct rc_spawn_handle){ (uint32_t)svc, RC_CHANNEL_RIGHTS };
	long pid = spawn_image(with_cwd(argv), image, (uint32_t)len, hs, svc > 0 ? 2 : 1);
	if (pid < 0) {
		if (pid == -RC_ENOEXEC)
			printf("sh: /bin/%s: not a program this kernel runs (ENOEXEC: SPAWN wants "
			       "a "
			       "static x86_64 ELF executable)\n",
			       argv[0]);
		else
			printf("sh: %s: %s\n", argv[0], rc_err_name((int32_t)pid));
		rt_close((uint32_t)h);
		if (svc > 0)
			rt_close((uint32_t)svc);
	}
	return pid;
}

/* Run argv[0] from /bin and wait for it: its wait status, or -errno. */
static long run(const char **argv, struct rc_wait_info *wi)
{
	long pid = start(argv);
	if (pid < 0)
		return pid;
	long st = waitpid((int)pid, wi);
	report(argv[0], pid, st);
	return st;
}

/* Run argv[0] from /bin without waiting: 0, or -errno. */
static long run_background(const char **argv)
{
	if (njobs == JOBS_MAX) {
		printf("sh: %d commands run with & already\n", JOBS_MAX);
		return -RC_EAGAIN;
	}
	long pid = start(argv);
	if (pid < 0)
		return pid;
	jobs[njobs].pid = pid;
	snprintf(jobs[njobs].name, sizeof(jobs[njobs].name), "%s", argv[0]);
	njobs++;
	printf("sh: [%ld] %s\n", pid, argv[0]);
	return 0;
}

static int surprises; /* script commands that did not do what the script expected */

/* One command line; returns 1 when the shell should exit. */
static int command(char *line, int *status)
{
	const char *argv[ARGS_MAX + 1];
	int expect_fail = line[0] == '!';
	int argc = split(expect_fail ? line + 1 : line, argv);
	surprises += reap_jobs(0);
	if (argc == 0 || argv[0][0] == '#')
		return 0;
	if (strcmp(argv[argc - 1], "&") == 0) {
		argv[--argc] = NULL;
		if (argc)
			surprises += (run_background(argv) != 0) != expect_fail;
		return 0;
	}
	if (strcmp(argv[0], "wait") == 0) {
		surprises += (reap_jobs(1) != 0) != expect_fail;
		return 0;
	}
	if (strcmp(argv[0], "cd") == 0) {
		const char *dir = argc > 1 ? argv[1] : "/";
		int r = fsc_chdir(dir);
		if (r < 0)
			printf("sh: cd: %s: %s\n", dir, rc_err_name(r));
		surprises += (r != 0) != expect_fail;
		return 0;
	}
	if (strcmp(argv[0], "pwd") == 0) {
		printf("%s\n", fsc_getcwd());
		return 0;
	}
	if (strcmp(argv[0], "exit") == 0) {
		*status = argc > 1 ? (int)atol(argv[1]) : 0;
		return 1;
	}
	struct rc_wait_info wi;
	if (strcmp(argv[0], "ringstat") == 0) {
		if (argc < 2) {
			printf("usage: ringstat CMD [ARGS...]\n");
			return 0;
		}
		long st = run(argv + 1, &wi);
		surprises += (st != 0) != expect_fail;
		if (st >= 0) {
			unsigned long sq = wi.stats.sqes, tr = wi.stats.traps;
			unsigned long per10 = tr ? sq * 10 / tr : 0;
			printf("ringstat: %s: %lu syscalls in %lu traps, %lu.%lu syscalls per "
			       "trap\n",
			       argv[1], sq, tr, per10 / 10, per10 % 10);
		}
		return 0;
	}
	surprises += (run(argv, &wi) != 0) != expect_fail;
	return 0;
}

int main(int argc, char **argv)
{
	char line[LINE_MAX];
	int status = 0;
	if (argc > 1) {
		int32_t r = load_script(argv[1]);
		if (r < 0) {
			printf("sh: %s: %s\n", argv[1], rc_err_name(r));
			return 1;
		}
		int exited = 0;
		while (read_script_line(line) >= 0) {
			printf("$ %s\n", line);
			if ((exited = command(line, &status)))
				break;
		}
		surprises += reap_jobs(1);
		if (surprises)
			printf("sh: %s: %d commands did not do what the script expected\n", argv[1],
			       surprises);
		return exited && status ? status : surprises;
	}
	printf("ringcall shell: programs are in /bin (ls /bin); exit leaves; Ctrl-a x quits "
	       "QEMU\n");
	for (;;) {
		rt_write("$ ", 2);
		if (read_console_line(line) < 0)
			return 1;
		if (command(line, &status))
			return status;
	}
}
