/*
 * rt_files - rc_prep_open/read/write/readdir/close in the kernel (`init rt_files`):
 * the user library turns them into calls to the file server (user/lib/
 * rfile.c) and each completes as on ringcall-server: the result, the
 * errors, user_data, one CQE per SQE, LINK chains broken by a failing
 * file op, SKIP_SUCCESS, batches mixing file and kernel ops, and more
 * requests in one submit than the library's request arena holds; with
 * `poll`, all of it again on a polled ring.
 */
#include "ulib.h"
#include "fsc.h"

RT_USES_FILES;

/* `rt_files poll` swaps rt_ring for a polled ring. printf formats on its
 * stack, and a polled ring runs the CONSOLE_WRITE after printf returned:
 * the checks' lines go out through the first ring (a doorbell one), whose
 * write has run when rt_write returns. */
static struct rc_ring first_ring, poll_ring;
static int on_poll;

static int say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (on_poll) {
		poll_ring = rt_ring;
		rt_ring = first_ring;
	}
	rt_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	if (on_poll) {
		first_ring = rt_ring;
		rt_ring = poll_ring;
	}
	return n;
}
#define printf say /* in CHECK */

/* Submit everything prepared; reap n CQEs into res[user_data - base]
 * (each user_data seen once, within [base, base + n)). */
static void reap(uint64_t base, uint32_t n, int32_t *res)
{
	int seen[64] = { 0 };
	CHECK(rc_submit(&rt_ring) >= 0, "submit");
	for (uint32_t k = 0; k < n; k++) {
		struct rc_cqe c;
		CHECK_EQ(rt_next_cqe(&c), 0);
		uint64_t i = c.user_data - base;
		CHECK(i < n && !seen[i], "user_data %lu unexpected", (unsigned long)c.user_data);
		if (i < n) {
			seen[i] = 1;
			res[i] = c.res;
		}
	}
	struct rc_cqe extra;
	CHECK_EQ(rt_peek_cqe(&extra), -RC_EAGAIN); /* one CQE per SQE */
}

static int32_t one(struct rc_sqe *s)
{
	return rt_sync(s);
}

static int32_t open_(const char *path, uint32_t access, uint32_t flags)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_open(s, path, (uint32_t)strlen(path), access, flags, 0644);
	return one(s);
}

static void errors(void)
{
	static char longname[301];
	memset(longname, 'x', 300);
	CHECK_EQ(open_("nosuch", RC_ACCESS_RDONLY, 0), -RC_ENOENT);
	CHECK_EQ(open_("bin", RC_ACCESS_RDONLY, 0), -RC_EISDIR);
	CHECK_EQ(open_(longname, RC_ACCESS_RDONLY, 0), -RC_ENAMETOOLONG);
	CHECK_EQ(open_("README.md/x", RC_ACCESS_RDONLY, 0), -RC_ENOTDIR);
	CHECK_EQ(open_("README.md", RC_ACCESS_RDONLY, 1u << 30), -RC_EINVAL);
	CHECK_EQ(open_("README.md", RC_ACCESS_COUNT, 0), -RC_EINVAL);
	int fd = open_("README.md", RC_ACCESS_RDONLY, 0);
	CHECK(fd > 0 && fd < 0x10000, "open: %d", fd);
	static char buf[64];
	struct rc_sqe *s = rt_sqe();
	rc_prep_write(s, (uint32_t)fd, "no", 2, 0);
	CHECK_EQ(one(s), -RC_EBADF); /* read-only */
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
	s = rt_sqe();
	rc_prep_read(s, (uint32_t)fd, buf, sizeof(buf), 0);
	CHECK_EQ(one(s), -RC_EBADF); /* closed */
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), -RC_EBADF);
	s = rt_sqe();
	rc_prep_read(s, 0x10000 + 99, buf, sizeof(buf), 0); /* a kernel handle: no files there */
	CHECK(one(s) < 0, "read of a kernel handle");
}

