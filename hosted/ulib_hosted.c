/*
 * ulib_hosted.c - what the file programs (user/cat.c, wc.c, cp.c) ask of
 * the user runtime, for Linux: fsc_open/read/write/close as OPEN, READ,
 * WRITE and CLOSE entries on a ring (rc_prep_open and friends) of an
 * in-process ringcall engine rooted at $RINGCALL_ROOT (default: the
 * current directory), and console writes to stdout. The same program
 * sources run on both platforms (scripts/check-shell.sh compares them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ringcall/ringcall.h"
#include "ringcall/hosted.h"
#include "../user/fs/fs.h"

uint32_t fsc_channel; /* unused here: the ring itself reaches the files */

static struct rc_ring ring;
static uint8_t *bounce; /* FS_MSG_MAX bytes in the ring's data area */

__attribute__((constructor)) static void ring_setup(void)
{
	struct rc_params p = { .sq_entries = 8, .data_bytes = 64 * 1024 };
	const char *root = getenv("RINGCALL_ROOT");
	if (rc_inproc_init(&ring, &p) < 0 || rc_inproc_set_root(&ring, root ? root : ".") < 0 ||
	    !(bounce = rc_alloc(&ring, FS_MSG_MAX))) {
		fprintf(stderr, "ulib_hosted: no ring\n");
		exit(2);
	}
}

/* Submit the one entry prepared, wait: its result. */
static int32_t run(void)
{
	struct rc_cqe *cqe;
	if (rc_submit_and_wait(&ring, 1) < 0 || rc_peek_cqe(&ring, &cqe) < 0)
		return -RC_EIO;
	int32_t res = cqe->res;
	rc_cqe_seen(&ring, cqe);
	return res;
}

int fsc_open(const char *path, uint32_t access, uint32_t flags)
{
	while (*path == '/')
		path++; /* paths are from the root, as the file server takes them */
	size_t n = strlen(path);
	if (n > FS_PATH_MAX)
		return -RC_ENAMETOOLONG;
	memcpy(bounce, path, n);
	rc_prep_open(rc_get_sqe(&ring), bounce, (uint32_t)n, access, flags, 0644);
	return run();
}

int32_t fsc_read(int fd, void *buf, uint32_t n, uint64_t off)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t chunk = n - done < FS_MSG_MAX ? n - done : FS_MSG_MAX;
		rc_prep_read(rc_get_sqe(&ring), (uint32_t)fd, bounce, chunk, off + done);
		int32_t r = run();
		if (r < 0)
			return done ? (int32_t)done : r;
		memcpy((uint8_t *)buf + done, bounce, (size_t)r);
		done += (uint32_t)r;
		if ((uint32_t)r < chunk)
			break;
	}
	return (int32_t)done;
}

int32_t fsc_write(int fd, const void *buf, uint32_t n, uint64_t off)
{
	uint32_t done = 0;
	while (done < n) {
		uint32_t chunk = n - done < FS_MSG_MAX ? n - done : FS_MSG_MAX;
		memcpy(bounce, (const uint8_t *)buf + done, chunk);
		rc_prep_write(rc_get_sqe(&ring), (uint32_t)fd, bounce, chunk, off + done);
		int32_t r = run();
		if (r < 0)
			return done ? (int32_t)done : r;
		done += (uint32_t)r;
	}
	return (int32_t)done;
}

int fsc_close(int fd)
{
	rc_prep_close(rc_get_sqe(&ring), (uint32_t)fd, 0);
	return run();
}

void rt_write(const void *buf, size_t len)
{
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
}
