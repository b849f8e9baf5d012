# mk/examples.mk - `make examples`: the programs under examples/, built the
# way a user builds them: public headers only (-Iinclude, no -Ihosted), linked
# with the installable libraries. scripts/check-examples.sh runs them.

EXAMPLE_SRCS := $(wildcard examples/*.c)
EXAMPLES     := $(patsubst examples/%.c,$(O)/examples/%,$(EXAMPLE_SRCS))

.PHONY: examples
examples: $(EXAMPLES)

$(O)/examples/%: examples/%.c $(O)/pic/libringcall-hosted.a $(O)/pic/libringcall.a \
		$(wildcard include/ringcall/*.h)
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -O2 -Iinclude $< $(O)/pic/libringcall-hosted.a \
		$(O)/pic/libringcall.a -pthread $(HOST_LIBS) -o $@
