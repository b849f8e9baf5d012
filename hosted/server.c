/*
 * server.c - ringcall-server: plays the kernel for client processes.
 *
 *   ringcall-server --root DIR --socket PATH [--workers N] [--max-clients N]
 *                   [--handshake-ms N] [--quiet] [--policy FILE] [--ro]
 *                   [--allow OPS] [--max-handles N] [--max-inflight BYTES]
 *                   [--log] [--log-file FILE]
 *
 * The main thread accepts clients on a Unix socket, makes each a sealed
 * shared region with a ring in it, passes it over with SCM_RIGHTS, and
 * hands the client to a worker thread that runs the engine. It then only
 * watches the sockets: when a client's closes (exit or crash) its worker
 * reclaims everything the client held. The main thread never blocks on a
 * client: setup conversations advance as their bytes arrive, each with a
 * deadline.
 *
 * Each client gets a policy when it says hello (policy.c): the first rule
 * of --policy FILE matching its uid and launch name, else the command
 * line's; its allow-list is on its ring before it is handed over, so even
 * its first SQE is held to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include "policy.h"

#define MAX_WORKERS 8
#define MAX_CLIENTS 120 /* one futex_waitv (128) per worker, with room */
/* Setup conversations in progress at once. None blocks the main thread and
 * each has a deadline; when all slots are taken a new connection takes the
 * oldest one's slot (that conversation is dropped), so connections that say
 * nothing cannot keep anyone else out. */
#define MAX_HANDSHAKES 32
#define HANDSHAKE_MS   2000 /* default deadline for a whole conversation */

/* One setup conversation (proto.h) in progress. */
struct handshake {
	int sock; /* -1: slot free */
	uint64_t started_ns, deadline_ns;
	struct host_client *c;	      /* NULL: awaiting host_hello; else host_mapped */
	size_t got;		      /* bytes of the awaited message received */
	uint32_t pid;		      /* the peer, from SO_PEERCRED at hello */
	char name[HOST_NAME_MAX_LEN]; /* its launch name (host_exe_name) */
	char policy[1100];	      /* its policy in words, for the audit log */
	union {
		struct host_hello hello;
		struct host_mapped mapped;
	} msg;
};

/* pfds: [0] the listening socket, then the handshakes (fd -1 when free,
 * which poll skips), then the nr_clients clients. */
#define HS_PFD(i)     (1 + (i))
#define CLIENT_PFD(k) (1 + MAX_HANDSHAKES + (k))

struct server {
	const char *socket_path;
	dev_t sock_dev; /* the socket this server bound: removed at */
	ino_t sock_ino; /* exit only if the path still names it */
	int root_fd, listen_fd;
	unsigned nr_workers, max_clients, nr_clients, nr_welcomed;
	unsigned handshake_ms;
	bool quiet;
	struct host_trace_cfg trace;
	struct host_trace_cfg audit; /* clients whose policy says log */
	struct host_policies policies;
	struct host_worker workers[MAX_WORKERS];
	struct handshake hs[MAX_HANDSHAKES];
	struct pollfd pfds[1 + MAX_HANDSHAKES + MAX_CLIENTS];
	struct host_client *owners[MAX_CLIENTS];
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
		"      --handshake-ms N   a connection must finish setup within N ms\n"
		"                         (1..60000, default %d)\n"
		"  -q, --quiet            no connect/disconnect log lines\n"
		"Policy (the default for every client; --policy FILE: rules per client):\n"
		"  -p, --policy FILE      per-client rules, one a line: client [name=NAME]\n"
		"                         [uid=N] [root=DIR] [ro|rw] [allow=OPS]\n"
		"                         [max-handles=N] [max-inflight=BYTES] [log|nolog]\n"
		"      --ro               clients may not modify files (OPEN for writing,\n"
		"                         CREATE, TRUNC, APPEND, WRITE: -EROFS)\n"
		"      --allow OPS        the opcodes clients may submit, e.g. OPEN,READ,CLOSE\n"
		"                         (-EACCES for the others, from the first SQE)\n"
		"      --max-handles N    OPEN refused (-EMFILE) once a client holds N handles\n"
		"      --max-inflight B   READ/WRITE refused (-EDQUOT) past B bytes in flight\n"
		"      --log              audit every operation: pid, uid, launch name, the\n"
		"                         decoded request and its result\n"
		"      --log-file FILE    where audit lines go (default stderr)\n"
		"  -t, --trace[=FILE]     print each client's requests and results (to FILE,\n"
		"                         default stderr): pid, ring, the SQE decoded, res, time\n"
		"      --trace-pid PID    trace only the client process PID\n"
		"      --trace-op LIST    trace only these ops, e.g. READ,WRITE\n"
		"  -h, --help             this text\n"
		"  -V, --version          the library and ABI versions\n",
		MAX_WORKERS, MAX_CLIENTS, HANDSHAKE_MS);
	exit(status);
}

