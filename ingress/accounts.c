/* SPDX-License-Identifier: MIT */
/*
 * accounts.c: sign-up, log-in, refresh, log-out and password change over
 * HTTP (ingress/accounts.h, docs/accounts.md): the rules, the attempt
 * limits and the answers.  The SQL is store_accounts.c.
 *
 * Passwords: bounded (rules' max bytes), checked against the rules, hashed
 * with argon2id (crypto_pwhash_str, interactive limits: 64 MiB, a few
 * hundred ms) by at most `hashers` threads at once, so a burst of log-ins
 * cannot take all memory.  A log-in for a name that does not exist still
 * costs one verification (against a hash made at start), so answers do
 * not tell which names exist by their timing.  Every refusal has its own
 * error code; nothing is written unless the request is accepted.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/store.h"
#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/util.h"
#include "ingress/accounts.h"
#include "ingress/ingress.h"

#define MAX_LIST 512 /* reserved, offensive or common entries */
#define MAX_NAME_BYTES 64
#define MAX_BODY_NAME 256 /* a name longer than this is refused before any rule */
#define LIMIT_SLOTS 4096
#define LIMIT_PROBES 16

struct limit_slot {
	uint64_t key;     /* 0: free */
	int64_t start_ms; /* the window's start */
	int64_t count;
};

struct rules {
	int64_t name_min, name_max;
	char **reserved, **offensive, **common; /* lowercase, from malloc() */
	size_t nreserved, noffensive, ncommon;
	int64_t pw_min, pw_max;
	int64_t max_chars;
	char *start_room;
	int64_t level, max_hp, gold;
	char *kit; /* JSON array text */
};

struct ingress_accounts {
	struct ingress_accounts_config cfg;
	char *ws_url;
	struct rules rules;
	char dummy_hash[WR_PASSWORD_HASH_MAX];
	bool minimum;         /* password-limits=minimum */
	pthread_mutex_t lock; /* limits and hashers */
	pthread_cond_t hasher_free;
	int64_t hashing;
	struct limit_slot slots[LIMIT_SLOTS];
};

/* ---- rules ------------------------------------------------------------------------- */

static char *
lower_dup(const char *s)
{
	char *d = wr_xstrdup(s);

	for (char *p = d; *p; p++)
		*p = (char) tolower((unsigned char) *p);
	return d;
}

static int
load_list(struct json_object *obj, const char *key, char ***ret, size_t *ret_n, struct wr_error *reterr)
{
	struct json_object *arr = wr_json_member(obj, key, json_type_array);
	size_t n;

	*ret = NULL;
	*ret_n = 0;
	if (!arr)
		return 0;
	n = json_object_array_length(arr);
	if (n > MAX_LIST)
		return wr_error_set(reterr, -E2BIG, "bad_config", "account rules: \"%s\" has more than %d entries", key,
				    MAX_LIST);
	*ret = wr_xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(s, json_type_string) || json_object_get_string_len(s) == 0)
			return wr_error_set(reterr, -EINVAL, "bad_config", "account rules: \"%s\" holds a non-string",
					    key);
		(*ret)[(*ret_n)++] = lower_dup(json_object_get_string(s));
	}
	return 0;
}

static int
get_int(struct json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret, struct wr_error *reterr)
{
	if (!obj)
		return wr_error_set(reterr, -EINVAL, "bad_config", "account rules: missing section for \"%s\"", key);
	if (wr_json_get_i64(obj, key, min, max, ret, reterr) < 0)
		return wr_error_set(reterr, -EINVAL, "bad_config", "account rules: %s", reterr->msg);
	return 0;
}

