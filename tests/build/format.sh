#!/bin/sh
# SPDX-License-Identifier: MIT
#
# format.sh SOURCE_ROOT: every C file in the tree is as clang-format
# (.clang-format) writes it, so a reformat never hides in a later diff.
# TAP output; the first point shows the check catches a badly formatted file.
# Fix a failure with "./wr format".
set -eu

root=${1:?usage: format.sh SOURCE_ROOT}
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
cd "$root"

echo "1..2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cp .clang-format "$tmp/"
printf 'int f(int a){return a+1;}\n' >"$tmp/bad.c"
if "$CLANG_FORMAT" --dry-run --Werror "$tmp/bad.c" >/dev/null 2>&1; then
	echo "not ok 1 - a badly formatted file is caught"
else
	echo "ok 1 - a badly formatted file is caught"
fi

# The C files meson's clang-format target reformats: all of them, build
# directories excluded.
files=$(find bench command core game ingress planner publisher tests tools worker \
	-name build -prune -o \( -name '*.c' -o -name '*.h' \) -print | sort)
if out=$("$CLANG_FORMAT" --dry-run --Werror $files 2>&1); then
	echo "ok 2 - $(echo "$files" | wc -l) C files are formatted"
else
	echo "not ok 2 - C files not formatted (run ./wr format):"
	echo "$out" | grep -aE '^[^ ].*: (error|warning):' | cut -d: -f1 | sort -u | sed 's/^/# /'
fi
