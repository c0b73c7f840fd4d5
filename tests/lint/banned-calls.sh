#!/bin/sh
# Fails when a C source outside tests/ calls a function STYLE.md bans:
# unbounded string functions and shell-string process spawning.
set -eu
top=${1:?usage: banned-calls.sh SOURCE-ROOT}
cd "$top"
pattern='(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|gets|popen|system|strtok)[[:space:]]*\('
hits=$(find gate plugin policy -name '*.[ch]' -print0 2>/dev/null |
	xargs -0 -r grep -nE "$pattern" || true)
if [ -n "$hits" ]; then
	echo "banned calls (use snprintf/cg_buf, posix_spawn with an argv):" >&2
	echo "$hits" >&2
	exit 1
fi
echo "no banned calls in gate/ plugin/ policy/"
