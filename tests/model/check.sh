#!/bin/sh
# tests/model/check.sh: model-checks tests/model/wr.pml with Spin and prints
# TAP.  For each configuration of the real protocol, one point per property
# (all are checked by one exhaustive search: assertions and invalid end
# states); for each mutant, one point saying spin found the violation it must
# find, with the counterexample summed up.  README.md explains the model.
#
#   tests/model/check.sh            everything (about 30 s on two cores)
#   WR_MODEL_KEEP=1 tests/model/check.sh   keep the work directory (trails)
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

if ! command -v spin >/dev/null 2>&1; then
	echo "Bail out! spin is not installed: the model check needs the Debian package 'spin' (./wr test installs it; or apt-get install spin)"
	exit 1
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "Bail out! no C compiler ($CC) to build spin's verifier"
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wr-model.XXXXXX")
if [ -n "${WR_MODEL_KEEP:-}" ]; then
	echo "# work directory: $WORK"
else
	trap 'rm -rf "$WORK"' EXIT INT TERM
fi

n=0
failed=0
point() { # ok|not-ok text
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

# verify NAME DEFINES...: builds and runs pan in $WORK/NAME; sets err (the
# first error line, empty if none), states, secs, complete (yes/no).  OPT:
# gcc's -O for pan (-O1 compiles in half the time of -O2 and runs as fast
# here; -O0 for the small searches of the mutants).
verify() {
	name=$1; shift
	dir=$WORK/$name
	mkdir -p "$dir"
	cp "$HERE/wr.pml" "$dir/"
	(cd "$dir" && spin -a "$@" wr.pml >spin.out 2>&1) || { cat "$dir/spin.out" | sed 's/^/# /'; err="spin -a failed"; states=0; secs=0; complete=no; return; }
	(cd "$dir" && "$CC" "${OPT:--O1}" -w -DSAFETY -DMEMLIM=1024 -o pan pan.c >cc.out 2>&1) || { sed 's/^/# /' "$dir/cc.out"; err="pan did not compile"; states=0; secs=0; complete=no; return; }
	t0=$(date +%s%N)
	(cd "$dir" && ./pan -m200000 >pan.out 2>&1) || true
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
	states=$(awk '/states, stored/ { print $1; exit }' "$dir/pan.out")
	states=${states:-0}
	err=$(grep -m1 -E '^pan:[0-9]+: ' "$dir/pan.out" | sed 's/^pan:[0-9]*: //' || true)
	if grep -q -i -E 'max search depth too small|out of memory|search not completed|MEMLIM bound' "$dir/pan.out"; then
		complete=no
	else
		complete=yes
	fi
}

# The property an error line breaks (see the assertions in wr.pml).
classify() {
	case $1 in
	*"invalid end state"*) echo deadlock ;;
	*seqdone*) echo order ;;
	*"applied[4]==1"* | *"applied[0]==1"*) echo follow ;;
	*"rowlock[t]==me"*) echo prefix ;;
	*"==me"*) echo locked ;;
	"") echo none ;;
	*) echo once ;;
	esac
}

