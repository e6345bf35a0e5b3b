/* SPDX-License-Identifier: MIT */
/*
 * fuzz-json.c: any bytes as a request body or a stored JSON document:
 * wr_json_parse() with the ingress's limits, then every object in it read
 * as a structured command ({"type":..,"args":..}) and as a planner view.
 * A structured command that is accepted must read back from its own JSON
 * form to the same JSON, exactly like a typed one.
 */
#include <string.h>

#include "core/json.h"
#include "planner/planner.h"
#include "planner/view_json.h"
#include "tests/fuzz/fuzz.h"

static void
try_command(struct json_object *o)
{
	struct json_object *type, *args = NULL;
	struct planner_command cmd, again;
	struct wr_strbuf a = WR_STRBUF_INIT, b = WR_STRBUF_INIT;
	struct json_object *doc = NULL;
	struct wr_error err = {0};

	if (!json_object_object_get_ex(o, "type", &type) || !json_object_is_type(type, json_type_string))
		return;
	(void) json_object_object_get_ex(o, "args", &args);
	if (planner_command_from_json(json_object_get_string(type), args, &cmd, &err) < 0) {
		FUZZ_ASSERT(err.kind[0]);
		return;
	}
	FUZZ_ASSERT(planner_check(&cmd, NULL) == 0);
	planner_command_to_json(&a, &cmd);
	FUZZ_ASSERT(wr_json_parse(wr_strbuf_str(&a), strlen(wr_strbuf_str(&a)), 8, &doc, NULL) == 0);
	FUZZ_ASSERT(planner_command_from_json(json_object_get_string(type), doc, &again, NULL) == 0);
	planner_command_to_json(&b, &again);
	FUZZ_ASSERT(strcmp(wr_strbuf_str(&a), wr_strbuf_str(&b)) == 0);
	json_object_put(doc);
	wr_strbuf_done(&a);
	wr_strbuf_done(&b);
}

static void
try_object(struct json_object *o)
{
	static struct planner_view v;

	if (!json_object_is_type(o, json_type_object))
		return;
	try_command(o);
	if (planner_view_from_json(o, &v) == 0) {
		FUZZ_ASSERT(v.nseen <= PLANNER_MAX_VIEW);
		for (size_t i = 0; i < v.nseen; i++)
			FUZZ_ASSERT(v.seen[i].id > 0 && strlen(v.seen[i].name) < sizeof(v.seen[i].name));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *doc = NULL;
	struct wr_error err = {0};

	/* The ingress's limits: 64 KiB bodies, depth 16. */
	if (size > 65536)
		return 0;
	if (wr_json_parse((const char *) data, size, 16, &doc, &err) < 0) {
		FUZZ_ASSERT(err.kind[0]);
		return 0;
	}
	if (json_object_is_type(doc, json_type_array)) {
		for (size_t i = 0, n = json_object_array_length(doc); i < n && i < 128; i++)
			try_object(json_object_array_get_idx(doc, i));
	} else
		try_object(doc);
	json_object_put(doc);
	return 0;
}
