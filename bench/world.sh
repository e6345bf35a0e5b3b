#!/bin/sh
# bench/world.sh: the living world's cost (issue 12).  A generated world of
# ZONES zones with MOBS mobs each (wanderers, scavengers, sentinels; zone
# tick TICK_MS) on 2 workers; for each count of active zones (an online
# player standing in it), the AI's zone ticks and mob actions per second
# and the share of the workers' time they take.  The world's size stays the
# same across the steps: only the active zones cost anything.
# Run it as `./wr bench world [options]`.
#
#   --zones=N        zones in the world                              (200)
#   --mobs=N         mobs per zone                                    (20)
#   --tick-ms=N      each zone's tick period                        (1000)
#   --active=LIST    active zone counts to measure          ("0 10 50 200")
#   --seconds=S      length of each measurement                       (20)
#   --workers=N      workers                                           (2)
#   --unsafe         fsync, synchronous_commit, full_page_writes off
#   --keep           keep the temp dir (server and worker logs)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
WORKER=$BUILD/worker/wr-worker

ZONES=200
MOBS=20
TICK_MS=1000
ACTIVE="0 10 50 200"
SECONDS_EACH=20
NWORKERS=2
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--zones=*) ZONES=${a#*=}; num "$a" "$ZONES" ;;
	--mobs=*) MOBS=${a#*=}; num "$a" "$MOBS" ;;
	--tick-ms=*) TICK_MS=${a#*=}; num "$a" "$TICK_MS" ;;
	--active=*) ACTIVE=$(echo "${a#*=}" | tr ',' ' ') ;;
	--seconds=*) SECONDS_EACH=${a#*=}; num "$a" "$SECONDS_EACH" ;;
	--workers=*) NWORKERS=${a#*=}; num "$a" "$NWORKERS" ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
for n in $ACTIVE; do
	num --active "$n"
	[ "$n" -le "$ZONES" ] || die "--active: $n is more than --zones=$ZONES"
done
[ "$MOBS" -le 90 ] || die "--mobs: at most 90 per zone (struct game_zone reads 96)"
[ "$TICK_MS" -ge 50 ] || die "--tick-ms: at least 50"
[ -x "$WORKER" ] && [ -x "$WRCTL" ] || die "build first (./wr build)"

bench_dir "$WORKER" "$WRCTL"
WORKER=$DIR/bin/wr-worker
WRCTL=$DIR/bin/wrctl
bench_pg_start -c track_functions=all

# The world: zone z has rooms z.hub and z.r1..r4 (a ring through the hub), one
# player, MOBS mobs: half wander, a quarter scavenge, the rest stand guard.
mkdir -p "$DIR/content"
python3 - "$DIR/content/bench.json" "$ZONES" "$MOBS" "$TICK_MS" <<'PY'
import json, sys
path, zones, mobs, tick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def name(i):
    s = ""
    for _ in range(4):
        s += chr(ord("a") + i % 26); i //= 26
    return "Pl" + s
w = {"instances": [{"key": "main", "name": "Bench"}], "zones": [], "mob_templates": [], "item_templates": [],
     "mobs": [], "items": [], "accounts": []}
w["mob_templates"] = [
    {"key": "b.wanderer", "name": "a wanderer", "keywords": ["wanderer"], "description": "It roams.", "level": 1, "max_hp": 20, "stats": {"wander": True}},
    {"key": "b.scavenger", "name": "a scavenger", "keywords": ["scavenger"], "description": "It picks.", "level": 1, "max_hp": 20,
     "stats": {"scavenger": True, "wander": True}},
    {"key": "b.sentinel", "name": "a sentinel", "keywords": ["sentinel"], "description": "It stands.", "level": 1, "max_hp": 20, "stats": {"sentinel": True}}]
w["item_templates"] = [{"key": "b.pebble", "name": "a pebble", "keywords": ["pebble"], "description": "Grey.", "weight": 1}]
for z in range(zones):
    k = "z%d" % z
    ring = [k + ".hub"] + ["%s.r%d" % (k, i) for i in range(1, 5)]
    rooms = []
    for i, r in enumerate(ring):
        ex = {"east": ring[(i + 1) % 5], "west": ring[(i - 1) % 5]}
        room = {"key": r, "name": "Room %d of zone %d" % (i, z), "description": "A room.", "exits": ex}
        if z == 0 and i == 0:
            room["flags"] = ["start"]
        rooms.append(room)
    w["zones"].append({"key": k, "name": "Zone %d" % z, "tick_ms": tick, "rooms": rooms})
    for m in range(mobs):
        t = "b.wanderer" if m % 4 < 2 else "b.scavenger" if m % 4 == 2 else "b.sentinel"
        w["mobs"].append({"key": "%s.m%d" % (k, m), "template": t, "room": ring[m % 5]})
    for i in range(3):
        w["items"].append({"key": "%s.p%d" % (k, i), "template": "b.pebble", "room": ring[i + 1]})
    w["accounts"].append({"name": "acct%d" % z, "characters": [{"name": name(z)}]})
json.dump(w, open(path, "w"))
PY
"$WRCTL" migrate >/dev/null || die "migrate failed"
t0=$(date +%s)
"$WRCTL" world load "$DIR/content" >/dev/null || die "world load failed"
echo "world: $ZONES zones, $((ZONES * MOBS)) mobs, $((ZONES * 5)) rooms, tick_ms $TICK_MS (loaded in $(( $(date +%s) - t0 )) s)"
# Each zone's player stands in its hub, away (not online) until its zone is activated.
sql "UPDATE characters c SET room_id = r.id
     FROM accounts a, zones z, room_templates t, rooms r
     WHERE a.id = c.account_id AND z.key = 'z' || substr(a.name, 5) AND t.key = z.key || '.hub' AND r.template_id = t.id" \
	>/dev/null
bench_header "the living world: AI cost by active zones ($NWORKERS workers)"

cpu_ticks() { # pids -> utime+stime in clock ticks
	s=0
	for p in "$@"; do
		set -- $(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null || echo "0 0")
		s=$((s + $1 + $2))
	done
	echo "$s"
}
HZ=$(getconf CLK_TCK)
FNS="'wr_claim', 'wr_lock_load', 'wr_commit_batch'"
fn_ms() { sql "SELECT coalesce(round(sum(total_time)), 0) FROM pg_stat_user_functions WHERE funcname IN ($FNS)"; }

sql "CREATE TABLE bench_ticks (id bigint PRIMARY KEY)"
i=0
while [ "$i" -lt "$NWORKERS" ]; do
	i=$((i + 1))
	"$WORKER" >"$DIR/worker-$i.log" 2>&1 &
	PIDS="$PIDS $!"
done
sleep 1

printf '%-8s %-8s %-11s %-13s %-13s %-12s %-12s %s\n' active "mobs" "ticks/s" "mob acts/s" "AI acts/s" \
	"worker CPU" "DB fn time" "AI share of 2 workers"
for n in $ACTIVE; do
	# Activate zones 0..n-1: their players are online and their zones woken;
	# the others' players are away, so their zones fall asleep.
	sql "DELETE FROM character_presence;
	     INSERT INTO character_presence (character_id, instance_id, active_at)
	     SELECT c.id, c.instance_id, now() FROM characters c JOIN accounts a ON a.id = c.account_id
	     WHERE substr(a.name, 5)::int < $n;
	     SELECT count(*) FROM wr_enqueue(coalesce((
	       SELECT jsonb_agg(jsonb_build_object('actor_key', 'sys:zone:' || z.id, 'verb', 'zone_tick',
	              'plan', jsonb_build_object('room', r.id, 'zone', z.id, 'wake', true),
	              'instance_id', r.instance_id, 'priority', 200))
	       FROM zones z JOIN room_templates t ON t.key = z.key || '.hub' JOIN rooms r ON r.template_id = t.id
	       WHERE substr(z.key, 2)::int < $n), '[]'))" >/dev/null
	sleep 3 # settle: woken zones tick, the others' last ticks find nobody
	e0=$(sql "SELECT coalesce(max(event_id), 0) FROM event_log")
	sql "TRUNCATE bench_ticks"
	c0=$(cpu_ticks $PIDS); f0=$(fn_ms); t0=$(date +%s%N)
	# The measurement: every 100 ms, note the zone ticks queued (each waits tick_ms, so none is missed).
	sql "DO \$\$ DECLARE t0 timestamptz := clock_timestamp(); BEGIN
	     WHILE clock_timestamp() < t0 + interval '$SECONDS_EACH seconds' LOOP
	       INSERT INTO bench_ticks SELECT id FROM action_queue WHERE verb = 'zone_tick' ON CONFLICT DO NOTHING;
	       PERFORM pg_sleep(0.1);
	     END LOOP; END \$\$"
	t1=$(date +%s%N); c1=$(cpu_ticks $PIDS); f1=$(fn_ms)
	wall=$(fx "%.3f" "($t1 - $t0) / 1e9")
	# Mob actions applied: distinct actions whose events a mob wrote.
	acts=$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE event_id > $e0 AND actor_key LIKE 'mob:%'")
	tick_rate=$(fx "%.1f" "$(sql "SELECT count(*) FROM bench_ticks") / $wall")
	act_rate=$(fx "%.1f" "$acts / $wall")
	cpu=$(fx "%.1f%%" "($c1 - $c0) / $HZ / $wall * 100 / $NWORKERS")
	dbf=$(fx "%.1f%%" "($f1 - $f0) / 1000 / $wall * 100 / $NWORKERS")
	share=$(fx "%.1f%%" "(($c1 - $c0) / $HZ + ($f1 - $f0) / 1000) / $wall * 100 / $NWORKERS")
	printf '%-8s %-8s %-11s %-13s %-13s %-12s %-12s %s\n' "$n" "$((n * MOBS))" "$tick_rate" "$act_rate" \
		"$(fx "%.1f" "$tick_rate + $act_rate")" "$cpu" "$dbf" "$share"
done
echo "ticks/s: zone ticks run (sampled from the queue); mob acts/s: mob actions applied (events by"
echo "mob:<id>); worker CPU: wr-worker processes' CPU, % of $NWORKERS cores; DB fn time: server time in"
echo "wr_claim/wr_lock_load/wr_commit_batch, % of $NWORKERS workers' wall time; AI share: the sum -- all the"
echo "work there is, so the share of the workers' capacity the AI takes.  load: $(cut -d' ' -f1-3 /proc/loadavg)"
