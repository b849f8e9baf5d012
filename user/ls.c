/* ls - list directories (default: the working directory), sorted by name:
 * a file's size and name, a directory's name with a '/'. OPEN with
 * RC_OPEN_DIRECTORY, READDIR and CLOSE on the ring: the same source for
 * the kernel and for Linux (user/lib/rtfile.h). */
#include "rtfile.h"

#define LS_BUF 4096u /* entries per READDIR: at least one of any name */

_Static_assert(LS_BUF >= RC_DIRENT_MAX, "a buffer for the longest name");

/* Print the n entries in buf; the number printed (a malformed entry ends it). */
static uint32_t print_entries(const char *buf, int32_t n)
{
	const char *p = buf;
	uint32_t k = 0;
	for (; k < (uint32_t)n; k++) {
		struct rc_dirent d;
		memcpy(&d, p, sizeof(d));
		if (d.reclen != RC_DIRENT_LEN(d.name_len) ||
		    d.reclen > LS_BUF - (uint32_t)(p - buf))
			break;
		const char *name = p + sizeof(d); /* NUL-terminated */
		if (d.type == RC_DT_DIR)
			printf("       -  %s/\n", name);
		else if (d.type == RC_DT_FILE)
			printf("%8lu  %s\n", (unsigned long)d.size, name);
		else
			printf("       ?  %s\n", name);
		p += d.reclen;
	}
	return k;
}

/* List directory path: 0, or 1 after printing why not. */
static int list(const char *path, char *buf)
{
	int fd = rtf_open(path, RC_ACCESS_RDONLY, RC_OPEN_DIRECTORY);
	if (fd < 0) {
		printf("ls: %s: %s\n", path, rc_err_name(fd));
		return 1;
	}
	uint64_t index = 0;
	int32_t n;
	while ((n = rtf_readdir(fd, buf, LS_BUF, index)) > 0) {
		uint32_t k = print_entries(buf, n);
		if (k < (uint32_t)n) {
			n = -RC_EIO;
			break;
		}
		index += k;
	}
	rtf_close(fd);
	if (n < 0) {
		printf("ls: %s: %s\n", path, rc_err_name(n));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *buf = rt_alloc(LS_BUF);
	if (!buf)
		return 2;
	if (argc < 2)
		return list(".", buf);
	int status = 0;
	for (int i = 1; i < argc; i++)
		status |= list(argv[i], buf);
	return status;
}
