#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""storm_director.py: a world system outside the engine (issue 13).

A storm director for one zone, acting as the world system "sys:<name>"
with a service token granted "sys:<name>@<zone>" (docs/http-api.md,
"System actors"), over the plain HTTP API of wr-ingress, python3 standard
library only:

  - it announces a storm to each of --rooms (effect "echo");
  - it bars the door --door ROOM:DIR at once (effect "lock") and schedules
    its opening --open-ms later with "delay_ms" (the action's run_at: the
    worker runs it then, durably, even if this script is gone);
  - it reads the stream of --watch (its zone's room, by id: GET
    /v1/streams/room:<id>/events, long-polled) and answers a player who
    says "storm" there, privately (effect "tell" to that character).

Every effect is an Action of "sys:<name>" with events that say so
("actor": "sys:storm"), run by the same rules and locks as a trigger's
step.  Usage (with ./wr up running; see examples/README.md):

  TOKEN=$(./build/tools/wrctl token issue alice --service --grant sys:storm@millbrook)
  examples/storm_director.py --http http://127.0.0.1:8080 --token "$TOKEN" \\
      --rooms millbrook.east_lane,millbrook.square --door millbrook.east_lane:east --watch ROOM_ID

--duration N stops it after N seconds (0: run until interrupted).  It
prints one line per thing it did and exits non-zero if the service
refuses an effect.
"""
import argparse
import json
import sys
import time

from wr_api import Api, payload


def must(what, status, r):
    print("%s -> %d %s" % (what, status, json.dumps(r)), flush=True)
    if status != 202:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--http", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--name", default="storm", help="the system: sys:<name>")
    ap.add_argument("--rooms", required=True, help="room keys to announce the storm to, comma-separated")
    ap.add_argument("--door", required=True, help="ROOM:DIR, the door to bar during the storm")
    ap.add_argument("--open-ms", type=int, default=3000, help="when the door opens again")
    ap.add_argument("--watch", type=int, required=True, help="a room id of the zone to listen in")
    ap.add_argument("--duration", type=float, default=0)
    a = ap.parse_args()
    api = Api(a.http, a.token)
    actor = "sys:" + a.name
    door_room, door_dir = a.door.rsplit(":", 1)
    stop = time.time() + a.duration if a.duration > 0 else None

    # Read from now: where the room's stream stands.
    stream = "room:%d" % a.watch
    status, r = api.events(stream, 0, 0)
    if status != 200:
        print("cannot read %s: %d %s" % (stream, status, r), file=sys.stderr)
        return 1
    after = r.get("next_after", 0)
    while r.get("more"):
        status, r = api.events(stream, after, 0)
        after = r.get("next_after", after)

    for room in a.rooms.split(","):
        must("announce in " + room, *api.effect(actor, room, {
            "do": "echo", "text": "Thunder rolls over the rooftops: a storm is coming!"}))
    must("bar " + a.door, *api.effect(actor, door_room, {
        "do": "lock", "dir": door_dir, "text": "Someone bars the door against the storm."}))
    must("open %s in %d ms" % (a.door, a.open_ms), *api.effect(actor, door_room, {
        "do": "open", "dir": door_dir, "text": "The storm passes; the door swings open."},
        delay_ms=a.open_ms))

    while stop is None or time.time() < stop:
        wait = 1 if stop is None else max(1, min(5, int(stop - time.time())))
        status, r = api.events(stream, after, wait)
        if status == 429:
            time.sleep(1)
            continue
        if status != 200:
            print("reading %s: %d %s" % (stream, status, r), file=sys.stderr)
            return 1
        after = r.get("next_after", after)
        for ev in r.get("events", []):
            p = payload(ev)
            who = ev.get("actor", "")
            if ev.get("event") == "Said" and who.startswith("char:") and "storm" in p.get("message", "").lower():
                must("answer " + who, *api.effect(actor, a.watch and str(a.watch), {
                    "do": "tell", "text": "The wind howls, $n: find shelter until the door opens."},
                    character=who))
    return 0


if __name__ == "__main__":
    sys.exit(main())
