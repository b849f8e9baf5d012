/*
 * sh - the shell: reads lines from the console (or from a script file
 * through the file server), runs programs of /bin with their arguments,
 * each with its own connection to the file server, waits for them and
 * reports a non-zero exit status or the fault that killed them.
 *
 *   sh            interactive, on the console
 *   sh FILE       run FILE's lines, echoing each after the prompt
 *
 * In a script, a line "! CMD" expects CMD to fail; sh exits with the
 * number of commands whose outcome was not the expected one (or exit's N).
 *
 * Built-ins: exit [N]; ringstat CMD... (run CMD, then print its syscalls,
 * traps and syscalls per trap from WAIT's info). There is no cd: paths
 * are from the root for every process.
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

/* The script's next line: its length, or -1 at its end. The script is
 * read a message's worth at a time. */
static int read_script_line(int fd, uint64_t *off, char *line)
{
	static char buf[FS_IO_MAX];
	static uint32_t have, at;
	int n = 0;
	for (;;) {
		if (at == have) {
			int32_t r = fsc_read(fd, buf, sizeof(buf), *off);
			if (r <= 0)
				return n ? n : -1;
			*off += (uint64_t)r;
			have = (uint32_t)r;
			at = 0;
		}
		char c = buf[at++];
		if (c == '\n') {
			line[n] = 0;
			return n;
		}
		if (n < LINE_MAX - 1)
			line[n++] = c;
		line[n] = 0;
	}
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

/* Run argv[0] from /bin with its own connection; its wait status. */
static long run(const char **argv, struct rc_wait_info *wi)
{
	char path[80];
	struct fs_stat st;
	snprintf(path, sizeof(path), "/bin/%s", argv[0]);
	if (strlen(argv[0]) > 60 || fsc_stat(path, &st) < 0 || st.type != FS_FILE) {
		printf("sh: %s: not found\n", argv[0]);
		return -RC_ENOENT;
	}
	int h = fsc_connect(FS_CLIENT_READ | FS_CLIENT_WRITE);
	if (h < 0) {
		printf("sh: no connection to the file server: %s\n", rc_err_name(h));
		return h;
	}
	const struct rc_spawn_handle sh = { (uint32_t)h, RC_CHANNEL_RIGHTS };
	long pid = spawn_with(argv, &sh, 1);
	if (pid < 0) {
		printf("sh: %s: %s\n", argv[0], rc_err_name((int32_t)pid));
		rt_close((uint32_t)h);
		return pid;
	}
	long st_ = waitpid((int)pid, wi);
	if (st_ & RK_STATUS_KILLED)
		printf("sh: %s (pid %ld) killed by trap %ld\n", argv[0], pid, st_ & 0xff);
	else if (st_ > 0)
		printf("sh: %s exited with status %ld\n", argv[0], st_);
	return st_;
}

static int surprises; /* script commands that did not do what the script expected */

/* One command line; returns 1 when the shell should exit. */
static int command(char *line, int *status)
{
	const char *argv[ARGS_MAX + 1];
	int expect_fail = line[0] == '!';
	int argc = split(expect_fail ? line + 1 : line, argv);
	if (argc == 0 || argv[0][0] == '#')
		return 0;
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
		int fd = fsc_open(argv[1], RC_ACCESS_RDONLY, 0);
		if (fd < 0) {
			printf("sh: %s: %s\n", argv[1], rc_err_name(fd));
			return 1;
		}
		uint64_t off = 0;
		int exited = 0;
		while (read_script_line(fd, &off, line) >= 0) {
			printf("$ %s\n", line);
			if ((exited = command(line, &status)))
				break;
		}
		fsc_close(fd);
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
