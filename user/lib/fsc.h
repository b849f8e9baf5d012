/*
 * fsc.h - files for ringcall kernel programs, through the file server
 * (user/fs/): each call one request and its reply on the process's
 * channel to the server. Results are as rc_prep_open/read/write/close's
 * would be (a handle, a count, 0, or -RC_E*); docs/kernel.md "User space".
 */
#ifndef USER_FSC_H
#define USER_FSC_H

#include <stdint.h>
#include "../fs/fs.h"

/* The channel to the file server: SPAWN's first handle, by init's and
 * the shell's convention (0: none, every call answers -EBADF). */
extern uint32_t fsc_channel;
/* The service channel to init: SPAWN's second handle when there is one
 * (0: none). A call that gets -EPIPE (the server died) returns it, and
 * asks init here for a new connection first, which init sends once it has
 * restarted the server: the next call reaches the new server. Open
 * files do not survive a restart (calls on them answer -EPIPE), nor does
 * what was written. */
extern uint32_t fsc_svc;
#define FSC_SVC_CHANNEL (1u << 31) /* ask init for a new service channel, not a connection */

/* Paths: a relative one is taken from the working directory; "." and
 * ".." are resolved here (the server refuses ".."), ".." of the root is
 * the root. The directory starts as the parent passed it (the shell
 * passes its own: rt_cwd_arg), else "/". */
/* path made absolute and normalized into out (FS_PATH_MAX + 1 bytes): 0,
 * or -ENAMETOOLONG. */
int fsc_resolve(const char *path, char *out);
/* Change the working directory: 0, or -ENOENT/-ENOTDIR/-ENAMETOOLONG. */
int fsc_chdir(const char *path);
const char *fsc_getcwd(void);
/* An argument that passes dir to a child (the last of its argv): the
 * runtime takes it off before main (rt_cwd_arg). */
#define FSC_CWD_ARG "\001cwd="

int fsc_open(const char *path, uint32_t access, uint32_t flags); /* RC_ACCESS_*, RC_OPEN_* */
int32_t fsc_read(int fd, void *buf, uint32_t n, uint64_t off);
int32_t fsc_write(int fd, const void *buf, uint32_t n, uint64_t off);
int fsc_close(int fd);
int fsc_truncate(int fd, uint64_t size);
int fsc_mkdir(const char *path);
int fsc_remove(const char *path);
int fsc_stat(const char *path, struct fs_stat *st);
/* A new connection to the server with rights (FS_CLIENT_*, among ours):
 * our end's handle, to pass to a child at SPAWN; or -errno. */
int fsc_connect(uint32_t rights);
/* A new connection from init through fsc_svc replaces fsc_channel: 0 or
 * -errno (-EBADF: no service channel). */
int fsc_reconnect(void);
/* A new service channel to init, to pass to a child at SPAWN: our end of
 * it, or -errno. */
int fsc_svc_channel(void);

#endif
