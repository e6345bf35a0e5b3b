#!/bin/sh
# tests/fuzz/run.sh [SECONDS] [TARGET...]: libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer on the fuzz targets, SECONDS each (default 60),
# in build-fuzz/ (clang).  New inputs that reach new code land in
# build-fuzz/corpus/<target>; copy the interesting ones (and any crash-*
# reproducer, once fixed) into tests/fuzz/corpus/<target>/ so the default
# suite replays them forever.  Also: ./wr fuzz [SECONDS].
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-parser json}
build=$here/build-fuzz
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 1; }
if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" "$here" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized >/dev/null
fi
meson compile -C "$build" $(for t in $targets; do printf 'tests/fuzz/fuzz-%s ' "$t"; done) >/dev/null
for t in $targets; do
	mkdir -p "$build/corpus/$t"
	echo "fuzz-$t: ${secs}s (seed corpus tests/fuzz/corpus/$t)"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$build/tests/fuzz/fuzz-$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/" \
		"$build/corpus/$t" "$here/tests/fuzz/corpus/$t" 2>&1 | grep -E "^#[0-9]+.*(DONE|pulse)|stat::|ERROR|SUMMARY|Done" | tail -8
done
