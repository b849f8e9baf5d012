/* kwrite - hostile: write to (mapped, supervisor-only) kernel memory; must be killed with #PF. */
#include "ulib.h"

int main(void)
{
	*(volatile uint64_t *)0xffff800000100000ul = 0xbad;
	printf("kwrite: kernel write succeeded!\n");
	return 0;
}
