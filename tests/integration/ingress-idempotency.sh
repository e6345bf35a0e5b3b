#!/bin/sh
# Client command ids (body "id" or Idempotency-Key): a retry returns the
# original result and queues nothing; the same id with another command is
# refused; concurrent retries queue exactly once.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
services_start 0
queued() { sql "SELECT count(*) FROM action_queue"; }

r1=$(post "$ALICE" '{"input":"say once","id":"k1"}')
is "${r1%% *}" "202" "first submission: 202"
r2=$(post "$ALICE" '{"input":"say once","id":"k1"}')
is "${r2%% *}" "202" "resubmission: 202"
id1=$(echo "${r1#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["action_ids"][0])')
id2=$(echo "${r2#* }" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["action_ids"][0], d.get("replayed"))')
is "$id2" "$id1 True" "resubmission returns the original action id, marked replayed"
is "$(queued)" "1" "resubmission queues nothing"

r=$(post "$ALICE" '{"input":"say something else","id":"k1"}')
is "${r%% *}" "409" "same id, other command: 409"
case "$r" in *idempotency_conflict*) ok 0 "error code idempotency_conflict" ;; *) ok 1 "error code idempotency_conflict"; diag "$r" ;; esac
is "$(queued)" "1" "the conflicting command is not queued"

r=$(post "$BOB" '{"input":"say once","id":"k1"}')
is "${r%% *}" "202" "ids are per actor: Bob may use k1 too"
is "$(queued)" "2" "Bob's command is queued"

hdr() { # key body
	curl -s -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -H "Idempotency-Key: $1" \
		--data-binary "$2" "$HTTP/v1/commands"
}
is "$(hdr k2 '{"input":"say via header"}')" "202" "Idempotency-Key header: 202"
is "$(hdr k2 '{"input":"say via header"}')" "202" "Idempotency-Key header again: 202"
grep -q '"replayed":true' "$T_DIR/resp"; ok $? "Idempotency-Key header again: replayed"
is "$(queued)" "3" "the header form queues once"
is "$(hdr k3 '{"input":"look","id":"other"}')" "400" "header and body id that differ: 400"
is "$(hdr k3 '[{"input":"look"}]')" "400" "header on a batch: 400"

r=$(post "$ALICE" '[{"input":"say b","id":"k4"},{"input":"say b","id":"k4"},{"input":"say c","id":"k4"}]')
python3 - "${r#* }" <<'PY'
import json, sys
res = json.loads(sys.argv[1])["results"]
assert res[0]["status"] == "queued" and not res[0].get("replayed"), res
assert res[1]["status"] == "queued" and res[1].get("replayed") and res[1]["action_ids"] == res[0]["action_ids"], res
assert res[2]["status"] == "error" and res[2]["error"]["code"] == "idempotency_conflict", res
PY
ok $? "within one batch: the repeat is replayed, the different command refused"
is "$(queued)" "4" "the batch queued one action"

pids=""
for n in $(seq 1 20); do
	curl -s -o /dev/null -H "Authorization: Bearer $ALICE" -d '{"input":"say race","id":"k5"}' "$HTTP/v1/commands" &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(sql "SELECT count(*) FROM action_queue WHERE command_id = 'k5'")" "1" "20 concurrent retries queue exactly once"
is "$(sql "SELECT count(*) FROM command_ids")" "5" "one command id row per (actor, id)"

# After 24 hours an id is free again.
sql "UPDATE command_ids SET created_at = now() - interval '25 hours' WHERE command_id = 'k1'" >/dev/null
r=$(post "$ALICE" '{"input":"say a day later","id":"k1"}')
is "${r%% *}" "202" "an id older than 24 hours may be reused"
case "$r" in *replayed*) ok 1 "and is a new command"; diag "$r" ;; *) ok 0 "and is a new command" ;; esac

# A status wr_submit() never returns is a bug of ours, never read as a
# conflict: the request fails as internal and the log names the status.
sql "CREATE OR REPLACE FUNCTION wr_submit(actions jsonb) RETURNS TABLE (n bigint, action_id bigint, status text)
     LANGUAGE sql AS \$\$ SELECT 1::bigint, NULL::bigint, 'maybe'::text \$\$" >/dev/null
r=$(post "$ALICE" '{"input":"say odd","id":"k9"}')
is "${r%% *} $(json 'd["error"]["code"]' "${r#* }")" "500 internal" "an unknown wr_submit() status: 500 internal, not 409"
grep -qF 'bug=self: wr_submit() returned an unknown status "maybe"' "$T_DIR/ingress.log"
ok $? "and it is logged as a bug, with the status"
finish
