/*
 * fs.h - the file server's core: a RAM file system with directories, the
 * request protocol its clients speak over channel messages, and the boot
 * archive it is loaded from. Portable and freestanding (no libc, no OS):
 * the ringcall kernel's file server (user/fs/server.c) and the hosted unit
 * tests (tests/test_fs.c) build the same code. docs/kernel.md "The file
 * server" describes the protocol and the limits.
 */
#ifndef USER_FS_FS_H
#define USER_FS_FS_H

#include <stddef.h>
#include <stdint.h>
#include "ringcall/abi.h"
#include "ringcall/service.h"

/* ---- limits: each enforced with the error named ---- */
#define FS_NAME_MAX    60u   /* bytes in one path component (-ENAMETOOLONG) */
#define FS_PATH_MAX    256u  /* bytes in a path (-ENAMETOOLONG) */
#define FS_NODES_MAX   512u  /* files and directories, the root included (-ENOSPC) */
#define FS_BLOCK       4096u /* data is kept in blocks of this size */
#define FS_FILE_BLOCKS 256u
#define FS_FILE_MAX    (FS_BLOCK * FS_FILE_BLOCKS) /* 1 MiB per file (-EFBIG) */
#define FS_BLOCKS_MAX  8192u			   /* 32 MiB of data at most (-ENOSPC) */
#define FS_OPEN_MAX    32u			   /* open files per client (-EMFILE) */

#define FS_FILE RC_DT_FILE /* node types (fs_stat.type, rc_dirent.type) */
#define FS_DIR	RC_DT_DIR

#define FS_NONE 0xffffu /* no node */

struct fs_node {
	uint8_t type; /* 0: free */
	uint8_t name_len;
	uint16_t parent, child, next; /* tree links; FS_NONE ends a list */
	uint16_t linked;	      /* 1 while in a directory; 0 once removed */
	uint16_t opens;		      /* open handles, all clients together */
	uint32_t size;
	char name[FS_NAME_MAX];
	uint16_t blocks[FS_FILE_BLOCKS]; /* 1-based block numbers; 0: a hole, reads as zeros */
};

/* A file system: its nodes here, its data in an arena the caller gives. */
struct fs {
	struct fs_node nodes[FS_NODES_MAX];
	uint8_t *arena; /* nblocks * FS_BLOCK bytes */
	uint32_t nblocks, nfree, nodes_used;
	uint16_t free_blocks[FS_BLOCKS_MAX]; /* a stack of free block numbers */
};

/* Set up an empty file system (just the root directory) over arena's
 * whole FS_BLOCKs (at most FS_BLOCKS_MAX of them). */
void fs_init(struct fs *fs, void *arena, size_t arena_size);

/* ---- the file system, used directly by the loader and the tests ----
 * Paths are bytes (not NUL-terminated), '/'-separated, from the root
 * whether or not they begin with '/'; empty and "." components are
 * skipped, ".." is refused (-EXDEV, like the hosted server's OPEN: a
 * client resolves its own working directory). A NUL byte: -EINVAL. */

/* The node path names, or -ENOENT/-ENOTDIR/-ENAMETOOLONG/-EXDEV/-EINVAL. */
int fs_lookup(struct fs *fs, const char *path, uint32_t len);
/* Create a node of type at path, its parent existing: the node, or
 * -EEXIST, -ENOSPC (no free node), or a lookup error of the parent. */
int fs_create(struct fs *fs, const char *path, uint32_t len, uint32_t type);
/* Like fs_create for directories, making missing parents; an existing
 * directory is fine. The node, or -errno. */
int fs_mkdir_p(struct fs *fs, const char *path, uint32_t len);
/* Unlink the node at path (a file, or an empty directory): 0, -ENOTEMPTY,
 * -EBUSY (the root). An open file lives on until its last close. */
int fs_remove(struct fs *fs, const char *path, uint32_t len);
/* Read up to n bytes at off of file node: the count (0 at or past the end). */
int32_t fs_read_node(struct fs *fs, int node, uint64_t off, void *buf, uint32_t n);
/* Write n bytes at off: n, or -EFBIG (past FS_FILE_MAX), -ENOSPC (not
 * enough free blocks: nothing is written). */