/* --trace[=FILE], --log-file FILE: line-buffered, so lines from several
 * workers do not mix. */
static FILE *open_log(const char *path)
{
	FILE *f = path ? fopen(path, "a") : stderr;

	if (!f) {
		fprintf(stderr, "ringcall-server: cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* A policy option of the command line: the default rule's key. */
static void policy_option(struct server *s, const char *key, const char *val)
{
	char err[600];

	if (host_rule_set(&s->policies.dflt, key, val, err, sizeof(err))) {
		fprintf(stderr, "ringcall-server: --%s\n", err);
		exit(2);
	}
}

static void parse_args(struct server *s, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "max-clients", required_argument, NULL, 'm' },
		{ "handshake-ms", required_argument, NULL, 'T' }, /* long only */
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "trace", optional_argument, NULL, 't' },
		{ "trace-pid", required_argument, NULL, 'P' },
		{ "trace-op", required_argument, NULL, 'O' },
		{ "policy", required_argument, NULL, 'p' },
		{ "ro", no_argument, NULL, 'R' },
		{ "allow", required_argument, NULL, 'A' },
		{ "max-handles", required_argument, NULL, 'H' },
		{ "max-inflight", required_argument, NULL, 'I' },
		{ "log", no_argument, NULL, 'L' },
		{ "log-file", required_argument, NULL, 'F' },
		{ 0 },
	};
	const char *root = NULL, *policy = NULL;
	char err[600];
	int c;

	s->nr_workers = 1;
	s->max_clients = 64;
	s->handshake_ms = HANDSHAKE_MS;
	s->trace.ops = UINT64_MAX;
	s->audit = (struct host_trace_cfg){ .ops = UINT64_MAX, .identity = true };
	s->policies.dflt.p.allow = RC_OPS_ALL;
	while ((c = getopt_long(argc, argv, "r:s:w:m:qhVt::p:", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 's': s->socket_path = optarg; break;
		case 'w': s->nr_workers = (unsigned)atoi(optarg); break;
		case 'm': s->max_clients = (unsigned)atoi(optarg); break;
		case 'T': s->handshake_ms = (unsigned)atoi(optarg); break;
		case 'q': s->quiet = true; break;
		case 'h': usage(0); break;
		case 't': s->trace.out = open_log(optarg); break;
		case 'p': policy = optarg; break;
		case 'R': policy_option(s, "ro", NULL); break;
		case 'A': policy_option(s, "allow", optarg); break;
		case 'H': policy_option(s, "max-handles", optarg); break;
		case 'I': policy_option(s, "max-inflight", optarg); break;
		case 'L': policy_option(s, "log", NULL); break;
		case 'F': s->audit.out = open_log(optarg); break;
		case 'P': s->trace.pid = (uint32_t)atoi(optarg); break;
		case 'O':
			if (host_trace_parse_ops(optarg, &s->trace.ops)) {
				fprintf(stderr, "ringcall-server: --trace-op: unknown op in %s\n",
					optarg);
				exit(2);
			}
			break;
		case 'V':
			printf("ringcall-server %s (ABI %u)\n", rc_version(), RC_ABI_VERSION);
			exit(0);
		default: usage(2);
		}
	}
	if (!root || !s->socket_path || s->nr_workers < 1 || s->nr_workers > MAX_WORKERS ||
	    s->max_clients < 1 || s->max_clients > MAX_CLIENTS || s->handshake_ms < 1 ||
	    s->handshake_ms > 60000)
		usage(2);
	if (host_rule_set(&s->policies.dflt, "root", root, err, sizeof(err)) ||
	    (policy && host_policy_load(&s->policies, policy, err, sizeof(err)))) {
		fprintf(stderr, "ringcall-server: %s\n", err);
		exit(1);
	}
	s->root_fd = s->policies.dflt.root_fd;
	if (!s->audit.out)
		s->audit.out = stderr;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ringcall-server: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Does a server answer on sa? Only a refused connection means that no one
 * listens (a stale socket); anything else is not ours to replace. */
static bool socket_is_live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err;

	if (fd < 0)
		die("socket: %s", strerror(errno));
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	close(fd);
	if (!err || err == EAGAIN) /* EAGAIN: a live server's backlog is full */
		return true;
	if (err != ECONNREFUSED)
		die("cannot tell whether a server listens on %s (%s): refusing to replace it",
		    sa->sun_path, strerror(err));
	return false;
}

/* A listening socket bound to path (created 0600); -1 with errno. */
static int bind_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t mask;
	int err;

	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, path);
	mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(mask);
	if (err || listen(fd, 128)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Listen on s->socket_path without destroying anything: refuse a path that
 * is not a socket and a socket a live server answers on; replace only a
 * stale socket. The socket is made listening under a temporary name and
 * linked into place (link never replaces), so the path never names a
 * socket that refuses connections. Exits with a message when it refuses. */
static void listen_on(struct server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = s->socket_path;
	char tmp[sizeof(sa.sun_path) + 32];
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("socket path %s is too long (at most %zu bytes)", path,
		    sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			die("%s exists and is not a socket: refusing to replace it", path);
		if (socket_is_live(&sa))
			die("a server is already listening on %s", path);
		if (unlink(path) && errno != ENOENT) /* stale: its server died */
			die("cannot remove the stale socket %s: %s", path, strerror(errno));
	} else if (errno != ENOENT) {
		die("cannot check %s: %s", path, strerror(errno));
	}
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (strlen(tmp) >= sizeof(sa.sun_path)) {
		fd = bind_listen(path); /* no room for a temporary name */
	} else {
		fd = bind_listen(tmp);
		if (fd >= 0 && link(tmp, path)) {
			int err = errno;

			unlink(tmp);
			die("cannot create %s: %s", path, strerror(err)); /* EEXIST: lost a race */
		}
		unlink(tmp);
	}
	if (fd < 0) /* EADDRINUSE: lost a race */
		die("cannot listen on %s: %s", path, strerror(errno));
	if (lstat(path, &st))
		die("cannot check %s: %s", path, strerror(errno));
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	s->listen_fd = fd;
}

/* Remove the socket only if the path still names the one we bound (another
 * server may have replaced it since). */
static void unlink_if_ours(struct server *s)
{
	struct stat st;

	if (!lstat(s->socket_path, &st) && st.st_dev == s->sock_dev && st.st_ino == s->sock_ino)
		unlink(s->socket_path);
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
	/* The first thing sent on this socket: its buffer is empty, so not
	 * blocking never loses the message. */
	return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof(*w) ? 0 : -1;
}

static struct host_worker *least_loaded(struct server *s)
{
	struct host_worker *best = &s->workers[0];

	for (unsigned i = 1; i < s->nr_workers; i++)
		if (s->workers[i].nr_clients < best->nr_clients)
			best = &s->workers[i];
	return best;
}

/* ---- setup conversations (proto.h): none of them may block ---- */

/* End conversation i: close its socket, free anything made for it. */
static void hs_close(struct server *s, unsigned i)
{
	struct handshake *h = &s->hs[i];

	if (h->c) {
		host_client_free(h->c);
		s->nr_welcomed--;
	}
	close(h->sock);
	*h = (struct handshake){ .sock = -1 };
	s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = -1 };
}

