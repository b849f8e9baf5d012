# mk/iso.mk - `make iso`: a bootable CD/USB image of the ringcall kernel,
# GRUB from Debian's packages (grub-pc-bin, grub-common, xorriso, mtools).
# The kernel is Multiboot v1 (kernel/kernel.mk), which GRUB's `multiboot`
# command loads; the menu passes the kernel command line ("demo", "test").
# BIOS boot, hybrid (a CD with -cdrom, or a disk/USB image). `make iso-run`
# boots it in QEMU on the PC machine (not microvm: a CD needs the BIOS).

ISO       := $(O)/ringcall.iso
ISO_DIR   := $(O)/iso
ISO_QEMU_FLAGS := -M pc -accel tcg -cpu max -m 128M -smp 2 -no-reboot -display none \
                  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -monitor none

.PHONY: iso iso-run
iso: $(ISO)

$(ISO): $(K_IMG) mk/iso.mk mk/grub.cfg
	@rm -rf $(ISO_DIR)
	@mkdir -p $(ISO_DIR)/boot/grub
	cp $(K_IMG) $(ISO_DIR)/boot/kernel.img
	cp mk/grub.cfg $(ISO_DIR)/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(ISO_DIR) 2>$(O)/iso.log || { cat $(O)/iso.log; exit 1; }

# The default menu entry runs the demo, which ends QEMU through
# isa-debug-exit: status 33 is the guest's success.
iso-run: $(ISO)
	@qemu-system-x86_64 $(ISO_QEMU_FLAGS) -serial stdio -cdrom $(ISO); \
	 st=$$?; if [ $$st -eq 33 ]; then exit 0; else echo "iso-run: QEMU exit status $$st"; exit 1; fi
