#!/usr/bin/env bash
# End-to-end capacity: the highest report rate one analytics keeps up with (bounded lag,
# p99 delay under 1 s), beside a consumer written as the seed project's; bench/capacity.py.
set -euo pipefail
exec python3 "$(dirname "$0")/capacity.py"