/* Refuse conversation i's client: log why, tell it err, hang up. */
static void hs_refuse(struct server *s, unsigned i, int err, const char *why)
{
	struct host_welcome w = { .status = err };

	fprintf(stderr, "ringcall-server: refused a client: %s (-%s)\n", why, rc_err_name(err));
	send_welcome(s->hs[i].sock, &w, -1);
	hs_close(s, i);
}

/* Choose conversation i's client's policy (the rule for its uid and
 * launch name, narrowed by its hello) and make the client under it, its
 * allow-list on its ring from the start. 0; or an error, with reason set
 * if the policy refused it (reason "" if making the client failed). */
static int hs_policy(struct server *s, unsigned i, const struct rc_params *p, int *memfd,
		     char *reason, size_t size)
{
	struct handshake *h = &s->hs[i];
	const struct host_hello *hello = &h->msg.hello;
	struct ucred cred = { 0 };
	socklen_t len = sizeof(cred);
	const struct host_rule *rule;
	struct host_policy pol;
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	char where[32] = "the command line", root[800], words[1000];
	int own = -1, err;

	reason[0] = 0;
	if (getsockopt(h->sock, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		snprintf(reason, size, "cannot tell who it is (SO_PEERCRED: %s)", strerror(errno));
		return -RC_EPERM;
	}
	h->pid = (uint32_t)cred.pid;
	host_exe_name(h->pid, h->name);
	rule = host_policy_match(&s->policies, cred.uid, h->name);
	if (rule->line)
		snprintf(where, sizeof(where), "policy line %u", rule->line);
	if (hello->rsvd || !memchr(hello->ask_root, 0, sizeof(hello->ask_root))) {
		snprintf(reason, size, "its hello's policy request is malformed");
		return -RC_EINVAL;
	}
	pol = rule->p;
	host_policy_narrow(&pol, hello);
	if (hello->ask_root[0]) { /* a directory beneath its rule's root, or nothing */
		own = (int)syscall(SYS_openat2, rule->root_fd, hello->ask_root, &how, sizeof(how));
		if (own < 0) {
			err = errno;
			snprintf(reason, size,
				 "pid %u (%s) asks for root %s, not a directory beneath "
				 "%s (%s: %s)",
				 h->pid, h->name, hello->ask_root, rule->root, where,
				 strerror(err));
			return host_err(err);
		}
	}
	h->c = host_client_new(p, own >= 0 ? own : rule->root_fd, STDOUT_FILENO, memfd, &err);
	if (!h->c) {
		if (own >= 0)
			close(own);
		return err;
	}
	h->c->own_root_fd = own;
	h->c->uid = (uint32_t)cred.uid; /* its prefix for CHANNEL_PUBLISH (registry.c) */
	h->c->policy = pol;
	rce_ring_restrict(&h->c->ring, pol.allow); /* before anything of its is read */
	snprintf(root, sizeof(root), "%s%s%s", rule->root, hello->ask_root[0] ? "/" : "",
		 hello->ask_root);
	host_policy_describe(&pol, root, words, sizeof(words));
	snprintf(h->policy, sizeof(h->policy), "connected, %s: %s", where, words);
	return 0;
}

/* The hello is in: check it, make the client, send the welcome. */
static void hs_hello(struct server *s, unsigned i)
{
	struct handshake *h = &s->hs[i];
	const struct host_hello *hello = &h->msg.hello;
	struct rc_params p = { hello->sq_entries, hello->cq_entries,	     hello->backlog_entries,
			       hello->data_bytes, (enum rc_mode)hello->mode, hello->idle_us };
	struct host_welcome w;
	const char *why = NULL;
	int memfd = -1, err;
	char reason[1024] = "";

	if (hello->magic != HOST_PROTO_MAGIC) {
		hs_refuse(s, i, -RC_EINVAL, "not a ringcall hello (wrong magic)");
		return;
	}
	if (hello->abi_version != RC_ABI_VERSION) {
		snprintf(reason, sizeof(reason), "it speaks ABI version %u, this server %u",
			 hello->abi_version, RC_ABI_VERSION);
		hs_refuse(s, i, -RC_EINVAL, reason);
		return;
	}
	if (s->nr_clients + s->nr_welcomed >= s->max_clients) {
		hs_refuse(s, i, -RC_EBUSY, "the server has --max-clients clients");
		return;
	}
	err = host_params_check(&p, &why); /* the check every backend makes */
	if (!err)
		err = hs_policy(s, i, &p, &memfd, reason, sizeof(reason));
	if (err && reason[0]) {
		hs_refuse(s, i, err, reason);
		return;
	}
	if (!h->c) {
		snprintf(reason, sizeof(reason),
			 "%s (sq_entries %u, cq_entries %u, "
			 "backlog_entries %u, data_bytes %u, mode %u, idle_us %u)",
			 why ? why : "cannot make its ring", p.sq_entries, p.cq_entries,
			 p.backlog_entries, p.data_bytes, hello->mode, p.idle_us);
		hs_refuse(s, i, err, reason);
		return;
	}
	s->nr_welcomed++;
	w = (struct host_welcome){ 0,
				   h->c->id,
				   h->c->region_bytes,
				   h->c->mem.data_off,
				   rc_ring_bytes(rce_ring_sq_entries(&h->c->ring),
						 rce_ring_cq_entries(&h->c->ring)),
				   0 };
	err = send_welcome(h->sock, &w, memfd);
	close(memfd);
	if (err) {
		hs_close(s, i); /* it hung up */
		return;
	}
	h->got = 0;
}

/* The client mapped its region: confirm, and hand it to a worker. */
static void hs_mapped(struct server *s, unsigned i)
{
	struct handshake *h = &s->hs[i];
	struct host_ready ready = { 0 };
	struct host_client *c = h->c;
	unsigned k = s->nr_clients;

	c->mem.user_base = h->msg.mapped.base; /* only used to translate, always bounds-checked */
	if (send(h->sock, &ready, sizeof(ready), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(ready)) {
		hs_close(s, i);
		return;
	}
	if (c->policy.log) { /* audited: every operation, with who it is */
		host_trace_attach(c, &s->audit, h->pid, h->name);
		host_trace_note(c->trace, h->policy);
	} else if (s->trace.out) {
		host_trace_attach(c, &s->trace, h->pid, NULL);
	}
	s->pfds[CLIENT_PFD(k)] = (struct pollfd){ .fd = h->sock, .events = POLLIN };
	s->owners[k] = c;
	s->nr_clients++;
	s->nr_welcomed--;
	*h = (struct handshake){ .sock = -1 };
	s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = -1 };
	if (!s->quiet)
		printf("ringcall-server: client %u connected (%s, sq %u, cq %u)\n", c->id,
		       rce_ring_setup_flags(&c->ring) & RC_SETUP_POLL ? "poll" : "doorbell",
		       rce_ring_sq_entries(&c->ring), rce_ring_cq_entries(&c->ring));
	host_worker_add(least_loaded(s), c);
}

/* Conversation i's socket is readable: take what has arrived of the
 * awaited message, act on it once it is complete. */
static void hs_readable(struct server *s, unsigned i)
{
	struct handshake *h = &s->hs[i];
	size_t want = h->c ? sizeof(h->msg.mapped) : sizeof(h->msg.hello);
	ssize_t n = recv(h->sock, (char *)&h->msg + h->got, want - h->got, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (!s->quiet)
			printf("ringcall-server: a connection hung up during setup\n");
		hs_close(s, i);
		return;
	}
	h->got += (size_t)n;
	if (h->got < want)
		return;
	if (h->c)
		hs_mapped(s, i);
	else
		hs_hello(s, i);
}

/* Start a conversation on a new connection, taking the oldest one's slot
 * if all are in use. */
static void hs_open(struct server *s, int sock, uint64_t now)
{
	unsigned i, oldest = 0;

	for (i = 0; i < MAX_HANDSHAKES && s->hs[i].sock >= 0; i++)
		if (s->hs[i].started_ns < s->hs[oldest].started_ns)
			oldest = i;
	if (i == MAX_HANDSHAKES) {
		fprintf(stderr, "ringcall-server: %u connections in setup: dropped the oldest\n",
			MAX_HANDSHAKES);
		hs_close(s, oldest);
		i = oldest;
	}
	s->hs[i] = (struct handshake){ .sock = sock,
				       .started_ns = now,
				       .deadline_ns = now + s->handshake_ms * 1000000ull };
	s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = sock, .events = POLLIN };
}

