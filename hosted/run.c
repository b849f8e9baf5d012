/*
 * run.c - ringcall-run: start a ringcall client program confined.
 *
 *   ringcall-run -s SOCKET [-a OPS] [-r DIR] [--ro] [--max-handles N]
 *                [--max-inflight BYTES] [--log] [-k] [-n] PROG ARGS...
 *
 * The simplest launcher that works for an unmodified client: it puts the
 * socket and its requests in the environment and execs PROG. The client's
 * first rc_connect (with its own path, or NULL for $RINGCALL_SOCKET) sends
 * the requests in its hello, where the server applies them to the policy
 * it chose for the client, only ever narrowing it (docs/sandbox.md), and
 * calls rc_sandbox before it returns, so from then on the program's only
 * way out is that ring. Until its first rc_connect the program runs
 * unconfined: this confines a program that may be compromised later (by
 * its input), not one that is hostile from its first instruction.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ringcall-run -s SOCKET [options] PROG ARGS...\n"
		"Run PROG so that its first rc_connect (to SOCKET, or its own path)\n"
		"leaves it confined: its ring is its only way out. The policy options\n"
		"ask the server to narrow the policy it gives PROG; none can widen it.\n"
		"\n"
		"  -s, --socket PATH       the ringcall-server socket ($RINGCALL_SOCKET)\n"
		"  -a, --allow OPS         only these ops, e.g. NOP,OPEN,READ,CLOSE\n"
		"                          ($RINGCALL_ALLOW; default: the policy's)\n"
		"  -r, --root DIR          files beneath DIR, a directory beneath the\n"
		"                          policy's root ($RINGCALL_ROOT)\n"
		"      --ro                read-only: no file may be modified ($RINGCALL_RO)\n"
		"      --max-handles N     at most N handles open ($RINGCALL_MAX_HANDLES)\n"
		"      --max-inflight B    at most B bytes of READ/WRITE in flight\n"
		"                          ($RINGCALL_MAX_INFLIGHT)\n"
		"      --log               the server audits every operation ($RINGCALL_LOG)\n"
		"  -k, --kill              a refused system call kills PROG (SIGSYS) instead\n"
		"                          of failing with EPERM\n"
		"  -n, --no-sandbox        connect under the policy, unconfined (comparison)\n"
		"  -h, --help              this text\n");
	exit(status);
}

/* A whole number from 1 to 2^32 - 1, or exit 2. */
static const char *count_arg(const char *opt, const char *val)
{
	char *end;
	unsigned long n = strtoul(val, &end, 10);

	if (*val == '-' || *end || n == 0 || n > 0xffffffffUL) {
		fprintf(stderr, "ringcall-run: %s %s: not a number from 1 to 4294967295\n", opt,
			val);
		exit(2);
	}
	return val;
}

static void put(const char *name, const char *val)
{
	if (val && setenv(name, val, 1)) {
		perror("ringcall-run: setenv");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "allow", required_argument, NULL, 'a' },
		{ "root", required_argument, NULL, 'r' },
		{ "ro", no_argument, NULL, 'R' },
		{ "max-handles", required_argument, NULL, 'H' },
		{ "max-inflight", required_argument, NULL, 'I' },
		{ "log", no_argument, NULL, 'L' },
		{ "kill", no_argument, NULL, 'k' },
		{ "no-sandbox", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sock = NULL, *how = "1";
	int c;

	while ((c = getopt_long(argc, argv, "+s:a:r:knh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'a': put("RINGCALL_ALLOW", optarg); break;
		case 'r': put("RINGCALL_ROOT", optarg); break;
		case 'R': put("RINGCALL_RO", "1"); break;
		case 'H': put("RINGCALL_MAX_HANDLES", count_arg("--max-handles", optarg)); break;
		case 'I': put("RINGCALL_MAX_INFLIGHT", count_arg("--max-inflight", optarg)); break;
		case 'L': put("RINGCALL_LOG", "1"); break;
		case 'k': how = "kill"; break;
		case 'n': how = NULL; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!sock || optind >= argc)
		usage(2);
	put("RINGCALL_SOCKET", sock);
	put("RINGCALL_SANDBOX", how);
	if (!how)
		unsetenv("RINGCALL_SANDBOX");
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "ringcall-run: cannot run %s: ", argv[optind]);
	perror(NULL);
	return 127;
}
