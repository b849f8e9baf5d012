/* hello - greet with argv; "-q" as argv[1] exits silently (bulk spawn tests). */
#include "ulib.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "-q") == 0)
		return 0;
	char line[256];
	int n = snprintf(line, sizeof(line), "hello: pid %ld, argc %d:", getpid(), argc);
	for (int i = 0; i < argc && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s", argv[i]);
	printf("%s\n", line); /* one write: lines from concurrent processes don't mix */
	return 0;
}
