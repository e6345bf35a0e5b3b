#!/bin/sh
# The command language through the real ingress and workers: structured
# commands, ambiguity with candidates, aliases (set, list, expand into
# several actions, remove), "!", tell's world-wide name lookup, internal
# verbs refused, and the round trips a request costs.
. "$(dirname "$0")/../lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
services_start 1
TOK=$("$WRCTL" token issue alice 2>/dev/null | tail -1)
[ -n "$TOK" ] || bail "no token"
ALICE=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
START=$(sql "SELECT room_id FROM characters WHERE id = $ALICE")
NORTH=$(sql "SELECT to_room_id FROM exits WHERE from_room_id = $START AND dir = 'north'")

status() { echo "$1" | cut -d' ' -f1; }
body() { echo "$1" | cut -d' ' -f2-; }
drained() { wait_sql "SELECT count(*) FROM action_queue" 0; }

# Structured commands: the same checks and the same Actions as text.
r=$(post "$TOK" '{"type":"say","args":{"text":"structured hello"},"id":"s1"}')
is "$(status "$r")" 202 "structured say is queued"
drained
is "$(sql "SELECT payload->>'message' FROM event_log WHERE type = 'Said' ORDER BY event_id DESC LIMIT 1")" \
	"structured hello" "structured say is said"
r=$(post "$TOK" '{"type":"move","args":{"dir":"sideways"}}')
is "$(status "$r")" 400 "structured move with a bad direction: 400"
r=$(post "$TOK" '{"type":"say","args":{"text":"x"},"input":"say x"}')
is "$(status "$r")" 400 "input and type together: 400"
r=$(post "$TOK" '{"type":"dance","args":{}}')
is "$(json 'd["error"]["code"]' "$(body "$r")")" unknown_verb "structured unknown type: unknown_verb"
r=$(post "$TOK" '{"type":"get","args":{"object":"2.sword","colour":"red"}}')
is "$(json 'd["error"]["code"]' "$(body "$r")")" bad_input "structured unknown member: bad_input"

# Ambiguity: a small dagger and a small iron key, both "small".
sql "UPDATE items SET owner_room_id = NULL, owner_character_id = $ALICE
     WHERE spawn_key IN ('millbrook.market.dagger', 'millbrook.stables.key')" >/dev/null
q0=$(sql "SELECT count(*) FROM action_queue")
r=$(post "$TOK" '{"input":"give small to bob"}')
is "$(status "$r")" 422 "give small: 422"
is "$(json 'd["error"]["code"]' "$(body "$r")")" ambiguous "give small: ambiguous"
is "$(json '" ".join(c["ref"] for c in d["error"]["candidates"])' "$(body "$r")")" "small.1 small.2" \
	"candidates small.1 and small.2"
is "$(json '" ".join(c["name"] for c in d["error"]["candidates"])' "$(body "$r")")" \
	"a small dagger a small iron key" "candidates named"
is "$(sql "SELECT count(*) FROM action_queue")" "$q0" "nothing queued for an ambiguous command"
second=$(json 'd["error"]["candidates"][1]["ref"]' "$(body "$r")")
r=$(post "$TOK" "{\"input\":\"give $second to bob\"}")
is "$(status "$r")" 202 "give $second to bob: queued"
drained
is "$(sql "SELECT owner_character_id FROM items WHERE spawn_key = 'millbrook.stables.key'")" "$BOB" \
	"the reference picked the key, and Bob has it"

# Aliases: set, list, expand into several actions in order, remove.
r=$(post "$TOK" '{"input":"alias ns north;south"}')
is "$(status "$r")" 200 "alias ns: 200"
is "$(sql "SELECT expansion FROM account_aliases WHERE name = 'ns'")" "north;south" "alias stored"
r=$(post "$TOK" '{"input":"alias"}')
is "$(json 'd["aliases"]["ns"]' "$(body "$r")")" "north;south" "alias lists it"
r=$(post "$TOK" '{"input":"ns","id":"ns-1"}')
is "$(status "$r")" 202 "ns: queued"
is "$(json 'len(d["action_ids"])' "$(body "$r")")" 2 "ns: two actions"
ids=$(json '",".join(str(i) for i in d["action_ids"])' "$(body "$r")")
r2=$(post "$TOK" '{"input":"ns","id":"ns-1"}')
is "$(json '",".join(str(i) for i in d["action_ids"])' "$(body "$r2")")" "$ids" \
	"a retry of ns returns both original action ids"
is "$(json 'd.get("replayed")' "$(body "$r2")")" True "and says replayed"
drained
is "$(sql "SELECT string_agg(payload->>'to_room', ',' ORDER BY event_id) FROM event_log
           WHERE type = 'CharacterMoved' AND action_id IN ($ids)")" "$NORTH,$START" \
	"ns moved north, then south, in order"
r=$(post "$TOK" '{"input":"alias kk north;dance"}')
r=$(post "$TOK" '{"input":"kk"}')
is "$(status "$r")" 400 "an alias with a bad command: 400"
is "$(json 'd["error"]["code"]' "$(body "$r")")" unknown_verb "its error is the bad command's"
r=$(post "$TOK" '{"input":"alias loop loop"}')
r=$(post "$TOK" '{"input":"loop"}')
is "$(json 'd["error"]["code"]' "$(body "$r")")" alias_loop "a looping alias: alias_loop"
r=$(post "$TOK" '{"input":"unalias ns"}')
is "$(status "$r")" 200 "unalias ns: 200"
r=$(post "$TOK" '{"input":"unalias ns"}')
is "$(status "$r")" 404 "unalias of a missing alias: 404"
r=$(post "$TOK" '{"input":"ns"}')
is "$(json 'd["error"]["code"]' "$(body "$r")")" unknown_verb "ns is gone"

# "!" repeats the last command as typed.
r=$(post "$TOK" '{"input":"say again and again"}')
drained
r=$(post "$TOK" '{"input":"!"}')
is "$(status "$r")" 202 "!: queued"
drained
is "$(sql "SELECT count(*) FROM event_log WHERE type = 'Said' AND payload->>'message' = 'again and again'")" 2 \
	"! said it a second time"

# tell: a player anywhere, by exact name.
r=$(post "$TOK" '{"input":"tell zed hi"}')
is "$(json 'd["error"]["code"]' "$(body "$r")")" not_here "tell zed: nobody by that name"
r=$(post "$TOK" '{"input":"tell bob hi"}')
is "$(status "$r")" 202 "tell bob: queued"
# The rules run every verb a client can send; the internal ones (a combat
# round, a move's trigger) are refused before queueing.
r=$(post "$TOK" '{"input":"flee"}')
is "$(status "$r")" 202 "flee: queued (the rules refuse it: not fighting)"
r=$(post "$TOK" '{"type":"round","args":{}}')
is "$(status "$r") $(json 'd["error"]["code"]' "$(body "$r")")" "400 unknown_verb" "round: internal, refused"
r=$(post "$TOK" '{"input":"who"}')
is "$(status "$r")" 202 "who: queued"


# A batch mixing every form.
r=$(post "$TOK" '[{"input":"say one"},{"type":"say","args":{"text":"two"}},{"input":"!"},{"input":"look"}]')
is "$(json '[x["status"] for x in d["results"]]' "$(body "$r")")" "['queued', 'queued', 'queued', 'queued']" \
	"a mixed batch: all queued"
finish
