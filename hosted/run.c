/*
 * run.c - ringcall-run: start a ringcall client program confined.
 *
 *   ringcall-run -s SOCKET [-a OPS] [-k] [-n] PROG ARGS...
 *
 * The simplest launcher that works for an unmodified client: it puts the
 * socket and the policy in the environment and execs PROG. The client's
 * first rc_connect (with its own path, or NULL for $RINGCALL_SOCKET) then
 * RESTRICTs the ring to OPS and calls rc_sandbox before it returns, so
 * from then on the program's only way out is that ring (docs/sandbox.md).
 * Until its first rc_connect the program runs unconfined: this confines a
 * program that may be compromised later (by its input), not one that is
 * hostile from its first instruction.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ringcall-run -s SOCKET [-a OPS] [-k] [-n] PROG ARGS...\n"
		"Run PROG so that its first rc_connect (to SOCKET, or its own path)\n"
		"leaves it confined: its ring is its only way out.\n"
		"\n"
		"  -s, --socket PATH   the ringcall-server socket ($RINGCALL_SOCKET)\n"
		"  -a, --allow OPS     restrict the ring to these ops, e.g. NOP,OPEN,READ,CLOSE\n"
		"                      ($RINGCALL_ALLOW; default: every op)\n"
		"  -k, --kill          a refused system call kills PROG (SIGSYS) instead\n"
		"                      of failing with EPERM\n"
		"  -n, --no-sandbox    connect and restrict only (for comparison)\n"
		"  -h, --help          this text\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "allow", required_argument, NULL, 'a' },
		{ "kill", no_argument, NULL, 'k' },
		{ "no-sandbox", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *sock = NULL, *allow = NULL, *how = "1";
	int c;

	while ((c = getopt_long(argc, argv, "+s:a:knh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'a': allow = optarg; break;
		case 'k': how = "kill"; break;
		case 'n': how = NULL; break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (!sock || optind >= argc)
		usage(2);
	if (setenv("RINGCALL_SOCKET", sock, 1) || (allow && setenv("RINGCALL_ALLOW", allow, 1)) ||
	    (how && setenv("RINGCALL_SANDBOX", how, 1))) {
		perror("ringcall-run: setenv");
		return 1;
	}
	if (!how)
		unsetenv("RINGCALL_SANDBOX");
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "ringcall-run: cannot run %s: ", argv[optind]);
	perror(NULL);
	return 127;
}
