#!/bin/sh
# ./wr up supervises what it starts (tools/supervise.sh): a service that
# dies is started again with back-off and the restart is said; a worker
# killed with SIGKILL comes back and the queue moves on; stopping the
# supervisor stops its service.
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tools/supervise.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)

# ---- a command that always fails: restarted after 1 s, then 2, then 2 (the cap here)
export RUNS="$T_DIR/runs"
SUPERVISE_MAX_DELAY=2 supervise flaky "$T_DIR/flaky.log" sh -c 'date +%s >>"$RUNS"; echo dying; exit 3' \
	2>"$T_DIR/flaky.err"
FLAKY=$SUPERVISED_PID
sleep 4.5
kill "$FLAKY"; wait "$FLAKY" 2>/dev/null
n=$(wc -l <"$RUNS" | tr -d ' ')
ok "$([ "$n" -ge 3 ] && [ "$n" -le 4 ]; echo $?)" "a failing command is started again with back-off (3 or 4 runs in 4.5 s: $n)"
has "$(cat "$T_DIR/flaky.err")" "wr: flaky exited (status 3); restarting it in 1s" "the first restart is said, after 1 s"
has "$(cat "$T_DIR/flaky.err")" "restarting it in 2s" "the next after 2 s"
is "$(grep -c dying "$T_DIR/flaky.log")" "$n" "its output goes to its log"
sleep 1.5
is "$(wc -l <"$RUNS" | tr -d ' ')" "$n" "stopped, the supervisor starts nothing more"

# ---- a real worker, killed
svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port"
wait_file "$T_DIR/ingress.port" || bail "ingress did not start"
HTTP="http://127.0.0.1:$(cat "$T_DIR/ingress.port")"
supervise worker "$T_DIR/worker.log" "$BUILD/worker/wr-worker" 2>"$T_DIR/worker.err"
SUP=$SUPERVISED_PID
T_PIDS="$T_PIDS $SUP"
child() { ps -o pid= --ppid "$SUP" -o comm= | awk '$2 == "wr-worker" {print $1}'; }
i=0; while [ -z "$(child)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
W1=$(child)
[ -n "$W1" ]; ok $? "the worker runs under its supervisor (pid $W1)"
is "$(post "$ALICE" '{"input":"say one"}' | cut -c1-3)" 202 "a command"
wait_sql "SELECT count(*) FROM action_queue" 0 || diag "the queue did not empty"
kill -9 "$W1"
i=0; while { [ -z "$(child)" ] || [ "$(child)" = "$W1" ]; } && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
W2=$(child)
ok "$([ -n "$W2" ] && [ "$W2" != "$W1" ]; echo $?)" "killed, the worker is started again (pid $W2)"
has "$(cat "$T_DIR/worker.err")" "wr: worker exited (status 137); restarting it in 1s" "and the restart is said"
is "$(post "$ALICE" '{"input":"say two"}' | cut -c1-3)" 202 "another command"
wait_sql "SELECT count(*) FROM action_queue" 0; ok $? "the restarted worker applies it"
kill "$SUP"; wait "$SUP" 2>/dev/null
sleep 0.3
kill -0 "$W2" 2>/dev/null; [ $? -ne 0 ]; ok $? "stopping the supervisor stops the worker"
finish
