/*
 * ipc_echo.c - an echo service and its client, two processes talking
 * through a ringcall-server over a channel found by name. The service's
 * main loop answers every request that arrived since it last woke, all
 * replies in one submit (examples/ipc_service.h); the client keeps up to
 * 16 calls in flight and checks every answer.
 *
 *   cc ipc_echo.c $(pkg-config --cflags --libs ringcall-hosted)
 *   ./a.out SOCKET serve CONNS       serve "<uid>/echo" until CONNS
 *                                    connections have come and gone
 *   ./a.out SOCKET call N DEPTH      N calls, DEPTH in flight
 */
#define _POSIX_C_SOURCE 200809L /* strnlen, getuid */
#include "ipc_service.h"

/* The reply is the request. */
static void echo(struct ipc_msg *req)
{
	(void)req;
}

static void make_request(uint32_t n, struct ipc_msg *req, void *arg)
{
	(void)arg;
	req->op = 0;
	req->len = (uint16_t)snprintf((char *)req->data, IPC_DATA_MAX, "echo %u", n);
}

static bool check_reply(uint32_t n, const struct ipc_msg *reply, void *arg)
{
	char want[32];

	(void)arg;
	snprintf(want, sizeof(want), "echo %u", n);
	return reply->len == strlen(want) && memcmp(reply->data, want, reply->len) == 0;
}

int main(int argc, char **argv)
{
	static struct ipc_service svc;
	struct rc_ring r;
	int32_t h;
	int err;

	if (argc < 4 || (strcmp(argv[2], "serve") && (strcmp(argv[2], "call") || argc < 5))) {
		fprintf(stderr, "usage: %s SOCKET serve CONNS | SOCKET call N DEPTH\n", argv[0]);
		return 2;
	}
	if ((err = ipc_attach(&r, argv[1])) < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], rc_err_name(err));
		return 1;
	}
	if (!strcmp(argv[2], "serve")) {
		err = ipc_serve(&r, "echo", (uint32_t)atoi(argv[3]), echo, &svc);
		if (!err)
			printf("echo: served %llu calls in %llu wake-ups\n",
			       (unsigned long long)svc.calls, (unsigned long long)svc.wakeups);
	} else {
		uint32_t n = (uint32_t)atoi(argv[3]), depth = (uint32_t)atoi(argv[4]);

		h = ipc_dial(&r, "echo");
		err = h < 0 ? h
			    : ipc_calls(&r, (uint32_t)h, 0, n, depth, make_request, check_reply,
					NULL);
		if (!err)
			printf("echo client: %u calls, %u in flight, every reply matched\n", n,
			       depth > IPC_SLOTS ? IPC_SLOTS : depth);
	}
	if (err)
		fprintf(stderr, "echo: %s\n", rc_err_name(err));
	ipc_detach(&r);
	return err ? 1 : 0;
}
