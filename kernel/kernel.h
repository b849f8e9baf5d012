/* kernel.h - basic types, console, panic, string routines, assertions. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "asm.h"

#include "ringcall/abi.h" /* errors: RC_E* (docs/abi.md), the one vocabulary */

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

/* printf.c */
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* to COM1 */
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t n, const char *fmt, va_list ap);

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

/* string.c - the compiler may emit calls to these, so they must exist. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strlcpy_k(char *dst, const char *src, size_t n);

/* main.c */
extern char kcmdline[256];	    /* multiboot command line copy */
bool cmdline_has(const char *word); /* true if word appears as a token */

#endif
