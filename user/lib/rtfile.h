/*
 * rtfile.h - files through the ring, the same on both platforms: what
 * cat, wc, cp and ls share. Every op is an rc_prep_* entry on rt_ring: in the
 * ringcall kernel the user library turns them into calls to the file
 * server (rfile.c); on Linux an in-process engine serves them
 * (hosted/ulib_hosted.c). Buffers come from rt_alloc: memory the engine
 * can reach on both platforms (the hosted engine sees only the ring's
 * shared area).
 */
#ifndef USER_RTFILE_H
#define USER_RTFILE_H

#include "ulib.h"
#include "../fs/fs.h"

RT_USES_FILES; /* file ops go to the file server (ulib.h) */

#define RTF_CHUNK FS_IO_MAX /* bytes per READ or WRITE: one message to the file server */
#define RTF_BATCH 8u	    /* READs or WRITEs submitted together (one trap) */
#define RTF_UD	  UINT64_C(0x7f1e000000000000)

/* OPEN path (a leading / names the root on both platforms): a handle or -errno. */
static inline int rtf_open(const char *path, uint32_t access, uint32_t flags)
{
	static char *buf;
	char abs[FS_PATH_MAX + 1];
	if (!(path = rt_path(path, abs))) /* from the working directory */
		return -RC_ENAMETOOLONG;
	while (*path == '/')
		path++;
	uint32_t n = (uint32_t)strlen(path);
	if (n > RC_PATH_MAX)
		return -RC_ENAMETOOLONG;
	if (!buf && !(buf = rt_alloc(RC_PATH_MAX)))
		return -RC_ENOMEM;
	memcpy(buf, n ? path : ".", n ? n : 1);
	struct rc_sqe *s = rt_sqe();
	rc_prep_open(s, buf, n ? n : 1, access, flags, 0644);
	return rt_sync(s);
}

static inline int rtf_close(int fd)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_close(s, (uint32_t)fd, 0);
	return rt_sync(s);
}

/* READDIR: entries of directory fd (opened with RC_OPEN_DIRECTORY) from
 * entry index on, packed struct rc_dirents in buf (len bytes, from
 * rt_alloc): how many (0: the end), or -errno. */
static inline int32_t rtf_readdir(int fd, void *buf, uint32_t len, uint64_t index)
{
	struct rc_sqe *s = rt_sqe();
	rc_prep_readdir(s, (uint32_t)fd, buf, len, 0, index);
	return rt_sync(s);
}

/* Submit the k entries prepared (user_data RTF_UD + j) and put each one's
 * res in res[j]: 0, or -errno if waiting failed. */
static inline int rtf_reap(uint32_t k, int32_t *res)
{
	int r = rc_submit(&rt_ring);
	if (r < 0 && r != -RC_EBUSY)
		return r;
	for (uint32_t seen = 0; seen < k;) {
		struct rc_cqe c;
		r = rt_next_cqe(&c);
		if (r < 0)
			return r;
		if (c.user_data - RTF_UD < k) {
			res[c.user_data - RTF_UD] = c.res;
			seen++;
		}
	}
	return 0;
}

/* Read up to n bytes at off into buf (from rt_alloc), k READs of
 * RTF_CHUNK at most submitted together: the bytes read (fewer than n: the
 * end of the file), or -errno. */
static inline int32_t rtf_read(int fd, char *buf, uint32_t n, uint64_t off, uint32_t k)
{
	int32_t res[RTF_BATCH];
	uint32_t j = 0;
	for (; j < k && j < RTF_BATCH && j * RTF_CHUNK < n; j++) {
		uint32_t at = j * RTF_CHUNK, len = n - at < RTF_CHUNK ? n - at : RTF_CHUNK;
		struct rc_sqe *s = rt_sqe();
		rc_prep_read(s, (uint32_t)fd, buf + at, len, off + at);
		rc_sqe_set_data(s, RTF_UD + j);
	}
	int r = rtf_reap(j, res);
	if (r < 0)
		return r;
	uint32_t done = 0;
	for (uint32_t i = 0; i < j; i++) {
		if (res[i] < 0)
			return done ? (int32_t)done : res[i];
		done += (uint32_t)res[i];
		if ((uint32_t)res[i] < RTF_CHUNK)
			break; /* the end of the file (or of n) */
	}
	return (int32_t)done;
}

/* Write n bytes of buf (from rt_alloc) at off, RTF_BATCH WRITEs of
 * RTF_CHUNK at most a submit: n, or -errno (-EIO: a short write). */
static inline int32_t rtf_write(int fd, const char *buf, uint32_t n, uint64_t off)
{
	int32_t res[RTF_BATCH];
	for (uint32_t done = 0; done < n;) {
		uint32_t j = 0, at = done;
		for (; j < RTF_BATCH && at < n; j++) {
			uint32_t len = n - at < RTF_CHUNK ? n - at : RTF_CHUNK;
			struct rc_sqe *s = rt_sqe();
			rc_prep_write(s, (uint32_t)fd, buf + at, len, off + at);
			rc_sqe_set_data(s, RTF_UD + j);
			at += len;
		}
		int r = rtf_reap(j, res);
		if (r < 0)
			return r;
		for (uint32_t i = 0; i < j; i++) {
			uint32_t len = n - done < RTF_CHUNK ? n - done : RTF_CHUNK;
			if (res[i] < 0)
				return res[i];
			if ((uint32_t)res[i] != len)
				return -RC_EIO;
			done += len;
		}
	}
	return (int32_t)n;
}

#endif
