/*
 * rt_spawnimg - SPAWN of an ELF image from memory (init rt_spawnimg):
 * /bin/exitcode read through the file server runs and exits 42; so does
 * a copy written to the file system at run time; every prefix of it short
 * of its loadable bytes, and images broken one header field at a time,
 * are refused with -ENOEXEC
 * (nothing runs); garbage, a bad pointer and a length past the limit get
 * -ENOEXEC, -EFAULT and -EINVAL. The kernel test checks that every frame
 * comes back.
 */
#include "ulib.h"
#include "fsc.h"

static uint8_t elf[64 * 1024], bad[64 * 1024];
static uint32_t elf_len;

static int32_t read_file(const char *path, uint8_t *buf, uint32_t size)
{
	int fd = fsc_open(path, RC_ACCESS_RDONLY, 0);
	if (fd < 0)
		return fd;
	int32_t r = fsc_read(fd, buf, size, 0);
	fsc_close(fd);
	return r;
}

/* SPAWN image (len bytes) as "exitcode": its wait status, or -errno. */
static long run_image(const void *image, uint32_t len)
{
	const char *argv[] = { "exitcode", NULL };
	long pid = spawn_image(argv, image, len, NULL, 0);
	if (pid < 0)
		return pid;
	return waitpid((int)pid, NULL);
}

/* The image with n bytes at off replaced by val (little-endian). */
static long run_patched(uint32_t off, uint64_t val, uint32_t n)
{
	memcpy(bad, elf, elf_len);
	memcpy(bad + off, &val, n);
	return run_image(bad, elf_len);
}

int main(void)
{
	int32_t r = read_file("/bin/exitcode", elf, sizeof(elf));
	CHECK(r > 64 && r < (int32_t)sizeof(elf), "read /bin/exitcode: %d", r);
	if (r <= 64)
		return rt_report("rt_spawnimg");
	elf_len = (uint32_t)r;
	CHECK_EQ(run_image(elf, elf_len), 42);

	/* Written at run time, read back, run. */
	int fd = fsc_open("/tmp/exitcode2", RC_ACCESS_RDWR, RC_OPEN_CREATE | RC_OPEN_TRUNC);
	CHECK(fd > 0, "create: %d", fd);
	CHECK_EQ(fsc_write(fd, elf, elf_len, 0), elf_len);
	CHECK_EQ(fsc_close(fd), 0);
	CHECK_EQ(read_file("/tmp/exitcode2", bad, sizeof(bad)), elf_len);
	CHECK_EQ(run_image(bad, elf_len), 42);
	CHECK_EQ(fsc_remove("/tmp/exitcode2"), 0);

	/* Header fields (offsets of struct elf64_ehdr), and where the
	 * loadable bytes end (section headers may follow: not needed). */
	uint64_t phoff, need = 0;
	uint16_t phnum;
	memcpy(&phoff, elf + 32, 8);
	memcpy(&phnum, elf + 56, 2);
	for (uint16_t i = 0; i < phnum; i++) {
		uint64_t off, filesz;
		uint32_t type;
		memcpy(&type, elf + phoff + i * 56u, 4);
		memcpy(&off, elf + phoff + i * 56u + 8, 8);
		memcpy(&filesz, elf + phoff + i * 56u + 32, 8);
		if (type == 1 && off + filesz > need)
			need = off + filesz;
	}
	CHECK(need > 64 && need <= elf_len, "loadable bytes end at %lu", (unsigned long)need);

	/* Every prefix short of them is refused: the headers, then each
	 * segment, cut; with them all it runs. */
	int refused = 0, prefixes = 0;
	for (uint32_t n = 1; n < need; n += n < 256 ? 1 : 61, prefixes++)
		refused += run_image(elf, n) == -RC_ENOEXEC;
	CHECK_EQ(refused, prefixes);
	CHECK_EQ(run_image(elf, (uint32_t)need), 42);

	CHECK_EQ(run_patched(0, 0x7f454c47, 4), -RC_ENOEXEC);	      /* magic */
	CHECK_EQ(run_patched(4, 1, 1), -RC_ENOEXEC);		      /* 32-bit */
	CHECK_EQ(run_patched(16, 3, 2), -RC_ENOEXEC);		      /* ET_DYN */
	CHECK_EQ(run_patched(18, 183, 2), -RC_ENOEXEC);		      /* aarch64 */
	CHECK_EQ(run_patched(24, 0x1000, 8), -RC_ENOEXEC);	      /* entry: unmapped */
	CHECK_EQ(run_patched(24, UINT64_C(1) << 63, 8), -RC_ENOEXEC); /* entry: kernel half */
	CHECK_EQ(run_patched(32, elf_len, 8), -RC_ENOEXEC);	      /* phoff past the end */
	CHECK_EQ(run_patched(32, UINT64_MAX - 8, 8), -RC_ENOEXEC);    /* phoff wraps */
	CHECK_EQ(run_patched(54, 32, 2), -RC_ENOEXEC);		      /* phentsize */
	CHECK_EQ(run_patched(56, 0, 2), -RC_ENOEXEC);		      /* no program headers */
	CHECK_EQ(run_patched(56, 65535, 2), -RC_ENOEXEC);	      /* too many */
	/* Each PT_LOAD header's fields (struct elf64_phdr). */
	for (uint16_t i = 0; i < phnum; i++) {
		uint32_t ph = (uint32_t)phoff + i * 56u, type;
		uint64_t filesz;
		memcpy(&type, elf + ph, 4);
		memcpy(&filesz, elf + ph + 32, 8);
		if (type != 1)
			continue;
		CHECK_EQ(run_patched(ph + 4, 7, 4), -RC_ENOEXEC);	/* W and X */
		CHECK_EQ(run_patched(ph + 8, elf_len, 8), -RC_ENOEXEC); /* offset past the end */
		CHECK_EQ(run_patched(ph + 16, 0x1000, 8), -RC_ENOEXEC); /* below USER_MIN */
		CHECK_EQ(run_patched(ph + 16, UINT64_C(1) << 63, 8), -RC_ENOEXEC); /* kernel */
		CHECK_EQ(run_patched(ph + 32, elf_len + 1, 8), -RC_ENOEXEC); /* filesz past end */
		if (filesz)
			CHECK_EQ(run_patched(ph + 40, 0, 8), -RC_ENOEXEC); /* memsz < filesz */
		CHECK_EQ(run_patched(ph + 40, UINT64_C(1) << 40, 8), -RC_ENOEXEC); /* 1 TiB */
		CHECK_EQ(run_patched(ph + 40, UINT64_MAX, 8), -RC_ENOEXEC);	   /* wraps */
	}

	/* Garbage, a bad pointer, too long. */
	for (uint32_t i = 0; i < sizeof(bad); i++)
		bad[i] = (uint8_t)(i * 131 + 7);
	CHECK_EQ(run_image(bad, sizeof(bad)), -RC_ENOEXEC);
	CHECK_EQ(run_image((const void *)0x1000, 4096), -RC_EFAULT);
	CHECK_EQ(run_image(elf, RC_SPAWN_IMAGE_MAX + 1), -RC_EINVAL);
	/* And the image still runs: nothing above changed the kernel's state. */
	CHECK_EQ(run_image(elf, elf_len), 42);
	return rt_report("rt_spawnimg");
}
