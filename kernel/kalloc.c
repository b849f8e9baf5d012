/*
 * kalloc.c - kernel heap: power-of-two size classes carved from whole
 * frames (via the direct map), large blocks straight from the frame
 * allocator.  Small-class pages are kept for reuse, never returned.
 * kalloc_lock guards the free lists; it is taken before pmm's lock.
 */
#include "mm.h"
#include "spinlock.h"

#define MIN_SHIFT 5  /* 32-byte blocks */
#define MAX_SHIFT 11 /* 2048-byte blocks */
#define NCLASS	  (MAX_SHIFT - MIN_SHIFT + 1)
#define HDR_MAGIC 0x6b6d616cu /* "kmal" */
#define LARGE	  0xffffffffu

struct hdr { /* precedes every block; keeps 16-byte alignment */
	uint32_t magic;
	uint32_t cls;	 /* size class or LARGE */
	uint64_t npages; /* LARGE only */
};

struct free_block {
	struct free_block *next;
};

static struct free_block *freelist[NCLASS];
static size_t small_live; /* small-class blocks in use (their pages are never returned) */
static struct spinlock kalloc_lock = SPINLOCK_INIT("kalloc");

/* Smallest class whose block holds n bytes plus the header, or -1. */
static int class_for(size_t n)
{
	for (int c = 0; c < NCLASS; c++)
		if (n + sizeof(struct hdr) <= (1ul << (c + MIN_SHIFT)))
			return c;
	return -1;
}

/* Carve a fresh frame into blocks of class c; false on OOM. */
static bool refill(int c)
{
	uint64_t pa = pmm_alloc();
	if (!pa)
		return false;
	size_t bs = 1ul << (c + MIN_SHIFT);
	char *page = P2V(pa);
	for (size_t off = 0; off + bs <= PAGE_SIZE; off += bs) {
		struct free_block *b = (struct free_block *)(page + off);
		b->next = freelist[c];
		freelist[c] = b;
	}
	return true;
}

/* Allocate n bytes (16-byte aligned); NULL on OOM or n == 0. */
void *kmalloc(size_t n)
{
	if (n == 0)
		return NULL;
	int c = class_for(n);
	struct hdr *h;
	if (c < 0) {
		if (n > (1ul << 30))
			return NULL;
		size_t np = ALIGN_UP(n + sizeof(struct hdr), PAGE_SIZE) / PAGE_SIZE;
		uint64_t pa = pmm_alloc_contig(np);
		if (!pa)
			return NULL;
		h = P2V(pa);
		h->cls = LARGE;
		h->npages = np;
	} else {
		acquire(&kalloc_lock);
		if (!freelist[c] && !refill(c)) {
			release(&kalloc_lock);
			return NULL;
		}
		h = (struct hdr *)freelist[c];
		freelist[c] = freelist[c]->next;
		small_live++;
		release(&kalloc_lock);
		h->cls = (uint32_t)c;
		h->npages = 0;
	}
	h->magic = HDR_MAGIC;
	return h + 1;
}

/* kmalloc + zero fill. */
void *kzalloc(size_t n)
{
	void *p = kmalloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

/* Free a kmalloc block; bad pointers and double frees panic. */
void kfree(void *p)
{
	if (!p)
		return;
	struct hdr *h = (struct hdr *)p - 1;
	if (h->magic != HDR_MAGIC)
		panic("kfree: bad pointer %p", p);
	h->magic = 0;
	if (h->cls == LARGE) {
		pmm_free_contig(V2P(h), h->npages);
		return;
	}
	uint32_t c = h->cls; /* read before the free-list link overwrites it */
	assert(c < NCLASS);
	struct free_block *b = (struct free_block *)h;
	acquire(&kalloc_lock);
	b->next = freelist[c];
	freelist[c] = b;
	small_live--;
	release(&kalloc_lock);
}

/* Small-class blocks in use now: a leak of one shows here, not in the
 * free frame count (their pages stay with the heap). */
size_t kmalloc_small_live(void)
{
	acquire(&kalloc_lock);
	size_t n = small_live;
	release(&kalloc_lock);
	return n;
}