/* Drop conversations past their deadline; return the ms until the next
 * deadline, at most max_ms. */
static int hs_expire(struct server *s, uint64_t now, int max_ms)
{
	uint64_t wait_ms = (uint64_t)max_ms;

	for (unsigned i = 0; i < MAX_HANDSHAKES; i++) {
		struct handshake *h = &s->hs[i];

		if (h->sock < 0)
			continue;
		if (h->deadline_ns <= now) {
			fprintf(stderr,
				"ringcall-server: dropped a connection that did not "
				"finish setup within %u ms\n",
				s->handshake_ms);
			hs_close(s, i);
		} else if ((h->deadline_ns - now) / 1000000u + 1 < wait_ms) {
			wait_ms = (h->deadline_ns - now) / 1000000u + 1;
		}
	}
	return (int)wait_ms;
}

/* Take the connections waiting on the listening socket (at most one
 * table's worth per pass). */
static void accept_clients(struct server *s)
{
	for (int n = 0; n < MAX_HANDSHAKES; n++) {
		int sock = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (sock < 0)
			return; /* EAGAIN: none left (or a transient error) */
		hs_open(s, sock, host_now_ns());
	}
}

/* Client k's socket closed or spoke out of turn: it is gone. Its worker
 * frees it. */
static void drop_client(struct server *s, unsigned k)
{
	struct host_client *c = s->owners[k];
	struct host_worker *w = c->worker; /* c may be freed once dead is set */
	unsigned last = s->nr_clients - 1;

	if (!s->quiet)
		printf("ringcall-server: client %u gone, reclaiming\n", c->id);
	__atomic_store_n(&c->dead, 1, __ATOMIC_RELEASE);
	host_worker_kick(w);
	close(s->pfds[CLIENT_PFD(k)].fd);
	s->pfds[CLIENT_PFD(k)] = s->pfds[CLIENT_PFD(last)];
	s->owners[k] = s->owners[last];
	s->nr_clients--;
}

