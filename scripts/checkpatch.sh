#!/usr/bin/env bash
# Run the kernel's checkpatch.pl (from Debian's linux-source) over the module
# and the uapi header. Exit non-zero on any error or warning.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$top/scripts/linux-source.sh")
cd "$top"
files=$(git ls-files 'kmod/*.c' 'kmod/*.h' 'include/uapi/*.h')
# --no-tree: we are not a kernel tree; FILE_PATH_CHANGES and SPDX placement
# rules are about kernel-tree patches, not a standalone module.
perl "$tree/scripts/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore FILE_PATH_CHANGES -f $files
