/* SPDX-License-Identifier: MIT */
/*
 * test-sysfx.c: a world system's command (issue 13, command/sysfx.c):
 * cmd_sys_check() accepts one trigger step in the content's shape and
 * bounds and refuses the rest with the status and code the client gets,
 * before the database is asked anything.
 */
#include <string.h>

#include "command/sysfx.h"
#include "core/json.h"
#include "tests/lib/tap.h"

static const struct {
	const char *body;
	unsigned int http; /* 0: accepted */
	const char *code;
	const char *what;
} cases[] = {
	{"{\"actor\":\"sys:storm\",\"room\":\"millbrook.square\",\"effect\":{\"do\":\"echo\",\"text\":\"Thunder.\"}}",
	 0, "", "an echo"},
	{"{\"actor\":\"sys:storm\",\"room\":\"12\",\"effect\":{\"do\":\"gold\",\"amount\":1000000000},\"character\":\"Alice\","
	 "\"id\":\"g1\",\"delay_ms\":86400000,\"priority\":1000}",
	 0, "", "gold at the content's bound, with every optional member"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"set\",\"name\":\"storm:wet\"}}", 0, "",
	 "a flag with a taxonomy name"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"lock\",\"dir\":\"east\"}}", 0, "", "a door"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"explode\"}}", 400, "bad_input",
	 "an unknown kind"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"say\",\"text\":\"x\"}}", 422,
	 "unsupported_effect", "a mob's say"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"call\",\"name\":\"x\"}}", 422,
	 "unsupported_effect", "a trigger's call"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\"}}", 0, "",
	 "a spawn (one, until killed)"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\",\"count\":8,"
	 "\"for_s\":86400}}",
	 0, "", "a spawn at the content's bounds (8, a day)"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\"}}", 400, "bad_input",
	 "a spawn without its mob"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\",\"count\":9}}", 400,
	 "bad_input", "a spawn of 9"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\",\"count\":\"2\"}}", 400,
	 "bad_input", "a count that is not an integer"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\",\"for_s\":0}}", 400,
	 "bad_input", "a stay of 0 s"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\",\"for_s\":86401}}", 400,
	 "bad_input", "a stay past a day"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"spawn\",\"mob\":\"m\"},\"delay_ms\":1}", 400,
	 "bad_input", "a delayed spawn (it would hold up the zone's spawn chain)"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"gold\",\"amount\":1000000001}}", 400,
	 "bad_input", "gold past the content's bound"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"heal\",\"amount\":\"5\"}}", 400, "bad_input",
	 "an amount that is not an integer"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\"}}", 400, "bad_input",
	 "echo without text"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"a\\u0007b\"}}", 400,
	 "bad_input", "a control character in the text"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\",\"delay_ms\":1}}", 400,
	 "bad_input", "delay_ms inside the effect"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"open\",\"dir\":\"up-ish\"}}", 400, "bad_input",
	 "an unknown direction"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"set\",\"name\":\"Bad Flag\"}}", 400, "bad_input",
	 "a bad flag name"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"teleport\"}}", 400, "bad_input",
	 "a teleport without its room"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":[\"echo\"]}", 400, "bad_input",
	 "an effect that is not an object"},
	{"{\"actor\":\"sys:storm\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}", 400, "bad_input", "no room"},
	{"{\"actor\":\"sys:Storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}", 400, "bad_input",
	 "an upper-case name"},
	{"{\"actor\":\"sys:\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}", 400, "bad_input",
	 "no name"},
	{"{\"actor\":\"sys:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"}}",
	 400, "bad_input", "a 33-byte name"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"input\":\"look\"}", 400,
	 "bad_input", "an unknown member"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"delay_ms\":86400001}",
	 400, "bad_input", "a delay past a day"},
	{"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"priority\":99}", 400,
	 "bad_input", "a priority ahead of players'"},
};

int
main(void)
{
	char big[700];
	struct cmd_sys s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *doc = NULL;
		int r;

		if (wr_json_parse(cases[i].body, strlen(cases[i].body), 16, &doc, NULL) < 0) {
			tap_ok(0, "%s: the test's JSON parses", cases[i].what);
			continue;
		}
		tap_ok(cmd_sys_actor(doc), "%s: a system's command", cases[i].what);
		r = cmd_sys_check(doc, NULL, &s);
		if (cases[i].http == 0)
			tap_ok(r == 0 && s.http == 0 && strcmp(s.name, "storm") == 0, "%s: accepted", cases[i].what);
		else
			tap_ok(r < 0 && s.http == cases[i].http && strcmp(s.code, cases[i].code) == 0,
			       "%s: %u %s (got %u %s: %s)", cases[i].what, cases[i].http, cases[i].code, s.http, s.code,
			       s.message);
		json_object_put(doc);
	}
	/* Text: at most the content's 512 bytes. */
	for (size_t n = 512; n <= 513; n++) {
		struct json_object *doc = json_object_new_object(), *fx = json_object_new_object();

		memset(big, 'x', n);
		big[n] = '\0';
		json_object_object_add(fx, "do", json_object_new_string("echo"));
		json_object_object_add(fx, "text", json_object_new_string(big));
		json_object_object_add(doc, "actor", json_object_new_string("sys:storm"));
		json_object_object_add(doc, "room", json_object_new_string("r"));
		json_object_object_add(doc, "effect", fx);
		if (n == 512)
			tap_ok(cmd_sys_check(doc, NULL, &s) == 0, "a text of 512 bytes is accepted");
		else
			tap_ok(cmd_sys_check(doc, NULL, &s) < 0 && s.http == 400 && strcmp(s.code, "too_long") == 0,
			       "513 bytes: 400 too_long");
		json_object_put(doc);
	}
	{
		struct json_object *doc = NULL;
		const char *b =
			"{\"actor\":\"sys:storm\",\"room\":\"r\",\"effect\":{\"do\":\"echo\",\"text\":\"x\"},\"id\":\"a\"}";

		if (wr_json_parse(b, strlen(b), 16, &doc, NULL) < 0)
			return tap_done();
		tap_ok(cmd_sys_check(doc, "b", &s) < 0 && s.http == 400, "an id and a different Idempotency-Key: 400");
		tap_ok(cmd_sys_check(doc, "a", &s) == 0 && strcmp(s.id, "a") == 0, "the same: accepted");
		json_object_put(doc);
		b = "{\"actor\":\"mob:3\",\"input\":\"say hi\"}";
		if (wr_json_parse(b, strlen(b), 16, &doc, NULL) < 0)
			return tap_done();
		tap_ok(!cmd_sys_actor(doc), "a mob's command is not a system's");
		json_object_put(doc);
	}
	return tap_done();
}
