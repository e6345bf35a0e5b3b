#!/bin/sh
# docs/http-api.md cannot rot: every ```sh test block in it runs, verbatim,
# against live services on a fresh starter world, and each command's answer
# is checked against the "# STATUS {json}" line under it: the status
# exactly; the JSON's shape (the same members, recursively, the same types),
# with exact values for "status", "code", "event" and "type", and "..."
# standing for any value.
. "$WR_HOME/tests/lib/harness.sh"

DOC=$WR_HOME/docs/http-api.md
pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
"$WRCTL" account create scripts >/dev/null || bail "wrctl account create failed"
TOKEN=$("$WRCTL" token issue alice)
SERVICE=$("$WRCTL" token issue scripts --service --grant char:Bob)
ADMIN=$("$WRCTL" token issue alice --admin)
ALICE_ID=$(sql "SELECT id FROM characters WHERE name = 'Alice'")
BOB_ID=$(sql "SELECT id FROM characters WHERE name = 'Bob'")
ROOM=$(sql "SELECT room_id FROM characters WHERE name = 'Alice'")
[ -n "$TOKEN" ] && [ -n "$SERVICE" ] && [ -n "$ADMIN" ] || bail "could not issue tokens"
services_start 1

export HTTP TOKEN SERVICE ADMIN ALICE_ID BOB_ID ROOM
. "$WR_HOME/tests/lib/doctest.sh"
doc_examples "$DOC"
[ "$T_N" -ge 30 ]; ok $? "the page has at least 30 checked examples ($T_N)"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
