#!/bin/sh
# Channels through the real services (issue 17): gossip and ooc reach every
# connection in the instance; mute (per account) and ignore leave lines out
# of the muting/ignoring player's websocket (the publisher's filter, live
# and from the next hello); a tell to one who ignores the teller is refused.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
ALICE=$("$WRCTL" token issue alice --character=Alice)
BOB=$("$WRCTL" token issue bob --character=Bob)
A=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
services_start 1

"$WRCTL" watch --url="$WS" --token="$ALICE" --json >"$T_DIR/alice.out" 2>"$T_DIR/alice.err" &
T_PIDS="$T_PIDS $!"
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob.out" 2>"$T_DIR/bob.err" &
BOB_WATCH=$!
T_PIDS="$T_PIDS $BOB_WATCH"
wait_grep '"welcome"' "$T_DIR/alice.out"; ok $? "Alice's websocket client is welcomed"
wait_grep '"welcome"' "$T_DIR/bob.out"; ok $? "Bob's websocket client is welcomed"

act "$ALICE" "gossip first words"
wait_grep "\\[gossip\\] Alice: first words" "$T_DIR/bob.out"; ok $? "Bob hears Alice's gossip"
grep '"Gossiped"' "$T_DIR/bob.out" | grep -q '"stream":"instance:'; ok $? "on the instance stream"
wait_grep "\\[gossip\\] You: first words" "$T_DIR/alice.out"; ok $? "Alice reads her own"
act "$ALICE" "ooc out of character"
wait_grep "\\[ooc\\] Alice: out of character" "$T_DIR/bob.out"; ok $? "Bob hears Alice's ooc"

act "$BOB" "mute gossip"
is "$(types)" "ChannelMuted" "mute gossip"
is "$(sql "SELECT muted_channels FROM accounts WHERE name = 'bob'")" "{gossip}" "stored on Bob's account"
wait_grep '"ChannelMuted"' "$T_DIR/bob.out"; ok $? "Bob's connection reads it"
act "$ALICE" "gossip second words"
act "$ALICE" "ooc marker one"
wait_grep "\\[ooc\\] Alice: marker one" "$T_DIR/bob.out"; ok $? "Bob still hears ooc"
grep -q "second words" "$T_DIR/bob.out"; [ $? -ne 0 ]; ok $? "but not the gossip he muted"
grep -q "\\[gossip\\] You: second words" "$T_DIR/alice.out"; ok $? "which Alice did say"
act "$BOB" "gossip can I"
is "$(types) $(ev reason ActionRejected)" "ActionRejected muted" "Bob cannot talk on a channel he muted"
act "$BOB" "mute auction"
is "$(ev reason ActionRejected)" "no_channel" "an unknown channel is refused"
act "$BOB" "unmute gossip"
is "$(sql "SELECT muted_channels FROM accounts WHERE name = 'bob'")" "{}" "unmute: stored"

act "$BOB" "ignore alice"
is "$(types)" "IgnoreChanged" "Bob ignores Alice"
is "$(sql "SELECT ignoring FROM characters WHERE name = 'Bob'")" "{$A}" "stored on Bob"
act "$ALICE" "tell bob psst"
is "$(types) $(ev text ActionRejected)" "ActionRejected Bob is ignoring you." "Alice's tell is refused, and she reads why"
act "$ALICE" "ooc third words"
act "$BOB" "ooc marker two"
wait_grep "\\[ooc\\] You: marker two" "$T_DIR/bob.out"; ok $? "Bob reads his own ooc"
grep -q "third words" "$T_DIR/bob.out"; [ $? -ne 0 ]; ok $? "but not the line of Alice, whom he ignores"
wait_grep "\\[ooc\\] Bob: marker two" "$T_DIR/alice.out"; ok $? "Alice still hears Bob"
act "$BOB" "unignore alice"
act "$ALICE" "gossip fourth words"
wait_grep "\\[gossip\\] Alice: fourth words" "$T_DIR/bob.out"; ok $? "unignored and unmuted: Bob hears Alice again"

# The filter comes from the database at the hello too.
act "$BOB" "mute ooc"
kill "$BOB_WATCH"
"$WRCTL" watch --url="$WS" --token="$BOB" --json >"$T_DIR/bob2.out" 2>"$T_DIR/bob2.err" &
T_PIDS="$T_PIDS $!"
wait_grep '"welcome"' "$T_DIR/bob2.out"; ok $? "Bob connects again"
act "$ALICE" "ooc fifth words"
act "$ALICE" "gossip marker three"
wait_grep "\\[gossip\\] Alice: marker three" "$T_DIR/bob2.out"; ok $? "the new connection hears gossip"
grep -q "fifth words" "$T_DIR/bob2.out"; [ $? -ne 0 ]; ok $? "and leaves out the ooc muted before it connected"
wait_sql "SELECT count(*) FROM action_queue" 0 || diag "the queue did not empty"
is "$(sql "SELECT count(*) FROM dead_actions")" 0 "no action died"
finish
