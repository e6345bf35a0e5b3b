#!/bin/sh
# Conservation under concurrency: eight characters in two rooms fire random
# item and coin commands (get, drop, put, give, wear, remove, walking back
# and forth) in parallel batches through the HTTP ingress to three workers.
# Afterwards no item or coin was made or lost, nothing was dead-lettered,
# every rule still holds in the database (carry limits, container
# capacities, one item per slot, worn things belong to someone), and every
# stream's seqs are gap-free.  A missing lock in a plan shows up here as a
# lost update, a deadlock or a dead letter.  Three rats on North Street are
# fought, fled from and looted meanwhile: kills (MobDied's loot and gold)
# are the only source of items and coins, and decay destroys only corpses.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Its rats are cellar rats, aggressive in the living starter world: respawned,
# they would start fights of their own forever and the fights would never
# drain.  The players start every fight here, so the rats only fight back.
sql "UPDATE mob_templates SET stats = stats - 'aggressive' WHERE key = 'millbrook.cellar_rat'" >/dev/null
START=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
NORTH=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $START AND dir = 'north'")
NAMES="Ann Ben Cid Dot Eve Fay Gus Hal"
sql "INSERT INTO accounts (name) VALUES ('crowd')" >/dev/null
i=0
for n in $NAMES; do
	room=$START; [ $((i % 2)) -eq 1 ] && room=$NORTH
	sql "INSERT INTO characters (account_id, name, instance_id, room_id, gold)
	     SELECT id, '$n', 1, $room, 40 FROM accounts WHERE name = 'crowd'" >/dev/null
	i=$((i + 1))
done
# Stacks, piles and a container on both floors.
sql "INSERT INTO items (template_id, instance_id, owner_room_id, quantity)
     SELECT t.id, 1, r.room, q FROM item_templates t,
            (VALUES ($START, 'millbrook.bread', 6), ($START, 'millbrook.bread', 4), ($NORTH, 'whisperwood.mushroom', 9),
                    ($START, 'millbrook.gold_coins', 15), ($NORTH, 'millbrook.gold_coins', 25),
                    ($START, 'millbrook.backpack', 1), ($NORTH, 'millbrook.backpack', 1),
                    ($NORTH, 'millbrook.leather_jerkin', 1), ($START, 'millbrook.iron_helm', 1),
                    ($NORTH, 'millbrook.iron_helm', 1), ($START, 'millbrook.anvil', 1)) r(room, key, q)
     WHERE t.key = r.key" >/dev/null
sql "INSERT INTO mobs (template_id, instance_id, room_id, hp, spawn_room_id)
     SELECT t.id, 1, $NORTH, t.max_hp, $NORTH FROM mob_templates t, generate_series(1, 3)
     WHERE t.key = 'millbrook.cellar_rat'" >/dev/null
TOKEN=$("$WRCTL" token issue crowd)
items_before=$(world_items)
coins_before=$(world_coins)
services_start 3

# Four posters, each sending 40 batches of one random command per character.
python3 - "$T_DIR" $NAMES <<'PY'
import json, random, sys
d, names = sys.argv[1], sys.argv[2:]
# Weighted towards what moves things; the planner refuses what makes no sense
# when planned (422 per command), the rules what no longer does.
verbs = ["get all", "get all", "get bread", "get 2 bread", "get coins", "get 3 coins", "get all.coins", "get mushroom",
         "get 3 mushrooms", "get backpack", "get all from backpack", "get bread from backpack",
         "drop all", "drop bread", "drop 2 bread", "drop 5 coins", "drop 1 coin", "drop backpack", "drop mushroom",
         "put bread in backpack", "put 2 mushrooms in backpack", "put all.bread in backpack", "put helm in backpack",
         "wear all", "remove all", "wield sword", "inventory", "north", "south", "get anvil",
         "kill rat", "kill rat", "kill 2.rat", "flee", "get all from corpse", "get all from 2.corpse"]
for p in range(4):
    rnd = random.Random(1000 + p)
    with open("%s/batches-%d" % (d, p), "w") as f:
        for b in range(40):
            batch = []
            for n in names:
                v = rnd.choice(verbs + ["give bread to %s", "give 4 coins to %s", "give all to %s", "give helm to %s"])
                if "%s" in v:
                    v = v % rnd.choice([x for x in names if x != n])
                batch.append({"actor": n, "input": v})
            f.write(json.dumps(batch) + "\n")
