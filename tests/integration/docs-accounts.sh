#!/bin/sh
# docs/accounts.md cannot rot, like docs/http-api.md (docs-http-api.sh,
# whose runner this is): every ```sh test block in it runs, verbatim,
# against live services on a fresh starter world, and each command's answer
# is checked against the "# STATUS {json}" line under it: the status
# exactly; the JSON's shape (the same members, recursively, the same types),
# with exact values for "status", "code", "event" and "type", and "..."
# standing for any value.
. "$WR_HOME/tests/lib/harness.sh"

DOC=$WR_HOME/docs/accounts.md
pg_start_world
# Not a test of the living world: no zone ticks, so the queue and the events it counts are its own.
quiet_world
# Sign-ups hash with the minimum argon2id cost here, to keep the test fast.
INGRESS_ARGS="--password-limits=minimum"
services_start 1

export HTTP
. "$WR_HOME/tests/lib/doctest.sh"
doc_examples "$DOC"
[ "$T_N" -ge 14 ]; ok $? "the page has at least 14 checked examples ($T_N)"
grep -q 'bug=self' "$T_DIR/ingress.log"; [ $? -ne 0 ]; ok $? "wr-ingress logged no bug of its own"
finish
