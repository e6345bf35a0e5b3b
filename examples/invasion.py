#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""invasion.py: a monster director outside the engine (issue 13).

The Flux seed's loop -- a director spawns a population and drives it --
as the world system "sys:<name>" with a service token granted
"sys:<name>@<zone>" (docs/http-api.md, "System actors"), over the plain
HTTP API of wr-ingress, python3 standard library only:

  - it warns the room --room (effect "echo") and spawns --count mobs of
    the template --mob there for --for-s seconds (effect "spawn": an
    Action on the zone's spawn chain; the zone's cap of 32 spawned mobs
    holds, and its mobs are spawned_by "sys:<name>");
  - it learns the new mobs' ids from GET /v1/mobs, which lists for a
    system's token the living mobs that system spawned in its zones;
  - it drives each of them as "mob:<id>" (the token may act for the mobs
    its system spawned while they stand in its zones, and for no other):
    the band walks --path (directions, comma-separated), its leader
    growls (say) and, with --target, the band attacks that character
    (kill);
  - it waits until the band is gone again: the engine despawns each mob
    --for-s after it came (MobDespawned), even if this script is gone.

Usage (with ./wr up running; see examples/README.md):

  TOKEN=$(./build/tools/wrctl token issue alice --service --grant sys:invasion@whisperwood)
  examples/invasion.py --http http://127.0.0.1:8080 --token "$TOKEN" \\
      --room whisperwood.old_road --mob whisperwood.grey_wolf --count 3 --for-s 30 \\
      --path north --target Alice

It prints one line per thing it did and exits non-zero if the service
refuses the spawn or the band cannot be found.
"""
import argparse
import json
import sys
import time

from wr_api import Api


class Band(Api):
    def band(self, actor):
        """The living mobs this system spawned in its zones: {id: mob}."""
        status, r = self.mobs()
        if status != 200:
            raise SystemExit("GET /v1/mobs: %d %s" % (status, json.dumps(r)))
        return {m["id"]: m for m in r.get("mobs", []) if m.get("spawned_by") == actor and m.get("alive")}


def say(what, status, r):
    print("%s -> %d %s" % (what, status, json.dumps(r)), flush=True)
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--http", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--name", default="invasion", help="the system: sys:<name>")
    ap.add_argument("--room", required=True, help="the room key the band appears in")
    ap.add_argument("--mob", required=True, help="the mob template key")
    ap.add_argument("--count", type=int, default=3, help="how many (1-8)")
    ap.add_argument("--for-s", type=int, default=30, help="how long they stay")
    ap.add_argument("--path", default="", help="directions the band walks, comma-separated")
    ap.add_argument("--target", default="", help="a character the band attacks at the end of its path")
    ap.add_argument("--step-s", type=float, default=1.0, help="pause between the band's steps")
    a = ap.parse_args()
    api = Band(a.http, a.token)
    actor = "sys:" + a.name

    before = set(api.band(actor))
    say("warn " + a.room, *api.post({"actor": actor, "room": a.room, "effect": {
        "do": "echo", "text": "Howls rise from the trees all around: something is coming."}}))
    status, r = api.post({"actor": actor, "room": a.room, "effect": {
        "do": "spawn", "mob": a.mob, "count": a.count, "for_s": a.for_s}})
    if say("spawn %d x %s in %s for %d s" % (a.count, a.mob, a.room, a.for_s), status, r) != 202:
        return 1

    # The new ones: what GET /v1/mobs lists now and did not before (the spawn runs within moments).
    deadline = time.time() + 15
    band = {}
    while time.time() < deadline and len(band) < a.count:
        band = {k: m for k, m in api.band(actor).items() if k not in before}
        if len(band) < a.count:
            time.sleep(0.2)
    if not band:
        print("the band never showed up", file=sys.stderr)
        return 1
    ids = sorted(band)
    print("band: %s in room %s" % (",".join("mob:%d" % i for i in ids), band[ids[0]]["room_id"]), flush=True)

    def drive(mob, line):
        return say("mob:%d %s" % (mob, line), *api.post({"actor": "mob:%d" % mob, "input": line}))

    for step in [d for d in a.path.split(",") if d]:
        for mob in ids:
            drive(mob, step)
        time.sleep(a.step_s)
    drive(ids[0], "say The pack hunts tonight!")
    if a.target:
        for mob in ids:
            drive(mob, "kill " + a.target)

    # The engine sends them away for_s after they came; wait for that (a little longer at most).
    deadline = time.time() + a.for_s + 20
    while time.time() < deadline:
        left = set(api.band(actor)) & set(ids)
        if not left:
            print("the band is gone", flush=True)
            return 0
        time.sleep(1)
    print("the band is still here: %s" % sorted(left), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