static int
load_rules(const char *path, struct rules *ru, struct wr_error *reterr)
{
	struct json_object *doc = json_object_from_file(path), *names, *pw, *ch, *kit;
	const char *room = NULL;
	int r = 0;

	if (!doc || !json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		return wr_error_set(reterr, -EINVAL, "bad_config", "account rules \"%s\": not a readable JSON object",
				    path);
	}
	names = wr_json_member(doc, "names", json_type_object);
	pw = wr_json_member(doc, "passwords", json_type_object);
	ch = wr_json_member(doc, "characters", json_type_object);
	if (get_int(names, "min", 1, MAX_NAME_BYTES, &ru->name_min, reterr) < 0 ||
	    get_int(names, "max", ru->name_min, MAX_NAME_BYTES, &ru->name_max, reterr) < 0 ||
	    load_list(names, "reserved", &ru->reserved, &ru->nreserved, reterr) < 0 ||
	    load_list(names, "offensive", &ru->offensive, &ru->noffensive, reterr) < 0 ||
	    get_int(pw, "min", 1, 1024, &ru->pw_min, reterr) < 0 ||
	    get_int(pw, "max", ru->pw_min, 1024, &ru->pw_max, reterr) < 0 ||
	    load_list(pw, "common", &ru->common, &ru->ncommon, reterr) < 0 ||
	    get_int(ch, "max_per_account", 0, 100, &ru->max_chars, reterr) < 0 ||
	    get_int(ch, "level", 1, 1000, &ru->level, reterr) < 0 ||
	    get_int(ch, "max_hp", 1, 1000000, &ru->max_hp, reterr) < 0 ||
	    get_int(ch, "gold", 0, 1000000000, &ru->gold, reterr) < 0) {
		r = -EINVAL;
		goto out;
	}
	if (wr_json_get_str(ch, "start_room", 64, &room, reterr) < 0) {
		r = wr_error_set(reterr, -EINVAL, "bad_config", "account rules: %s", reterr->msg);
		goto out;
	}
	ru->start_room = wr_xstrdup(room);
	kit = wr_json_member(ch, "kit", json_type_array);
	ru->kit = wr_xstrdup(kit ? json_object_to_json_string_ext(kit, JSON_C_TO_STRING_PLAIN) : "[]");
out:
	json_object_put(doc);
	if (r < 0)
		wr_error_set(reterr, r, "bad_config", "%s (in \"%s\")", reterr->msg, path);
	return r;
}

static void
free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

struct ingress_accounts *
ingress_accounts_new(const struct ingress_accounts_config *cfg, struct wr_error *reterr)
{
	struct ingress_accounts *a = wr_xcalloc(1, sizeof(*a));
	struct wr_strbuf path = WR_STRBUF_INIT;
	const char *home = getenv("WR_HOME");

	a->cfg = *cfg;
	a->ws_url = wr_xstrdup(cfg->ws_url ? cfg->ws_url : "");
	a->cfg.ws_url = a->ws_url;
	a->cfg.rules_file = NULL;
	a->cfg.password_limits = NULL;
	if (cfg->password_limits && strcmp(cfg->password_limits, "minimum") == 0) {
		a->minimum = true;
		log_warning("password-limits=minimum: passwords are hashed cheaply, for tests only");
	} else if (cfg->password_limits && *cfg->password_limits && strcmp(cfg->password_limits, "interactive")) {
		wr_error_set(reterr, -EINVAL, "bad_config", "password-limits must be interactive or minimum");
		wr_strbuf_done(&path);
		return ingress_accounts_free(a);
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->hasher_free, NULL);
	if (cfg->rules_file && *cfg->rules_file)
		wr_strbuf_puts(&path, cfg->rules_file);
	else
		wr_strbuf_printf(&path, "%s/content/accounts/rules.json", home && *home ? home : WR_SOURCE_DIR);
	if (wr_secret_init() < 0) {
		wr_error_set(reterr, -EIO, "internal", "libsodium did not initialise");
		goto fail;
	}
	if (load_rules(wr_strbuf_str(&path), &a->rules, reterr) < 0)
		goto fail;
	/* Log-ins for unknown names verify against this, costing what a real one costs. */
	if (wr_password_hash("not a password", 14, a->minimum, a->dummy_hash) < 0) {
		wr_error_set(reterr, -ENOMEM, "internal", "could not hash a password (out of memory?)");
		goto fail;
	}
	wr_strbuf_done(&path);
	return a;
fail:
	wr_strbuf_done(&path);
	return ingress_accounts_free(a);
}

struct ingress_accounts *
ingress_accounts_free(struct ingress_accounts *a)
{
	if (!a)
		return NULL;
	free_list(a->rules.reserved, a->rules.nreserved);
	free_list(a->rules.offensive, a->rules.noffensive);
	free_list(a->rules.common, a->rules.ncommon);
	free(a->rules.start_room);
	free(a->rules.kit);
	free(a->ws_url);
	pthread_cond_destroy(&a->hasher_free);
	pthread_mutex_destroy(&a->lock);
	free(a);
	return NULL;
}

/* ---- attempt limits: a fixed window per key, in a bounded table ------------------- */

