#!/usr/bin/env bash
# Run the kernel's checkpatch.pl (from Debian's linux-source) over the module
# and the uapi header. Exit non-zero on any error or warning.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/linux-source.sh")
cd "$top"
files=$(git ls-files 'kmod/*.c' 'kmod/*.h' 'include/uapi/*.h')
# --no-tree: we are not a kernel tree, and FILE_PATH_CHANGES is about
# kernel-tree patches. MACRO_ARG_REUSE: SNAP_PARAM's argument is an
# identifier (a parameter name), which has no side effects to repeat.
perl "$tree/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES,MACRO_ARG_REUSE -f $files
