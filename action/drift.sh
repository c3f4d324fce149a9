#!/usr/bin/env bash
# Schedule: the drift report (drift plus posture findings) as Markdown. Exit 2 is drift, which the next
# step turns into an issue; only an error (exit 1) fails the step.
set -uo pipefail
source "$GITHUB_ACTION_PATH/action/lz.sh"
mkdir -p "$LZ_DRIFT_DIR"
lz drift --format markdown --output "$LZ_DRIFT_DIR/drift.md"
code=$?
case $code in
  0) echo "drifted=false" >> "$GITHUB_OUTPUT" ;;
  2) echo "drifted=true" >> "$GITHUB_OUTPUT" ;;
  *) echo "::error::lz drift failed (exit $code); its messages are above."; exit "$code" ;;
esac
