/*
 * demo.c - ringcall-demo: copy a file through a ringcall server.
 *
 *   ringcall-demo --socket PATH [--poll] SRC DST
 *
 * SRC and DST are paths beneath the server's root. Every system call goes
 * through the ring: a batch of READs, then a batch of WRITEs (SKIP_SUCCESS:
 * no CQE unless one fails) closed by a DRAIN NOP whose CQE says the batch
 * is on disk. The demo prints how many requests that took and how many
 * doorbell syscalls carried them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ringcall/hosted.h"

#define CHUNK (64u << 10)
#define DEPTH 8u

struct counts {
	uint64_t reads, writes, bytes, batches;
};

static void die(struct rc_ring *r, const char *what, const struct rc_cqe *cqe)
{
	char why[200];

	fprintf(stderr, "ringcall-demo: %s: %s\n", what, rc_explain(r, cqe, why, sizeof(why)));
	exit(1);
}

/* Submit what is queued, wait for one CQE, return its res (dies on error). */
static int32_t call(struct rc_ring *r, struct counts *n, const char *what)
{
	struct rc_cqe *cqe;
	int32_t res;
	int ret = rc_submit_and_wait(r, 1);

	if (ret < 0 || (ret = rc_wait_cqe(r, &cqe)) < 0) {
		fprintf(stderr, "ringcall-demo: %s: ring error %d\n", what, ret);
		exit(1);
	}
	if (cqe->res < 0)
		die(r, what, cqe);
	res = cqe->res;
	rc_cqe_seen(r, cqe);
	(void)n;
	return res;
}

static uint32_t open_file(struct rc_ring *r, struct counts *n, const char *path, uint32_t access,
			  uint32_t flags)
{
	char *p = rc_alloc(r, strlen(path) + 1);

	strcpy(p, path);
	rc_prep_open(rc_get_sqe(r), p, (uint32_t)strlen(path), access, flags, 0644);
	return (uint32_t)call(r, n, path);
}

static void say(struct rc_ring *r, struct counts *n, const char *text)
{
	char *p = rc_alloc(r, strlen(text) + 1);

	strcpy(p, text);
	rc_prep_console_write(rc_get_sqe(r), p, (uint32_t)strlen(text));
	call(r, n, "console write");
}

/* The point of a checked ABI: an escape attempt gets a precise refusal. */
static void show_refusal(struct rc_ring *r, struct counts *n)
{
	const char *path = "../../etc/passwd";
	char *p = rc_alloc(r, strlen(path) + 1);
	struct rc_cqe *cqe;
	char why[200];

	strcpy(p, path);
	rc_prep_open(rc_get_sqe(r), p, (uint32_t)strlen(path), RC_ACCESS_RDONLY, 0, 0);
	rc_submit_and_wait(r, 1);
	rc_wait_cqe(r, &cqe);
	printf("  OPEN \"%s\"           -> %s (confined beneath the root)\n", path,
	       rc_explain(r, cqe, why, sizeof(why)));
	rc_cqe_seen(r, cqe);
	rc_prep_read(rc_get_sqe(r), 0x12345, p, 16, 0);
	rc_submit_and_wait(r, 1);
	rc_wait_cqe(r, &cqe);
	printf("  READ from handle 0x12345          -> %s\n", rc_explain(r, cqe, why, sizeof(why)));
	rc_cqe_seen(r, cqe);
	rc_prep_console_write(rc_get_sqe(r), path, 8); /* a pointer outside the shared region */
	rc_submit_and_wait(r, 1);
	rc_wait_cqe(r, &cqe);
	printf("  CONSOLE_WRITE of a private buffer -> %s\n", rc_explain(r, cqe, why, sizeof(why)));
	rc_cqe_seen(r, cqe);
	(void)n;
}

/* One batch: DEPTH reads, then the writes of what they returned. Returns
 * bytes copied (less than a full batch at the end of the file). */