/* The bytes rc_prep_read gives are fsc_read's, small reads and large. */
static void same_bytes(void)
{
	static char a[8192], b[8192];
	int fd = open_("/README.md", RC_ACCESS_RDONLY, 0);
	int fd2 = fsc_open("README.md", RC_ACCESS_RDONLY, 0);
	CHECK(fd > 0 && fd2 > 0, "open: %d %d", fd, fd2);
	for (uint32_t len = 1; len <= 8192; len = len < 3000 ? len * 3 + 1 : 8192) {
		struct rc_sqe *s = rt_sqe();
		rc_prep_read(s, (uint32_t)fd, a, len, 100);
		int32_t n = one(s);
		CHECK_EQ(n, len < FS_IO_MAX ? len : FS_IO_MAX); /* short beyond a message */
		CHECK_EQ(fsc_read(fd2, b, (uint32_t)n, 100), n);
		CHECK(n > 0 && memcmp(a, b, (size_t)n) == 0, "bytes differ at len %u", len);
		if (len == 8192)
			break;
	}
	struct rc_sqe *s = rt_sqe();
	rc_prep_read(s, (uint32_t)fd, a, 100, 1u << 30);
	CHECK_EQ(one(s), 0); /* past the end */
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
	CHECK_EQ(fsc_close(fd2), 0);
}

/* WRITE then READ in a LINK chain, then a NOP; a failing READ cancels
 * the rest of its chain; SKIP_SUCCESS posts nothing. */
static void chains(void)
{
	static char in[16];
	int32_t res[8];
	int fd = open_("/tmp/rf", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "open: %d", fd);
	struct rc_sqe *s = rt_sqe();
	rc_prep_write(s, (uint32_t)fd, "hello", 5, 0);
	rc_sqe_set_data(s, 100);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_read(s, (uint32_t)fd, in, 5, 0); /* < 40 bytes: its request in the arena */
	rc_sqe_set_data(s, 101);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, 7);
	rc_sqe_set_data(s, 102);
	reap(100, 3, res);
	CHECK_EQ(res[0], 5);
	CHECK_EQ(res[1], 5);
	CHECK_EQ(res[2], 7);
	CHECK(memcmp(in, "hello", 5) == 0, "read back");

	s = rt_sqe();
	rc_prep_read(s, 31, in, 5, 0); /* not open */
	rc_sqe_set_data(s, 200);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_write(s, (uint32_t)fd, "never", 5, 0);
	rc_sqe_set_data(s, 201);
	rc_sqe_set_flags(s, RC_SQE_LINK);
	s = rt_sqe();
	rc_prep_nop(s, 0);
	rc_sqe_set_data(s, 202);
	reap(200, 3, res);
	CHECK_EQ(res[0], -RC_EBADF);
	CHECK_EQ(res[1], -RC_ECANCELED);
	CHECK_EQ(res[2], -RC_ECANCELED);

	s = rt_sqe();
	rc_prep_write(s, (uint32_t)fd, "HE", 2, 0);
	rc_sqe_set_data(s, 300);
	rc_sqe_set_flags(s, RC_SQE_LINK | RC_SQE_SKIP_SUCCESS);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	rc_sqe_set_data(s, 301);
	reap(301, 1, res); /* the WRITE's CQE is skipped */
	CHECK_EQ(res[0], 0);
}

/* File ops and kernel ops in one batch: each completes once, with its
 * own result (the kernel's at once, the file server's when it replies). */
static void mixed(void)
{
	static char buf[64];
	int32_t res[8];
	int fd = open_("/tmp/rf", RC_ACCESS_RDWR, 0);
	CHECK(fd > 0, "open: %d", fd);
	struct rc_sqe *s = rt_sqe();
	rc_prep_nop(s, 1);
	rc_sqe_set_data(s, 400);
	s = rt_sqe();
	rc_prep_read(s, (uint32_t)fd, buf, sizeof(buf), 0);
	rc_sqe_set_data(s, 401);
	s = rt_sqe();
	rc_prep_getpid(s, 0);
	rc_sqe_set_data(s, 402);
	s = rt_sqe();
	rc_prep_open(s, "nosuch", 6, RC_ACCESS_RDONLY, 0, 0);
	rc_sqe_set_data(s, 403);
	s = rt_sqe();
	rc_prep_nop(s, -RC_EIO);
	rc_sqe_set_data(s, 404);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	rc_sqe_set_data(s, 405);
	rc_sqe_set_flags(s, RC_SQE_DRAIN); /* after everything before it */
	reap(400, 6, res);
	CHECK_EQ(res[0], 1);
	CHECK_EQ(res[1], 5);
	CHECK_EQ(res[2], getpid());
	CHECK_EQ(res[3], -RC_ENOENT);
	CHECK_EQ(res[4], -RC_EIO);
	CHECK_EQ(res[5], 0);
	CHECK(memcmp(buf, "HEllo", 5) == 0, "read");
}

