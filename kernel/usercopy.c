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
 * The porting hooks' access to a process's memory (rce_port_user_ptr,
 * _copy_in, _copy_out): through the kernel's direct map of the frames,
 * whatever address space is live, with each page's translation cached
 * per process. A message costs the engine two to four checks and as many
 * copies; a 4-level walk for each, and a CR3 switch for each copy into
 * another process, were most of the kernel's share of an IPC round trip.
 *
 * Why a cached translation is still right when it is used:
 * - Only the removal of a user PTE can make one wrong (nothing downgrades
 *   a PTE in place: vm_map_user fills empty ones only). The user pages of
 *   p are unmapped only under p's rk lock (docs/kernel.md "Locking": UNMAP
 *   and MAP's undo are engine calls for p, a ring's region goes in
 *   kring_destroy under its owner's lock), and each such removal empties
 *   p's slots (uc_forget) before it releases the lock. The hooks for p run
 *   only under that lock too (every engine call for p's ctx), so no hook
 *   runs while a removal is under way, and none after it finds a slot
 *   filled before it. (Until 2026-12-03 every removal bumped a global
 *   generation that each hook compared: 4 instructions a hook, 7 hooks a
 *   round trip, for a race the lock already excludes.)
 * - The frames an unmap frees go after its tlb_shootdown, still under
 *   p's lock: no hook for p is between its lookup and its copy then.
 * - vm_destroy frees p's space only after kproc_rings_exit (under the rk
 *   lock): p has no ctx any more, so no hook runs for it; its slots are
 *   emptied then too, and a new process in its slot starts with them
 *   cleared (proc_alloc clears everything above rk_lock).
 * - Every user frame comes from the frame allocator (vm_map_user's
 *   callers: ELF load, stack, MAP, ring regions), so the direct map holds
 *   it. The slots are the process's and are used under its rk lock (or
 *   before it runs), like the rest of its ctx.
 */
void uc_forget(struct proc *p)
{
	memset(p->rk.ucache, 0, sizeof(p->rk.ucache));
}

/* The slot caching p's user page at page (aligned), if one does (and the
 * page is writable when write); NULL otherwise (not cached, or not
 * accessible: user_page decides). Its kva is then set. Inline, without
 * calls: the hooks' common case is this and a copy. */
static inline const struct uc_slot *uc_hit(struct proc *p, uint64_t page, int write)
{
	const struct uc_slot *s = &p->rk.ucache[(page >> PAGE_SHIFT) % UC_SLOTS];
	/* A read takes a writable page too; an empty slot (tag 0) lacks
	 * UC_VALID, so it matches no page, page 0 included. */
	return (s->tag | !write) == (page | UC_VALID | UC_WRITE) ? s : NULL;
}

/* p's user page at page (aligned) through the direct map, if it is
 * present and user-accessible, and writable when write; NULL if not. A
 * miss walks and fills a slot. */
static uint8_t *user_page(struct proc *p, uint64_t page, int write)
{
	const struct uc_slot *hit = uc_hit(p, page, write);
	if (hit)
		return hit->kva;
	pte_t *pte = vm_walk(p->pml4, page, false);
	if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U))
		return NULL;
	if (write && !(*pte & PTE_W))
		return NULL;
	struct uc_slot *s = &p->rk.ucache[(page >> PAGE_SHIFT) % UC_SLOTS];
	s->tag = page | UC_VALID | ((*pte & PTE_W) ? UC_WRITE : 0);
	s->kva = P2V(*pte & PTE_ADDR_MASK);
	return s->kva;
}

/* n bytes from src to dst, eight at a time. */
static void copy_words(void *dst, const void *src, size_t n)
{
	size_t q = n / 8, r = n % 8;
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q)::"memory");
	if (r)
		__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r)::"memory");
}

/* Is [uaddr, uaddr + len) p's user memory, writable if write? 0 or
 * -EFAULT. (As vm_check_user, through the cache.) */
