/*
 * elf.c - load a static ELF64 executable into a fresh address space.
 * The image is untrusted: every offset and size is bounds-checked, every
 * segment must lie in the user half, and no segment may be both writable
 * and executable (W^X) or share a page with another segment.
 */
#include "mm.h"
#include "proc.h"

#define ET_EXEC 2
#define PT_LOAD 1
#define PF_X	1
#define PF_W	2

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

/* Header sanity: 64-bit little-endian executable for this CPU (ARCH_ELF_MACHINE) with sane phdrs. */
static bool ehdr_ok(const struct elf64_ehdr *eh, size_t len)
{
	static const uint8_t magic[] = { 0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* LE */ };
	if (len < sizeof(*eh) || memcmp(eh->ident, magic, sizeof(magic)) != 0)
		return false;
	if (eh->type != ET_EXEC || eh->machine != ARCH_ELF_MACHINE)
		return false;
	if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 || eh->phnum > 64)
		return false;
	return eh->phoff < len && eh->phnum * sizeof(struct elf64_phdr) <= len - eh->phoff;
}

/* One program header checked on its own: 0, or -ENOEXEC. */
static int phdr_ok(const struct elf64_phdr *ph, size_t len)
{
	if ((ph->flags & PF_W) && (ph->flags & PF_X))
		return -RC_ENOEXEC;
	if (ph->memsz < ph->filesz || ph->offset > len || ph->filesz > len - ph->offset)
		return -RC_ENOEXEC;
	uint64_t end = ph->vaddr + ph->memsz;
	if (end < ph->vaddr || ph->vaddr < USER_MIN || end > USTACK_TOP - USTACK_PAGES * PAGE_SIZE)
		return -RC_ENOEXEC;
	return 0;
}

/* The pages segment ph spans. */
static uint64_t phdr_pages(const struct elf64_phdr *ph)
{
	return (ALIGN_UP(ph->vaddr + ph->memsz, PAGE_SIZE) - ALIGN_DOWN(ph->vaddr, PAGE_SIZE)) /
	       PAGE_SIZE;
}

/* Map and fill one PT_LOAD segment (checked by phdr_ok). */
static int load_segment(uint64_t pml4, const uint8_t *image, const struct elf64_phdr *ph)
{
	uint64_t end = ph->vaddr + ph->memsz;
	int perm = (ph->flags & PF_W) ? VM_WRITE : (ph->flags & PF_X) ? VM_EXEC : VM_READ;

	for (uint64_t va = ALIGN_DOWN(ph->vaddr, PAGE_SIZE); va < end; va += PAGE_SIZE) {
		pte_t *pte = vm_walk(pml4, va, false);
		if (pte && (*pte & PTE_P))
			return -RC_ENOEXEC; /* overlapping segments */
		uint64_t pa = pmm_alloc();
		if (!pa)
			return -RC_ENOMEM;
		int r = vm_map_user(pml4, va, pa, perm);
		if (r < 0) {
			pmm_free(pa);
			return r;
		}
		/* Copy the file-backed part of [va, va+PAGE_SIZE); the rest stays zero. */
		uint64_t lo = va > ph->vaddr ? va : ph->vaddr;
		uint64_t hi = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE
								      : ph->vaddr + ph->filesz;
		if (lo < hi)
			memcpy((uint8_t *)P2V(pa) + (lo - va),
			       image + ph->offset + (lo - ph->vaddr), hi - lo);
	}
	return 0;
}

/* Program header i, copied out (the image need not align it). */
static struct elf64_phdr phdr_at(const void *image, const struct elf64_ehdr *eh, int i)
{
	struct elf64_phdr ph;
	memcpy(&ph, (const uint8_t *)image + eh->phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
	return ph;
}

/* Load all PT_LOAD segments, every header checked before anything is
 * mapped; *entry must land in an executable user page. *pages: the pages
 * mapped (at most ELF_PAGES_MAX: a bigger image is -ENOEXEC). */
int elf_load(uint64_t pml4, const void *image, size_t len, uint64_t *entry, size_t *pages)
{
	struct elf64_ehdr eh;
	if (!image || len < sizeof(eh))
		return -RC_ENOEXEC;
	memcpy(&eh, image, sizeof(eh));
	if (!ehdr_ok(&eh, len))
		return -RC_ENOEXEC;
	uint64_t total = 0;
	int nload = 0;
	for (int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph = phdr_at(image, &eh, i);
		if (ph.type != PT_LOAD)
			continue;
		if (phdr_ok(&ph, len) < 0) /* memsz 0 too: filesz must fit in it */
			return -RC_ENOEXEC;
		if (ph.memsz == 0)
			continue;
		total += phdr_pages(&ph);
		if (total > ELF_PAGES_MAX)
			return -RC_ENOEXEC;
		nload++;
	}
	if (!nload || eh.entry < USER_MIN || eh.entry >= USER_TOP)
		return -RC_ENOEXEC;
	for (int i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph = phdr_at(image, &eh, i);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		int r = load_segment(pml4, image, &ph);
		if (r < 0)
			return r;
	}
	pte_t *pte = vm_walk(pml4, eh.entry, false);
	if (!pte || !(*pte & PTE_P) || (*pte & PTE_NX))
		return -RC_ENOEXEC;
	*entry = eh.entry;
	*pages = (size_t)total;
	return 0;
}
