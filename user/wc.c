/* wc - lines, words and bytes of each file. */
#include "ulib.h"
#include "fsc.h"

int main(int argc, char **argv)
{
	static char buf[8 * FS_IO_MAX]; /* 8 requests in one trap */
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int fd = fsc_open(argv[i], RC_ACCESS_RDONLY, 0);
		if (fd < 0) {
			printf("wc: %s: %s\n", argv[i], rc_err_name(fd));
			status = 1;
			continue;
		}
		uint64_t off = 0, lines = 0, words = 0;
		int32_t n;
		int in_word = 0;
		while ((n = fsc_read(fd, buf, sizeof(buf), off)) > 0) {
			for (int k = 0; k < n; k++) {
				char c = buf[k];
				lines += c == '\n';
				int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
				words += !space && !in_word;
				in_word = !space;
			}
			off += (uint64_t)n;
		}
		fsc_close(fd);
		if (n < 0) {
			printf("wc: %s: %s\n", argv[i], rc_err_name(n));
			status = 1;
			continue;
		}
		printf("%7lu %7lu %7lu %s\n", (unsigned long)lines, (unsigned long)words,
		       (unsigned long)off, argv[i]);
	}
	return status;
}
