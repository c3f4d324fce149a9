# Sourced by the action's shell steps: lz as the action built it (its own checkout, $GITHUB_ACTION_PATH).
lz() { node "$GITHUB_ACTION_PATH/dist/cli/main.js" "$@"; }
