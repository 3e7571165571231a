#!/usr/bin/env bash
# The read path at 10k / 30k / 100k antennas over three analytics replicas, beside the
# previous read path in the same run; see bench/cardinality.py for what is measured.
set -euo pipefail
exec python3 "$(dirname "$0")/cardinality.py"
