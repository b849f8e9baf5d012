/* unmapped - hostile: read an unmapped user address; must be killed with #PF. */
#include "ulib.h"

int main(void)
{
	uint64_t v = *(volatile uint64_t *)0x10000000ul;
	printf("unmapped: read %lx!\n", (unsigned long)v);
	return 0;
}
