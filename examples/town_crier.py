#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""town_crier.py: a world system outside the engine (issue 13).

It drives one mob -- the town crier of the starter world -- with a service
token granted "mob:<id>", over the plain HTTP API of wr-ingress
(docs/http-api.md), python3 standard library only:

  - every --interval seconds it has the crier call out the next piece of
    news ("say ...") and schedules his bell for a moment later with
    "delay_ms" (the action's run_at: the worker runs it then, durably);
  - it asks where its mob is (GET /v1/mobs: every mob the token is
    granted, with its room) and reads the stream of that room
    (GET /v1/streams/room:<id>/events, long-polled); it answers a player
    who says "news" there, by name;
  - it follows its mob: when the room's stream says the crier left
    (MobLeft, "to_room"), or the room is no longer the token's to read, or
    the crier died and came back elsewhere, it asks GET /v1/mobs again and
    reads the mob's new room from there on;
  - everything it does is an ordinary Action of the mob ("actor":
    "mob:<id>"), checked by the same rules and locks as a player's, and the
    players in the room see it like anything else.

Usage (with ./wr up running; see examples/README.md):

  TOKEN=$(./build/tools/wrctl token issue alice --service --grant mob:ID)
  examples/town_crier.py --http http://127.0.0.1:8080 --token "$TOKEN" --mob ID

--mob may be left out when the token drives one mob; --room ROOM overrides
where it first listens (the mob must be there: the token reads no other
room).
--duration N stops it after N seconds (0: run until interrupted).  It
prints one line per thing it did, and exits non-zero if the service refuses
its token or its mob's room.
"""
import argparse
import json
import sys
import time

from wr_api import Api, payload

NEWS = [
    "Hear ye, hear ye! The mill wheel turns again after the spring floods!",
    "Hear ye! The stables burned last week: mind your torches near the straw!",
    "Hear ye! Rain is good for the crops and bad for fires, says the temple.",
    "Hear ye! The smith seeks iron; the general store sells torches.",
]


def locate(api, mob):
    """(mob id, its room id, alive) from GET /v1/mobs, or (None, None, False) after saying why."""
    status, body = api.mobs()
    if status != 200:
        print("GET /v1/mobs: %s %s" % (status, body), file=sys.stderr)
        return None, None, False
    mobs = body.get("mobs", [])
    found = [m for m in mobs if m.get("id") == mob] if mob else mobs[:1] if len(mobs) == 1 else []
    if not found:
        print("this token does not drive %s (it drives %s)" %
              ("mob %d" % mob if mob else "exactly one mob", [m.get("id") for m in mobs]), file=sys.stderr)
        return None, None, False
    m = found[0]
    print("mob %d (%s) is in room %d (%s)%s" % (m["id"], m["name"], m["room_id"], m["room_name"],
                                               "" if m.get("alive") else ", dead"), flush=True)
    return m["id"], m["room_id"], m.get("alive", False)


def listen(api, room):
    """Starts reading room:<room> from now: (stream, position), or (None, 0) after saying why."""
    stream = "room:%d" % room
    status, body = api.events(stream, 0, 0)
    if status == 403:
        print("%s is not ours to read (the crier moved on?)" % stream, flush=True)
        return None, 0
    if status != 200:
        print("cannot read %s: %s %s" % (stream, status, body), file=sys.stderr)
        return None, 0
    after = body.get("next_after", 0)
    # Skip what was said before we came: answer only what is new.
    while body.get("more"):
        status, body = api.events(stream, after, 0)
        after = body.get("next_after", after)
    return stream, after


def main():
    ap = argparse.ArgumentParser(description="A town crier driven from outside the engine.")
    ap.add_argument("--http", required=True, help="wr-ingress base URL")
    ap.add_argument("--token", required=True, help="a service token granted mob:<id>")
    ap.add_argument("--mob", type=int, default=0, help="the crier's mob id (default: the token's only mob)")
    ap.add_argument("--room", type=int, default=0, help="listen here first (default: where GET /v1/mobs says)")
    ap.add_argument("--interval", type=float, default=30.0, help="seconds between announcements")
    ap.add_argument("--bell-ms", type=int, default=1500, help="the bell rings this long after each announcement")
    ap.add_argument("--duration", type=float, default=0, help="stop after this many seconds (0: never)")
    args = ap.parse_args()

    api = Api(args.http, args.token)
    mob, room, _ = locate(api, args.mob)
    if mob is None:
        return 1
    args.mob = mob
    stream, after = listen(api, args.room or room)
    if stream is None:
        return 1
    start = time.monotonic()
    next_news, n = start, 0
    while args.duration <= 0 or time.monotonic() - start < args.duration:
        now = time.monotonic()
        if now >= next_news:
            status, body = api.act(args.mob, "say " + NEWS[n % len(NEWS)])
            print("announce %d: %s %s" % (n, status, body.get("action_ids", body)), flush=True)
            status, body = api.act(args.mob, "emote rings his brass bell.", delay_ms=args.bell_ms, priority=200)
            print("bell scheduled in %d ms: %s %s" % (args.bell_ms, status, body.get("action_ids", body)), flush=True)
            n += 1
            next_news = now + args.interval
        if stream is None:
            # Where is the crier now?  Dead, it is nowhere to listen until it respawns.
            mob, room, alive = locate(api, args.mob)
            if mob is None:
                return 1
            stream, after = listen(api, room) if alive else (None, 0)
            if stream is None:
                time.sleep(1)
                continue
        # Long-poll until the next announcement (at least a second: the
        # service's token is rate-limited like any other).
        wait = max(1, min(5, int(next_news - time.monotonic())))
        status, body = api.events(stream, after, wait)
        if status == 429:
            time.sleep(1)  # Retry-After: 1
            continue
        if status == 403:
            # The crier is no longer in that room (it died and came back
            # elsewhere, or moved in a way we missed): find it again.
            print("%s is no longer ours to read" % stream, flush=True)
            stream = None
        elif status != 200:
            print("lost %s: %s %s" % (stream, status, body), file=sys.stderr)
            return 1
        else:
            after = body.get("next_after", after)
        for ev in body.get("events", []) if stream else []:
            p = payload(ev)
            if ev.get("event") in ("MobLeft", "MobDied") and p.get("mob_id") == args.mob:
                print("the crier left %s (%s)" % (stream, ev.get("event")), flush=True)
                stream = None  # where to: GET /v1/mobs says, below
                break
            if ev.get("event") == "Said" and ev.get("actor", "").startswith("char:") and \
                    "news" in p.get("message", "").lower():
                who = p.get("speaker", "friend")
                status, r = api.act(args.mob, "say The news, %s: %s" % (who, NEWS[(n - 1) % len(NEWS)]))
                print("answered %s: %s %s" % (who, status, r.get("action_ids", r)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