# Names for the counterexample summary: locks and processes of wr.pml.
# summary NAME NW DEFINES...: replays $WORK/NAME's trail, prints # lines.
summary() {
	name=$1; nw=$2; shift 2
	dir=$WORK/$name
	[ -f "$dir/wr.pml.trail" ] || { echo "#   (no trail)"; return; }
	(cd "$dir" && spin -t -g "$@" wr.pml >replay.out 2>&1) || true
	depth=$(sed -n 's/.*(at depth \([0-9]*\)).*/\1/p' "$dir/pan.out" | head -1)
	echo "#   counterexample: ${depth:-?} steps; at its end:"
	awk -v nw="$nw" -v six="${SIX:-D0}" '
	function lockname(kind, i) {
		if (kind == "agg") return (i == 0 ? "room R1" : i == 1 ? "room R2" : i == 2 ? "character A" : "character B")
		if (kind == "pres") return "presence row of " (i == 0 ? "A" : "B")
		if (kind == "adv") return "advisory lock of " (i == 0 ? "char:A" : i == 1 ? "char:B" : "char:A:follow")
		return "queue row " (i == 0 ? "A1" : i == 1 ? "A2" : i == 2 ? "B1" : i == 3 ? "B2" : i == 4 ? "F1" : "D0")
	}
	function waitname(c) {
		if (c >= 31) return lockname("rowlock", c - 31)
		if (c >= 21) return lockname("adv", c - 21)
		if (c >= 11) return lockname("pres", c - 11)
		return lockname("agg", c - 1)
	}
	function procname(p) {
		if (p <= nw) return "worker " p
		return p == nw + 1 ? "submitter" : "wrctl dead requeue"
	}
	/^\t\t(agg|pres|adv|rowlock|waiting|applied|seqdone)\[[0-9]+\] = [0-9]+$/ {
		split($1, a, /[][]/); v[a[1], a[2] + 0] = $3 + 0; max[a[1]] = (a[2] + 0 > max[a[1]] ? a[2] + 0 : max[a[1]])
	}
	END {
		for (p = 1; p <= nw + 2; p++) {
			held = ""
			split("agg pres adv rowlock", kinds, " ")
			for (k = 1; k <= 4; k++)
				for (i = 0; i <= max[kinds[k]]; i++)
					if (((kinds[k], i) in v) && v[kinds[k], i] == p)
						held = held (held == "" ? "" : ", ") lockname(kinds[k], i)
			w = ((("waiting", p) in v) && v["waiting", p] > 0) ? waitname(v["waiting", p]) : ""
			if (held == "" && w == "") continue
			printf "#     %s holds %s%s\n", procname(p), (held == "" ? "nothing" : held), (w == "" ? "" : "; waits for " w)
		}
		s = ""
		for (i = 0; i <= max["applied"]; i++) s = s (i ? " " : "") v["applied", i]
		printf "#     applied per action (A1 A2 B1 B2 F1%s): %s\n", (max["applied"] > 4 ? " " six : ""), s
	}' "$dir/replay.out"
}

echo "# spin: $(spin -V 2>&1 | head -1)"
total_t0=$(date +%s%N)

# 1. The protocol as the code runs it (runs of up to 3 actions per actor,
# 3 rows per claim, the SKIP LOCKED lock phase): two workers and one crash, and the
# largest size that stays within seconds (it contains every run of the
# smaller ones: a worker may idle throughout, a crash may not happen).
for cfg in "2 1" "3 2"; do
	set -- $cfg
	nw=$1 crashes=$2
	name=real-w$nw-c$crashes
	verify "$name" -DNW="$nw" -DCRASHES="$crashes"
	what="$nw workers, up to $crashes crash(es)"
	echo "# $what: $states states, ${secs}s, search complete: $complete${err:+; first error: $err}"
	broken=$(classify "$err")
	for prop in deadlock order once follow locked prefix; do
		case $prop in
		deadlock) text="no invalid end state: no deadlock, no stuck queue, every worker ends" ;;
		order) text="per-actor order: each actor's actions apply in submission order" ;;
		once) text="exactly once: every action applied once, none lost or left locked, with crashes" ;;
		follow) text="follow-ups apply after the action that queued them and before the actor's next command" ;;
		locked) text="the rules read only aggregates the batch locked" ;;
		prefix) text="runs: what a worker claims of an actor's queue is a prefix of it, held by no one else" ;;
		esac
		if [ "$complete" = yes ] && [ "$broken" = none ] && [ "$states" -gt 0 ]; then
			point ok "$what: $text"
		else
			if [ "$broken" = "$prop" ]; then
				point not-ok "$what: $text"
				summary "$name" "$nw" -DNW="$nw" -DCRASHES="$crashes"
			elif [ "$broken" = none ]; then
				point not-ok "$what: $text (search incomplete: see pan.out with WR_MODEL_KEEP=1)"
			else
				point not-ok "$what: $text (not checked: the search stopped at the $broken violation)"
			fi
		fi
	done
done

