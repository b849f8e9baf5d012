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

int fsc_open(const char *path, uint32_t access, uint32_t flags); /* RC_ACCESS_*, RC_OPEN_* */
int32_t fsc_read(int fd, void *buf, uint32_t n, uint64_t off);
int32_t fsc_write(int fd, const void *buf, uint32_t n, uint64_t off);
int fsc_close(int fd);
int fsc_truncate(int fd, uint64_t size);
int fsc_mkdir(const char *path);
int fsc_remove(const char *path);
int fsc_stat(const char *path, struct fs_stat *st);
/* Entries of directory path from index first, packed struct fs_dirents
 * in buf: how many, or -errno. */
int fsc_list(const char *path, uint32_t first, void *buf, uint32_t size);
/* A new connection to the server with rights (FS_CLIENT_*, among ours):
 * our end's handle, to pass to a child at SPAWN; or -errno. */
int fsc_connect(uint32_t rights);

#endif
