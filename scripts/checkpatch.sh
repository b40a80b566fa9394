#!/usr/bin/env bash
# Run the kernel's checkpatch.pl (from Debian's linux-source) over the module
# and the uapi header. Exit non-zero on any error or warning.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/linux-source.sh")
cd "$top"
compat=kmod/compat.h
files=$(git ls-files 'kmod/*.c' 'kmod/*.h' 'include/uapi/*.h' | grep -vxF "$compat")
# --no-tree: we are not a kernel tree, and FILE_PATH_CHANGES is about
# kernel-tree patches. MACRO_ARG_REUSE: SNAP_PARAM's argument is an
# identifier (a parameter name), which has no side effects to repeat.
checkpatch=(perl "$tree/scripts/checkpatch.pl" --no-tree --strict --terse --show-types)
ignore=FILE_PATH_CHANGES,MACRO_ARG_REUSE
rc=0
"${checkpatch[@]}" --ignore "$ignore" -f $files || rc=1
# The one file that tests the kernel's version (an out-of-tree module
# builds for several): LINUX_VERSION_CODE is allowed there and only
# there, and so is comparing it, a constant, with KERNEL_VERSION().
if git ls-files --error-unmatch "$compat" >/dev/null 2>&1; then
	"${checkpatch[@]}" --ignore "$ignore,LINUX_VERSION_CODE,CONSTANT_COMPARISON" \
		-f "$compat" || rc=1
fi
exit $rc