static uint64_t
key_of(const char *kind, const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	for (const char *p = kind; *p; p++)
		h = (h ^ (unsigned char) *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char) tolower((unsigned char) *p)) * 1099511628211ULL;
	return h ? h : 1;
}

/* The slot of key, claimed if needed; the table is full of live windows only
 * under a flood, and then the oldest window is reused.  Under a->lock. */
static struct limit_slot *
slot_for(struct ingress_accounts *a, uint64_t key, int64_t window_ms, int64_t now)
{
	struct limit_slot *oldest = NULL, *free_slot = NULL;

	for (size_t i = 0; i < LIMIT_PROBES; i++) {
		struct limit_slot *s = &a->slots[(key + i) % LIMIT_SLOTS];

		if (s->key == key) {
			if (now - s->start_ms >= window_ms)
				*s = (struct limit_slot){.key = key, .start_ms = now};
			return s;
		}
		if (!free_slot && (s->key == 0 || now - s->start_ms >= window_ms))
			free_slot = s;
		if (!oldest || s->start_ms < oldest->start_ms)
			oldest = s;
	}
	if (!free_slot)
		free_slot = oldest;
	*free_slot = (struct limit_slot){.key = key, .start_ms = now};
	return free_slot;
}

/*
 * Whether one more attempt of kind for key is within max per window_s:
 * 0 (and counted when take) or the seconds until the window ends.
 */
static int64_t
limit(struct ingress_accounts *a, const char *kind, const char *key, int64_t max, int64_t window_s, bool take)
{
	int64_t now = wr_mono_ms(), window_ms = window_s * 1000, wait = 0;
	struct limit_slot *s;

	pthread_mutex_lock(&a->lock);
	s = slot_for(a, key_of(kind, key), window_ms, now);
	if (s->count >= max)
		wait = (s->start_ms + window_ms - now + 999) / 1000;
	else if (take)
		s->count++;
	pthread_mutex_unlock(&a->lock);
	return wait;
}

/* ---- argon2id, bounded ---------------------------------------------------------- */

static void
hasher_take(struct ingress_accounts *a)
{
	pthread_mutex_lock(&a->lock);
	while (a->hashing >= a->cfg.hashers)
		pthread_cond_wait(&a->hasher_free, &a->lock);
	a->hashing++;
	pthread_mutex_unlock(&a->lock);
}

static void
hasher_give(struct ingress_accounts *a)
{
	pthread_mutex_lock(&a->lock);
	a->hashing--;
	pthread_cond_signal(&a->hasher_free);
	pthread_mutex_unlock(&a->lock);
}

static int
hash_password(struct ingress_accounts *a, const char *pw, size_t len, char out[WR_PASSWORD_HASH_MAX])
{
	int r;

	hasher_take(a);
	r = wr_password_hash(pw, len, a->minimum, out);
	hasher_give(a);
	return r;
}

static bool
check_password(struct ingress_accounts *a, const char *hash, const char *pw, size_t len)
{
	bool ok;

	hasher_take(a);
	ok = wr_password_check(*hash ? hash : a->dummy_hash, pw, len) && *hash;
	hasher_give(a);
	return ok;
}

/* ---- answers ------------------------------------------------------------------ */

static unsigned int
refuse(struct wr_strbuf *out, const char *code, const char *msg)
{
	static const struct {
		const char *code;
		unsigned int status;
	} map[] = {
		{"bad_name", 400},       {"reserved_name", 422},       {"name_taken", 409},
		{"weak_password", 422},  {"password_too_long", 400},   {"bad_credentials", 401},
		{"account_locked", 403}, {"too_many_characters", 409}, {"unknown_character", 404},
	};

	wr_strbuf_reset(out);
	cmd_json_error(out, code, msg, -1);
	for (size_t i = 0; i < WR_ELEMENTSOF(map); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].status;
	return cmd_status_for(code);
}

static unsigned int
rate_limited(struct wr_strbuf *out, const char *msg)
{
	ingress_metrics_rate_limited();
	return refuse(out, "rate_limited", msg);
}

