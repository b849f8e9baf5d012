/* priv - hostile: privileged instruction in ring 3; must be killed with #GP. */
#include "ulib.h"

int main(void)
{
	__asm__ volatile("cli; hlt");
	printf("priv: privileged instruction succeeded!\n");
	return 0;
}
