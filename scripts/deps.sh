#!/usr/bin/env bash
# Install what building and testing ringcall needs on Debian 12, when run as
# root; otherwise print the exact command to run.
set -euo pipefail
pkgs=(gcc clang make libcmocka-dev liburing-dev gnuplot-nox qemu-system-x86 ipxe-qemu
      gcc-riscv64-linux-gnu gcc-aarch64-linux-gnu valgrind g++ pkg-config
      grub-pc-bin grub-common xorriso mtools spin libseccomp-dev clang-format)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "ringcall: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "ringcall: missing packages. Run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
	exit 1
fi