static __attribute__((noinline)) int user_check_proc(struct proc *p, uint64_t uaddr, size_t len,
						     int write)
{
	uint64_t end = uaddr + len;
	if (!p->pml4 || end < uaddr || end > USER_TOP)
		return -RC_EFAULT; /* the process is gone, or the range wraps or leaves the user half */
	for (uint64_t a = ALIGN_DOWN(uaddr, PAGE_SIZE); a < end; a += PAGE_SIZE)
		if (!user_page(p, a, write))
			return -RC_EFAULT;
	return 0;
}

/*
 * Copy len bytes between kernel kbuf and p's user memory at uaddr,
 * whatever address space is live (a completion runs in whatever context
 * finishes it: another process, the timer interrupt). Each page is
 * checked as it is copied. Returns 0 or -EFAULT; on -EFAULT a prefix may
 * have been copied.
 */
static __attribute__((noinline)) int copy_user_proc(struct proc *p, void *kbuf, uint64_t uaddr,
						    size_t len, int to_user)
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

/* ---- the porting hooks (include/ringcall/port.h) ----
 *
 * Each starts with the common case inline: the range within one page of
 * the user half whose translation is cached. Anything else (a miss, two
 * pages, a bad range, a process gone: its slots were emptied with its
 * space) takes the general path. */

/* Does [addr, addr + len) lie in one page (not running past its end, so
 * not wrapping around either)? Sets *page to it. Not checked against the
 * user half: a page that hits in the cache is a user page, and the range
 * ends at most at its end. */
static inline bool one_page(uint64_t addr, uint64_t len, uint64_t *page)
{
	uint64_t off = addr & (PAGE_SIZE - 1);
	*page = addr - off;
	return len <= PAGE_SIZE - off;
}

/* Decode's check: the range is in the caller's user half, mapped present
 * and user-accessible, and writable when the kernel will write to it.
 * A range within one cached page comes back as its address in the direct
 * map, which the engine may copy through until the op that asked returns:
 * that op runs under p's rk lock, every removal of p's mappings (and the
 * freeing of their frames) happens under that lock too, so the frame stays
 * p's page until then (the argument above). Anything else that passes is
 * RCE_PORT_CHECKED: the copies go through the hooks below (a range over
 * two pages is not contiguous in the direct map). */
void *rce_port_user_ptr(struct rce_ctx *ctx, uint64_t addr, uint64_t len, int write)
{
	struct proc *p = ctx->port;
	const struct uc_slot *hit;
	uint64_t page;
	if (one_page(addr, len, &page) && (hit = uc_hit(p, page, write)))
		return hit->kva + (addr - page);
	return user_check_proc(p, addr, len, write) ? NULL : RCE_PORT_CHECKED;
}

/* The copy of a hit: 8 to 16 bytes (a message's word, a short reply)
 * as two 8-byte moves that may overlap, no string instruction to set up
 * (~6 instructions instead of ~12); anything else eight at a time. */
static inline __attribute__((always_inline)) void copy_hit(void *dst, const void *src, size_t n)
{
	if (n - 8 <= 8) {
		uint64_t a, b;
		__builtin_memcpy(&a, src, 8);
		__builtin_memcpy(&b, (const uint8_t *)src + n - 8, 8);
		__builtin_memcpy(dst, &a, 8);
		__builtin_memcpy((uint8_t *)dst + n - 8, &b, 8);
		return;
	}
	copy_words(dst, src, n);
}

/* Copies re-check each page and go through the direct map, whatever
 * address space is live. */
int rce_port_copy_in(struct rce_ctx *ctx, void *dst, uint64_t src, uint64_t len)
{
	struct proc *p = ctx->port;
	const struct uc_slot *hit;
	uint64_t page;
	if (one_page(src, len, &page) && (hit = uc_hit(p, page, 0))) {
		copy_hit(dst, hit->kva + (src - page), len);
		return 0;
	}
	return copy_user_proc(p, dst, src, len, 0);
}

int rce_port_copy_out(struct rce_ctx *ctx, uint64_t dst, const void *src, uint64_t len)
{
	struct proc *p = ctx->port;
	const struct uc_slot *hit;
	uint64_t page;
	if (one_page(dst, len, &page) && (hit = uc_hit(p, page, 1))) {
		copy_hit(hit->kva + (dst - page), src, len);
		return 0;
	}
	return copy_user_proc(p, (void *)src, dst, len, 1);
}
