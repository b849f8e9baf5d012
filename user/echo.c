/* echo - print the arguments, separated by spaces (one console write). */
#include "ulib.h"

int main(int argc, char **argv)
{
	char line[512];
	int n = 0;
	for (int i = 1; i < argc && n < (int)sizeof(line) - 1; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, i > 1 ? " %s" : "%s", argv[i]);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	rt_write(line, (size_t)n);
	return 0;
}