/* Two READs of different files into one buffer in one submit: each
 * completes with its own file's count. (The library writes a READ's
 * request into the READ's buffer until the kernel copies it; the second
 * must not overwrite the first's there.) */
static void one_buffer(void)
{
	static char buf[64];
	int32_t res[2];
	int a = open_("README.md", RC_ACCESS_RDONLY, 0);
	int b = open_("/tmp/rf", RC_ACCESS_RDONLY, 0); /* "HEllo" */
	CHECK(a > 0 && b > 0, "open: %d %d", a, b);
	struct rc_sqe *s = rt_sqe();
	rc_prep_read(s, (uint32_t)a, buf, sizeof(buf), 0);
	rc_sqe_set_data(s, 600);
	s = rt_sqe();
	rc_prep_read(s, (uint32_t)b, buf + 8, 48, 0); /* its request overlaps the first's */
	rc_sqe_set_data(s, 601);
	reap(600, 2, res);
	CHECK_EQ(res[0], sizeof(buf));
	CHECK_EQ(res[1], 5);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)a, 0);
	CHECK_EQ(one(s), 0);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)b, 0);
	CHECK_EQ(one(s), 0);
}

/* 60 WRITEs of 4000 bytes in one submit: 240 KB of requests, more than
 * the library's arena: it lets the kernel take the first ones to make
 * room, and every one completes. */
static void many_writes(void)
{
	static char page[4000];
	int32_t res[60];
	memset(page, 'w', sizeof(page));
	int fd = open_("/tmp/big", RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "open: %d", fd);
	for (uint32_t i = 0; i < 60; i++) {
		struct rc_sqe *s = rt_sqe();
		rc_prep_write(s, (uint32_t)fd, page, sizeof(page), (uint64_t)i * sizeof(page));
		rc_sqe_set_data(s, 500 + i);
	}
	reap(500, 60, res);
	for (uint32_t i = 0; i < 60; i++)
		CHECK_EQ(res[i], sizeof(page));
	struct fs_stat st;
	CHECK_EQ(fsc_stat("/tmp/big", &st), 0);
	CHECK_EQ(st.size, 60 * sizeof(page));
}

/* The arena full of requests the kernel cannot take: a RECV that waits
 * for a message, a DRAIN'd WRITE behind it (held until the RECV ends),
 * then more WRITEs than the arena holds, in one submit. Those whose
 * requests fit go out and wait behind the DRAIN; each of the rest
 * completes at once with -ENOBUFS; once a message comes (sent through
 * another ring: this one's SQ waits behind the DRAIN), every entry has
 * completed exactly once. */
#define AUX_ADDR 0x510000000ul

static void arena_held(void)
{
	static char page[4000], msg[8];
	static struct rc_ring aux;
	enum {
		WRITES = 20,
		FIT = 16
	}; /* 4000 bytes and a 40-byte header: 4 KiB of its 64 */
	int32_t res[WRITES + 1];
	uint32_t ends[2];
	memset(page, 'h', sizeof(page));
	CHECK(rt_ring_create(&aux, AUX_ADDR, 4, 8, 0) > 0, "aux ring");
	CHECK_EQ(rt_channel(ends), 0);
	int fd = open_("/tmp/held", RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "open: %d", fd);
	struct rc_sqe *s = rt_sqe();
	rc_prep_channel_recv(s, ends[0], msg, sizeof(msg), 0, NULL, 0);
	rc_sqe_set_data(s, 700);
	for (uint32_t i = 0; i < WRITES; i++) {
		s = rt_sqe();
		rc_prep_write(s, (uint32_t)fd, page, sizeof(page), (uint64_t)i * sizeof(page));
		rc_sqe_set_data(s, 701 + i);
		if (i == 0)
			rc_sqe_set_flags(s, RC_SQE_DRAIN);
	}
	CHECK(rc_submit(&rt_ring) >= 0, "submit");
	/* The message, through aux (a doorbell ring: sent when this returns). */
	s = rc_get_sqe(&aux);
	rc_prep_channel_send(s, ends[1], "go", 2, 0, NULL, 0);
	struct rc_cqe *c;
	CHECK_EQ(rc_submit_and_wait(&aux, 1), 1);
	CHECK(rc_peek_cqe(&aux, &c) == 0 && c->res == 2, "send");
	rc_cqe_seen(&aux, c);
	reap(700, WRITES + 1, res);
	CHECK_EQ(res[0], 2);
	/* FIT, or one less when the arena's free end was too short for one */
	uint32_t ok = 0;
	while (ok < WRITES && res[1 + ok] == (int32_t)sizeof(page))
		ok++;
	CHECK(ok == FIT || ok == FIT - 1, "%u WRITEs went out", ok);
	for (uint32_t i = ok; i < WRITES; i++)
		CHECK_EQ(res[1 + i], -RC_ENOBUFS);
	struct fs_stat st;
	CHECK_EQ(fsc_stat("/tmp/held", &st), 0);
	CHECK_EQ(st.size, ok * sizeof(page));
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
	CHECK_EQ(rt_close(ends[0]), 0);
	CHECK_EQ(rt_close(ends[1]), 0);
}

