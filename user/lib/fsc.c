/*
 * fsc.c - files for ringcall kernel programs: each call is a request to
 * the file server (user/fs/) over the process's channel to it, in the
 * protocol of user/fs/fs.h. A call is one CHANNEL_CALL: one SQE, one trap
 * (enter), whose wait ends when the reply arrives.
 */
#include "ulib.h"
#include "fsc.h"

uint32_t fsc_channel = RK_SPAWN_HANDLE(0);
uint32_t fsc_svc = UINT32_MAX; /* unknown yet: SPAWN's second handle if we got one */

static uint32_t svc_handle(void)
{
	if (fsc_svc == UINT32_MAX)
		fsc_svc = rt_spawn_handles >= 2 ? RK_SPAWN_HANDLE(1) : 0;
	return fsc_svc;
}

/* Ask init over the service channel (msg: rights, or FSC_SVC_CHANNEL):
 * the handle it sends back, or -errno. */
static int svc_ask(uint32_t msg)
{
	uint32_t svc = svc_handle();
	if (!svc)
		return -RC_EBADF;
	int32_t err = 0;
	struct rc_channel_info info;
	int r = rt_send(svc, &msg, sizeof(msg), NULL, 0, 0);
	if (r >= 0)
		r = rt_recv(svc, &err, sizeof(err), &info, 0);
	if (r < 0)
		return r;
	return info.nhandles == 1 ? (int)info.handles[0] : err < 0 ? err : -RC_EIO;
}

/* Each reconnect starts a generation; a file's fd carries the one it was
 * opened in (above the server's handle, 1..FS_OPEN_MAX), so an fd from
 * before a restart gets -EPIPE (its server is gone), never another file. */
static uint32_t conn_gen;
#define GEN_SHIFT 8

#define STALE UINT32_MAX

/* The server's handle for fd, or STALE if fd is of an older connection
 * (anything else goes as it is: the server answers -EBADF). */
static uint32_t handle_of(int fd)
{
	uint32_t gen = (uint32_t)fd >> GEN_SHIFT;
	if (fd > 0 && gen < conn_gen)
		return STALE;
	return gen == conn_gen ? (uint32_t)fd & ((1u << GEN_SHIFT) - 1) : (uint32_t)fd;
}

int fsc_reconnect(void)
{
	int h = svc_ask(FS_CLIENT_READ | FS_CLIENT_WRITE);
	if (h < 0)
		return h;
	rt_close(fsc_channel);
	fsc_channel = (uint32_t)h;
	conn_gen++;
	return 0;
}

int fsc_svc_channel(void)
{
	return svc_ask(FSC_SVC_CHANNEL);
}

/* A call's result r: -EPIPE (the server is gone) reconnects first. */
static int32_t broken(int32_t r)
{
	if (r == -RC_EPIPE)
		fsc_reconnect();
	return r;
}

static uint8_t req_buf[FS_MSG_MAX] __attribute__((aligned(64)));
static uint8_t rep_buf[FS_MSG_MAX] __attribute__((aligned(64)));
static uint64_t next_tag = 1;

/* Send h and payload (h->len bytes) with handles (n of them); wait for the
 * reply: its res, its data copied to out (at most out_max bytes). */
static int32_t call(struct fs_req *h, const void *payload, const uint32_t *handles, uint32_t n,
		    void *out, uint32_t out_max)
{
	if (!fsc_channel)
		return -RC_EBADF;
	if (h->len > FS_IO_MAX)
		return -RC_EINVAL;
	h->tag = next_tag++;
	memcpy(req_buf, h, sizeof(*h));
	if (h->len)
		memcpy(req_buf + sizeof(*h), payload, h->len);
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_call(sqe, fsc_channel, req_buf, (uint32_t)sizeof(*h) + h->len, n * 4,
			     handles, rep_buf, FS_MSG_MAX, 0);
	int32_t r = rt_sync(sqe);
	if (r < 0)
		return broken(r);
	struct fs_rep rep;
	if ((uint32_t)r < sizeof(rep))
		return -RC_EIO;
	memcpy(&rep, rep_buf, sizeof(rep));
	if (rep.tag != h->tag || rep.len > (uint32_t)r - sizeof(rep))
		return -RC_EIO; /* not the reply to this request */
	if (rep.res >= 0 && out)
		memcpy(out, rep_buf + sizeof(rep), rep.len < out_max ? rep.len : out_max);
	return rep.res;
}