int32_t fs_write_node(struct fs *fs, int node, uint64_t off, const void *buf, uint32_t n);
/* Set the size of file node, freeing blocks past it: 0, -EFBIG. */
int fs_truncate_node(struct fs *fs, int node, uint64_t size);

/* ---- the protocol: one message per request, one per reply ----
 * A request is a struct fs_req followed by exactly len bytes: the path
 * (OPEN, REMOVE, MKDIR, STAT) or the data (WRITE). A reply is a
 * struct fs_rep followed by its len bytes (READ: data; READDIR: entries;
 * STAT: a struct fs_stat). Fields an op does not use must be zero. */
enum fs_op {
	FS_OP_OPEN = 1, /* flags RC_OPEN_*, access RC_ACCESS_*; res: a handle (1..FS_OPEN_MAX);
			 * RC_OPEN_DIRECTORY: a directory, for READDIR only */
	FS_OP_READ,	/* handle, offset, count <= FS_IO_MAX; res: bytes */
	FS_OP_WRITE,	/* handle, offset, data; res: bytes (RC_OPEN_APPEND: at the end) */
	FS_OP_CLOSE,	/* handle; res 0 */
	FS_OP_TRUNCATE, /* handle, offset = the new size; res 0 */
	FS_OP_REMOVE,	/* path: a file or an empty directory; res 0 */
	FS_OP_MKDIR,	/* path; res 0 */
	FS_OP_READDIR,	/* handle of a directory, offset = first entry, count = reply
			 * bytes; res: entries (struct rc_dirent, sorted: abi.h) */
	FS_OP_STAT,	/* path; res 0, data: struct fs_stat */
	FS_OP_CONNECT,	/* flags = FS_CLIENT_* rights, among the sender's; the message
			 * carries one endpoint: a new client of its own (server loop) */
	FS_OP_COUNT
};

/* In op: answer by CHANNEL_REPLY with RC_CHANNEL_REPLY_RES, the result as
 * the caller's res and the data alone (no struct fs_rep): the user
 * library's translation of rc_prep_open/read/write/readdir/close
 * (user/lib/rfile.c).
 * Only by CHANNEL_CALL; otherwise the op is unknown (-ENOSYS). */
#define FS_OP_RAW (1u << 31)

struct fs_req {
	uint32_t op;
	uint32_t handle;
	uint64_t offset;
	uint64_t tag; /* echoed in the reply: any value */
	uint32_t count;
	uint32_t flags;
	uint32_t access;
	uint32_t len; /* bytes after this header */
};

struct fs_rep {
	int32_t res; /* >= 0, or -RC_E* */
	uint32_t len;
	uint64_t tag;
};

struct fs_stat {
	uint64_t size; /* files: bytes; directories: entries */
	uint32_t type;
	uint32_t node;
};

#define FS_MSG_MAX RC_CHANNEL_MSG_MAX
#define FS_IO_MAX  (FS_MSG_MAX - (uint32_t)sizeof(struct fs_req)) /* data per READ or WRITE */

_Static_assert(sizeof(struct fs_req) == 40, "fs_req is 40 bytes");
_Static_assert(sizeof(struct fs_rep) == 16, "fs_rep is 16 bytes");
_Static_assert(sizeof(struct fs_stat) == 16, "fs_stat is 16 bytes");
_Static_assert(FS_NAME_MAX <= RC_NAME_MAX, "a name READDIR can return");

/* What a client may do (the server's choice when it accepts the client). */
#define FS_CLIENT_READ	(1u << 0) /* OPEN for reading, READ, READDIR, STAT */
#define FS_CLIENT_WRITE (1u << 1) /* anything that changes the file system */

struct fs_open {
	uint16_t node;
	uint8_t used;
	uint8_t access; /* RC_ACCESS_* */
	uint32_t flags; /* RC_OPEN_APPEND */
};

/* One client's view: its rights and its open files (handles are its own:
 * no client can name another's). */
struct fs_client {
	uint32_t rights;
	struct fs_open open[FS_OPEN_MAX];
};

