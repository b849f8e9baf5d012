# mk/reference.mk - the syscall reference and the man pages, generated from
# syscalls.def and the public headers by tools/gendoc.c and checked in:
#   docs/syscalls.md, man/man3/*.3, man/man7/ringcall.7
# `make` regenerates them; `make test` (scripts/check-reference.sh) fails
# when the checked-in copies differ from what the table and headers say.
# man/man1 is written by hand.

GENDOC    := $(O)/tools/gendoc
REF_HDRS   = $(sort $(wildcard include/ringcall/*.h))

$(GENDOC): tools/gendoc.c lib/names.c lib/fmt.c $(wildcard include/ringcall/*.h include/ringcall/*.def)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(WARN) -Wno-format-truncation -Iinclude -O1 tools/gendoc.c lib/names.c lib/fmt.c -o $@

.PHONY: reference
# Into OUT (default: the tree), replacing the generated man sections whole
# so a page whose function is gone goes too.
REF_OUT ?= .
reference: $(GENDOC)
	@rm -rf $(REF_OUT)/man/man3 $(REF_OUT)/man/man7
	@$(GENDOC) $(REF_OUT) include/ringcall/syscalls.def $(REF_HDRS)

all: reference
