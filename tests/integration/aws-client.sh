#!/bin/sh
# Starts the local AWS endpoint (auth on, scenarios fixture), runs the AWS
# layer's client test against it, and always stops the endpoint.
set -u
test_exe=${1:?usage: aws-client.sh TEST-AWS-CLIENT SOURCE-ROOT}
top=${2:?}
dir=$(mktemp -d)
cleanup() { python3 "$top/tests/aws/endpoint.py" stop --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
if ! python3 "$top/tests/aws/endpoint.py" start --dir "$dir" \
	--fixture "$top/tests/aws/fixtures/scenarios.json" --auth >&2; then
	echo "Bail out! the local AWS endpoint did not start"
	exit 1
fi
# shellcheck disable=SC1091
. "$dir/endpoint.env"
# A proxy that does not exist: if the client honoured these, every call would fail.
export http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9
export https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9
"$test_exe"
