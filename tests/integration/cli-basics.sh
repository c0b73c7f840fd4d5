#!/bin/sh
# The cmkgate command's frame: version, help, and refusal of unknown input.
set -u
exe=${1:?usage: cli-basics.sh CMKGATE VERSION}
version=${2:?}
fail=0
ok() { echo "ok - $1"; }
bad() { echo "not ok - $1"; fail=1; }

out=$("$exe" --version) && [ "$out" = "cmkgate $version" ] \
	&& ok "--version prints the project version" || bad "--version printed '$out'"
"$exe" --help | grep -q '^usage: cmkgate' && ok "--help prints usage" || bad "--help"
"$exe" --bogus >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok "unknown option exits 2" || bad "unknown option exited $rc"
err=$("$exe" frobnicate 2>&1 >/dev/null)
echo "$err" | grep -q "unknown command or option 'frobnicate'" \
	&& ok "unknown command is named in the error" || bad "error was '$err'"
"$exe" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok "no arguments exits 2" || bad "no arguments exited $rc"
exit $fail
