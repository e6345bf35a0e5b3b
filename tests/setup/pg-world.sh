#!/bin/sh
# The world template (tests/lib/pg.sh pg_datadir_world), built once before the
# database tests so that none of them waits on it, and checked: a copy starts
# and holds the migrated schema, the starter world and the test helpers.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
is "$(sql "SELECT count(*) > 0 FROM schema_migrations")" "t" "the copy is migrated"
is "$(sql "SELECT count(*) FROM rooms WHERE id = (SELECT room_id FROM characters WHERE name = 'Alice')")" "1" \
	"the starter world is loaded (Alice stands in a room)"
is "$("$WRCTL" migrate | sed -n 's/^migrations: [0-9]* applied, \([0-9]*\) already.*/\1/p')" \
	"$(ls "$WR_HOME"/migrations/*.sql | wc -l)" "every migration of the tree is in it"
is "$(sql "SELECT wrtest.action('char:1', 'say', '{\"text\":\"hi\"}', NULL, ARRAY[2], ARRAY[1], priority => 50)::text")" \
	'{"args": {"text": "hi"}, "plan": {}, "verb": "say", "priority": 50, "actor_key": "char:1", "lock_items": [], "lock_rooms": [2], "instance_id": 1, "lock_characters": [1]}' \
	"wrtest.action builds an action as wr_enqueue takes it"
finish
