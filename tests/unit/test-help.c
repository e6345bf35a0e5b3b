/* SPDX-License-Identifier: MIT */
/*
 * test-help.c: every verb a player can type has a help topic in
 * content/help/help.json, words the parser knows find their verb's topic,
 * and an unknown topic is refused (command/help.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "command/help.h"
#include "core/strbuf.h"
#include "game/game.h"
#include "tests/lib/tap.h"

static int
help(const char *topic, struct wr_strbuf *out)
{
	wr_strbuf_reset(out);
	return cmd_help(topic, out);
}

int
main(void)
{
	struct wr_strbuf out = WR_STRBUF_INIT;
	int missing = 0;

	for (int v = 0; v < _GAME_VERB_MAX; v++) {
		if (game_verb_internal((enum game_verb) v))
			continue;
		if (help(game_verb_to_string((enum game_verb) v), &out) != 0) {
			printf("# no help topic for \"%s\"\n", game_verb_to_string((enum game_verb) v));
			missing++;
		}
	}
	tap_ok(missing == 0, "every verb players type has a help topic (%d missing)", missing);
	tap_ok(help("alias", &out) == 0 && help("unalias", &out) == 0 && help("help", &out) == 0,
	       "alias, unalias and help have topics too");
	tap_ok(help("n", &out) == 0 && strstr(wr_strbuf_str(&out), "\"topic\":\"move\"") != NULL,
	       "help n: the move topic");
	tap_ok(help("i", &out) == 0 && strstr(wr_strbuf_str(&out), "\"topic\":\"inventory\"") != NULL,
	       "help i: the inventory topic");
	tap_ok(help("hit", &out) == 0 && strstr(wr_strbuf_str(&out), "\"topic\":\"kill\"") != NULL,
	       "help hit: the kill topic");
	tap_ok(help("", &out) == 0 && strstr(wr_strbuf_str(&out), " get ") != NULL, "help: the index names the topics");
	tap_ok(help("xyzzy", &out) == -ENOENT && out.len == 0, "an unknown topic: -ENOENT, nothing written");
	wr_strbuf_done(&out);
	return tap_done();
}
