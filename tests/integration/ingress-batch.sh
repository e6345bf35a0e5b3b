#!/bin/sh
# A batch of 100 mixed valid and invalid commands: 100 results in array
# order, each valid one queued (and only those), in order, with its input
# and id; then a worker applies exactly those.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
services_start 0

# Item i of the batch and what must come back for it ("queued" or an error code).
python3 - "$T_DIR" <<'PY'
import json, sys
valid = [
    ({"input": "look"}, "queued"),
    ({"input": "say hello %d"}, "queued"),
    ({"input": "'quick %d"}, "queued"),
    ({"input": "give 1 gold to bob"}, "queued"),
    ({"input": "north"}, "queued"),
]
invalid = [
    ({"input": "dance %d"}, "unknown_verb"),
    ({"input": "   "}, "empty_command"),
    ({"input": "say " + "x" * 3000}, "too_long"),
    ({"input": 42}, "bad_input"),
    ({"input": "look", "actor": "Bob"}, "forbidden"),
    ({"input": "look", "actor": "Nobody"}, "unknown_actor"),
    ({"input": "look", "actor": "char:x"}, "bad_input"),
    ({"input": "look", "colour": "red"}, "bad_input"),
    ({"input": "give 5 gold to nobody"}, "not_here"),
    ("look", "bad_input"),
]
items, expect = [], []
for i in range(100):
    pool = valid if i % 3 != 1 else invalid
    item, want = pool[(i // 3) % len(pool)]
    if isinstance(item, dict):
        item = {k: (v % i if isinstance(v, str) and "%d" in v else v) for k, v in item.items()}
        item["id"] = "c%d" % i
        if i % 5 == 0:
            item["actor"] = item.get("actor", "Alice")
    items.append(item)
    expect.append(want)
open(sys.argv[1] + "/batch.json", "w").write(json.dumps(items))
open(sys.argv[1] + "/expect.json", "w").write(json.dumps(expect))
PY
nvalid=$(python3 -c 'import json,sys; print(sum(1 for x in json.load(open(sys.argv[1])) if x == "queued"))' "$T_DIR/expect.json")
ninvalid=$((100 - nvalid))
diag "$nvalid valid and $ninvalid invalid commands"

status=$(curl -s -o "$T_DIR/out.json" -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
	--data-binary @"$T_DIR/batch.json" "$HTTP/v1/commands")
is "$status" "200" "a batch of 100 gets 200"
python3 - "$T_DIR" <<'PY'
import json, sys
d = sys.argv[1]
res = json.load(open(d + "/out.json"))["results"]
items = json.load(open(d + "/batch.json"))
expect = json.load(open(d + "/expect.json"))
bad = 0
if len(res) != 100:
    print("# %d results" % len(res)); sys.exit(1)
for i, (r, it, want) in enumerate(zip(res, items, expect)):
    got = "queued" if r["status"] == "queued" else r["error"]["code"]
    want_id = it.get("id") if isinstance(it, dict) else None
    if got != want or r.get("id") != want_id:
        print("# item %d: want %s id=%s, got %s" % (i, want, want_id, json.dumps(r))); bad = 1
    if got == "queued" and len(r["action_ids"]) != 1:
        print("# item %d: action_ids %s" % (i, r["action_ids"])); bad = 1
sys.exit(bad)
PY
ok $? "100 results, in array order, each with its item's id and the expected outcome"

is "$(sql "SELECT count(*) FROM action_queue")" "$nvalid" "exactly the $nvalid valid commands are queued"
python3 - "$T_DIR" "$(sql "SELECT string_agg(id || '|' || command_id || '|' || input, E'\n' ORDER BY id) FROM action_queue")" <<'PY'
import json, sys
d = sys.argv[1]
rows = [r.split("|", 2) for r in sys.argv[2].split("\n")]
res = json.load(open(d + "/out.json"))["results"]
items = json.load(open(d + "/batch.json"))
want = [(str(r["action_ids"][0]), it["id"], it["input"]) for r, it in zip(res, items) if r["status"] == "queued"]
got = [tuple(r) for r in rows]
if got != want:
    print("# queue:    %s" % got[:5]); print("# expected: %s" % want[:5]); sys.exit(1)
PY
ok $? "the queue holds them in array order, with the action ids, command ids and inputs answered"
is "$(sql "SELECT count(*) FROM action_queue WHERE actor_key <> 'char:' || (SELECT id FROM characters WHERE name = 'Alice')")" "0" \
	"every queued action is Alice's"

# A worker applies exactly those: one outcome event per action (a rejection counts).
svc worker "$BUILD/worker/wr-worker"
wait_sql "SELECT count(*) FROM action_queue" 0 300; ok $? "the worker drains the queue"
is "$(sql "SELECT count(DISTINCT action_id) FROM event_log WHERE actor_key NOT LIKE '%:follow'")" "$nvalid" \
	"events come from exactly the $nvalid queued actions (besides the moves' follow-ups)"
is "$(sql "SELECT count(*) FROM event_log WHERE command_id IS NULL")" "0" "every event carries its command id"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "nothing was dead-lettered"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