/* READDIR of dir (open) from index into buf (len bytes). */
static int32_t readdir_(int dir, void *buf, uint32_t len, uint64_t index)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf, len, 0, index);
	return one(s);
}

static void make_file(const char *path, uint32_t size)
{
	static const char bytes[16] = "0123456789abcdef";
	int fd = open_(path, RC_ACCESS_WRONLY, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "create %s: %d", path, fd);
	struct rc_sqe *s = rt_sqe();
	rc_prep_write(s, (uint32_t)fd, bytes, size, 0);
	CHECK_EQ(one(s), (int32_t)size);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
}

/* Is entry k of buf (n entries in all) name, of type and size? */
static void check_entry(const uint8_t *buf, int32_t n, int32_t k, const char *name, uint8_t type,
			uint64_t size)
{
	const uint8_t *p = buf;
	struct rc_dirent d;
	for (int32_t i = 0; i <= k && i < n; i++) {
		memcpy(&d, p, sizeof(d));
		if (i < k)
			p += d.reclen;
	}
	CHECK(k < n, "entry %d of %d", k, n);
	uint32_t len = (uint32_t)strlen(name);
	CHECK(d.name_len == len && memcmp(p + sizeof(d), name, len + 1) == 0,
	      "entry %d: %.*s, want %s", k, (int)d.name_len, (const char *)p + sizeof(d), name);
	CHECK(d.reclen == RC_DIRENT_LEN(len) && d.type == type && d.size == size && d.rsvd == 0,
	      "entry %s: reclen %u type %u size %lu", name, d.reclen, d.type,
	      (unsigned long)d.size);
}

/* Directories through the ring: OPEN with RC_OPEN_DIRECTORY and READDIR
 * (translated to the file server's FS_OP_READDIR), entries sorted by name
 * whatever the order they were made in, paged by index, in a batch; the
 * errors the hosted server gives. */