PY
pids=""
for p in 0 1 2 3; do
	(
		while read -r body; do
			curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" \
				-H 'Content-Type: application/json' --data-binary "$body" "$HTTP/v1/commands"
		done <"$T_DIR/batches-$p" >"$T_DIR/status-$p"
	) &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$T_DIR"/status-* | sort | uniq -c | awk '{print $2}' | tr '\n' ' ')" "200 " "160 batches answered 200 (each command queued or refused)"
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key NOT LIKE 'sys:%'" 0 600; ok $? "the players' queue drains"
# Wandering ends most fights (leaving the room ends one): to be sure some
# end in a death, everyone goes north and attacks, then loots.
# (Commands of one batch are planned together: walk first, then attack.)
# Whoever is not on North Street walks there (from the square or the gate).
body=$(sql "SELECT coalesce(jsonb_agg(jsonb_build_object('actor', c.name, 'input', x.dir)), '[]')
            FROM characters c JOIN exits x ON x.from_room_id = c.room_id AND x.to_room_id = $NORTH
            WHERE c.name IN ('$(echo $NAMES | sed "s/ /','/g")')")
post "$TOKEN" "$body" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key NOT LIKE 'sys:%'" 0 600
body=$(python3 -c 'import json, sys; print(json.dumps([{"actor": n, "input": "kill %d.rat" % (i % 3 + 1)} for i, n in enumerate(sys.argv[1:])]))' $NAMES)
post "$TOKEN" "$body" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key NOT LIKE 'sys:%'" 0 600
ff() { # moves the clock on until every fight, corpse and respawn is done
n=0
# (The living world's chains -- zone ticks, mobs' decisions -- never drain while players are online.)
while [ "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" != 0 ] && [ $n -lt 120 ]; do
	sql "UPDATE action_queue SET run_at = now() WHERE run_at > now() AND NOT $LIVING" >/dev/null
	sql "SELECT pg_notify('wr_actions', '')" >/dev/null
	sleep 0.25
	n=$((n + 1))
	[ -n "${1:-}" ] && [ "$(sql "SELECT count(*) FROM action_queue WHERE verb = 'round'")" = 0 ] && break
done
}
ff rounds
body=$(python3 -c 'import json, sys; print(json.dumps([{"actor": n, "input": "get all from corpse"} for n in sys.argv[1:]]))' $NAMES)
post "$TOKEN" "$body" >/dev/null
wait_sql "SELECT count(*) FROM action_queue WHERE actor_key NOT LIKE 'sys:%'" 0 600
ff
is "$(sql "SELECT count(*) FROM action_queue WHERE NOT $LIVING")" 0 "fights, decays and respawns drain too"
kills=$(sql "SELECT count(*) FROM event_log WHERE type = 'MobDied'")
diag "fights: $(sql "SELECT string_agg(type || ' ' || n, ', ') FROM (SELECT type, count(*) n FROM event_log
      WHERE type IN ('CombatStarted', 'CombatEnded', 'MobDied', 'CharacterDied', 'Fled', 'FleeFailed', 'MobRespawned')
      GROUP BY type ORDER BY type) x")"
diag "kill refusals: $(sql "SELECT string_agg(r || ' ' || n, ', ') FROM (SELECT payload->>'reason' r, count(*) n
      FROM event_log WHERE type = 'ActionRejected' AND payload->>'verb' = 'kill' GROUP BY 1) x")"
[ "$kills" -gt 0 ]; ok $? "rats were killed ($kills), looted and decayed ($(sql "SELECT count(*) FROM event_log WHERE type = 'CorpseDecayed'"))"
is "$(sql "SELECT count(*) FROM items i JOIN item_templates t ON t.id = i.template_id WHERE t.stats->'corpse' IS NOT NULL")" 0 \
	"every corpse decayed"

applied=$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE type IN
               ('ItemTaken', 'ItemDropped', 'ItemPut', 'ItemGiven', 'GoldGiven', 'ItemWorn', 'ItemRemoved')")
refused=$(sql "SELECT count(*) FROM event_log WHERE type = 'ActionRejected'")
diag "$applied item actions applied, $refused refused: $(sql "SELECT string_agg(r || ' ' || n, ', ') FROM
      (SELECT payload->>'reason' r, count(*) n FROM event_log WHERE type = 'ActionRejected' GROUP BY 1 ORDER BY 2 DESC) x")"
[ "$applied" -gt 100 ]; ok $? "the walk moved things ($applied actions)"
# Planner codes in ActionRejected come from plans that went stale under the locks and were planned again.
replanned=$(sql "SELECT count(*) FROM event_log WHERE type = 'ActionRejected'
                 AND payload->>'reason' IN ('not_here', 'not_carrying', 'not_wearing', 'not_enough', 'ambiguous')")
[ "$replanned" -gt 0 ]; ok $? "stale plans were re-planned under contention ($replanned refused after re-planning)"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "nothing was dead-lettered"
is "$(world_items)" "$items_before" "no item was made or lost but loot (quantities per template)"
is "$(world_coins)" "$coins_before" "no coin was made or lost but looted gold (gold plus piles)"
is "$(sql "SELECT count(*) FROM characters WHERE wr_weight_inside(id, NULL) > 50 + 10 * (level - 1)")" 0 \
	"nobody carries more than the limit"
is "$(sql "SELECT count(*) FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE t.kind = 'container' AND wr_weight_inside(NULL, i.id) > t.capacity")" 0 "no container holds more than its capacity"
is "$(sql "SELECT count(*) FROM (SELECT 1 FROM items WHERE worn_slot IS NOT NULL
           GROUP BY owner_character_id, owner_mob_id, worn_slot HAVING count(*) > 1) x")" 0 "one item per slot"
is "$(sql "SELECT count(*) FROM items i JOIN item_templates t ON t.id = i.template_id
           WHERE i.worn_slot IS NOT NULL AND (i.owner_character_id IS NULL AND i.owner_mob_id IS NULL
                                             OR i.worn_slot IS DISTINCT FROM t.slot)")" 0 "worn things are worn by someone, in their slot"
is "$(sql "SELECT count(*) FROM (SELECT stream FROM event_streams GROUP BY stream
           HAVING max(seq) <> count(*)) x")" 0 "every stream's seqs are 1..n without gaps"
is "$(sql "SELECT count(*) FROM stream_counters c WHERE last_seq <>
           (SELECT coalesce(max(seq), 0) FROM event_streams s WHERE s.stream = c.stream)")" 0 "stream counters match their streams"
finish
