#!/bin/sh
# Issue 16 (i16-ingress4): wr_command_begin reads the views of a request of
# several characters with wr_actor_view_set, set-based (a room's contents
# read once for all its viewers), not wr_actor_view's wr_view_seen per
# character.  The planner must see exactly what it saw: the two give the same
# JSON, here on a world built to hit every limit and visibility rule of
# wr_view_seen:
#   - a crowded room: 70 people in the world plus two who quit, some
#     invisible (65 deep: a viewer is not in its own view); 70 items on the
#     floor, some invisible, containers (closed ones too: a room container's
#     contents show whatever its state) with 40 things inside (32 per
#     container), an invisible container whose contents only a detector sees;
#     70 mobs, some dead, some invisible, a shopkeeper;
#   - viewers who detect invisible, are invisible, quit, carry 70 things (worn
#     and carried, open, closed and locked containers of 40), and more than
#     256 things in view in all;
#   - a quiet room, and actors together and apart in any mix.
# Then the begin itself (views of the actors a token may act for) and one
# HTTP request of several actors.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
quiet_world
ALICE=$("$WRCTL" token issue alice)

sql "
INSERT INTO item_templates (key, name, keywords, description, kind, stats)
VALUES ('test.ghost_gem', 'a ghostly gem', '{gem,ghostly}', 'You should not see it.', 'misc', '{\"invisible\": true}'),
       ('test.ghost_box', 'a ghostly box', '{box,ghostly}', 'You should not see it.', 'container', '{\"invisible\": true}');
-- The crowd, in room 2: 70 in the world (every fifth invisible), two who quit.
INSERT INTO characters (account_id, name, instance_id, room_id, flags, in_world)
SELECT 1, 'Crowd' || g, 1, 2, CASE WHEN g % 5 = 0 THEN '{invisible}'::text[] ELSE '{}' END, g <= 70
FROM generate_series(1, 72) g;
UPDATE characters SET flags = '{detect_invisible}' WHERE name = 'Crowd3';
UPDATE characters SET flags = '{invisible,detect_invisible}' WHERE name = 'Crowd10';
-- Room 3: a few, one detector; room 4: one alone.
INSERT INTO characters (account_id, name, instance_id, room_id, flags)
VALUES (1, 'Few1', 1, 3, '{}'), (1, 'Few2', 1, 3, '{invisible}'), (1, 'Few3', 1, 3, '{detect_invisible}'),
       (1, 'Alone', 1, 4, '{}');
-- On room 2's floor: 70 items, every seventh invisible, every tenth a container.
INSERT INTO items (template_id, instance_id, owner_room_id, container_state)
SELECT CASE WHEN g % 10 = 0 THEN 3 WHEN g % 7 = 0 THEN (SELECT id FROM item_templates WHERE key = 'test.ghost_gem') ELSE 2 END,
       1, 2, CASE WHEN g % 20 = 0 THEN 'closed' END
FROM generate_series(1, 70) g;
INSERT INTO items (template_id, instance_id, owner_room_id)
SELECT id, 1, 2 FROM item_templates WHERE key = 'test.ghost_box';
INSERT INTO items (template_id, instance_id, owner_room_id, quantity) VALUES (9, 1, 2, 40), (9, 1, 3, 1);
-- Inside each room container: 40, every sixth invisible.
INSERT INTO items (template_id, instance_id, owner_item_id)
SELECT CASE WHEN g % 6 = 0 THEN (SELECT id FROM item_templates WHERE key = 'test.ghost_gem') ELSE 4 END, 1, c.id
FROM items c JOIN item_templates t ON t.id = c.template_id, generate_series(1, 40) g
WHERE c.owner_room_id = 2 AND t.kind = 'container';
-- 70 mobs in room 2: every ninth dead, bell spirits (invisible), a shopkeeper.
INSERT INTO mobs (template_id, instance_id, room_id, hp, dead_at)
SELECT CASE WHEN g % 4 = 0 THEN 2 WHEN g = 5 THEN 3 ELSE 7 END, 1, 2, 5, CASE WHEN g % 9 = 0 THEN now() END
FROM generate_series(1, 70) g;
-- What Crowd1 and Crowd3 carry: 70 each (worn ones, invisible ones,
-- containers open, closed and locked, each with 40 inside).
INSERT INTO items (template_id, instance_id, owner_character_id, worn_slot, container_state)
SELECT CASE WHEN g <= 3 THEN 10 + g - 1 WHEN g % 10 = 0 THEN 3 WHEN g % 8 = 0
            THEN (SELECT id FROM item_templates WHERE key = 'test.ghost_gem') ELSE 4 END,
       1, c.id, CASE g WHEN 1 THEN 'head' WHEN 2 THEN 'feet' WHEN 3 THEN 'body' END,
       CASE g % 30 WHEN 10 THEN 'open' WHEN 20 THEN 'closed' WHEN 0 THEN 'locked' END
