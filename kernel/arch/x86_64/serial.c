/* serial.c - COM1 16550 UART console, polled (no interrupts needed). */
#include "kernel.h"
#include "spinlock.h"
#include "x86.h"

#define COM1 0x3f8

/* Program COM1 for 115200 baud 8N1 with FIFOs; safe to call twice. */
void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: we poll */
	outb(COM1 + 3, 0x80); /* DLAB on to set divisor */
	outb(COM1 + 0, 0x01); /* divisor 1 = 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1, DLAB off */
	outb(COM1 + 2, 0xc7); /* enable + clear FIFOs */
	outb(COM1 + 4, 0x03); /* DTR | RTS */
}

/* Wait for the transmit holding register, bounded so a dead UART can't hang us. */
static void serial_tx(char c)
{
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		;
	outb(COM1, (uint8_t)c);
}

/* Blocking write of one byte; LF becomes CRLF for terminals. */
void serial_putc(char c)
{
	if (c == '\n')
		serial_tx('\r');
	serial_tx(c);
}

/* "uart": whole messages (kprintf, CONSOLE_WRITE chunks) come out
 * unmixed. A leaf lock. After a panic it is not taken: the panicking CPU
 * may hold it, and the message matters more than its neatness. */
static struct spinlock uart_lock = SPINLOCK_INIT("uart");
bool panicking;

void uart_lock_acquire(void)
{
	if (!panicking)
		acquire(&uart_lock);
}

void uart_lock_release(void)
{
	if (!panicking)
		release(&uart_lock);
}

/* Write n bytes. */
void serial_write(const char *s, size_t n)
{
	uart_lock_acquire();
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
	uart_lock_release();
}

/* One received byte, or -1 if none is waiting (never blocks). */
int serial_getc(void)
{
	if (!(inb(COM1 + 5) & 0x01)) /* LSR: data ready */
		return -1;
	return inb(COM1);
}
