/*
 * printf.c - formatted output to the serial console. The formatter is
 * lib/fmt.c, the one the user runtime and the library use too.
 */
#include "kernel.h"

static void put_serial(void *arg UNUSED, char c)
{
	serial_putc(c);
}

/* printf to the serial console, one message at a time across CPUs
 * (uart_lock; a panic does not wait for it). */
int kvprintf(const char *fmt, va_list ap)
{
	uart_lock_acquire();
	int n = rc_vformat(put_serial, NULL, fmt, ap);
	uart_lock_release();
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}
