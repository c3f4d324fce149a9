#!/usr/bin/env bash
# Merge: apply exactly the plan reviewed on the pull request. lz re-reads AWS and refuses the plan if
# anything it would change has moved since (a stale plan), and holds the S3 lock that accounts.yaml's
# organization.lock.bucket names while it applies.
set -uo pipefail
source "$GITHUB_ACTION_PATH/action/lz.sh"
plan="$LZ_REVIEWED_PLAN_DIR/plan.json"
if [ ! -f "$plan" ]; then
  echo "::error::The reviewed plan's artifact has no plan.json; nothing is applied."
  exit 1
fi
lz apply --auto-approve "$plan"