/* The request body as a JSON object whose members are all in allowed. */
static struct json_object *
parse_body(const struct ingress_accounts_req *rq, const char *const *allowed, const char *shape, struct wr_strbuf *out,
	   unsigned int *ret_status)
{
	struct json_object *doc = NULL;
	struct json_object_iter it;
	struct wr_error err;

	if (wr_json_parse(rq->body ? rq->body : "", rq->len, 4, &doc, &err) < 0) {
		*ret_status = refuse(out, "bad_json", err.msg);
		return NULL;
	}
	if (!json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		*ret_status = refuse(out, "bad_input", shape);
		return NULL;
	}
	json_object_object_foreachC(doc, it)
	{
		bool known = false;

		for (size_t i = 0; allowed[i]; i++)
			known = known || strcmp(allowed[i], it.key) == 0;
		if (!known) {
			char msg[256];

			snprintf(msg, sizeof(msg), "unknown member \"%.32s\": expected %s", it.key, shape);
			json_object_put(doc);
			*ret_status = refuse(out, "bad_input", msg);
			return NULL;
		}
	}
	return doc;
}

/* A string member; missing or not a string is bad_input. */
static const char *
str_member(struct json_object *doc, const char *key, bool required, struct wr_strbuf *out, unsigned int *ret_status)
{
	struct json_object *v = NULL;
	char msg[128];

	if (!json_object_object_get_ex(doc, key, &v) || json_object_is_type(v, json_type_null)) {
		if (!required)
			return "";
		snprintf(msg, sizeof(msg), "\"%s\" is required", key);
	} else if (!json_object_is_type(v, json_type_string))
		snprintf(msg, sizeof(msg), "\"%s\" must be a string", key);
	else if (memchr(json_object_get_string(v), '\0', (size_t) json_object_get_string_len(v)))
		snprintf(msg, sizeof(msg), "\"%s\" must not hold NUL bytes", key);
	else
		return json_object_get_string(v);
	*ret_status = refuse(out, "bad_input", msg);
	return NULL;
}

/* Name rules of content/accounts/rules.json; 0 or the refusal's status. */
static unsigned int
check_name(const struct rules *ru, const char *what, const char *name, struct wr_strbuf *out)
{
	size_t n = strlen(name);
	char msg[192], *low;
	bool bad = false;

	if ((int64_t) n < ru->name_min || (int64_t) n > ru->name_max) {
		snprintf(msg, sizeof(msg), "%s names are %" PRId64 " to %" PRId64 " characters long", what,
			 ru->name_min, ru->name_max);
		return refuse(out, "bad_name", msg);
	}
	for (size_t i = 0; i < n; i++)
		bad = bad || !(isalpha((unsigned char) name[i]) || (i > 0 && isdigit((unsigned char) name[i])));
	if (bad || !isalpha((unsigned char) name[0])) {
		snprintf(msg, sizeof(msg), "%s names are letters (a-z), then letters or digits", what);
		return refuse(out, "bad_name", msg);
	}
	low = lower_dup(name);
	for (size_t i = 0; i < ru->nreserved; i++)
		if (strcmp(low, ru->reserved[i]) == 0) {
			free(low);
			snprintf(msg, sizeof(msg), "the name \"%s\" is reserved: choose another", name);
			return refuse(out, "reserved_name", msg);
		}
	for (size_t i = 0; i < ru->noffensive; i++)
		if (strstr(low, ru->offensive[i])) {
			free(low);
			return refuse(out, "reserved_name", "that name is not allowed here: choose another");
		}
	free(low);
	return 0;
}

/* Password rules; 0 or the refusal's status. */
static unsigned int
check_new_password(const struct rules *ru, const char *name, const char *pw, struct wr_strbuf *out)
{
	size_t n = strlen(pw);
	char msg[160], *low;
	bool same = true;

	if ((int64_t) n > ru->pw_max) {
		snprintf(msg, sizeof(msg), "passwords are at most %" PRId64 " bytes", ru->pw_max);
		return refuse(out, "password_too_long", msg);
	}
	if ((int64_t) n < ru->pw_min) {
		snprintf(msg, sizeof(msg), "passwords are at least %" PRId64 " characters", ru->pw_min);
		return refuse(out, "weak_password", msg);
	}
	for (size_t i = 1; i < n; i++)
		same = same && pw[i] == pw[0];
	if (same)
		return refuse(out, "weak_password", "a password of one repeated character is too easy to guess");
	low = lower_dup(pw);
	for (size_t i = 0; i < ru->ncommon; i++)
		if (strcmp(low, ru->common[i]) == 0) {
			free(low);
			return refuse(out, "weak_password", "that password is on the list of the most common ones");
		}
	if (name && *name && strcasestr(low, name)) {
		free(low);
		return refuse(out, "weak_password", "a password must not contain the account name");
	}
	free(low);
	return 0;
}

