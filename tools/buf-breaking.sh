#!/usr/bin/env bash
# buf breaking against main: the contract may grow, never break, once it has landed there.
set -euo pipefail
buf=${1:-buf}
if ! git rev-parse --verify --quiet main:buf.yaml >/dev/null; then
  echo "buf breaking: main has no contract yet; nothing to compare against"
  exit 0
fi
"$buf" breaking --against '.git#branch=main'
echo "buf breaking: no breaking change against main"
