/* SPDX-License-Identifier: MIT */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
wr_error_set(struct wr_error *reterr, int code, const char *kind, const char *fmt, ...)
{
	va_list ap;

	if (!reterr)
		return code;
	reterr->code = code;
	reterr->sqlstate[0] = '\0';
	reterr->position = -1;
	snprintf(reterr->kind, sizeof(reterr->kind), "%s", kind ? kind : "error");
	va_start(ap, fmt);
	vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
	va_end(ap);
	return code;
}
