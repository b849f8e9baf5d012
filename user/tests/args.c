/* args - exit 0 iff argv is exactly {"args", "alpha", "beta", NULL}. */
#include "ulib.h"

int main(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[0], "args") || strcmp(argv[1], "alpha") ||
	    strcmp(argv[2], "beta") || argv[3] != NULL)
		return 1;
	if (((uintptr_t)__builtin_frame_address(0) & 15) != 0)
		return 2; /* crt0 must keep the ABI stack alignment */
	return 0;
}