static void serve(struct server *s)
{
	int wait_ms = 500;

	s->pfds[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
	for (unsigned i = 0; i < MAX_HANDSHAKES; i++) {
		s->hs[i] = (struct handshake){ .sock = -1 };
		s->pfds[HS_PFD(i)] = (struct pollfd){ .fd = -1 };
	}
	while (!stopping) {
		int ready = poll(s->pfds, CLIENT_PFD(s->nr_clients), wait_ms);

		/* Clients first (downwards: drop_client moves the last one
		 * into the hole), so those added below have no stale revents. */
		for (unsigned k = s->nr_clients; ready > 0 && k-- > 0;)
			if (s->pfds[CLIENT_PFD(k)].revents)
				drop_client(s, k); /* clients never speak after setup */
		for (unsigned i = 0; ready > 0 && i < MAX_HANDSHAKES; i++)
			if (s->pfds[HS_PFD(i)].fd >= 0 && s->pfds[HS_PFD(i)].revents)
				hs_readable(s, i);
		if (ready > 0 && (s->pfds[0].revents & POLLIN))
			accept_clients(s);
		wait_ms = hs_expire(s, host_now_ns(), 500);
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
	listen_on(&s);
	for (unsigned i = 0; i < s.nr_workers; i++)
		if ((s.nr_workers == 1 ? host_worker_start_sole
				       : host_worker_start)(&s.workers[i])) {
			unlink_if_ours(&s);
			die("cannot start worker threads");
		}
	/* Even with --quiet (which silences only the per-client lines): it
	 * says the server is complete and answers, which a script can wait
	 * for; the socket path appears before the workers exist. */
	printf("ringcall-server: serving %s on %s with %u worker(s)\n", "the root directory",
	       s.socket_path, s.nr_workers);
	serve(&s);
	for (unsigned i = 0; i < MAX_HANDSHAKES; i++)
		if (s.hs[i].sock >= 0)
			hs_close(&s, i);
	for (unsigned k = 0; k < s.nr_clients; k++)
		close(s.pfds[CLIENT_PFD(k)].fd);
	for (unsigned i = 0; i < s.nr_workers; i++)
		host_worker_stop(&s.workers[i]);
	unlink_if_ours(&s);
	return 0;
}
