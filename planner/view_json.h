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

/* Rebuilds the command an action was planned from (verb + args JSON). */
int
planner_command_from_args(enum game_verb verb, struct json_object *args, struct planner_command *ret) WR_MUSTCHECK;

#endif
