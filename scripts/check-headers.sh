#!/usr/bin/env bash
# Each public header compiles alone, as C11 and as C++17, pedantically: no
# header leans on another's includes or on C-only constructs.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
for h in include/ringcall/*.h; do
	inc="#include \"ringcall/$(basename "$h")\""
	for lang in "gcc -x c -std=c11" "g++ -x c++ -std=c++17"; do
		# shellcheck disable=SC2086
		if ! echo "$inc" | $lang -pedantic -Wall -Wextra -Werror -Iinclude -fsyntax-only - ; then
			echo "FAIL: $h as ${lang##* }"; bad=1
		fi
	done
done
[ $bad -eq 0 ] && echo "headers: every public header compiles alone as C11 and C++17"
exit $bad
