/* SPDX-License-Identifier: MIT */
/*
 * sysfx.h: a world system's effect, sys:<name> actors (issue 13; sysfx.c).
 */
#ifndef WR_COMMAND_SYSFX_H
#define WR_COMMAND_SYSFX_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/strbuf.h"

struct cmd_conn;

/* One system command, checked; strings borrowed from the parsed body. */
struct cmd_sys {
	const char *actor, *name; /* "sys:storm", "storm" */
	const char *room, *character, *id;
	struct json_object *effect;
	int64_t delay_ms, priority;
	/* a refusal: its HTTP status, code and message (http 0: none) */
	unsigned int http;
	char code[32];
	char message[256];
};

/* Whether the body is one object whose "actor" is "sys:...". */
bool
cmd_sys_actor(struct json_object *doc);

/* Shape and bounds of the command and its effect (no database); -EINVAL with s->http, code, message. */
int
cmd_sys_check(struct json_object *doc, const char *idempotency_key, struct cmd_sys *s);

/* wr_sys_submit(): scope, resolution, queueing.  The answer in out; returns the HTTP status. */
unsigned int
cmd_sys_handle(struct cmd_conn *c, const char *secret, const struct cmd_sys *s, struct wr_strbuf *out);

#endif
