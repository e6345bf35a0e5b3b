/* SPDX-License-Identifier: MIT */
/*
 * help.h: the help command's topics, from content/help/help.json ($WR_HOME
 * or the source tree), read once on first use.  "help" answers at once,
 * like alias: no action, no event.  Thread-safe.
 */
#ifndef WR_COMMAND_HELP_H
#define WR_COMMAND_HELP_H

#include "core/strbuf.h"

/*
 * Appends ,"help":{"topic":..,"text":..} for topic ("" is the index: every
 * topic's name).  A topic is a topic's name or any word the parser reads
 * as a verb ("n" is "move", "i" is "inventory").  0, or -ENOENT when there
 * is no such topic (out unchanged), -EIO when the file could not be read.
 */
int
cmd_help(const char *topic, struct wr_strbuf *out);

#endif
