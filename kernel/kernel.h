/* kernel.h - basic types, console, panic, assertions; string routines (lib/string.c). */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "asm.h"

#include "ringcall/abi.h"   /* errors: RC_E* (docs/abi.md), the one vocabulary */
#include "../lib/cstring.h" /* lib/string.c: memcpy, strlen, ... (not a public header) */
#include "ringcall/fmt.h"   /* lib/fmt.c: the formatter */

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)	 ALIGN_DOWN((x) + (a)-1, (a))
#define UNUSED		 __attribute__((unused))
#define NORETURN	 __attribute__((noreturn))

struct trapframe;

/* serial.c */
void serial_init(void);			    /* program COM1 for 115200 8N1 */
void serial_putc(char c);		    /* blocking write of one byte (adds CR before LF) */
void serial_write(const char *s, size_t n); /* write n bytes */
int serial_getc(void);			    /* received byte or -1, never blocks */
void uart_lock_acquire(void);		    /* one message at a time on the console */
void uart_lock_release(void);
extern bool panicking; /* set by panic: console locks are skipped */

/* printf.c: to the console (lib/fmt.c formats; fmt.h lists the conversions) */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
#define ksnprintf  rc_snprintf /* into a buffer: lib/fmt.c as it is */
#define kvsnprintf rc_vsnprintf

/* panic.c */
NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
NORETURN void panic_tf(struct trapframe *tf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
NORETURN void qemu_exit(int status); /* 0 ok, 1 test failure, 2 panic */
void dump_trapframe(const struct trapframe *tf);

#define assert(c)                                                                       \
	do {                                                                            \
		if (!(c))                                                               \
			panic("assertion failed: %s at %s:%d", #c, __FILE__, __LINE__); \
	} while (0)

/* main.c */
extern char kcmdline[256];	    /* multiboot command line copy */
bool cmdline_has(const char *word); /* true if word appears as a token */

#endif