/* A new session's secrets: access and refresh, and their hashes. */
struct new_session {
	char access[WR_SECRET_LEN + 1], refresh[WR_SECRET_LEN + 1];
	char access_hash[WR_TOKEN_HASH_LEN + 1], refresh_hash[WR_TOKEN_HASH_LEN + 1];
	struct accounts_session s;
};

static int
new_session(struct ingress_accounts *a, struct new_session *ns, const char *character)
{
	if (wr_secret_new(ns->access) < 0 || wr_secret_new(ns->refresh) < 0)
		return -EIO;
	wr_token_hash(ns->access, ns->access_hash);
	wr_token_hash(ns->refresh, ns->refresh_hash);
	ns->s = (struct accounts_session){.access_hash = ns->access_hash,
					  .refresh_hash = ns->refresh_hash,
					  .ttl = a->cfg.session_ttl,
					  .refresh_ttl = a->cfg.refresh_ttl,
					  .character = character && *character ? character : NULL};
	return 0;
}

/* The session answer: secrets, lifetimes, the account and its characters. */
static unsigned int
session_answer(struct ingress_accounts *a, struct cmd_conn *c, const struct new_session *ns, int64_t account,
	       int64_t character, unsigned int status, struct wr_strbuf *out)
{
	struct wr_error err;

	wr_strbuf_reset(out);
	wr_strbuf_puts(out, "{\"token\":");
	cmd_json_str(out, ns->access);
	wr_strbuf_printf(out, ",\"expires_in\":%" PRId64 ",\"refresh_token\":", a->cfg.session_ttl);
	cmd_json_str(out, ns->refresh);
	wr_strbuf_printf(out, ",\"refresh_expires_in\":%" PRId64 ",", a->cfg.refresh_ttl);
	if (accounts_store_describe(c, account, character, out, &err) < 0)
		return cmd_fail(out, &err);
	wr_strbuf_puts(out, ",\"ws\":");
	cmd_json_str(out, a->ws_url);
	wr_strbuf_puts(out, "}");
	return status;
}

/* ---- handlers ------------------------------------------------------------------- */

unsigned int
ingress_accounts_signup(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out, int64_t *ret_retry_after)
{
	static const char *const allowed[] = {"name", "password", NULL};
	const char *shape = "{\"name\": NAME, \"password\": PASSWORD}";
	char pw_hash[WR_PASSWORD_HASH_MAX], status_text[32];
	struct json_object *doc;
	const char *name, *pw;
	struct new_session ns;
	unsigned int status = 0;
	struct cmd_conn *c;
	struct wr_error err;
	int64_t account = 0;

	*ret_retry_after = limit(a, "signup", rq->ip, a->cfg.signup_attempts, a->cfg.signup_window, true);
	if (*ret_retry_after > 0)
		return rate_limited(out, "too many sign-ups from this address: retry later");
	doc = parse_body(rq, allowed, shape, out, &status);
	if (!doc)
		return status;
	name = str_member(doc, "name", true, out, &status);
	pw = name ? str_member(doc, "password", true, out, &status) : NULL;
	if (!pw || (status = check_name(&a->rules, "account", name, out)) ||
	    (status = check_new_password(&a->rules, name, pw, out)))
		goto out;
	if (hash_password(a, pw, strlen(pw), pw_hash) < 0 || new_session(a, &ns, NULL) < 0) {
		status = refuse(out, "unavailable", "could not hash the password now: retry");
		goto out;
	}
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_signup(c, name, pw_hash, &ns.s, status_text, sizeof(status_text), &account, &err) < 0)
		status = cmd_fail(out, &err);
	else if (strcmp(status_text, "taken") == 0) {
		char msg[160];

		snprintf(msg, sizeof(msg), "the name \"%s\" is taken: choose another", name);
		status = refuse(out, "name_taken", msg);
	} else if (strcmp(status_text, "ok") != 0)
		status = refuse(out, "internal", "sign-up gave an unexpected answer");
	else {
		log_info("account %" PRId64 " signed up", account);
		status = session_answer(a, c, &ns, account, 0, 201, out);
	}
	cmd_store_release(st, c);
	wr_secret_wipe(&ns, sizeof(ns));
out:
	json_object_put(doc);
	return status;
}

