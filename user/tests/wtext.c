/* wtext - hostile: write to our own code page (W^X); must be killed with #PF. */
#include "ulib.h"

int main(void)
{
	*(volatile uint8_t *)(uintptr_t)&main = 0xc3;
	printf("wtext: code page was writable!\n");
	return 0;
}