/* The working directory: absolute, normalized ("/" or "/a/b"); at start
 * the one the parent passed (rt_cwd_arg), else the root. */
static char cwd[FS_PATH_MAX + 1];

static char *cwd_now(void)
{
	if (!cwd[0]) {
		char tmp[FS_PATH_MAX + 1];
		cwd[0] = '/';
		if (rt_cwd_arg && fsc_resolve(rt_cwd_arg, tmp) == 0)
			memcpy(cwd, tmp, sizeof(tmp));
	}
	return cwd;
}

int fsc_resolve(const char *path, char *out)
{
	size_t n = 0;
	if (path[0] != '/') { /* relative: from the working directory */
		n = strlen(cwd_now());
		memcpy(out, cwd, n + 1);
		if (n == 1)
			n = 0; /* the root: components append after "" */
	}
	out[n] = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *c = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - c);
		if (len == 0 || (len == 1 && c[0] == '.'))
			continue;
		if (len == 2 && c[0] == '.' &&
		    c[1] == '.') { /* up; the root's parent is the root */
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			out[n] = 0;
			continue;
		}
		if (n + 1 + len > FS_PATH_MAX)
			return -RC_ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, c, len);
		n += len;
		out[n] = 0;
	}
	if (n == 0) {
		out[0] = '/';
		out[1] = 0;
	}
	return 0;
}

const char *rt_path(const char *path, char *buf)
{
	return fsc_resolve(path, buf) == 0 ? buf : NULL;
}

const char *fsc_getcwd(void)
{
	return cwd_now();
}

int fsc_chdir(const char *path)
{
	char to[FS_PATH_MAX + 1];
	struct fs_stat st;
	int r = fsc_resolve(path, to);
	if (r == 0)
		r = fsc_stat(to, &st);
	if (r == 0 && st.type != FS_DIR)
		r = -RC_ENOTDIR;
	if (r == 0)
		memcpy(cwd, to, sizeof(to));
	return r;
}

/* A request naming path, resolved against the working directory. */
static int32_t path_call(uint32_t op, const char *path, uint32_t flags, uint32_t access, void *out,
			 uint32_t out_max)
{
	char abs[FS_PATH_MAX + 1];
	int r = fsc_resolve(path, abs);
	if (r < 0)
		return r;
	struct fs_req h = { .op = op, .flags = flags, .access = access };
	h.len = (uint32_t)strlen(abs);
	return call(&h, abs, NULL, 0, out, out_max);
}

int fsc_open(const char *path, uint32_t access, uint32_t flags)
{
	int32_t r = path_call(FS_OP_OPEN, path, flags, access, NULL, 0);
	return r <= 0 ? r : (int)((uint32_t)r | conn_gen << GEN_SHIFT);
}

/* READ's pipeline: up to FSC_BATCH calls of FS_IO_MAX bytes submitted
 * together (one trap), each reply matched to its call by the engine. */
#define FSC_BATCH 8
#define FSC_UD	  UINT64_C(0xf5c0000000000000)
static uint8_t batch_req[FSC_BATCH][sizeof(struct fs_req)] __attribute__((aligned(8)));
static uint8_t batch_rep[FSC_BATCH][FS_MSG_MAX] __attribute__((aligned(64)));

/* Read [off, off + n) in k chunks at once: bytes read, or -errno. */
static int32_t read_batch(int fd, uint8_t *buf, uint32_t n, uint64_t off, uint32_t k)
{
	for (uint32_t j = 0; j < k; j++) {
		uint32_t at = j * FS_IO_MAX, chunk = n - at < FS_IO_MAX ? n - at : FS_IO_MAX;
		struct fs_req h = { .op = FS_OP_READ,
				    .handle = handle_of(fd),
				    .offset = off + at,
				    .count = chunk,
				    .tag = next_tag++ };
		memcpy(batch_req[j], &h, sizeof(h));
		struct rc_sqe *sqe = rt_sqe();
		rc_prep_channel_call(sqe, fsc_channel, batch_req[j], sizeof(h), 0, NULL,
				     batch_rep[j], FS_MSG_MAX, 0);
		rc_sqe_set_data(sqe, FSC_UD + j);
	}
	int32_t got[FSC_BATCH];
	int r = rc_submit_and_wait(&rt_ring, 1); /* one trap for the whole batch */
	if (r < 0 && r != -RC_EBUSY)
		return r;
	for (uint32_t seen = 0; seen < k;) {
		struct rc_cqe cqe;
		r = rt_next_cqe(&cqe);
		if (r < 0)
			return r;
		if (cqe.user_data >= FSC_UD && cqe.user_data < FSC_UD + k) {
			got[cqe.user_data - FSC_UD] = cqe.res;
			seen++;
		}
	}
	uint32_t done = 0;
	for (uint32_t j = 0; j < k; j++) {
		struct fs_rep rep;
		struct fs_req h;
		memcpy(&h, batch_req[j], sizeof(h));
		if (got[j] < 0)
			return done ? (int32_t)done : broken(got[j]);
		memcpy(&rep, batch_rep[j], sizeof(rep));
		if ((uint32_t)got[j] < sizeof(rep) || rep.tag != h.tag ||
		    rep.len > (uint32_t)got[j] - sizeof(rep))
			return -RC_EIO;
		if (rep.res < 0)
			return done ? (int32_t)done : rep.res;
		memcpy(buf + done, batch_rep[j] + sizeof(rep), rep.len);
		done += rep.len;
		if (rep.len < h.count)
			break; /* the end of the file */
	}
	return (int32_t)done;
}

