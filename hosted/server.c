/*
 * server.c - ringcall-server: plays the kernel for client processes.
 *
 *   ringcall-server --root DIR --socket PATH [--workers N] [--max-clients N]
 *
 * The main thread accepts clients on a Unix socket, makes each a sealed
 * shared region with a ring in it, passes it over with SCM_RIGHTS, and
 * hands the client to a worker thread that runs the engine. It then only
 * watches the sockets: when a client's closes (exit or crash) its worker
 * reclaims everything the client held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "host.h"
#include "proto.h"

#define MAX_WORKERS 8
#define MAX_CLIENTS 120 /* one futex_waitv (128) per worker, with room */

struct server {
	const char *socket_path;
	int root_fd, listen_fd;
	unsigned nr_workers, max_clients, nr_clients;
	bool quiet;
	struct host_worker workers[MAX_WORKERS];
	struct pollfd pfds[MAX_CLIENTS + 1];      /* [0] is the listening socket */
	struct host_client *owners[MAX_CLIENTS + 1];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Print the usage to stdout and exit 0 (--help), or to stderr and exit 2. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ringcall-server --root DIR --socket PATH [options]\n"
		"Play the kernel for ringcall client processes: serve their rings, with\n"
		"files opened beneath DIR, to clients connecting on the Unix socket PATH.\n"
		"\n"
		"  -r, --root DIR         files are opened beneath DIR only\n"
		"  -s, --socket PATH      listen on this Unix socket\n"
		"  -w, --workers N        engine threads (1..%d, default 1)\n"
		"  -m, --max-clients N    clients at once (1..%d, default 64)\n"
		"  -q, --quiet            no connect/disconnect log lines\n"
		"  -h, --help             this text\n"
		"  -V, --version          the library and ABI versions\n",
		MAX_WORKERS, MAX_CLIENTS);
	exit(status);
}

static void parse_args(struct server *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	const char *root = NULL;
	int c;

	s->nr_workers = 1;
	s->max_clients = 64;
	while ((c = getopt_long(argc, argv, "r:s:w:m:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 's': s->socket_path = optarg; break;
		case 'w': s->nr_workers = (unsigned)atoi(optarg); break;
		case 'm': s->max_clients = (unsigned)atoi(optarg); break;
		case 'q': s->quiet = true; break;
		case 'h': usage(0); break;
		case 'V':
			printf("ringcall-server %s (ABI %u)\n", rc_version(), RC_ABI_VERSION);
			exit(0);
		default: usage(2);
		}
	}
	if (!root || !s->socket_path || s->nr_workers < 1 || s->nr_workers > MAX_WORKERS ||
	    s->max_clients < 1 || s->max_clients > MAX_CLIENTS)
		usage(2);
	s->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		fprintf(stderr, "ringcall-server: cannot open root %s: %s\n", root, strerror(errno));
		exit(1);
	}
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path); /* a stale socket from an earlier run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_welcome(int sock, const struct host_welcome *w, int memfd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { (void *)w, sizeof(*w) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (memfd >= 0) {
		struct cmsghdr *cm;

		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &memfd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == sizeof(*w) ? 0 : -1;
}

static bool hello_ok(const struct host_hello *h)
{
	return h->magic == HOST_PROTO_MAGIC && h->abi_version == RC_ABI_VERSION &&
	       h->mode <= RC_MODE_POLL && h->idle_us <= 10000000u;
}

/* The setup conversation (proto.h). Return the new client, or NULL after
 * telling the client why. */
static struct host_client *handshake(struct server *s, int sock)
{
	struct host_hello hello;
	struct host_welcome w = { 0 };
	struct host_mapped mapped;
	struct host_ready ready = { 0 };
	struct host_client *c = NULL;
	int memfd = -1, err = -RC_EINVAL;

