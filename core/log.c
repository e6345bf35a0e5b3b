/* SPDX-License-Identifier: MIT */
/*
 * log.c: see log.h.  Each line is formatted into one buffer and written with
 * a single write(2), so lines from threads and processes do not interleave.
 */
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum wr_log_level wr_log_max_level = WR_LOG_INFO;
static const char *log_progname = "wr";

static const char *const level_names[_WR_LOG_MAX] = {
	[WR_LOG_ERROR] = "ERROR", [WR_LOG_WARNING] = "WARNING", [WR_LOG_NOTICE] = "NOTICE",
	[WR_LOG_INFO] = "INFO",   [WR_LOG_DEBUG] = "DEBUG",
};

void
wr_log_init(const char *progname)
{
	log_progname = progname;
}

int
wr_log_level_from_string(const char *s)
{
	for (int i = 0; i < _WR_LOG_MAX; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *
wr_log_level_to_string(enum wr_log_level level)
{
	static const char *const lower[_WR_LOG_MAX] = {
		[WR_LOG_ERROR] = "error", [WR_LOG_WARNING] = "warning", [WR_LOG_NOTICE] = "notice",
		[WR_LOG_INFO] = "info",   [WR_LOG_DEBUG] = "debug",
	};

	return (unsigned) level < _WR_LOG_MAX ? lower[level] : "?";
}

void
wr_log_write(enum wr_log_level level, const char *ctx, const char *fmt, ...)
{
	char line[2048];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t n;
	int saved_errno = errno;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t) snprintf(line + n, sizeof(line) - n, ".%03dZ %s %s[%d] %s%s", (int) (tv.tv_usec / 1000),
			       level_names[level], log_progname, (int) getpid(), ctx ? ctx : "", ctx ? ": " : "");
	if (n < sizeof(line)) {
		errno = saved_errno;
		va_start(ap, fmt);
		n += (size_t) vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
	}
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void) !write(STDERR_FILENO, line, n);
	errno = saved_errno;
}
