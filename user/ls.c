/* ls - list directories (default /): size and name, directories with a '/'. */
#include "ulib.h"
#include "fsc.h"

static int list(const char *path)
{
	static uint8_t buf[2048];
	uint32_t first = 0;
	for (;;) {
		int n = fsc_list(path, first, buf, sizeof(buf));
		if (n < 0) {
			printf("ls: %s: %s\n", path, rc_err_name(n));
			return 1;
		}
		if (n == 0)
			return 0;
		uint8_t *p = buf;
		for (int i = 0; i < n; i++) {
			struct fs_dirent d;
			memcpy(&d, p, sizeof(d));
			char name[FS_NAME_MAX + 1];
			memcpy(name, p + sizeof(d), d.name_len);
			name[d.name_len] = 0;
			if (d.type == FS_DIR)
				printf("       -  %s/\n", name);
			else
				printf("%8lu  %s\n", (unsigned long)d.size, name);
			p += sizeof(d) + ((d.name_len + 7) & ~7u);
		}
		first += (uint32_t)n;
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return list("/");
	int status = 0;
	for (int i = 1; i < argc; i++)
		status |= list(argv[i]);
	return status;
}
