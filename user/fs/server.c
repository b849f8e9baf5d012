/*
 * server.c - the file server of the ringcall kernel: a RAM file system
 * (ramfs.c) loaded at start from the boot archive that the build links
 * into this program (fs_archive, kernel.mk), served over channels.
 *
 *   fs            serve: new clients arrive on the channel SPAWN gave it
 *                 first (4 bytes of rights and an endpoint each, from
 *                 init), and by CONNECT from clients it has
 *   fs selftest   load the archive, check what it holds, exit 0 (a test)
 *   fs die-after=N   serve, then exit (status 9) once N requests are
 *                 served: init -d N, the restart test
 *   fs hold-after=N  serve N requests, then answer none (sleep until
 *                 killed): init -h N, so that a test's requests are
 *                 surely in flight when it kills the server
 */
#include "ulib.h"
#include "fs.h"

extern const uint8_t fs_archive[], fs_archive_end[];

#define ARENA_ADDR  UINT64_C(0x10000000)
#define ARENA_PAGES 1024u /* 4 MiB of file data */

static struct fs the_fs;
static struct fs_server srv;
static uint8_t srv_mem[FS_SERVER_MEM_SIZE] __attribute__((aligned(64)));

/* Map the data arena and load the boot archive: entries loaded, or -errno. */
static int fs_boot(void)
{
	int r = rt_map(ARENA_ADDR, ARENA_PAGES, RC_MAP_WRITE);
	if (r < 0)
		return r;
	fs_init(&the_fs, (void *)ARENA_ADDR, (size_t)ARENA_PAGES * 4096);
	return fs_ar_load(&the_fs, fs_archive, (size_t)(fs_archive_end - fs_archive));
}

/* The archive holds the README, the docs and the programs, whole. */
static int selftest(int loaded)
{
	CHECK(loaded > 10, "loaded %d", loaded);
	static const char want[] = "# ringcall";
	char buf[16];
	int n = fs_lookup(&the_fs, "README.md", 9);
	CHECK(n > 0, "README.md: %d", n);
	if (n > 0) {
		CHECK_EQ(fs_read_node(&the_fs, n, 0, buf, sizeof(want) - 1), sizeof(want) - 1);
		CHECK(memcmp(buf, want, sizeof(want) - 1) == 0, "README.md starts %.10s", buf);
	}
	n = fs_lookup(&the_fs, "/bin/hello", 10);
	CHECK(n > 0, "bin/hello: %d", n);
	if (n > 0) {
		CHECK_EQ(fs_read_node(&the_fs, n, 0, buf, 4), 4);
		CHECK(memcmp(buf, "\177ELF", 4) == 0, "bin/hello is not an ELF");
	}
	CHECK(fs_lookup(&the_fs, "docs/kernel.md", 14) > 0, "no docs/kernel.md");
	CHECK(fs_lookup(&the_fs, "bin/fs", 6) == -RC_ENOENT, "bin/fs: the server holds itself");
	n = fs_lookup(&the_fs, "tmp", 3);
	CHECK(n > 0 && the_fs.nodes[n].type == FS_DIR, "tmp: %d", n);
	printf("fs: boot archive: %d entries, %ld bytes, %u of %u blocks used\n", loaded,
	       (long)(fs_archive_end - fs_archive), the_fs.nblocks - the_fs.nfree, the_fs.nblocks);
	return rt_report("fs selftest");
}

int main(int argc, char **argv)
{
	int loaded = fs_boot();
	if (loaded < 0) {
		printf("fs: loading the boot archive failed: %d\n", loaded);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "selftest") == 0)
		return selftest(loaded);
	uint64_t die_after = 0, hold_after = 0;
	if (argc > 1 && memcmp(argv[1], "die-after=", 10) == 0)
		die_after = (uint64_t)atol(argv[1] + 10);
	if (argc > 1 && memcmp(argv[1], "hold-after=", 11) == 0)
		hold_after = (uint64_t)atol(argv[1] + 11);
	printf("fs: pid %ld serving %d files and directories from the boot archive\n", getpid(),
	       loaded);
	/* From here the loop owns the ring's completions: no rt_sync (it would
	 * keep the loop's CQEs for itself). printf's writes post none. */
	fs_server_init(&srv, &the_fs, &rt_ring, RK_SPAWN_HANDLE(0), srv_mem);
	while (!fs_server_done(&srv)) {
		int r = fs_server_poll(&srv, 1);
		if (r < 0) {
			printf("fs: ring error %d\n", r);
			return 3;
		}
		if (die_after && srv.stats.requests >= die_after) {
			printf("fs: dying on purpose after %lu requests, clients connected\n",
			       (unsigned long)srv.stats.requests);
			return 9;
		}
		if (hold_after && srv.stats.requests >= hold_after) {
			printf("fs: holding after %lu requests: no more replies\n",
			       (unsigned long)srv.stats.requests);
			for (;;) { /* requests pile up unanswered until we are killed */
				struct rc_sqe *sqe = rt_sqe();
				rc_prep_timeout(sqe, RC_TIMEOUT_MAX_NS, 0, 0);
				rt_sync(sqe);
			}
		}
	}
	printf("fs: no clients left: %lu requests in %lu passes\n",
	       (unsigned long)srv.stats.requests, (unsigned long)srv.stats.passes);
	return 0;
}