FROM characters c, generate_series(1, 70) g WHERE c.name IN ('Crowd1', 'Crowd3', 'Few3');
INSERT INTO items (template_id, instance_id, owner_item_id)
SELECT CASE WHEN g % 6 = 0 THEN (SELECT id FROM item_templates WHERE key = 'test.ghost_gem') ELSE 4 END, 1, c.id
FROM items c JOIN item_templates t ON t.id = c.template_id, generate_series(1, 40) g
WHERE c.owner_character_id IS NOT NULL AND t.kind = 'container';
" >/dev/null || bail "the test world"

# Mismatches of wr_actor_view_set against wr_actor_view over the sets of
# character ids given as SQL rows "(k, ids bigint[])".
mismatches() {
	sql "SELECT count(*) FROM ($1) s(k, ids) WHERE wr_actor_view_set(ids) IS DISTINCT FROM wr_actor_view(ids)"
}
TEST="SELECT id FROM characters WHERE name LIKE 'Crowd%' OR name LIKE 'Few%' OR name = 'Alone'"

is "$(mismatches "SELECT id, ARRAY[id] FROM characters")" "0" "each character alone: the same view"
is "$(mismatches "SELECT 0, array_agg(id) FROM characters")" "0" "every character at once: the same views"
is "$(mismatches "SELECT 0, ARRAY(SELECT id FROM characters WHERE name IN ('Crowd1', 'Crowd2', 'Crowd3', 'Crowd10', 'Crowd71', 'Few1', 'Few3', 'Alone'))")" \
	"0" "the detector, the invisible, one who quit, carriers, three rooms: the same views"
is "$(mismatches "SELECT k, ARRAY(SELECT id FROM ($TEST) t ORDER BY md5(k || ':' || id) LIMIT 2 + k % 19)
                   FROM generate_series(1, 60) k")" "0" "60 mixes of 2-20 test characters: the same views"
is "$(mismatches "SELECT 0, ARRAY[2147483647, (SELECT id FROM characters WHERE name = 'Crowd4')]")" "0" \
	"an id that is no character is left out by both"

# The world hits the limits it is built for (else the comparisons prove less).
is "$(sql "SELECT jsonb_array_length(v->'seen') FROM jsonb_array_elements(wr_actor_view_set(ARRAY(SELECT id FROM characters WHERE name = 'Crowd3'))) v")" \
	"256" "the detector who carries 70 sees 256 things (the cap)"
is "$(sql "SELECT count(*) FROM jsonb_array_elements(wr_actor_view_set(ARRAY(SELECT id FROM characters WHERE name = 'Crowd2'))) v,
                                jsonb_array_elements(v->'seen') s WHERE s->>'kind' = 'char'")" \
	"51" "Crowd2 sees the 64 others first in the room, less the 13 invisible among them"
is "$(sql "SELECT count(*) FROM jsonb_array_elements(wr_actor_view_set(ARRAY(SELECT id FROM characters WHERE name = 'Crowd64'))) v,
                                jsonb_array_elements(v->'seen') s WHERE s->>'kind' = 'char' AND s->>'name' = 'Crowd65'")" \
	"0" "Crowd64 does not see Crowd65, the 65th in the room (64 others before it)"
is "$(sql "SELECT count(*) FROM jsonb_array_elements(wr_actor_view_set(ARRAY(SELECT id FROM characters WHERE name = 'Crowd65'))) v,
                                jsonb_array_elements(v->'seen') s WHERE s->>'kind' = 'char' AND s->>'name' = 'Crowd64'")" \
	"1" "Crowd65 sees Crowd64 (a viewer is not one of its own 64)"
# Room 3's detector carries containers, so what is inside shows there.
is "$(mismatches "SELECT 0, ARRAY(SELECT id FROM characters WHERE name LIKE 'Few%')")" "0" "room 3 together: the same views"
# A quieter copy of the crowded room, with containers in reach: fewer people,
# items and mobs, so the floor's containers' contents are in view too.
sql "UPDATE characters SET room_id = 5 WHERE name ~ '^Crowd([4-9][0-9]|[1-3][0-9])$' AND name NOT IN ('Crowd10', 'Crowd20', 'Crowd30');
     DELETE FROM mobs WHERE room_id = 2 AND id % 10 <> 0;
     DELETE FROM items WHERE owner_room_id = 2 AND template_id = 2 AND id % 3 <> 0" >/dev/null || bail "the quieter room"
