/*
 * usercopy.c - the only sanctioned way for the kernel to touch user memory.
 * Two layers: (1) check the range against the process's page tables (user
 * half, no overflow, present+user, writable if needed); (2) copy with
 * copy_user_raw(), whose faults are fixed up to -EFAULT, so a page
 * unmapped between check and copy still can't crash the kernel. With SMAP
 * on, copy_user_raw is also the only code that *can* touch user pages.
 */
#include "arch.h"
#include "mm.h"
#include "proc.h"

/* Current process's page tables, or 0 for kernel threads. */
static uint64_t cur_pml4(void)
{
	struct proc *p = myproc();
	if (!p || !p->pml4)
		return 0;
	assert(arch_aspace() == p->pml4); /* raw copies go through the live CR3 */
	return p->pml4;
}

/* True if [uaddr, uaddr+len) is accessible by the current process. */
bool user_range_ok(uint64_t uaddr, size_t len, bool write)
{
	uint64_t pml4 = cur_pml4();
	return pml4 && vm_check_user(pml4, uaddr, len, write);
}

/* Copy len bytes from user uaddr into kernel dst: 0 or -EFAULT. */
int copy_from_user(void *dst, uint64_t uaddr, size_t len)
{
	if (!user_range_ok(uaddr, len, false))
		return -RC_EFAULT;
	return (int)copy_user_raw(dst, (const void *)uaddr, len);
}

/* Copy len bytes from kernel src to user uaddr: 0 or -EFAULT. */
int copy_to_user(uint64_t uaddr, const void *src, size_t len)
{
	if (!user_range_ok(uaddr, len, true))
		return -RC_EFAULT;
	return (int)copy_user_raw((void *)uaddr, src, len);
}

/*
 * Copy a NUL-terminated user string into dst[max]: returns its length,
 * -EFAULT on a bad address, -EINVAL if no NUL within max-1 bytes.
 */
long strncpy_from_user(char *dst, uint64_t uaddr, size_t max)
{
	size_t n = 0;
	while (n < max) {
		size_t chunk = PAGE_SIZE - ((uaddr + n) & (PAGE_SIZE - 1));
		if (chunk > max - n)
			chunk = max - n;
		if (copy_from_user(dst + n, uaddr + n, chunk) < 0)
			return -RC_EFAULT;
		size_t len = strnlen(dst + n, chunk);
		if (len < chunk)
			return (long)(n + len);
		n += chunk;
	}
	if (max)
		dst[max - 1] = 0;
	return -RC_EINVAL;
}

/*
 * Copy len bytes between kernel kbuf and user uaddr in the address space
 * pml4, which need not be the live one: ring completions run in whatever
 * context finishes them (another process, the timer interrupt), so this
 * borrows pml4 for the copy (the kernel half is the same in every space,
 * so kbuf stays valid). Page by page: each page is checked against pml4,
 * then copied through its user address under the fault fixup. Returns 0
 * or -EFAULT; on -EFAULT a prefix may have been copied.
 */
long copy_user_as(uint64_t pml4, void *kbuf, uint64_t uaddr, size_t len, bool to_user)
{
	if (!pml4)
		return -RC_EFAULT; /* the process is gone */
	uint64_t prev = arch_aspace();
	if (prev != pml4)
		arch_aspace_load(pml4);
	long err = 0;
	uint8_t *k = kbuf;
	while (len) {
		size_t n = PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
		if (n > len)
			n = len;
		if (!vm_check_user(pml4, uaddr, n, to_user)) {
			err = -RC_EFAULT;
			break;
		}
		err = to_user ? copy_user_raw((void *)uaddr, k, n)
			      : copy_user_raw(k, (const void *)uaddr, n);
		if (err)
			break;
		uaddr += n, k += n, len -= n;
	}
	if (prev != pml4)
		arch_aspace_load(prev);
	return err;
}
