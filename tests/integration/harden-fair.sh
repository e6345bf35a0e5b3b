#!/bin/sh
# Issue 15, finding 6: fair shares.  One token could take every long-poll
# waiter slot, and nothing capped the actions one actor had queued.  Now a
# token has at most max-waiters-per-token long-polls waiting (429
# too_many_long_polls past that, others unaffected) and an actor at most
# wr_max_queued_per_actor() (128) actions queued (429 too_many_queued, with
# Retry-After, nothing of the refused submission queued).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
INGRESS_ARGS="--max-waiters-per-token=3" services_start 0   # no workers: the queue only grows
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }

# ---- waiter hogging
for i in 1 2 3; do
	curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $ALICE" \
		"$HTTP/v1/streams/char:$ALICE_ID/events?after=0&wait=8" >"$T_DIR/hog$i" &
	HOGS="${HOGS:-} $!"
done
_w=0; while [ "$(curl -s "$HTTP/metrics" -H "Authorization: Bearer $("$WRCTL" token issue alice --admin)" |
	sed -n 's/^wr_ingress_longpoll_waiters //p')" != 3 ] && [ $_w -lt 50 ]; do _w=$((_w + 1)); sleep 0.1; done
t0=$(date +%s%N)
r=$(curl -s -D "$T_DIR/h" -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
	"$HTTP/v1/streams/char:$ALICE_ID/events?after=0&wait=8")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$r $(code "$(cat "$T_DIR/resp")")" "429 too_many_long_polls" "a 4th long-poll of one token: 429 too_many_long_polls (${ms} ms)"
grep -qi '^Retry-After: 1' "$T_DIR/h"; ok $? "... with Retry-After"
r=$(get "$ALICE" "/v1/streams/char:$ALICE_ID/events?after=0")
is "${r%% *}" "200" "the same token may still read without waiting"
t0=$(date +%s%N)
r=$(get "$BOB" "/v1/streams/char:$BOB_ID/events?after=0&wait=1")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "${r%% *}" "200" "another token's long-poll is not crowded out"
ok "$([ "$ms" -ge 900 ] && echo 0 || echo 1)" "... and really waited (${ms} ms)"

# ---- queued actions per actor (the cap, 128, is above max-batch's default of 100)
batch() { python3 -c "import json; print(json.dumps([{'input': 'look'}] * $1))"; }
r=$(post "$ALICE" "$(batch 100)")
is "$(json 'sorted(set(x["status"] for x in d["results"]))' "${r#* }")" "['queued']" "a batch of 100 for Alice: all queued"
n=0; codes=""
while [ $n -lt 28 ]; do
	n=$((n + 1))
	r=$(post "$ALICE" '{"input":"look"}'); codes="$codes ${r%% *}"
done
is "$(echo $codes | tr ' ' '\n' | sort | uniq -c | tr -s ' ')" " 28 202" "28 more, one by one: all 202"
r=$(curl -s -D "$T_DIR/h" -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" -d '{"input":"look"}' "$HTTP/v1/commands")
is "$r $(code "$(cat "$T_DIR/resp")")" "429 too_many_queued" "the 129th: 429 too_many_queued"
grep -qi '^Retry-After: 1' "$T_DIR/h"; ok $? "... with Retry-After"
is "$(sql "SELECT count(*) FROM action_queue WHERE actor_key = 'char:$ALICE_ID'")" "128" "Alice has 128 queued, not 129"
r=$(post "$BOB" '[{"input":"look"},{"input":"say hi"}]')
is "$(json '[x["status"] for x in d["results"]]' "${r#* }")" "['queued', 'queued']" "Bob is not affected"
r=$(post "$BOB" "$(batch 100)")
is "$(json 'sorted(set(x["status"] for x in d["results"]))' "${r#* }")" "['queued']" "Bob: a batch of 100 (102 queued)"
# A batch for Bob that would pass the cap is refused whole.
r=$(post "$BOB" "$(batch 27)")
is "$(json 'sorted(set(x["error"]["code"] if x["status"] == "error" else x["status"] for x in d["results"]))' "${r#* }")" \
	"['too_many_queued']" "a batch that would take Bob to 129: every item too_many_queued"
is "$(sql "SELECT count(*) FROM action_queue WHERE actor_key = 'char:$BOB_ID'")" "102" "... and none of it queued"
# shellcheck disable=SC2086
wait $HOGS
for i in 1 2 3; do is "$(cat "$T_DIR/hog$i")" "200" "hogging long-poll $i ended normally"; done
finish