# 2. Mutants: each must be caught, for the reason given.
for m in UNSORTED:deadlock NOHEAD:order NOFOLLOW:follow EARLY:once RUNHOLD:order; do
	mut=${m%%:*} want=${m#*:}
	case $mut in
	UNSORTED) text="locks taken in claim order (characters as named, as wr_lock_load_unordered): spin finds a deadlock" ;;
	NOHEAD) text="claim ignoring is_head: spin finds actions of one actor applied out of order" ;;
	NOFOLLOW) text="claim ignoring queued char:<id>:follow actions: spin finds a command overtaking its follow-up" ;;
	EARLY) text="actions counted applied before COMMIT: spin finds a crash applying one twice" ;;
	RUNHOLD) text="an action the lock phase did not cover holds back nothing (WR_WORKER_RUN_MUTANT): spin finds an actor's later action of the run applied first" ;;
	esac
	OPT=-O0 verify "mutant-$mut" -DWHY -DMUTANT_"$mut"
	got=$(classify "$err")
	echo "# mutant $mut: $states states, ${secs}s; error: ${err:-none}"
	if [ "$got" = "$want" ]; then point ok "mutant $mut: $text"; else point not-ok "mutant $mut: $text (got: $got)"; fi
	summary "mutant-$mut" 2 -DWHY -DMUTANT_"$mut"
done

# 3. A's run A1 AS: AS, a command on A alone, never goes stale, so only the
# hold after a move that queues the :follow look keeps it behind the look
# (with A2 right behind A1, A2's stale plan holds A back anyway).
verify say -DWHY -DSAY
got=$(classify "$err")
echo "# A1's run with a command that never goes stale (AS): $states states, ${secs}s, search complete: $complete; error: ${err:-none}"
if [ "$got" = none ] && [ "$complete" = yes ] && [ "$states" -gt 0 ]; then
	point ok "runs with A1 AS F1 A2: no deadlock, order, exactly once, follow-ups, locked reads, prefix hold"
else
	point not-ok "runs with A1 AS F1 A2: no deadlock, order, exactly once, follow-ups, locked reads, prefix hold (got: $got)"
	SIX=AS summary say 2 -DWHY -DSAY
fi
OPT=-O0 verify mutant-NOFOLHOLD -DWHY -DSAY -DMUTANT_NOFOLHOLD
got=$(classify "$err")
echo "# mutant NOFOLHOLD: $states states, ${secs}s; error: ${err:-none}"
if [ "$got" = follow ]; then
	point ok "mutant NOFOLHOLD: a move queuing its :follow look holds its run back no more (hold_followed gone): spin finds AS overtaking the look"
else
	point not-ok "mutant NOFOLHOLD: a move queuing its :follow look holds its run back no more (hold_followed gone): spin finds AS overtaking the look (got: $got)"
fi
SIX=AS summary mutant-NOFOLHOLD 2 -DWHY -DSAY -DMUTANT_NOFOLHOLD

# 4. wrctl dead requeue (wr_requeue_dead) while workers run.  As it was, it
# took its actor's advisory lock, then its UPDATE waited for the head row a
# worker claimed, while that worker's wr_commit_batch waited for the
# advisory lock (README, Findings).  Now it locks the head rows NOWAIT and
# retries without the advisory lock: spin must find no error, and must still
# find the deadlock in the old version (REQUEUE_OLD).
verify requeue -DWHY -DREQUEUE
got=$(classify "$err")
echo "# wrctl dead requeue while workers run: $states states, ${secs}s, search complete: $complete; error: ${err:-none}"
if [ "$got" = none ] && [ "$complete" = yes ] && [ "$states" -gt 0 ]; then
	point ok "wr_requeue_dead (NOWAIT, retry without the advisory lock) against workers: no deadlock, order and exactly-once hold"
else
	point not-ok "wr_requeue_dead (NOWAIT, retry without the advisory lock) against workers: no deadlock, order and exactly-once hold (got: $got)"
	summary requeue 2 -DWHY -DREQUEUE
fi
OPT=-O0 verify requeue-old -DWHY -DREQUEUE -DREQUEUE_OLD
got=$(classify "$err")
echo "# old wr_requeue_dead: $states states, ${secs}s; error: ${err:-none}"
if [ "$got" = deadlock ]; then
	point ok "old wr_requeue_dead (waits for the head row holding the advisory lock): spin finds the deadlock with a worker's commit"
else
	point not-ok "old wr_requeue_dead (waits for the head row holding the advisory lock): spin finds the deadlock with a worker's commit (got: $got)"
fi
summary requeue-old 2 -DWHY -DREQUEUE -DREQUEUE_OLD

total_t1=$(date +%s%N)
echo "# total $(awk -v a="$total_t0" -v b="$total_t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')s"
echo "1..$n"
[ "$failed" -eq 0 ]
