#!/usr/bin/env bash
# Run the whole test suite. The registry tests start Debian's docker-registry on 127.0.0.1, so
# this installs it (with skopeo, which scripts/e2e.sh uses) through apt-get when it is missing;
# that step needs root or sudo on a Debian or Ubuntu machine.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-registry > /dev/null || ! command -v skopeo > /dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "Installing docker-registry and skopeo for the registry tests..." >&2
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq docker-registry skopeo > /dev/null
fi

cargo test --workspace --locked
