/* xstack - hostile: execute code on the (NX) stack; must be killed with #PF. */
#include "ulib.h"

int main(void)
{
	volatile uint8_t code[16] = { 0xc3 }; /* ret */
	((void (*)(void))(uintptr_t)code)();
	printf("xstack: stack was executable!\n");
	return 0;
}