static uint64_t copy_batch(struct rc_ring *r, struct counts *n, uint32_t src, uint32_t dst,
			   uint8_t *bufs, uint64_t off)
{
	uint32_t got[DEPTH] = { 0 };
	uint64_t total = 0;
	uint32_t head;
	struct rc_cqe *cqe;

	for (uint32_t i = 0; i < DEPTH; i++) {
		struct rc_sqe *sqe = rc_get_sqe(r);

		rc_prep_read(sqe, src, bufs + i * CHUNK, CHUNK, off + (uint64_t)i * CHUNK);
		rc_sqe_set_data(sqe, i);
	}
	if (rc_submit_and_wait(r, DEPTH) < 0)
		exit(1);
	rc_for_each_cqe(r, head, cqe)
	{
		if (cqe->res < 0)
			die(r, "read", cqe);
		got[cqe->user_data] = (uint32_t)cqe->res;
		if (head - r->cq_head + 1 == DEPTH)
			break;
	}
	rc_cq_advance(r, DEPTH);
	n->reads += DEPTH;
	for (uint32_t i = 0; i < DEPTH && got[i]; i++) {
		struct rc_sqe *sqe = rc_get_sqe(r);

		rc_prep_write(sqe, dst, bufs + i * CHUNK, got[i], off + (uint64_t)i * CHUNK);
		rc_sqe_set_flags(sqe, RC_SQE_SKIP_SUCCESS);
		total += got[i];
		n->writes++;
	}
	rc_prep_nop(rc_get_sqe(r), 0);
	rc_sqe_set_flags(&r->sqes[(r->sqe_tail - 1) & r->sq_mask], RC_SQE_DRAIN);
	call(r, n, "write"); /* the DRAIN NOP, or the first failed write */
	n->batches++;
	return total;
}

static const struct option demo_opts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "poll", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

/* Print the usage to stdout and exit 0 (--help), or to stderr and exit 2. */
static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: ringcall-demo --socket PATH [--poll] SRC DST\n"
		"Copy SRC to DST (paths beneath the server's root) through a ringcall-server,\n"
		"every system call an entry in the ring.\n"
		"\n"
		"  -s, --socket PATH   the server's Unix socket\n"
		"  -p, --poll          polling mode: a server thread polls the ring\n"
		"  -h, --help          this text\n"
		"  -V, --version       the library and ABI versions\n");
	exit(status);
}

int main(int argc, char **argv)
{
	struct rc_params p = { .sq_entries = 32, .data_bytes = DEPTH * CHUNK + 65536 };
	const char *sock = NULL;
	struct counts n = { 0 };
	struct rc_ring r;
	uint32_t src, dst;
	uint8_t *bufs;
	int c, err;

	while ((c = getopt_long(argc, argv, "s:phV", demo_opts, NULL)) != -1) {
		if (c == 's')
			sock = optarg;
		else if (c == 'p')
			p.mode = RC_MODE_POLL;
		else if (c == 'h')
			usage(0);
		else if (c == 'V') {
			printf("ringcall-demo %s (ABI %u)\n", rc_version(), RC_ABI_VERSION);
			return 0;
		} else
			usage(2);
	}
	if (!sock || argc - optind != 2)
		usage(2);
	err = rc_connect(&r, sock, &p);
	if (err) {
		fprintf(stderr, "ringcall-demo: cannot connect to %s (%s)\n", sock,
			rc_err_name(err));
		return 1;
	}
	printf("connected to %s: %s mode, SQ %u, CQ %u\n", sock,
	       p.mode == RC_MODE_POLL ? "polling" : "doorbell", r.sq_entries, r.cq_entries);
	say(&r, &n, "hello from ringcall-demo: this line travelled through the ring");
	printf("the kernel side checks every argument before it acts:\n");
	show_refusal(&r, &n);
	bufs = rc_alloc(&r, DEPTH * CHUNK);
	src = open_file(&r, &n, argv[optind], RC_ACCESS_RDONLY, 0);
	dst = open_file(&r, &n, argv[optind + 1], RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	for (uint64_t got; (got = copy_batch(&r, &n, src, dst, bufs, n.bytes)) > 0;) {
		n.bytes += got;
		if (got < DEPTH * CHUNK)
			break;
	}
	rc_prep_close(rc_get_sqe(&r), src, 0);
	call(&r, &n, "close");
	rc_prep_close(rc_get_sqe(&r), dst, 0);
	call(&r, &n, "close");
	printf("copied %llu bytes from %s to %s\n", (unsigned long long)n.bytes, argv[optind],
	       argv[optind + 1]);
	printf("  %llu requests in all (%llu reads, %llu writes in %llu batches)\n",
	       (unsigned long long)r.stats.submitted, (unsigned long long)n.reads,
	       (unsigned long long)n.writes, (unsigned long long)n.batches);
	printf("  %llu doorbell syscalls, %llu sleeps waiting for completions\n",
	       (unsigned long long)r.stats.doorbells, (unsigned long long)r.stats.sleeps);
	printf("  (the same work as one syscall per request: %llu syscalls)\n",
	       (unsigned long long)r.stats.submitted);
	rc_disconnect(&r);
	return 0;
}