void fs_client_init(struct fs_client *c, uint32_t rights);
/* Close everything c holds (the client is gone). */
void fs_client_reset(struct fs *fs, struct fs_client *c);

/* Decode and run one request of msg_len bytes from client c; the reply
 * (always at least a struct fs_rep) goes to rep, which holds FS_MSG_MAX
 * bytes. Returns the reply's length. Any bytes at all are a valid
 * argument: garbage gets an error reply. */
uint32_t fs_serve(struct fs *fs, struct fs_client *c, const void *msg, uint32_t msg_len, void *rep);

/* ---- the server loop (loop.c): clients are channel endpoints ---- */
#define FS_CONNS_MAX   16u /* clients served at once (a CONNECT past it: -EMFILE) */
#define FS_REPLY_SLOTS 32u /* requests in flight: receive buffers, each with its reply slot */

struct rc_ring;

struct fs_conn {
	uint32_t handle; /* its endpoint; 0: a free slot */
	uint8_t armed;	 /* its multishot receive is armed */
	uint8_t rearm;	 /* it ended (the pool ran dry): arm it again */
	struct fs_client client;
};

struct fs_server {
	struct fs *fs;
	struct rc_ring *ring;
	uint32_t ctl; /* new clients arrive here: 4 bytes of rights and an endpoint */
	uint8_t *ctl_buf;
	struct rc_channel_info *ctl_info;
	struct fs_conn conns[FS_CONNS_MAX];
	struct rc_pbuf_pool pool; /* FS_REPLY_SLOTS receive buffers of RC_PBUF_LEN_MAX bytes */
	uint8_t *slots;		  /* FS_REPLY_SLOTS replies of FS_MSG_MAX bytes */
	uint32_t pool_free;	  /* buffers provided and not yet filled */
	struct {
		uint64_t requests, replies, passes, clients, clients_gone;
	} stats;
};

/* Bytes of buffer memory fs_server_init wants (hosted: from rc_alloc). */
#define FS_SERVER_MEM_SIZE                             \
	(FS_MSG_MAX + sizeof(struct rc_channel_info) + \
	 (size_t)FS_REPLY_SLOTS * (RC_PBUF_LEN_MAX + FS_MSG_MAX))
size_t fs_server_mem_size(void);
/* Serve fs on ring; ctl (0: none) is where new clients arrive; mem holds
 * fs_server_mem_size() bytes. Receives are queued, not yet submitted. */
int fs_server_init(struct fs_server *s, struct fs *fs, struct rc_ring *ring, uint32_t ctl,
		   void *mem);
/* Serve endpoint handle as a new client with rights: its index, or -EMFILE. */
int fs_server_add(struct fs_server *s, uint32_t handle, uint32_t rights);
/* One pass: (wait: wait for a completion first) serve every completion
 * ready, then submit the replies and receives it queued. The number of
 * completions handled, or a submit error. */
int fs_server_poll(struct fs_server *s, int wait);
/* Nothing left to serve: the control channel and every client are gone,
 * every reply has been sent. */
int fs_server_done(const struct fs_server *s);

/* ---- the boot archive ----
 * "rcarch1\n", then entries: struct fs_ar_entry, the name (a path), zero
 * padding to 8, the data, zero padding to 8; an entry with type 0 ends it.
 * Directories are made for every path's parents. Packed by tools/mkarchive.c. */
#define FS_AR_MAGIC "rcarch1\n"
struct fs_ar_entry {
	uint32_t type; /* FS_FILE, FS_DIR, or 0: the end */
	uint32_t name_len;
	uint32_t size; /* data bytes (0 for a directory) */
	uint32_t rsvd; /* zero */
};
_Static_assert(sizeof(struct fs_ar_entry) == 16, "fs_ar_entry is 16 bytes");

/* Load an archive of len bytes into fs: the number of entries loaded, or
 * -EINVAL (malformed: it never reads outside [ar, ar + len)) or the
 * error of the entry that failed (entries before it stay loaded). */
int fs_ar_load(struct fs *fs, const void *ar, size_t len);

#endif
