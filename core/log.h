/* SPDX-License-Identifier: MIT */
/*
 * log.h: one-line-per-event logging to stderr.
 *
 * Line format: "2026-11-21T08:48:01.123Z WARNING worker[1234] key=v: message".
 * The level check happens in the macro, so disabled DEBUG lines cost nothing.
 * Library code (core/, game/, planner/) does not log above DEBUG.
 */
#ifndef WR_CORE_LOG_H
#define WR_CORE_LOG_H

#include <stdarg.h>

enum wr_log_level {
	WR_LOG_ERROR,
	WR_LOG_WARNING,
	WR_LOG_NOTICE,
	WR_LOG_INFO,
	WR_LOG_DEBUG,
	_WR_LOG_MAX,
};

extern enum wr_log_level wr_log_max_level;

/* Sets the program name printed in every line ("worker"); the string is borrowed. */
void
wr_log_init(const char *progname);

/* Parses "error", "warning", "notice", "info" or "debug"; -EINVAL otherwise. */
int
wr_log_level_from_string(const char *s);
/* "error" ... "debug"; "?" for a value out of range. */
const char *
wr_log_level_to_string(enum wr_log_level level);

void
wr_log_write(enum wr_log_level level, const char *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define wr_log(level, ctx, ...)                                    \
	do {                                                       \
		if ((level) <= wr_log_max_level)                   \
			wr_log_write((level), (ctx), __VA_ARGS__); \
	} while (0)

#define log_error(...) wr_log(WR_LOG_ERROR, NULL, __VA_ARGS__)
#define log_warning(...) wr_log(WR_LOG_WARNING, NULL, __VA_ARGS__)
#define log_notice(...) wr_log(WR_LOG_NOTICE, NULL, __VA_ARGS__)
#define log_info(...) wr_log(WR_LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) wr_log(WR_LOG_DEBUG, NULL, __VA_ARGS__)
/* With a "key=value ..." context prefix, e.g. "action=12 actor=char:7". */
#define log_error_ctx(ctx, ...) wr_log(WR_LOG_ERROR, ctx, __VA_ARGS__)
#define log_warning_ctx(ctx, ...) wr_log(WR_LOG_WARNING, ctx, __VA_ARGS__)
#define log_info_ctx(ctx, ...) wr_log(WR_LOG_INFO, ctx, __VA_ARGS__)
#define log_debug_ctx(ctx, ...) wr_log(WR_LOG_DEBUG, ctx, __VA_ARGS__)
/* Broken invariants of our own (libinput's log_bug_libinput). */
#define log_bug_self(...) wr_log(WR_LOG_ERROR, "bug=self", __VA_ARGS__)
/* Bad requests from a peer: not our bug, never above INFO. */
#define log_bug_client(...) wr_log(WR_LOG_INFO, "bug=client", __VA_ARGS__)

#endif
