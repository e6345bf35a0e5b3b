#!/bin/sh
# wrctl world check rejects each kind of broken trigger, tag, sky and hidden
# exit (issue 13) with the file, the line and a reason -- and changes
# nothing (check never writes).  No database.  Each case is one content file
# beside the starter world: a good trigger on line 3, the broken entry on
# line 4, so the line number is checked too.
set -u
WRCTL=${WRCTL:-$WR_BUILD_DIR/tools/wrctl}
T_DIR=$(mktemp -d /tmp/wrcheck.XXXXXX)
trap 'rm -rf "$T_DIR"' EXIT
n=0; failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else failed=1; echo "not ok $n - $2"; fi; }

GOOD='{"name": "chk.good", "room": "millbrook.stables", "on": "enter", "do": [{"do": "echo", "text": "Hay."}]}'

# case SECTION ENTRY EXPECTED DESCRIPTION: ENTRY (one line) must be refused with
# "<file>:4: ... EXPECTED".
case_() {
	f="$T_DIR/c$n.json"
	if [ "$1" = triggers ]; then first="$GOOD,"; else first=""; fi
	printf '{\n  "%s": [\n    %s\n    %s\n  ]\n}\n' "$1" "$first" "$2" >"$f"
	[ "$1" = triggers ] || printf '{\n  "%s": [\n\n    %s\n  ]\n}\n' "$1" "$2" >"$f"
	"$WRCTL" world check "$WR_HOME/content" "$f" >"$T_DIR/out" 2>&1; rc=$?
	if [ "$rc" = 1 ] && grep -qF "$f:4: " "$T_DIR/out" && grep -qF -- "$3" "$T_DIR/out"; then
		ok 0 "$4"
	else
		ok 1 "$4"; echo "# expected $f:4: ... $3"; sed 's/^/# got: /' "$T_DIR/out"
	fi
}

T='"name": "chk.bad"'
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"sneeze\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'unknown "on": "sneeze"' "unknown kind of trigger"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"explode\"}]}" \
	'do[0]: unknown effect "explode"' "unknown effect"
case_ triggers "{$T, \"room\": \"millbrook.nowhere\", \"on\": \"enter\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'unknown room "millbrook.nowhere"' "unknown room"
case_ triggers "{$T, \"mob\": \"millbrook.dragon\", \"on\": \"death\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'unknown mob template "millbrook.dragon"' "unknown mob template"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"mob\": \"millbrook.barn_rat\", \"on\": \"death\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'belongs to one "room" or one "mob"' "a room and a mob at once"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"give\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'"on": "give" is a mob'"'"'s trigger' "a mob's kind on a room"
case_ triggers "{$T, \"mob\": \"millbrook.barn_rat\", \"on\": \"enter\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'"on": "enter" is a room'"'"'s trigger' "a room's kind on a mob"
case_ triggers "{$T, \"mob\": \"millbrook.barn_rat\", \"on\": \"speech\", \"do\": [{\"do\": \"say\", \"text\": \"x\"}]}" \
	'"on": "speech" needs "words"' "speech without words"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"command\", \"words\": \"pull lever 2\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'"words" must be lowercase words' "a command that is not words"
case_ triggers "{$T, \"mob\": \"millbrook.barn_rat\", \"on\": \"give\", \"item\": \"millbrook.unicorn\", \"do\": [{\"do\": \"say\", \"text\": \"x\"}]}" \
	'unknown item template "millbrook.unicorn"' "give of an unknown item"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"carries\": \"millbrook.unicorn\"}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "carries" names unknown item template' "carries an unknown item"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"chance\": 150}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'member "chance" must be an integer from 1 to 100' "a chance out of range"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"time\": \"noon\"}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "time" must be "day" or "night"' "an unknown time of day"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"weather\": \"snow\"}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "weather" must be clear, cloudy, rain or storm' "an unknown weather"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"min_level\": 9, \"max_level\": 2}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "min_level" 9 is above "max_level" 2' "levels the wrong way round"
