#!/usr/bin/env bash
# Pull request: validate accounts.yaml, then plan and save the plan. The saved plan (plan.json) and its
# Markdown (plan.md) go to $LZ_PLAN_DIR, for the comment and the artifact merge applies. Changes are the
# point of a pull request, not a failure: the step fails only when lz does (exit 1).
set -uo pipefail
source "$GITHUB_ACTION_PATH/action/lz.sh"
mkdir -p "$LZ_PLAN_DIR"
lz validate || exit 1
lz plan --format markdown --detailed-exitcode --out "$LZ_PLAN_DIR/plan.json" > "$LZ_PLAN_DIR/plan.md"
code=$?
case $code in
  0) echo "has-changes=false" >> "$GITHUB_OUTPUT" ;;
  2) echo "has-changes=true" >> "$GITHUB_OUTPUT" ;;
  *) echo "::error::lz plan failed (exit $code); its messages are above."; exit "$code" ;;
esac
