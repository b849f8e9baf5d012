#!/usr/bin/env bash
# One code style for the whole tree (.clang-format): every tracked C source
# and header must be exactly what clang-format makes of it. `make format`
# rewrites them. Pinned to clang-format 14 (Debian 12): other versions lay
# out some constructs differently.
set -euo pipefail
cd "$(dirname "$0")/.."
cf=$(command -v clang-format-14 || command -v clang-format || true)
[ -n "$cf" ] || { echo "check-format: clang-format not installed (apt-get install clang-format)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.h')
if [ "${1:-}" = "--fix" ]; then
	"$cf" -i "${files[@]}"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	"$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
[ ${#bad[@]} -eq 0 ] && exit 0
echo "check-format: not in the tree's style (run 'make format'):" >&2
printf '  %s\n' "${bad[@]}" >&2
exit 1
