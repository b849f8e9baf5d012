/* wc - lines, words and bytes of each file: rc_prep_open/read/close on
 * the ring, the same source for the kernel and for Linux (rtfile.h). */
#include "rtfile.h"

int main(int argc, char **argv)
{
	char *buf = rt_alloc(RTF_BATCH * RTF_CHUNK);
	int status = 0;
	for (int i = 1; i < argc && buf; i++) {
		int fd = rtf_open(argv[i], RC_ACCESS_RDONLY, 0);
		if (fd < 0) {
			printf("wc: %s: %s\n", argv[i], rc_err_name(fd));
			status = 1;
			continue;
		}
		uint64_t off = 0, lines = 0, words = 0;
		int32_t n;
		int in_word = 0;
		for (uint32_t k = 1; (n = rtf_read(fd, buf, RTF_BATCH * RTF_CHUNK, off, k)) > 0;
		     k = k < RTF_BATCH ? 2 * k : k) {
			for (int j = 0; j < n; j++) {
				char c = buf[j];
				lines += c == '\n';
				int space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
				words += !space && !in_word;
				in_word = !space;
			}
			off += (uint64_t)n;
		}
		rtf_close(fd);
		if (n < 0) {
			printf("wc: %s: %s\n", argv[i], rc_err_name(n));
			status = 1;
			continue;
		}
		printf("%7lu %7lu %7lu %s\n", (unsigned long)lines, (unsigned long)words,
		       (unsigned long)off, argv[i]);
	}
	return buf ? status : 2;
}
