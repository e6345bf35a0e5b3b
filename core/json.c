/* SPDX-License-Identifier: MIT */
#include "core/json.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "core/util.h"

int
wr_json_parse(const char *buf, size_t len, int max_depth, struct json_object **ret, struct wr_error *reterr)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t consumed;
	int r = 0;

	if (len > INT_MAX)
		return wr_error_set(reterr, -E2BIG, "too_large", "json document too large");
	if (!wr_utf8_valid(buf, len))
		return wr_error_set(reterr, -EINVAL, "bad_json", "body is not valid UTF-8 text");
	tok = json_tokener_new_ex(max_depth);
	if (!tok)
		return wr_error_set(reterr, -ENOMEM, "internal", "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, buf, (int) len);
	jerr = json_tokener_get_error(tok);
	consumed = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare number only ends at a delimiter: feed the terminator. */
		obj = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		consumed = len;
	}
	if (jerr == json_tokener_continue) {
		r = wr_error_set(reterr, -EINVAL, "bad_json", "invalid json: unexpected end of input");
		goto out;
	}
	/* json-c's depth counts a slot for the value itself: max_depth - 1 containers nest. */
	if (jerr == json_tokener_error_depth) {
		r = wr_error_set(reterr, -EINVAL, "bad_json", "invalid json: nested deeper than %d levels",
				 max_depth - 1);
		goto out;
	}
	if (jerr != json_tokener_success || !obj) {
		r = wr_error_set(reterr, -EINVAL, "bad_json", "invalid json at offset %zu: %s",
				 json_tokener_get_parse_end(tok), json_tokener_error_desc(jerr));
		goto out;
	}
	for (size_t i = consumed; i < len; i++) {
		if (buf[i] != ' ' && buf[i] != '\n' && buf[i] != '\r' && buf[i] != '\t') {
			r = wr_error_set(reterr, -EINVAL, "bad_json", "invalid json: trailing data at offset %zu", i);
			goto out;
		}
	}
	*ret = obj;
	obj = NULL;
out:
	if (obj)
		json_object_put(obj);
	json_tokener_free(tok);
	return r;
}

struct json_object *
wr_json_member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

static int
get_i64(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret, bool optional,
	struct wr_error *reterr)
{
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (optional)
			return 0;
		return wr_error_set(reterr, -EINVAL, "bad_input", "missing member \"%s\"", key);
	}
	if (!json_object_is_type(v, json_type_int))
		return wr_error_set(reterr, -EINVAL, "bad_input", "member \"%s\" must be an integer", key);
	errno = 0;
	x = json_object_get_int64(v);
	if (errno != 0 || x < min || x > max)
		return wr_error_set(reterr, -ERANGE, "bad_input", "member \"%s\" out of range [%lld, %lld]", key,
				    (long long) min, (long long) max);
	*ret = x;
	return 0;
}

static int
get_str(struct json_object *obj, const char *key, size_t max_len, const char **ret, bool optional,
	struct wr_error *reterr)
{
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (optional)
			return 0;
		return wr_error_set(reterr, -EINVAL, "bad_input", "missing member \"%s\"", key);
	}
	if (!json_object_is_type(v, json_type_string))
		return wr_error_set(reterr, -EINVAL, "bad_input", "member \"%s\" must be a string", key);
	s = json_object_get_string(v);
	n = (size_t) json_object_get_string_len(v);
	if (n > max_len)
		return wr_error_set(reterr, -E2BIG, "too_long", "member \"%s\" longer than %zu bytes", key, max_len);
	if (memchr(s, '\0', n))
		return wr_error_set(reterr, -EINVAL, "bad_input", "member \"%s\" contains a NUL byte", key);
	*ret = s;
	return 0;
}

int
wr_json_get_i64(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		struct wr_error *reterr)
{
	return get_i64(obj, key, min, max, ret, false, reterr);
}

int
wr_json_opt_i64(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret,
		struct wr_error *reterr)
{
	return get_i64(obj, key, min, max, ret, true, reterr);
}

int
wr_json_get_str(struct json_object *obj, const char *key, size_t max_len, const char **ret, struct wr_error *reterr)
{
	return get_str(obj, key, max_len, ret, false, reterr);
}

int
wr_json_opt_str(struct json_object *obj, const char *key, size_t max_len, const char **ret, struct wr_error *reterr)
{
	return get_str(obj, key, max_len, ret, true, reterr);
}