	if (recv(sock, &hello, sizeof(hello), MSG_WAITALL) != sizeof(hello))
		return NULL;
	if (s->nr_clients >= s->max_clients)
		err = -RC_EBUSY;
	else if (hello_ok(&hello)) {
		struct rc_params p = { hello.sq_entries, hello.cq_entries, hello.backlog_entries,
				       hello.data_bytes, (enum rc_mode)hello.mode, hello.idle_us };

		c = host_client_new(&p, s->root_fd, STDOUT_FILENO, &memfd, &err);
	}
	if (c)
		w = (struct host_welcome){ 0, c->id, c->region_bytes, c->mem.data_off,
					   rc_ring_bytes(c->ring.sq_entries, c->ring.cq_entries), 0 };
	w.status = c ? 0 : err;
	if (send_welcome(sock, &w, memfd) || !c ||
	    recv(sock, &mapped, sizeof(mapped), MSG_WAITALL) != sizeof(mapped)) {
		if (memfd >= 0)
			close(memfd);
		if (c)
			host_client_free(c);
		return NULL;
	}
	close(memfd);
	c->mem.user_base = mapped.base; /* only used to translate, always bounds-checked */
	if (send(sock, &ready, sizeof(ready), MSG_NOSIGNAL) != sizeof(ready)) {
		host_client_free(c);
		return NULL;
	}
	return c;
}

static struct host_worker *least_loaded(struct server *s)
{
	struct host_worker *best = &s->workers[0];

	for (unsigned i = 1; i < s->nr_workers; i++)
		if (s->workers[i].nr_clients < best->nr_clients)
			best = &s->workers[i];
	return best;
}

static void accept_client(struct server *s)
{
	struct timeval tv = { .tv_sec = 2 }; /* a silent client cannot stall us */
	int sock = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct host_client *c;
	unsigned slot = s->nr_clients + 1;

	if (sock < 0)
		return;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	c = handshake(s, sock);
	if (!c) {
		close(sock);
		return;
	}
	s->pfds[slot] = (struct pollfd){ .fd = sock, .events = POLLIN };
	s->owners[slot] = c;
	s->nr_clients++;
	if (!s->quiet)
		printf("ringcall-server: client %u connected (%s, sq %u, cq %u)\n", c->id,
		       c->ring.setup_flags & RC_SETUP_POLL ? "poll" : "doorbell",
		       c->ring.sq_entries, c->ring.cq_entries);
	host_worker_add(least_loaded(s), c);
}

/* The client's socket closed or spoke out of turn: it is gone. Its worker
 * frees it. */
static void drop_client(struct server *s, unsigned slot)
{
	struct host_client *c = s->owners[slot];
	struct host_worker *w = c->worker; /* c may be freed once dead is set */
	unsigned last = s->nr_clients;

	if (!s->quiet)
		printf("ringcall-server: client %u gone, reclaiming\n", c->id);
	__atomic_store_n(&c->dead, 1, __ATOMIC_RELEASE);
	host_worker_kick(w);
	close(s->pfds[slot].fd);
	s->pfds[slot] = s->pfds[last];
	s->owners[slot] = s->owners[last];
	s->nr_clients--;
}

static void serve(struct server *s)
{
	s->pfds[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	while (!stopping) {
		if (poll(s->pfds, s->nr_clients + 1, 500) <= 0)
			continue;
		for (unsigned i = s->nr_clients; i >= 1; i--)
			if (s->pfds[i].revents)
				drop_client(s, i); /* clients never speak after setup */
		if (s->pfds[0].revents & POLLIN)
			accept_client(s);
	}
}

int main(int argc, char **argv)
{
	static struct server s;
	struct sigaction sa = { .sa_handler = on_signal };

	parse_args(&s, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.listen_fd = listen_on(s.socket_path);
	if (s.listen_fd < 0) {
		fprintf(stderr, "ringcall-server: cannot listen on %s: %s\n", s.socket_path,
			strerror(errno));
		return 1;
	}
	for (unsigned i = 0; i < s.nr_workers; i++)
		if (host_worker_start(&s.workers[i])) {
			fprintf(stderr, "ringcall-server: cannot start worker threads\n");
			return 1;
		}
	if (!s.quiet)
		printf("ringcall-server: serving %s on %s with %u worker(s)\n",
		       "the root directory", s.socket_path, s.nr_workers);
	serve(&s);
	for (unsigned i = 1; i <= s.nr_clients; i++)
		close(s.pfds[i].fd);
	for (unsigned i = 0; i < s.nr_workers; i++)
		host_worker_stop(&s.workers[i]);
	unlink(s.socket_path);
	return 0;
}
