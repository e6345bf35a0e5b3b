#!/bin/sh
# Fixtures are part of the room (issue 17: "get all on the square picks up
# the crate itself"): "get all" takes what lies on the square and leaves the
# crate; "get crate" is refused and says why; what is in the crate can still
# be taken.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
SQUARE=$(sql "SELECT r.id FROM rooms r JOIN room_templates t ON t.id = r.template_id WHERE t.key = 'millbrook.square'")
sql "UPDATE characters SET room_id = $SQUARE WHERE name = 'Alice'" >/dev/null
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
CRATE=$(sql "SELECT id FROM items WHERE spawn_key = 'millbrook.square.crate'")
GOLD0=$(sql "SELECT gold FROM characters WHERE name = 'Alice'")
services_start 1
crate_room() { sql "SELECT coalesce(owner_room_id::text, 'moved') FROM items WHERE id = $CRATE"; }

act "$ALICE" "get crate"
is "$(types)" "ActionRejected" "get crate: ActionRejected"
is "$(ev reason) / $(ev text)" "fixed / A weathered crate is fixed in place." "get crate: says why"
is "$(crate_room)" "$SQUARE" "the crate is still there"
act "$ALICE" "get boots from crate"
is "$(sql "SELECT owner_character_id FROM items WHERE spawn_key = 'millbrook.square.crate.boots'")" "$ALICE_ID" \
	"what is in the crate can be taken"
act "$ALICE" "get all"
is "$(crate_room)" "$SQUARE" "get all leaves the crate on the square"
is "$(sql "SELECT gold FROM characters WHERE name = 'Alice'")" "$((GOLD0 + 7))" "and takes the coins lying there"
has "$(ev text_self)" "A weathered crate is fixed in place." "and says the crate stays"
finish
