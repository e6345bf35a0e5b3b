#!/bin/sh
# SPDX-License-Identifier: MIT
#
# game-deps.sh LIBGAME.a: libgame's files keep two layers (game/game-private.h).
#   - the dispatcher is dispatch.c; nothing in libgame calls it;
#   - a verb file defines a game_apply_*() rule and calls only helpers, never
#     another verb file nor the dispatcher;
#   - a helper defines no rule and calls only helpers;
#   - the file-level call graph (A -> B: A uses a function B defines) has no
#     cycle, and the dispatcher calls every verb file.
# Read from the built objects with nm, so a new call is seen whatever the
# headers say.  TAP output; the first points show the checker catches a
# cycle and a verb-to-verb call in a made-up library.
set -eu

NM=${NM:-nm}
lib=${1:?usage: game-deps.sh libgame.a}
n=0
failed=0

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	shift
	for line in "$@"; do
		printf '#   %s\n' "$line"
	done
}

# "object kind symbol" lines (kind D: defined, U: used) from nm -A output
# ("lib.a:obj.o:addr T sym" or "lib.a:obj.o:  U sym").
symbols() {
	awk '{
		n = split($1, p, ":");
		obj = p[n - 1];
		sub(/^.*\//, "", obj);
		sub(/\.o$/, "", obj);
		if ($(NF - 1) == "U")
			print obj, "U", $NF;
		else if ($(NF - 1) ~ /^[TDBRC]$/)
			print obj, "D", $NF;
	}'
}

# Reads "object kind symbol" lines; prints one "violation: ..." line per
# broken rule, or nothing.
check() {
	awk '
	$2 == "D" { def[$3] = $1; files[$1] = 1; if ($3 ~ /^game_apply_/) verb[$1] = 1; next }
	$2 == "U" { use[++nu] = $1 " " $3; files[$1] = 1 }
	END {
		disp = "dispatch.c";
		if (!(disp in files))
			print "violation: no dispatcher object " disp;
		delete verb[disp];
		nverb = 0;
		for (f in verb)
			nverb++;
		if (nverb == 0)
			print "violation: no verb file (none defines game_apply_*)";
		for (i = 1; i <= nu; i++) {
			split(use[i], u, " ");
			a = u[1]; s = u[2];
			if (!(s in def))
				continue;          # libc
			b = def[s];
			if (a == b)
				continue;
			if (!((a, b) in edge)) {
				edge[a, b] = 1;
				out[a] = out[a] " " b;
			}
			why = a " calls " s " (" b ")";
			if (b == disp)
				print "violation: " why ": only the worker and the tests call the dispatcher";
			else if ((b in verb) && a != disp)
				print "violation: " why ": " ((a in verb) ? "a verb file calls another verb file" : "a helper calls a verb file");
		}
		for (f in verb)
			if (!((disp, f) in edge))
				print "violation: the dispatcher never calls verb file " f;
		# Cycles: depth-first search, colour 1 = on the stack, 2 = done.
		for (f in files)
			if (!colour[f])
				visit(f, f);
	}
	function visit(f, path,    k, nb, next_, m) {
		colour[f] = 1;
		m = split(out[f], nb, " ");
		for (k = 1; k <= m; k++) {
			next_ = nb[k];
			if (colour[next_] == 1)
				print "violation: call cycle " path " -> " next_;
			else if (!colour[next_])
				visit(next_, path " -> " next_);
		}
		colour[f] = 2;
	}'
}

# The checker itself: a made-up library with a cycle and a verb-to-verb call.
fake='dispatch.c D game_apply
dispatch.c U game_apply_a
dispatch.c U game_apply_b
a.c D game_apply_a
a.c U game_apply_b
a.c U game_h1
b.c D game_apply_b
b.c U game_h2
h1.c D game_h1
h1.c U game_h2
h2.c D game_h2
h2.c U game_h1
h2.c U strlen'
found=$(printf '%s\n' "$fake" | check)
case $found in
*"a.c calls game_apply_b (b.c): a verb file calls another verb file"*) ok "checker: catches a verb file calling another" ;;
*) not_ok "checker: catches a verb file calling another" "$found" ;;
esac
case $found in
*"call cycle"*h1.c*h2.c*|*"call cycle"*h2.c*h1.c*) ok "checker: catches a cycle between helpers" ;;
*) not_ok "checker: catches a cycle between helpers" "$found" ;;
esac
found=$(printf '%s\n' "dispatch.c D game_apply" "dispatch.c U game_apply_a" "a.c D game_apply_a" \
	"a.c U game_h" "h.c D game_h" "h.c U memmove" | check)
if [ -z "$found" ]; then
	ok "checker: passes a layered library"
else
	not_ok "checker: passes a layered library" "$found"
fi

# The real library.
listing=$("$NM" -A "$lib" 2>/dev/null | symbols) || true
nfiles=$(printf '%s\n' "$listing" | awk 'NF { print $1 }' | sort -u | wc -l)
nrules=$(printf '%s\n' "$listing" | awk '$2 == "D" && $3 ~ /^game_apply_/' | wc -l)
if [ "$nfiles" -ge 10 ] && [ "$nrules" -ge 20 ]; then
	ok "libgame: $nfiles objects, $nrules rules read from $lib"
else
	not_ok "libgame: objects and rules read from $lib" "$nfiles objects, $nrules game_apply_* rules"
fi
found=$(printf '%s\n' "$listing" | check)
if [ -z "$found" ]; then
	ok "libgame: verb files call helpers only, nothing calls the dispatcher, no call cycle"
else
	# shellcheck disable=SC2086
	IFS='
'
	not_ok "libgame: verb files call helpers only, nothing calls the dispatcher, no call cycle" $found
fi

echo "1..$n"
exit $failed