# viewer name [name of what is inside] -> how many things inside the floor's
# containers (and the carried ones) it sees
inside_seen() {
	sql "SELECT count(*) FROM jsonb_array_elements(wr_actor_view_set(ARRAY(SELECT id FROM characters WHERE name = '$1'))) v,
	                          jsonb_array_elements(v->'seen') s WHERE s->>'where' = 'inside' AND s->>'name' LIKE '${2:-%}'"
}
is "$(mismatches "SELECT k, ARRAY(SELECT id FROM ($TEST) t ORDER BY md5(k || ':' || id) LIMIT 2 + k % 19)
                   FROM generate_series(1, 60) k")" "0" "the quieter rooms, 60 mixes: the same views"
is "$(mismatches "SELECT 0, array_agg(id) FROM characters")" "0" "the quieter rooms, everyone at once: the same views"
a=$(inside_seen Crowd2) b=$(inside_seen Crowd2 'a ghostly%') c=$(inside_seen Crowd10 'a ghostly%')
diag "inside containers: Crowd2 sees $a things, $b ghostly; Crowd10 (detects) $c ghostly"
[ "$a" -gt 0 ] && [ "$b" = 0 ] && [ "$c" -gt 0 ]; ok $? "(the views compared show what is inside, and only a detector sees the ghostly)"

# The begin: for several characters it returns wr_actor_view's views of
# those the token may act for (all of alice's: the test characters).
HASH=$(sql "SELECT token_hash FROM access_tokens t JOIN accounts a ON a.id = t.account_id WHERE a.name = 'alice'")
REFS=$(sql "SELECT jsonb_agg(c.name ORDER BY md5(c.name)) FROM characters c WHERE c.id IN ($TEST)")
is "$(sql "SELECT b.views = wr_actor_view(b.view_ids), cardinality(b.view_ids)
           FROM wr_command_begin('$HASH', '$REFS'::jsonb, NULL) b")" "t|76" \
	"wr_command_begin of 76 characters: wr_actor_view's views, all 76"
is "$(sql "SELECT b.views = wr_actor_view(b.view_ids), cardinality(b.view_ids)
           FROM wr_command_begin_one('$HASH', '[\"Crowd3\"]'::jsonb, NULL) b")" "t|1" \
	"and of one character (wr_actor_view itself)"

# One HTTP request of three actors, three rooms: each queued, once.
services_start 0
r=$(post "$ALICE" '[{"actor":"Crowd3","input":"say one"},{"actor":"Few2","input":"say two"},{"actor":"Alone","input":"look"}]')
is "${r%% *}" "200" "a request of three actors: 200"
is "$(sql "SELECT string_agg(c.name || ':' || q.input, ',' ORDER BY c.name) FROM action_queue q
           JOIN characters c ON q.actor_key = 'char:' || c.id")" "Alone:look,Crowd3:say one,Few2:say two" \
	"each actor's command queued once"
# "!" repeats an actor's last line: the begin reads the last lines of the
# characters the request names and of the default one only, not of all of
# the account's (here 77).
queued() { # character name -> its queued says' text, in order
	sql "SELECT string_agg(q.args->>'text', ',' ORDER BY q.id) FROM action_queue q JOIN characters c ON q.actor_key = 'char:' || c.id
	     WHERE c.name = '$1'"
}
r=$(post "$ALICE" '[{"actor":"Crowd4","input":"say four"},{"actor":"Crowd5","input":"say five"}]')
is "${r%% *}" "200" "Crowd4 and Crowd5 say something"
r=$(post "$ALICE" '[{"actor":"Crowd5","input":"!"},{"actor":"Crowd4","input":"!"}]')
is "$(json '[x["status"] for x in d["results"]]' "${r#* }")" "['queued', 'queued']" "! for both: queued"
is "$(queued Crowd4) / $(queued Crowd5)" "four,four / five,five" "each repeats its own last line"
PINNED=$("$WRCTL" token issue alice --character=Crowd6)
r=$(post "$PINNED" '{"input":"say six"}')
is "${r%% *}" "202" "a token pinned to Crowd6: a command without an actor"
r=$(post "$PINNED" '{"input":"!"}')
is "${r%% *}" "202" "! for the default (pinned) actor: queued"
is "$(queued Crowd6)" "six,six" "the default actor repeats its own last line"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
