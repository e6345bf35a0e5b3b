#!/bin/sh
# A world reload never re-creates loot that moved since it spawned (issue 17:
# "every ./wr up re-creates loot a player already took"): coins picked up
# (turned into gold), bread eaten (deleted), a crate taken away with what it
# held; and a placement new to the content still spawns, once.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
SQUARE=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.square'")
sql "UPDATE characters SET room_id = $SQUARE WHERE name = 'Alice'" >/dev/null
GOLD0=$(sql "SELECT gold FROM characters WHERE name = 'Alice'")
NITEMS0=$(sql "SELECT count(*) FROM items")
is "$(sql "SELECT count(*) FROM world_spawns")" "$(sql "SELECT count(*) FROM items WHERE spawn_key IS NOT NULL")" \
	"every spawned placement is recorded"
services_start 1

is "$(post "$ALICE" '{"input":"get coins"}' | cut -c1-3)" 202 "Alice picks up the coins on the square"
wait_sql "SELECT count(*) FROM action_queue" 0 || bail "the queue did not empty"
is "$(sql "SELECT gold FROM characters WHERE name = 'Alice'") $(sql "SELECT count(*) FROM items WHERE spawn_key = 'millbrook.square.coins'")" \
	"$((GOLD0 + 7)) 0" "the coins became her gold"
sql "DELETE FROM items WHERE spawn_key = 'millbrook.inn.bread'" >/dev/null     # eaten
sql "DELETE FROM items WHERE owner_item_id = (SELECT id FROM items WHERE spawn_key = 'millbrook.square.crate')" >/dev/null
sql "DELETE FROM items WHERE spawn_key = 'millbrook.square.crate'" >/dev/null  # carted off, with what it held
NITEMS1=$(sql "SELECT count(*) FROM items")

out=$("$WRCTL" world load 2>&1)
ok $? "the world reloads"
has "$out" "(changes: 0 inserted, 0 updated); placements taken since they spawned are not re-created" \
	"and says it created nothing"
is "$(sql "SELECT count(*) FROM items")" "$NITEMS1" "no item came back"
is "$(sql "SELECT count(*) FROM items WHERE spawn_key IN ('millbrook.square.coins', 'millbrook.inn.bread',
	'millbrook.square.crate', 'millbrook.square.crate.bread')")" 0 "not the coins, the bread, the crate nor its contents"
is "$(sql "SELECT gold FROM characters WHERE name = 'Alice'")" "$((GOLD0 + 7))" "Alice's gold is what it was"
out=$("$WRCTL" world load 2>&1)
has "$out" "(changes: 0 inserted, 0 updated)" "a second reload is as quiet"

# A placement added to the content later spawns once.
mkdir -p "$T_DIR/content"
cp "$WR_HOME"/content/*.json "$T_DIR/content/"
cat >"$T_DIR/content/extra.json" <<'JSON'
{"items": [{"key": "extra.square.bread", "template": "millbrook.bread", "room": "millbrook.square", "quantity": 1}]}
JSON
out=$("$WRCTL" world load "$T_DIR/content" 2>&1)
has "$out" "(changes: 1 inserted, 0 updated)" "a new placement spawns"
is "$(sql "SELECT count(*) FROM items")" "$((NITEMS1 + 1))" "one item more"
sql "DELETE FROM items WHERE spawn_key = 'extra.square.bread'" >/dev/null
out=$("$WRCTL" world load "$T_DIR/content" 2>&1)
has "$out" "(changes: 0 inserted, 0 updated)" "and once only"
[ "$NITEMS0" -gt "$NITEMS1" ]; ok $? "items were taken ($NITEMS0 -> $NITEMS1)"
finish
