# mk/install.mk - the installable libraries and `make install` / `uninstall`.
#
# Two libraries, each static and shared, exporting only rc_* symbols:
#   libringcall         the portable user library (lib/uring.c, names.c, fmt.c, version.c, service.c)
#   libringcall-hosted  the Linux client and in-process ring (rc_connect,
#                       rc_inproc_init...): the engine and the hosted runtime
#                       inside it, hidden (needs libringcall)
# The static archives hold one pre-linked object each whose non-rc_ symbols
# are made local (objcopy), so host_worker_start & co. cannot clash with a
# program's own names. ringcall-server links build/host/libringcall.a, the
# private everything-archive, as before.

PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
MANDIR      ?= $(PREFIX)/share/man
PCDIR       ?= $(LIBDIR)/pkgconfig
INSTALL     ?= install

RC_VMAJOR := $(shell sed -n 's/^\#define RC_VERSION_MAJOR[[:space:]]\+\([0-9]*\)/\1/p' include/ringcall/version.h)
RC_VMINOR := $(shell sed -n 's/^\#define RC_VERSION_MINOR[[:space:]]\+\([0-9]*\)/\1/p' include/ringcall/version.h)
RC_VPATCH := $(shell sed -n 's/^\#define RC_VERSION_PATCH[[:space:]]\+\([0-9]*\)/\1/p' include/ringcall/version.h)
RC_VERSION := $(RC_VMAJOR).$(RC_VMINOR).$(RC_VPATCH)

USERLIB_SRCS  ?= lib/uring.c lib/names.c lib/version.c lib/trace.c lib/fmt.c lib/service.c
HOSTEDLIB_SRCS = $(filter-out $(USERLIB_SRCS),$(LIB_SRCS)) $(HOSTED_SRCS)
PUBLIC_HDRS    = $(wildcard include/ringcall/*.h) include/ringcall/syscalls.def
PIC := $(O)/pic
PIC_FLAGS := $(CSTD) $(WARN) $(INC) -O2 -g -fPIC -pthread

$(PIC)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(PIC_FLAGS) -c $< -o $@

# $(1) = library name, $(2) = sources, $(3) = extra link arguments.
define rc_library
$(PIC)/$(1).a: $(patsubst %.c,$(PIC)/obj/%.o,$(2))
	@rm -f $$@ $$@.o
	$(LD) -r -o $$@.o $$^
	objcopy -w --keep-global-symbol='rc_*' $$@.o
	ar rcs $$@ $$@.o
	@rm -f $$@.o
$(PIC)/$(1).so.$(RC_VERSION): $(patsubst %.c,$(PIC)/obj/%.o,$(2)) mk/ringcall.map $(filter-out -l%,$(3))
	$(CC) -shared -Wl,-soname,$(1).so.$(RC_VMAJOR) -Wl,--version-script=mk/ringcall.map \
		-Wl,--no-undefined -o $$@ $$(filter %.o,$$^) $(3) -pthread
	ln -sf $(1).so.$(RC_VERSION) $(PIC)/$(1).so.$(RC_VMAJOR)
	ln -sf $(1).so.$(RC_VERSION) $(PIC)/$(1).so
endef
$(eval $(call rc_library,libringcall,$(USERLIB_SRCS),))
$(eval $(call rc_library,libringcall-hosted,$(HOSTEDLIB_SRCS),$(PIC)/libringcall.so.$(RC_VERSION) $(HOST_LIBS)))

RC_LIBS := $(PIC)/libringcall.a $(PIC)/libringcall.so.$(RC_VERSION) \
           $(PIC)/libringcall-hosted.a $(PIC)/libringcall-hosted.so.$(RC_VERSION)

# pkg-config files, for the prefix given at build time.
$(PIC)/%.pc: mk/%.pc.in include/ringcall/version.h
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(RC_VERSION)|' $< > $@

.PHONY: libs install uninstall
libs: $(RC_LIBS) $(PIC)/ringcall.pc $(PIC)/ringcall-hosted.pc

RC_MAN_PAGES = $(wildcard man/man*/*.[1-9])

install: libs $(O)/host/ringcall-server $(O)/host/ringcall-run
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(PCDIR) \
		$(DESTDIR)$(INCLUDEDIR)/ringcall
	$(INSTALL) -m 755 $(O)/host/ringcall-server $(O)/host/ringcall-run $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 644 $(PUBLIC_HDRS) $(DESTDIR)$(INCLUDEDIR)/ringcall/
	$(INSTALL) -m 644 $(PIC)/libringcall.a $(PIC)/libringcall-hosted.a $(DESTDIR)$(LIBDIR)/
	$(INSTALL) -m 755 $(PIC)/libringcall.so.$(RC_VERSION) $(PIC)/libringcall-hosted.so.$(RC_VERSION) \
		$(DESTDIR)$(LIBDIR)/
	for l in libringcall libringcall-hosted; do \
		ln -sf $$l.so.$(RC_VERSION) $(DESTDIR)$(LIBDIR)/$$l.so.$(RC_VMAJOR); \
		ln -sf $$l.so.$(RC_VERSION) $(DESTDIR)$(LIBDIR)/$$l.so; done
	$(INSTALL) -m 644 $(PIC)/ringcall.pc $(PIC)/ringcall-hosted.pc $(DESTDIR)$(PCDIR)/
	for m in $(RC_MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$m)); \
		$(INSTALL) -d $$d && $(INSTALL) -m 644 $$m $$d/ || exit 1; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ringcall-server $(DESTDIR)$(BINDIR)/ringcall-run
	rm -rf $(DESTDIR)$(INCLUDEDIR)/ringcall
	for l in libringcall libringcall-hosted; do \
		rm -f $(DESTDIR)$(LIBDIR)/$$l.a $(DESTDIR)$(LIBDIR)/$$l.so \
		      $(DESTDIR)$(LIBDIR)/$$l.so.$(RC_VMAJOR) $(DESTDIR)$(LIBDIR)/$$l.so.$(RC_VERSION); done
	rm -f $(DESTDIR)$(PCDIR)/ringcall.pc $(DESTDIR)$(PCDIR)/ringcall-hosted.pc
	for m in $(RC_MAN_PAGES); do \
		rm -f $(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$m))/$$(basename $$m); done
