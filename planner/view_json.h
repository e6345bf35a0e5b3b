/* SPDX-License-Identifier: MIT */
/*
 * view_json.h: wr_actor_view() JSON <-> planner structs, and planned actions
 * -> wr_enqueue()/replan JSON (libplanner_json: planner + libwrjson).  One
 * codec for ingress and worker, so both plan from the same reading.
 */
#ifndef WR_PLANNER_VIEW_JSON_H
#define WR_PLANNER_VIEW_JSON_H

#include <json-c/json.h>

#include "core/strbuf.h"
#include "planner/planner.h"

/* Decodes one element of wr_actor_view(); strings are copied (bounded). */
int
planner_view_from_json(struct json_object *elem, struct planner_view *ret) WR_MUSTCHECK;

/*
 * Appends the parts of a planned action that a re-plan rewrites, as JSON
 * members without braces: "args":{...},"plan":{...},"lock_rooms":[...],
 * "lock_characters":[...],"lock_mobs":[],"lock_items":[...].
 */
void
planner_action_to_json(struct wr_strbuf *sb, const struct planner_action *a);

/*
 * A command from its JSON form: verb is a game verb name ("get") or
 * "alias"/"unalias", args the members planner_command_to_json() writes
 * ("object", "container", "recipient", "dir", "text", "alias").  A target
 * is an object ({"word":"goblin","ordinal":2}) or a string in the typed
 * syntax ("2.goblin", "all.coins", "3 apples").  Unknown members are errors.
 * The result passed planner_check(): the same rules as typed text.  Used
 * for structured commands from clients and for queued actions' args.
 */
int
planner_command_from_json(const char *verb, struct json_object *args, struct planner_command *ret,
			  struct wr_error *reterr) WR_MUSTCHECK;

#endif
