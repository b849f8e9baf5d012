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
 * The porting hooks' access to a process's memory (rce_port_user_check,
 * _copy_in, _copy_out): through the kernel's direct map of the frames,
 * whatever address space is live, with each page's translation cached
 * per process. A message costs the engine two to four checks and as many
 * copies; a 4-level walk for each, and a CR3 switch for each copy into
 * another process, were most of the kernel's share of an IPC round trip.
 *
 * Why a cached translation is still right when it is used:
 * - Only the removal of a user PTE can make one wrong (nothing downgrades
 *   a PTE in place: vm_map_user fills empty ones only), and every removal
 *   (vm_unmap_user, vm_destroy) bumps vm_unmap_gen, with release order,
 *   after clearing the PTE. A slot is used only while the generation it
 *   was filled in is current; the fill reads the generation (acquire)
 *   before walking, so a walk that saw the old PTE is tagged with the old
 *   generation, and a slot tagged with the new one saw the cleared PTE.
 * - A removal that bumps the generation after our check still cannot
 *   free the frame under our copy: UNMAP and ring teardown free frames
 *   only after tlb_shootdown, which waits for this CPU to flush, and the
 *   hooks run with interrupts off (under the owner's rk lock) and take no
 *   lock (whose spin would serve the flush) between lookup and copy. So
 *   the copy lands before the frame is freed, as one made just before
 *   the unmap would have. vm_destroy frees without a shootdown, but only
 *   after kproc_rings_exit, under the same rk lock: no hook runs for the
 *   process any more.
 * - Every user frame comes from the frame allocator (vm_map_user's
 *   callers: ELF load, stack, MAP, ring regions), so the direct map holds
 *   it. The slots are the process's and are used under its rk lock (or
 *   before it runs), like the rest of its ctx.
 */
#define UC_SLOTS 32  /* direct-mapped on the page number */
#define UC_WRITE 1ul /* in uc_slot.page: the page is writable */

struct uc_slot {
	uint64_t page; /* user page address | UC_WRITE; 0: empty */
	uint64_t gen;  /* vm_unmap_gen when it was filled */
	uint8_t *kva;  /* the frame through the direct map */
};
static struct uc_slot ucache[NPROC][UC_SLOTS];

/* p's user page at page (aligned) through the direct map, if it is
 * present and user-accessible, and writable when write; NULL if not. */
static uint8_t *user_page(struct proc *p, uint64_t page, bool write)
{
	/* Pairs with the release increment after a PTE is cleared. */
	uint64_t gen = __atomic_load_n(&vm_unmap_gen, __ATOMIC_ACQUIRE);
	struct uc_slot *s = &ucache[p - proc_at(0)][(page >> PAGE_SHIFT) % UC_SLOTS];
	if (s->gen == gen && (s->page & ~UC_WRITE) == page && s->page &&
	    (!write || (s->page & UC_WRITE)))
		return s->kva;
	pte_t *pte = vm_walk(p->pml4, page, false);
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return NULL;
	if (write && !(*pte & PTE_W))
		return NULL;
	s->page = page | ((*pte & PTE_W) ? UC_WRITE : 0);
	s->gen = gen;
	s->kva = P2V(*pte & PTE_ADDR_MASK);
	return s->kva;
}

/* n bytes from src to dst, eight at a time. */
static void copy_words(void *dst, const void *src, size_t n)
{
	size_t q = n / 8, r = n % 8;
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q)::"memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r)::"memory");
}

/* Is [uaddr, uaddr + len) p's user memory, writable if write? (As
 * vm_check_user, through the cache.) */
bool user_range_ok_proc(struct proc *p, uint64_t uaddr, size_t len, bool write)
{
	if (!p->pml4)
		return false; /* the process is gone */
	if (len == 0)
		return uaddr <= USER_TOP;
	if (uaddr + len < uaddr || uaddr + len > USER_TOP)
		return false;
	for (uint64_t a = ALIGN_DOWN(uaddr, PAGE_SIZE); a < uaddr + len; a += PAGE_SIZE)
		if (!user_page(p, a, write))
			return false;
	return true;
}

/*
 * Copy len bytes between kernel kbuf and p's user memory at uaddr,
 * whatever address space is live (a completion runs in whatever context
 * finishes it: another process, the timer interrupt). Each page is
 * checked as it is copied. Returns 0 or -EFAULT; on -EFAULT a prefix may
 * have been copied.
 */
long copy_user_proc(struct proc *p, void *kbuf, uint64_t uaddr, size_t len, bool to_user)
{
	if (!p->pml4 || uaddr + len < uaddr || uaddr + len > USER_TOP)
		return -RC_EFAULT;
	uint8_t *k = kbuf;
	while (len) {
		size_t off = uaddr & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
		if (n > len)
			n = len;
		uint8_t *u = user_page(p, uaddr - off, to_user);
		if (!u)
			return -RC_EFAULT;
		if (to_user)
			copy_words(u + off, k, n);
		else
			copy_words(k, u + off, n);
		uaddr += n, k += n, len -= n;
	}
	return 0;
}