unsigned int
ingress_accounts_login(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
		       struct wr_strbuf *out, int64_t *ret_retry_after)
{
	static const char *const allowed[] = {"name", "password", "character", NULL};
	const char *shape = "{\"name\": NAME, \"password\": PASSWORD[, \"character\": NAME]}";
	struct accounts_login_row row = {0};
	char status_text[32];
	struct json_object *doc;
	const char *name, *pw, *character = NULL;
	struct new_session ns;
	unsigned int status = 0;
	struct cmd_conn *c = NULL;
	struct wr_error err;
	int64_t ch = 0;
	bool ok;

	*ret_retry_after = limit(a, "login", rq->ip, a->cfg.login_attempts, a->cfg.login_window, true);
	if (*ret_retry_after > 0)
		return rate_limited(out, "too many log-in attempts from this address: retry later");
	doc = parse_body(rq, allowed, shape, out, &status);
	if (!doc)
		return status;
	name = str_member(doc, "name", true, out, &status);
	pw = name ? str_member(doc, "password", true, out, &status) : NULL;
	character = pw ? str_member(doc, "character", false, out, &status) : NULL;
	if (!character)
		goto out;
	if (strlen(name) > MAX_BODY_NAME || (int64_t) strlen(pw) > a->rules.pw_max) {
		status = refuse(out, "bad_credentials", "wrong name or password");
		goto out;
	}
	*ret_retry_after = limit(a, "login-fail", name, a->cfg.login_failures, a->cfg.login_window, false);
	if (*ret_retry_after > 0) {
		status = rate_limited(out, "too many failed log-ins for this account: retry later");
		goto out;
	}
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_lookup(c, name, &row, &err) < 0) {
		status = cmd_fail(out, &err);
		goto out;
	}
	/* Released while hashing: a connection is worth more than a hash's wait. */
	cmd_store_release(st, c);
	c = NULL;
	ok = check_password(a, row.hash, pw, strlen(pw));
	if (!ok) {
		(void) limit(a, "login-fail", name, a->cfg.login_failures, a->cfg.login_window, true);
		status = refuse(out, "bad_credentials", "wrong name or password");
		goto out;
	}
	if (row.disabled) {
		status = refuse(out, "account_locked", "this account is locked: ask an administrator");
		goto out;
	}
	if (new_session(a, &ns, character) < 0) {
		status = refuse(out, "internal", "could not make a token");
		goto out;
	}
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_open(c, row.id, &ns.s, status_text, sizeof(status_text), &ch, &err) < 0)
		status = cmd_fail(out, &err);
	else if (strcmp(status_text, "unknown_character") == 0)
		status = refuse(out, "unknown_character", "this account has no character of that name");
	else if (strcmp(status_text, "locked") == 0)
		status = refuse(out, "account_locked", "this account is locked: ask an administrator");
	else
		status = session_answer(a, c, &ns, row.id, ch, 201, out);
	wr_secret_wipe(&ns, sizeof(ns));
out:
	cmd_store_release(st, c);
	wr_secret_wipe(&row, sizeof(row));
	json_object_put(doc);
	return status;
}

unsigned int
ingress_accounts_refresh(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			 struct wr_strbuf *out, int64_t *ret_retry_after)
{
	static const char *const allowed[] = {"refresh_token", "character", NULL};
	const char *shape = "{\"refresh_token\": TOKEN[, \"character\": NAME]}";
	char old_hash[WR_TOKEN_HASH_LEN + 1], status_text[32];
	struct json_object *doc;
	const char *refresh, *character = NULL;
	struct new_session ns;
	unsigned int status = 0;
	struct cmd_conn *c;
	struct wr_error err;
	int64_t account = 0, ch = 0;

	*ret_retry_after = limit(a, "refresh", rq->ip, a->cfg.login_attempts * 10, a->cfg.login_window, true);
	if (*ret_retry_after > 0)
		return rate_limited(out, "too many refreshes from this address: retry later");
	doc = parse_body(rq, allowed, shape, out, &status);
	if (!doc)
		return status;
	refresh = str_member(doc, "refresh_token", true, out, &status);
	character = refresh ? str_member(doc, "character", false, out, &status) : NULL;
	if (!character)
		goto out;
	if (strlen(refresh) > 512) {
		status = refuse(out, "unauthorized", "unknown, used, expired or revoked refresh token");
		goto out;
	}
	wr_token_hash(refresh, old_hash);
	if (new_session(a, &ns, character) < 0) {
		status = refuse(out, "internal", "could not make a token");
		goto out;
	}
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_refresh(c, old_hash, &ns.s, status_text, sizeof(status_text), &account, &ch, &err) < 0)
		status = cmd_fail(out, &err);
	else if (strcmp(status_text, "unknown") == 0)
		status = refuse(out, "unauthorized", "unknown, used, expired or revoked refresh token");
	else if (strcmp(status_text, "unknown_character") == 0)
		status = refuse(out, "unknown_character", "this account has no character of that name");
	else if (strcmp(status_text, "locked") == 0)
		status = refuse(out, "account_locked", "this account is locked: ask an administrator");
	else
		status = session_answer(a, c, &ns, account, ch, 201, out);
	cmd_store_release(st, c);
	wr_secret_wipe(&ns, sizeof(ns));
