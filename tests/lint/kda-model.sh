#!/bin/sh
# policy/kda/kda_model.c must be exactly what policy/kda/gen-kda-model.py makes of the
# botocore model on this machine (botocore comes with the machine's moto).
set -eu
top=${1:?usage: kda-model.sh SOURCE-ROOT}
if ! python3 -c 'import botocore' 2>/dev/null; then
	echo "kda-model: botocore is missing from python3 (it comes with moto; see README)" >&2
	exit 1
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
python3 "$top/policy/kda/gen-kda-model.py" > "$tmp"
if ! cmp -s "$tmp" "$top/policy/kda/kda_model.c"; then
	echo "kda-model: policy/kda/kda_model.c differs from botocore's model; regenerate it:" >&2
	echo "  python3 policy/kda/gen-kda-model.py > policy/kda/kda_model.c" >&2
	diff "$top/policy/kda/kda_model.c" "$tmp" | head -20 >&2
	exit 1
fi
