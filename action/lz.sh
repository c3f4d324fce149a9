# Sourced by the action's shell steps: lz as the action built it (its own checkout, $GITHUB_ACTION_PATH).
# While lz runs, oidc-refresh.mjs keeps the OIDC token file fresh (GitHub's tokens last five minutes, the
# role's credentials an hour): its output goes to stderr, never into what lz writes to stdout.
lz() {
  local refresher code=0
  node "$GITHUB_ACTION_PATH/action/oidc-refresh.mjs" >&2 &
  refresher=$!
  node "$GITHUB_ACTION_PATH/dist/cli/main.js" "$@" || code=$?
  kill "$refresher" 2>/dev/null
  wait "$refresher" 2>/dev/null
  return "$code"
}
