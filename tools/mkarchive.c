/*
 * mkarchive - pack the file server's boot archive (user/fs/fs.h "the boot
 * archive"): mkarchive OUT DEST=SRC... puts file SRC at path DEST; DEST/
 * (ending in '/', no '=') makes an empty directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../user/fs/fs.h"

static void put(FILE *out, const void *p, size_t n)
{
	static const char zero[8];
	if (fwrite(p, 1, n, out) != n || fwrite(zero, 1, (8 - n % 8) % 8, out) != (8 - n % 8) % 8) {
		perror("mkarchive: write");
		exit(1);
	}
}

/* The whole of file path, its size in *n. */
static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0) {
		perror(path);
		exit(1);
	}
	long size = ftell(f);
	rewind(f);
	char *buf = malloc(size ? (size_t)size : 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		exit(1);
	}
	fclose(f);
	*n = (size_t)size;
	return buf;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkarchive OUT [DEST=SRC | DIR/]...\n");
		return 2;
	}
	FILE *out = fopen(argv[1], "wb");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	if (fwrite(FS_AR_MAGIC, 1, 8, out) != 8)
		return 1;
	for (int i = 2; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		size_t name_len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
		size_t size = 0;
		char *data = eq ? slurp(eq + 1, &size) : NULL;
		if (name_len == 0 || name_len > FS_PATH_MAX || size > FS_FILE_MAX ||
		    (!eq && argv[i][name_len - 1] != '/')) {
			fprintf(stderr, "mkarchive: %s: bad entry (or too long, or too big)\n",
				argv[i]);
			return 1;
		}
		struct fs_ar_entry e = { .type = eq ? FS_FILE : FS_DIR,
					 .name_len = (uint32_t)name_len,
					 .size = (uint32_t)size };
		if (fwrite(&e, 1, sizeof(e), out) != sizeof(e))
			return 1;
		put(out, argv[i], name_len);
		put(out, data ? data : "", size);
		free(data);
	}
	struct fs_ar_entry end = { 0 };
	if (fwrite(&end, 1, sizeof(end), out) != sizeof(end) || fclose(out) != 0) {
		perror("mkarchive");
		return 1;
	}
	return 0;
}