case_ triggers "{\"name\": \"chk.good\", \"room\": \"millbrook.stables\", \"on\": \"leave\", \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'another trigger has the same name' "a duplicate name"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"teleport\", \"room\": \"millbrook.moon\"}]}" \
	'do[0]: teleport to unknown room "millbrook.moon"' "a teleport to an unknown room"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"open\", \"dir\": \"north\"}]}" \
	'do[0]: room "millbrook.stables" has no door north' "a door that is not there"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"call\", \"name\": \"chk.nothing\"}]}" \
	'do[0]: calls unknown trigger "chk.nothing"' "a call of an unknown trigger"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"say\", \"text\": \"x\"}]}" \
	'do[0]: "say" is a mob'"'"'s' "a room that would speak"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"gold\"}]}" \
	'do[0]: "gold" needs an "amount" from 1' "gold without an amount"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [$(printf '{"do": "echo", "text": "x"},%.0s' 1 2 3 4 5 6 7 8){\"do\": \"echo\", \"text\": \"x\"}]}" \
	'member "do" must be an array of 1 to 8 steps' "too many steps"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"drop\", \"if\": {\"tag\": \"Fire!\"}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "tag": "Fire!" is not a taxonomy tag' "a reaction with a malformed tag"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"if\": {\"room_tag\": \"material:straw\"}, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'condition "room_tag" is for drop triggers' "a reaction condition on another kind"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"when\": 3, \"do\": [{\"do\": \"echo\", \"text\": \"x\"}]}" \
	'unknown member "when"' "an unknown member"
# A spawn step (game/spawn.c): its template, count 1..8 and for_s 1..86400.
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\", \"mob\": \"millbrook.dragon\"}]}" \
	'do[0]: spawn of unknown mob template "millbrook.dragon"' "a spawn of an unknown template"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\"}]}" \
	'"mob"' "a spawn without a template"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\", \"mob\": \"millbrook.barn_rat\", \"count\": 9}]}" \
	'member "count" must be an integer from 1 to 8' "a spawn count out of range"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\", \"mob\": \"millbrook.barn_rat\", \"count\": 0}]}" \
	'member "count" must be an integer from 1 to 8' "a spawn count of zero"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\", \"mob\": \"millbrook.barn_rat\", \"for_s\": 0}]}" \
	'member "for_s" must be an integer from 1 to 86400' "a spawn for no time"
case_ triggers "{$T, \"room\": \"millbrook.stables\", \"on\": \"enter\", \"do\": [{\"do\": \"spawn\", \"mob\": \"millbrook.barn_rat\", \"for_s\": \"long\"}]}" \
	'member "for_s" must be an integer from 1 to 86400' "a spawn for a time that is no number"
case_ tags '{"item": "millbrook.torch", "tags": ["fire:lit", "Hot"]}' \
	'tags[1] is not a taxonomy tag' "a malformed taxonomy tag"
case_ tags '{"item": "millbrook.unicorn", "tags": ["fire:lit"]}' \
	'unknown item template "millbrook.unicorn"' "tags of an unknown template"
case_ skies '{"zone": "millbrook", "climate": "arctic"}' 'unknown climate "arctic"' "an unknown climate"
case_ skies '{"zone": "atlantis", "day_ms": 60000}' 'unknown zone' "the sky of an unknown zone"
case_ skies '{"zone": "millbrook", "weather_ms": 1000, "cycle": ["rain", "frogs"]}' \
	'cycle[1] must be clear, cloudy, rain or storm' "a weather cycle with an unknown weather"
case_ hidden_exits '{"room": "millbrook.stables", "dir": "east"}' \
	'a hidden exit is a closed (or locked) door' "a hidden exit without a door"

# The good ones pass, and check wrote nothing anywhere (no database given).
"$WRCTL" world check "$WR_HOME/content" "$WR_HOME/tests/e2e/script" "$WR_HOME/tests/e2e/spawn" >"$T_DIR/out" 2>&1
ok $? "the starter world and the test zones check clean"
echo "1..$n"
exit $failed
