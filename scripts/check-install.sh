#!/usr/bin/env bash
# make install into a scratch DESTDIR, then use ringcall as a user would,
# from outside the tree: pkg-config for the flags, an example in C and a
# program in C++, linked shared and static. Checks that the libraries export
# only rc_* symbols and that make uninstall removes every installed file.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dest=$(mktemp -d /tmp/ringcall-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
prefix=/usr/local
make --no-print-directory -s install PREFIX=$prefix DESTDIR="$dest" >/dev/null

lib=$dest$prefix/lib
for f in bin/ringcall-server bin/ringcall-run include/ringcall/ringcall.h include/ringcall/hosted.h \
	 include/ringcall/syscalls.def lib/libringcall.a lib/libringcall.so \
	 lib/libringcall-hosted.a lib/libringcall-hosted.so lib/pkgconfig/ringcall.pc \
	 lib/pkgconfig/ringcall-hosted.pc share/man/man1/ringcall-server.1 share/man/man1/ringcall-run.1 \
	 share/man/man3/rc_connect.3 share/man/man3/rc_prep_read.3 share/man/man7/ringcall.7; do
	[ -e "$dest$prefix/$f" ] || { echo "not installed: $prefix/$f"; exit 1; }
done
[ -z "$(ls "$dest$prefix/include/ringcall" | grep -v -e '\.h$' -e '\.def$')" ]
! [ -e "$dest$prefix/include/ringcall/host.h" ] # the runtime's internals stay private

# Only rc_* leaves the libraries, shared or static.
leaks=$( { nm -D --defined-only "$lib"/libringcall.so "$lib"/libringcall-hosted.so;
	   nm -g --defined-only "$lib"/libringcall.a "$lib"/libringcall-hosted.a; } |
	 awk 'NF == 3 {print $3}' | grep -v '^rc_' || true)
[ -z "$leaks" ] || { echo "exported beyond rc_*:"; echo "$leaks" | head; exit 1; }
nm -D --defined-only "$lib"/libringcall-hosted.so | grep -e ' T rc_connect$' >/dev/null
ver=$(PKG_CONFIG_LIBDIR=$lib/pkgconfig pkg-config --modversion ringcall)
abi=$(sed -n 's/^#define RC_ABI_VERSION[[:space:]]\+\([0-9]*\)u.*/\1/p' include/ringcall/abi.h)
[ "$("$dest$prefix/bin/ringcall-server" --version)" = "ringcall-server $ver (ABI $abi)" ]

# A user's build, outside the tree, flags from pkg-config only.
export PKG_CONFIG_LIBDIR=$lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
work=$dest/work
mkdir "$work"
cp examples/inproc_ring.c tests/install/hello.cpp "$work"/
cd "$work"
flags=$(pkg-config --cflags --libs ringcall-hosted)
case $flags in *"$root"*) echo "pkg-config points into the tree: $flags"; exit 1;; esac
# shellcheck disable=SC2086
gcc -std=c11 -Wall -Wextra -Werror inproc_ring.c $flags -o app_c
# shellcheck disable=SC2086
g++ -std=c++17 -Wall -Wextra -Werror -pedantic hello.cpp $flags -o app_cxx
LD_LIBRARY_PATH=$lib ./app_c | grep -e '^NOP(-5000) = -22: NOP: res = -5000' >/dev/null
LD_LIBRARY_PATH=$lib ./app_cxx | grep -xe 'C++: ringcall [0-9.]*, NOP = 42, op 7 is READ' >/dev/null
# The binaries really use the installed shared libraries.
LD_LIBRARY_PATH=$lib ldd ./app_c | grep -e "$lib/libringcall-hosted.so" >/dev/null
# Static: the archives, no run-time dependency on ringcall.
# shellcheck disable=SC2086
gcc -std=c11 inproc_ring.c $(pkg-config --cflags ringcall-hosted) -L"$lib" \
	-Wl,-Bstatic -lringcall-hosted -lringcall -Wl,-Bdynamic -pthread -lseccomp -o app_static
! ldd ./app_static | grep -e ringcall
./app_static | grep -e '^NOP(-5000) = -22' >/dev/null
cd "$root"

make --no-print-directory -s uninstall PREFIX=$prefix DESTDIR="$dest" >/dev/null
left=$(cd "$dest" && find . \( -type f -o -type l \) ! -path './work/*')
[ -z "$left" ] || { echo "left after uninstall:"; echo "$left"; exit 1; }
echo "install: installed, built outside the tree in C and C++ (shared, static), uninstalled"
