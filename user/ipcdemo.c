/*
 * ipcdemo - the IPC examples (examples/ipc_echo.c, ipc_kv.c, the same
 * source as their hosted build) in this kernel: the echo service with two
 * clients at once, then the key-value service with one. There is no name
 * service here, so this program plays CHANNEL_CONNECT's part: it gives
 * the service, at SPAWN, the end of a channel on which connections
 * arrive, and for each client makes a channel, sends one end to the
 * service over it (a message of 0 bytes carrying the handle) and starts
 * the client with the other. Then it reaps them all and prints what each
 * did and the traps it took (WAIT's stats).
 *
 * usage: ipcdemo [ECHO_CALLS KV_KEYS]   (default 2000 200; the second
 *        echo client makes half as many calls)
 */
#include "ulib.h"

#define DEPTH "16"

struct kid {
	const char *what;
	long pid;
};

/* Start argv with handle h (every channel right): its pid, or -errno. */
static long start(const char *const argv[], uint32_t h)
{
	struct rc_spawn_handle sh = { h, RC_CHANNEL_RIGHTS };
	return spawn_with(argv, &sh, 1);
}

/* A connection for a client: one end goes to the service over listen, the
 * client starts with the other. */
static long start_client(uint32_t listen, const char *const argv[])
{
	uint32_t c[2];
	if (rt_channel(c))
		return -RC_ENOMEM;
	int err = rt_send(listen, "", 0, &c[0], 1, 0);
	if (err < 0) {
		rt_close(c[0]);
		rt_close(c[1]);
		return err;
	}
	return start(argv, c[1]);
}

/* Reap the n processes of k; 0 if each exited 0. */
static int reap(struct kid *k, int n)
{
	int bad = 0;
	for (int i = 0; i < n; i++) {
		struct rc_wait_info wi;
		long st = k[i].pid > 0 ? waitpid((int)k[i].pid, &wi) : k[i].pid;
		if (st < 0) {
			printf("  %s: could not run (%ld)\n", k[i].what, st);
			bad++;
			continue;
		}
		printf("  %s (pid %ld) exited %ld: %lu syscalls in %lu traps\n", k[i].what,
		       k[i].pid, st, (unsigned long)wi.stats.sqes, (unsigned long)wi.stats.traps);
		bad += st != 0;
	}
	return bad;
}

/* Service svc ("ipc_echo" or "ipc_kv") with clients of the given argv. */
static int service(const char *svc, const char *const (*clients)[6], int nclients)
{
	char conns[4];
	uint32_t l[2];
	struct kid k[3];
	snprintf(conns, sizeof(conns), "%d", nclients);
	const char *sargv[] = { svc, "-", "serve", conns, NULL };
	if (rt_channel(l))
		return 1;
	k[0] = (struct kid){ "service", start(sargv, l[1]) };
	for (int i = 0; i < nclients; i++)
		k[1 + i] = (struct kid){ "client", start_client(l[0], clients[i]) };
	rt_close(l[0]);
	return reap(k, 1 + nclients);
}

int main(int argc, char **argv)
{
	char echo1[12], echo2[12], keys[12];
	long n = argc > 2 ? atol(argv[1]) : 2000, nk = argc > 2 ? atol(argv[2]) : 200;
	snprintf(echo1, sizeof(echo1), "%ld", n);
	snprintf(echo2, sizeof(echo2), "%ld", n / 2);
	snprintf(keys, sizeof(keys), "%ld", nk);

	printf("ipcdemo: ipc_echo - serve 2, and two clients: ipc_echo - call %s %s and "
	       "ipc_echo - call %s %s\n",
	       echo1, DEPTH, echo2, DEPTH);
	const char *const echo_clients[2][6] = {
		{ "ipc_echo", "-", "call", echo1, DEPTH, NULL },
		{ "ipc_echo", "-", "call", echo2, DEPTH, NULL },
	};
	int bad = service("ipc_echo", echo_clients, 2);

	printf("ipcdemo: ipc_kv - serve 1, and one client: ipc_kv - client %s %s\n", keys, DEPTH);
	const char *const kv_clients[1][6] = { { "ipc_kv", "-", "client", keys, DEPTH, NULL } };
	bad += service("ipc_kv", kv_clients, 1);
	return bad ? 1 : 0;
}
