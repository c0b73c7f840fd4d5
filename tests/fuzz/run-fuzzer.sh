#!/bin/sh
# Runs one libFuzzer target briefly without touching the checked-in corpus:
# libFuzzer writes new inputs to the first directory it is given, so that is
# a scratch directory in the build tree; the corpus is read-only input.
set -eu
fuzzer=${1:?usage: run-fuzzer.sh FUZZER CORPUS SCRATCH [libFuzzer flags...]}
corpus=${2:?}
scratch=${3:?}
shift 3
rm -rf "$scratch"
mkdir -p "$scratch"
exec "$fuzzer" "$@" "$scratch" "$corpus"