static void listing(void)
{
	static uint8_t buf[4096], buf2[64];
	CHECK_EQ(fsc_mkdir("/tmp/ls"), 0);
	CHECK_EQ(fsc_mkdir("/tmp/ls/sub"), 0);
	/* made in neither the order listed nor its reverse */
	make_file("tmp/ls/b", 5);
	make_file("tmp/ls/Z", 1);		/* 'Z' < 'a' */
	make_file("tmp/ls/a-long-name.txt", 3); /* 32 bytes an entry */
	int dir = open_("tmp/ls", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	CHECK(dir > 0 && dir < 0x10000, "open a directory: %d", dir);
	int32_t n = readdir_(dir, buf, sizeof(buf), 0);
	CHECK_EQ(n, 4);
	check_entry(buf, n, 0, "Z", RC_DT_FILE, 1);
	check_entry(buf, n, 1, "a-long-name.txt", RC_DT_FILE, 3);
	check_entry(buf, n, 2, "b", RC_DT_FILE, 5);
	check_entry(buf, n, 3, "sub", RC_DT_DIR, 0);
	CHECK_EQ(readdir_(dir, buf, sizeof(buf), 4), 0); /* the end */
	CHECK_EQ(readdir_(dir, buf, 24, 0), 1);		 /* "Z" fits 24 bytes */
	CHECK_EQ(readdir_(dir, buf, 24, 1), -RC_EINVAL); /* the next one does not */
	CHECK_EQ(readdir_(dir, buf, 23, 0), -RC_EINVAL); /* the smallest entry does not */
	/* Two pages in one submit: each its own call, each its own reply. */
	struct rc_sqe *s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf, 56, 0, 0); /* Z, a-long-name.txt */
	rc_sqe_set_data(s, 300);
	s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf2, sizeof(buf2), 0, 2); /* b, sub */
	rc_sqe_set_data(s, 301);
	int32_t res[2];
	reap(300, 2, res);
	CHECK(res[0] == 2 && res[1] == 2, "pages: %d %d", res[0], res[1]);
	check_entry(buf, 2, 1, "a-long-name.txt", RC_DT_FILE, 3);
	check_entry(buf2, 2, 1, "sub", RC_DT_DIR, 0);
	/* Errors: READ of a directory, WRITE to it, a flag READDIR lacks. */
	s = rt_sqe();
	rc_prep_read(s, (uint32_t)dir, buf, 100, 0);
	CHECK_EQ(one(s), -RC_EISDIR);
	s = rt_sqe();
	rc_prep_write(s, (uint32_t)dir, "x", 1, 0);
	CHECK_EQ(one(s), -RC_EBADF);
	s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf, 100, 1, 0);
	CHECK_EQ(one(s), -RC_EINVAL);
	/* reserved words, refused as the hosted decode refuses them */
	s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf, 100, 0, 0);
	s->rsvd1 = 1;
	CHECK_EQ(one(s), -RC_EINVAL);
	s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)dir, buf, 100, 0, 0);
	s->rsvd0 = 1;
	CHECK_EQ(one(s), -RC_EINVAL);
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)dir, 0);
	CHECK_EQ(one(s), 0);
	CHECK_EQ(readdir_(dir, buf, sizeof(buf), 0), -RC_EBADF); /* closed */
	CHECK_EQ(open_("tmp/ls/b", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_ENOTDIR);
	CHECK_EQ(open_("tmp/ls/nosuch", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY), -RC_ENOENT);
	CHECK_EQ(open_("tmp/ls", RC_ACCESS_RDWR, RC_OPEN_DIRECTORY), -RC_EINVAL);
	CHECK_EQ(open_("tmp/ls", RC_ACCESS_RDONLY, 0), -RC_EISDIR);
	int fd = open_("tmp/ls/b", RC_ACCESS_RDONLY, 0);
	CHECK_EQ(readdir_(fd, buf, sizeof(buf), 0), -RC_ENOTDIR); /* a file's handle */
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
	fd = open_("tmp/ls/b", RC_ACCESS_WRONLY, 0);
	CHECK_EQ(readdir_(fd, buf, sizeof(buf), 0), -RC_EBADF); /* no right to read */
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	CHECK_EQ(one(s), 0);
	/* The boot archive's /bin: every program, in order. */
	dir = open_("/bin", RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	n = readdir_(dir, buf, sizeof(buf), 0);
	CHECK(n > 10, "bin: %d entries", n);
	const uint8_t *p = buf;
	for (int32_t i = 1; i < n; i++) {
		struct rc_dirent a;
		memcpy(&a, p, sizeof(a));
		CHECK(strcmp((const char *)p + 16, (const char *)p + a.reclen + 16) < 0,
		      "bin: %s before %s", (const char *)p + 16, (const char *)p + a.reclen + 16);
		p += a.reclen;
	}
	s = rt_sqe();
	rc_prep_close(s, (uint32_t)dir, 0);
	CHECK_EQ(one(s), 0);
}

/* `rt_files poll`: the same on a ring the kernel poller serves
 * (RC_SETUP_POLL), which takes each entry as soon as it is published,
 * with no enter: rt_ring is swapped for it, so that every file op and
 * fsc_* call goes through the poller; the same results are asked. */
#define POLL_ADDR 0x500000000ul

int main(int argc, char **argv)
{
	int poll = argc > 1 && strcmp(argv[1], "poll") == 0;
	if (poll) {
		int32_t h = rt_ring_create(&poll_ring, POLL_ADDR, 64, 128, RC_SETUP_POLL);
		CHECK(h > 0, "RING_CREATE(POLL): %d", h);
		if (h <= 0)
			return rt_report("rt_files poll");
		first_ring = rt_ring;
		rt_ring = poll_ring;
		on_poll = 1;
	}
	errors();
	same_bytes();
	chains();
	mixed();
	one_buffer();
	many_writes();
	arena_held();
	listing();
	if (poll) {
		on_poll = 0;
		rt_ring = first_ring; /* EXIT enters: the first ring's */
	}
	return rt_report(poll ? "rt_files poll" : "rt_files");
}
