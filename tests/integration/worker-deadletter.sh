#!/bin/sh
# Failures: a transient database error is retried with backoff; an action
# that keeps failing goes to the dead-letter table with its last error,
# without holding up the others; wrctl dead list / requeue bring it back.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
room=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
alice=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
bob=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
# Test only: writing the event of a "poison" say fails with a serialization
# failure (40001), a transient error, for as long as the switch is on.
sql "CREATE TABLE poison_switch (on_ boolean);
     INSERT INTO poison_switch VALUES (true);
     GRANT SELECT ON poison_switch TO wr_worker;
     CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
     BEGIN
       IF NEW.payload->>'message' = 'poison' AND (SELECT on_ FROM poison_switch) THEN
         RAISE EXCEPTION 'poisoned' USING ERRCODE = '40001';
       END IF;
       RETURN NEW;
     END \$\$;
     CREATE TRIGGER poison BEFORE INSERT ON event_log FOR EACH ROW EXECUTE FUNCTION poison()" >/dev/null
say() { # actor text
	sql "SELECT wr_enqueue(jsonb_build_array(wrtest.action('char:$1', 'say', jsonb_build_object('text', '$2'),
	       jsonb_build_object('room', $room), ARRAY[$room], ARRAY[$1])))"
}
poison_id=$(say "$alice" poison)
for n in 1 2 3 4 5; do say "$bob" "fine $n" >/dev/null; done
svc worker "$BUILD/worker/wr-worker" --max-attempts=4
wait_sql_not "SELECT count(*) FROM dead_actions" 0 100
is "$(sql "SELECT id FROM dead_actions")" "$poison_id" "the failing action is dead-lettered"
is "$(sql "SELECT attempts FROM dead_actions")" "4" "after max-attempts (4) tries"
case "$(sql "SELECT last_error FROM dead_actions")" in *poisoned*) ok 0 "with its last error" ;; *) ok 1 "with its last error" ;; esac
wait_sql "SELECT count(*) FROM event_log WHERE payload->>'message' LIKE 'fine%'" 5 50
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' LIKE 'fine%'")" "5" "the other actions are applied"
is "$(sql "SELECT count(*) FROM event_log WHERE payload->>'message' = 'poison'")" "0" "nothing of the failed action was written"
grep -q "batch of 1 failed.*sqlstate=40001" "$T_DIR/worker.log"; ok $? "the worker logged the transient failure"

out=$("$WRCTL" dead list)
case "$out" in *"$poison_id"*poison*"1 dead action"*) ok 0 "wrctl dead list shows it" ;; *) ok 1 "wrctl dead list shows it"; diag "$out" ;; esac
sql "UPDATE poison_switch SET on_ = false" >/dev/null
"$WRCTL" dead requeue "$poison_id" >/dev/null; ok $? "wrctl dead requeue"
wait_sql_not "SELECT count(*) FROM event_log WHERE payload->>'message' = 'poison'" 0 50
is "$(sql "SELECT action_id FROM event_log WHERE payload->>'message' = 'poison'")" "$poison_id" \
	"once the cause is fixed, the requeued action applies under its original id"
is "$(sql "SELECT count(*) FROM dead_actions")" "0" "and leaves the dead-letter table"
"$WRCTL" dead requeue 999999 >/dev/null 2>&1; [ $? -ne 0 ]; ok $? "requeueing an unknown id fails"
finish
