/* SPDX-License-Identifier: MIT */
/*
 * json.h: json-c at the edges (libwrjson).
 *
 * Untrusted text goes through wr_json_parse (length cap, depth cap, strict
 * mode, UTF-8 validation, no trailing bytes).  Values are read with typed,
 * range-checked accessors whose errors name the key; raw json-c getters,
 * which coerce silently, are used only in json.c.
 */
#ifndef WR_CORE_JSON_H
#define WR_CORE_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* On success *ret holds one reference the caller json_object_put()s. */
int
wr_json_parse(const char *buf, size_t len, int max_depth, struct json_object **ret,
	      struct wr_error *reterr) WR_MUSTCHECK;

/* Required members.  Strings are borrowed from obj; NUL bytes are refused. */
int
wr_json_get_i64(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		struct wr_error *reterr) WR_MUSTCHECK;
int
wr_json_get_str(struct json_object *obj, const char *key, size_t max_len, const char **ret,
		struct wr_error *reterr) WR_MUSTCHECK;

/* Optional members: return 0 and leave *ret alone when the key is absent or null. */
int
wr_json_opt_i64(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		struct wr_error *reterr) WR_MUSTCHECK;
int
wr_json_opt_str(struct json_object *obj, const char *key, size_t max_len, const char **ret,
		struct wr_error *reterr) WR_MUSTCHECK;

/* Borrowed member of the given type or NULL. */
struct json_object *
wr_json_member(struct json_object *obj, const char *key, enum json_type type);

#endif
