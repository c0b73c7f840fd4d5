#!/usr/bin/env bash
# The demo behind the README's first command: what cmkgate does today, run
# for real from the build directory given as $1.  It grows with each
# feature into the full request -> approvals -> credentials -> AWS call flow.
set -euo pipefail
build=${1:-build}

echo "\$ cmkgate --version"
"$build/gate/cmkgate" --version
echo
echo "\$ cmkgate --help"
"$build/gate/cmkgate" --help
