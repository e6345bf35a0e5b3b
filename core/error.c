/* SPDX-License-Identifier: MIT */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
wr_error_vset(struct wr_error *reterr, int code, const char *kind, const char *fmt, va_list ap)
{
	if (!reterr)
		return code;
	reterr->code = code;
	reterr->sqlstate[0] = '\0';
	reterr->position = -1;
	snprintf(reterr->kind, sizeof(reterr->kind), "%s", kind ? kind : "error");
	vsnprintf(reterr->msg, sizeof(reterr->msg), fmt, ap);
	return code;
}

int
wr_error_set(struct wr_error *reterr, int code, const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wr_error_vset(reterr, code, kind, fmt, ap);
	va_end(ap);
	return code;
}