out:
	json_object_put(doc);
	return status;
}

unsigned int
ingress_accounts_logout(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out)
{
	char hash[WR_TOKEN_HASH_LEN + 1];
	struct cmd_conn *c;
	struct wr_error err;
	int64_t n = 0;
	unsigned int status;

	(void) a;
	wr_token_hash(rq->token, hash);
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_revoke(c, hash, 0, &n, &err) < 0)
		status = cmd_fail(out, &err);
	else if (n == 0)
		status = refuse(out, "unauthorized", "not a session token, or logged out already");
	else {
		wr_strbuf_puts(out, "{\"status\":\"logged_out\"}");
		status = 200;
	}
	cmd_store_release(st, c);
	return status;
}

unsigned int
ingress_accounts_password(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out, int64_t *ret_retry_after)
{
	static const char *const allowed[] = {"password", "new_password", NULL};
	const char *shape = "{\"password\": OLD, \"new_password\": NEW}";
	char hash[WR_TOKEN_HASH_LEN + 1], pw_hash[WR_PASSWORD_HASH_MAX];
	struct accounts_login_row row = {0};
	struct json_object *doc;
	const char *pw, *npw;
	unsigned int status = 0;
	struct cmd_conn *c = NULL;
	struct wr_error err;
	int64_t n = 0;

	doc = parse_body(rq, allowed, shape, out, &status);
	if (!doc)
		return status;
	pw = str_member(doc, "password", true, out, &status);
	npw = pw ? str_member(doc, "new_password", true, out, &status) : NULL;
	if (!npw)
		goto out;
	wr_token_hash(rq->token, hash);
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_session_account(c, hash, &row, &err) < 0) {
		status = cmd_fail(out, &err);
		goto out;
	}
	cmd_store_release(st, c);
	c = NULL;
	if (row.id == 0) {
		status = refuse(out, "unauthorized", "log in first: this is not a live session token");
		goto out;
	}
	*ret_retry_after = limit(a, "login-fail", row.name, a->cfg.login_failures, a->cfg.login_window, false);
	if (*ret_retry_after > 0) {
		status = rate_limited(out, "too many failed attempts for this account: retry later");
		goto out;
	}
	if ((int64_t) strlen(pw) > a->rules.pw_max || !check_password(a, row.hash, pw, strlen(pw))) {
		(void) limit(a, "login-fail", row.name, a->cfg.login_failures, a->cfg.login_window, true);
		status = refuse(out, "bad_credentials", "the current password is wrong");
		goto out;
	}
	if ((status = check_new_password(&a->rules, row.name, npw, out)))
		goto out;
	if (hash_password(a, npw, strlen(npw), pw_hash) < 0) {
		status = refuse(out, "unavailable", "could not hash the password now: retry");
		goto out;
	}
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_set_password(c, row.id, pw_hash, &n, &err) < 0) {
		status = cmd_fail(out, &err);
		goto out;
	}
	log_info("account %" PRId64 " changed its password; %" PRId64 " sessions revoked", row.id, n);
	wr_strbuf_printf(out, "{\"status\":\"changed\",\"sessions_revoked\":%" PRId64 "}", n);
	status = 200;
out:
	cmd_store_release(st, c);
	wr_secret_wipe(&row, sizeof(row));
	json_object_put(doc);
	return status;
}

/* ---- characters ------------------------------------------------------------------ */

/* The account of the session token; 0 with the answer in out when none. */
static int64_t
session_account(struct cmd_store *st, const struct ingress_accounts_req *rq, struct accounts_login_row *row,
		struct wr_strbuf *out, unsigned int *ret_status)
{
	char hash[WR_TOKEN_HASH_LEN + 1];
	struct cmd_conn *c;
	struct wr_error err;
	int r;