int32_t fsc_read(int fd, void *buf, uint32_t n, uint64_t off)
{
	uint32_t done = 0;
	if (handle_of(fd) == STALE)
		return -RC_EPIPE;
	/* From the start of a file, one call first, then twice as many each
	 * trap: a small file costs one call, a big one FSC_BATCH per trap. */
	uint32_t k_max = off ? FSC_BATCH : 1;
	while (done < n) {
		uint32_t left = n - done;
		uint32_t k = (left + FS_IO_MAX - 1) / FS_IO_MAX;
		k = k < k_max ? k : k_max;
		k_max = k_max * 2 < FSC_BATCH ? k_max * 2 : FSC_BATCH;
		uint32_t want = k * FS_IO_MAX < left ? k * FS_IO_MAX : left;
		int32_t r = read_batch(fd, (uint8_t *)buf + done, want, off + done, k);
		if (r < 0)
			return done ? (int32_t)done : r;
		done += (uint32_t)r;
		if ((uint32_t)r < want)
			break;
	}
	return (int32_t)done;
}

int32_t fsc_write(int fd, const void *buf, uint32_t n, uint64_t off)
{
	uint32_t done = 0;
	if (handle_of(fd) == STALE)
		return -RC_EPIPE;
	while (done < n) {
		uint32_t chunk = n - done < FS_IO_MAX ? n - done : FS_IO_MAX;
		struct fs_req h = { .op = FS_OP_WRITE,
				    .handle = handle_of(fd),
				    .offset = off + done,
				    .len = chunk };
		int32_t r = call(&h, (const uint8_t *)buf + done, NULL, 0, NULL, 0);
		if (r < 0)
			return done ? (int32_t)done : r;
		done += (uint32_t)r;
	}
	return (int32_t)done;
}

int fsc_close(int fd)
{
	struct fs_req h = { .op = FS_OP_CLOSE, .handle = handle_of(fd) };
	if (h.handle == STALE)
		return -RC_EPIPE;
	return call(&h, NULL, NULL, 0, NULL, 0);
}

int fsc_truncate(int fd, uint64_t size)
{
	struct fs_req h = { .op = FS_OP_TRUNCATE, .handle = handle_of(fd), .offset = size };
	if (h.handle == STALE)
		return -RC_EPIPE;
	return call(&h, NULL, NULL, 0, NULL, 0);
}

int fsc_mkdir(const char *path)
{
	return path_call(FS_OP_MKDIR, path, 0, 0, NULL, 0);
}

int fsc_remove(const char *path)
{
	return path_call(FS_OP_REMOVE, path, 0, 0, NULL, 0);
}

int fsc_stat(const char *path, struct fs_stat *st)
{
	return path_call(FS_OP_STAT, path, 0, 0, st, sizeof(*st));
}

int fsc_connect(uint32_t rights)
{
	struct rc_channel_pair pair;
	struct rc_sqe *sqe = rt_sqe();
	rc_prep_channel_create(sqe, &pair, sizeof(pair), 0);
	int r = rt_sync(sqe);
	if (r < 0)
		return r;
	struct fs_req h = { .op = FS_OP_CONNECT, .flags = rights };
	r = call(&h, NULL, &pair.end[1], 1, NULL, 0);
	if (r < 0) {
		sqe = rt_sqe();
		rc_prep_close(sqe, pair.end[0], 0);
		rt_sync(sqe);
		return r;
	}
	return (int)pair.end[0];
}
