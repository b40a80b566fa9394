#!/usr/bin/env bash
# `make demo`: boot the test guest and show snap at work. It grows with the
# project; today it loads the module, shows its parameters and sysfs, and
# shows the tools the later demo steps use.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/vm/run.sh" --name demo --tests demo