	wr_token_hash(rq->token, hash);
	c = cmd_store_acquire(st, &err);
	r = c ? accounts_store_session_account(c, hash, row, &err) : -1;
	cmd_store_release(st, c);
	if (r < 0) {
		*ret_status = cmd_fail(out, &err);
		return 0;
	}
	if (row->id == 0)
		*ret_status = refuse(out, "unauthorized", "log in first: unknown, expired or revoked session token");
	return row->id;
}

unsigned int
ingress_characters_list(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out)
{
	struct accounts_login_row row;
	unsigned int status = 0;
	struct cmd_conn *c;
	struct wr_error err;

	if (!session_account(st, rq, &row, out, &status))
		return status;
	c = cmd_store_acquire(st, &err);
	wr_strbuf_puts(out, "{");
	if (!c || accounts_store_describe(c, row.id, 0, out, &err) < 0)
		status = cmd_fail(out, &err);
	else {
		wr_strbuf_printf(out, ",\"max\":%" PRId64 "}", a->rules.max_chars);
		status = 200;
	}
	cmd_store_release(st, c);
	return status;
}

unsigned int
ingress_characters_create(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out)
{
	static const char *const allowed[] = {"name", NULL};
	const struct accounts_char_rules cr = {.max_chars = a->rules.max_chars,
					       .start_room = a->rules.start_room,
					       .level = a->rules.level,
					       .max_hp = a->rules.max_hp,
					       .gold = a->rules.gold,
					       .kit = a->rules.kit};
	struct accounts_login_row row;
	struct json_object *doc;
	char status_text[32], msg[192];
	unsigned int status = 0;
	const char *name;
	struct cmd_conn *c;
	struct wr_error err;
	int64_t id = 0;

	if (!session_account(st, rq, &row, out, &status))
		return status;
	doc = parse_body(rq, allowed, "{\"name\": NAME}", out, &status);
	if (!doc)
		return status;
	name = str_member(doc, "name", true, out, &status);
	if (!name || (status = check_name(&a->rules, "character", name, out)))
		goto out;
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_char_create(c, row.id, name, &cr, status_text, sizeof(status_text), &id, &err) < 0)
		status = cmd_fail(out, &err);
	else if (strcmp(status_text, "too_many") == 0) {
		snprintf(msg, sizeof(msg), "an account has at most %" PRId64 " characters: delete one first",
			 a->rules.max_chars);
		status = refuse(out, "too_many_characters", msg);
	} else if (strcmp(status_text, "taken") == 0) {
		snprintf(msg, sizeof(msg), "the name \"%s\" is taken: choose another", name);
		status = refuse(out, "name_taken", msg);
	} else if (strcmp(status_text, "ok") != 0) {
		log_error("character creation failed: %s (check content/accounts/rules.json)", status_text);
		status = refuse(out, "internal", "the world has no place for new characters: tell an administrator");
	} else {
		wr_strbuf_reset(out);
		wr_strbuf_printf(out, "{\"character\":{\"id\":%" PRId64 ",\"name\":", id);
		cmd_json_str(out, name);
		wr_strbuf_puts(out, "}}");
		status = 201;
	}
	cmd_store_release(st, c);
out:
	json_object_put(doc);
	return status;
}

unsigned int
ingress_characters_delete(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out)
{
	struct accounts_login_row row;
	char status_text[32];
	unsigned int status = 0;
	struct cmd_conn *c;
	struct wr_error err;
	int64_t n = 0;

	(void) a;
	if (!session_account(st, rq, &row, out, &status))
		return status;
	if (!rq->param || !*rq->param || strlen(rq->param) > MAX_NAME_BYTES)
		return refuse(out, "unknown_character", "this account has no character of that name");
	c = cmd_store_acquire(st, &err);
	if (!c || accounts_store_char_delete(c, row.id, rq->param, status_text, sizeof(status_text), &n, &err) < 0)
		status = cmd_fail(out, &err);
	else if (strcmp(status_text, "ok") != 0)
		status = refuse(out, "unknown_character", "this account has no character of that name");
	else {
		wr_strbuf_printf(out, "{\"status\":\"deleted\",\"items_removed\":%" PRId64 "}", n);
		status = 200;
	}
	cmd_store_release(st, c);
	return status;
}
