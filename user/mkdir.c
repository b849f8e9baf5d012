/* mkdir - make directories. */
#include "ulib.h"
#include "fsc.h"

int main(int argc, char **argv)
{
	int status = 0;
	for (int i = 1; i < argc; i++) {
		int r = fsc_mkdir(argv[i]);
		if (r < 0) {
			printf("mkdir: %s: %s\n", argv[i], rc_err_name(r));
			status = 1;
		}
	}
	return status;
}
