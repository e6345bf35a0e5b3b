/* SPDX-License-Identifier: MIT */
/*
 * accounts.h: accounts, sessions and characters over HTTP (docs/accounts.md),
 * private to wr-ingress.
 *
 * POST /v1/accounts (sign up), POST /v1/sessions (log in), POST
 * /v1/sessions/refresh, DELETE /v1/sessions (log out), POST
 * /v1/accounts/password.  Passwords are argon2id-hashed here (core/secret.h)
 * and never leave this process: the database gets the hash, the log gets
 * neither.  A session's access token is an ordinary expiring player token,
 * so the command path, the streams and the websocket accept it unchanged.
 *
 * The rules (name lengths, reserved and offensive names, password limits,
 * characters per account) come from content/accounts/rules.json, read once
 * at start.  Thread-safe.
 */
#ifndef WR_INGRESS_ACCOUNTS_H
#define WR_INGRESS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "command/command.h"
#include "core/error.h"
#include "core/strbuf.h"

struct ingress_accounts;

struct ingress_accounts_config {
	const char *rules_file; /* "" or NULL: content/accounts/rules.json of WR_HOME or the source tree */
	const char *ws_url;
	int64_t session_ttl;     /* seconds an access token of a session lives */
	int64_t refresh_ttl;     /* seconds a refresh token lives */
	int64_t signup_attempts; /* sign-ups per IP per signup_window */
	int64_t signup_window;
	int64_t login_attempts; /* log-ins per IP per login_window */
	int64_t login_failures; /* failed log-ins (and password changes) per account per login_window */
	int64_t login_window;
	int64_t hashers;             /* argon2id computations at once (each takes 64 MiB) */
	const char *password_limits; /* "interactive" (NULL too) or "minimum": tests only */
};

struct ingress_accounts *
ingress_accounts_new(const struct ingress_accounts_config *cfg, struct wr_error *reterr);
/* NULL-safe; returns NULL. */
struct ingress_accounts *
ingress_accounts_free(struct ingress_accounts *a);

/* What a handler was given; ip is the client's address as text. */
struct ingress_accounts_req {
	const char *ip;
	const char *token; /* bearer token, or NULL */
	const char *body;
	size_t len;
	const char *param; /* a name in the path, or NULL */
};

/*
 * Each returns the HTTP status and writes the JSON answer into out;
 * *ret_retry_after is set (seconds) with a 429.  The body is wiped
 * (it holds passwords) by the caller.
 */
unsigned int
ingress_accounts_signup(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out, int64_t *ret_retry_after);
unsigned int
ingress_accounts_login(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
		       struct wr_strbuf *out, int64_t *ret_retry_after);
unsigned int
ingress_accounts_refresh(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			 struct wr_strbuf *out, int64_t *ret_retry_after);
unsigned int
ingress_accounts_logout(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out);
unsigned int
ingress_accounts_password(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out, int64_t *ret_retry_after);

/* GET, POST /v1/characters and DELETE /v1/characters/<name>. */
unsigned int
ingress_characters_list(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			struct wr_strbuf *out);
unsigned int
ingress_characters_create(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out);
unsigned int
ingress_characters_delete(struct ingress_accounts *a, struct cmd_store *st, const struct ingress_accounts_req *rq,
			  struct wr_strbuf *out);

/* GET /v1/history (history.c, issue 17): the account's last typed lines. */
unsigned int
ingress_history(struct cmd_store *st, const char *token, struct wr_strbuf *out);

/* GET /v1/mobs (mobs.c, issue 13): where a service token's mobs are. */
unsigned int
ingress_mobs(struct cmd_store *st, const char *token, struct wr_strbuf *out);

/* ---- store_accounts.c: the SQL (every secret as its hash) ---------------------------- */

struct accounts_login_row {
	int64_t id; /* 0: no such account */
	char name[64];
	char hash[160]; /* argon2id string, "" when the account has no password */
	int disabled;
};

struct accounts_session {
	const char *access_hash, *refresh_hash;
	int64_t ttl, refresh_ttl;
	const char *character; /* pin, or NULL */
};

int
accounts_store_signup(struct cmd_conn *c, const char *name, const char *pw_hash, const struct accounts_session *s,
		      char *ret_status, size_t status_size, int64_t *ret_account, struct wr_error *reterr) WR_MUSTCHECK;
int
accounts_store_lookup(struct cmd_conn *c, const char *name, struct accounts_login_row *ret,
		      struct wr_error *reterr) WR_MUSTCHECK;
int
accounts_store_open(struct cmd_conn *c, int64_t account, const struct accounts_session *s, char *ret_status,
		    size_t status_size, int64_t *ret_char, struct wr_error *reterr) WR_MUSTCHECK;
int
accounts_store_refresh(struct cmd_conn *c, const char *old_refresh_hash, const struct accounts_session *s,
		       char *ret_status, size_t status_size, int64_t *ret_account, int64_t *ret_char,
		       struct wr_error *reterr) WR_MUSTCHECK;
/* The session of an access token hash: its account (0 when the token is no
 * live session), name and password hash. */
int
accounts_store_session_account(struct cmd_conn *c, const char *access_hash, struct accounts_login_row *ret,
			       struct wr_error *reterr) WR_MUSTCHECK;
/* wr_sessions_revoke(); *ret_n sessions revoked. */
int
accounts_store_revoke(struct cmd_conn *c, const char *access_hash, int64_t account, int64_t *ret_n,
		      struct wr_error *reterr) WR_MUSTCHECK;
/* Sets the password hash and revokes every session of the account, in one
 * statement; *ret_n sessions revoked. */
int
accounts_store_set_password(struct cmd_conn *c, int64_t account, const char *pw_hash, int64_t *ret_n,
			    struct wr_error *reterr) WR_MUSTCHECK;
/* Appends the JSON {"account":{"id","name"},"characters":[..],"character":..}
 * members (without braces) of an account, for a session answer. */
int
accounts_store_describe(struct cmd_conn *c, int64_t account, int64_t character, struct wr_strbuf *out,
			struct wr_error *reterr) WR_MUSTCHECK;

/* What a new character gets (content/accounts/rules.json "characters"). */
struct accounts_char_rules {
	int64_t max_chars;
	const char *start_room; /* room template key */
	int64_t level, max_hp, gold;
	const char *kit; /* JSON array text */
};

/* wr_character_create(): *ret_status ok, too_many, taken, no_start_room or bad_kit. */
int
accounts_store_char_create(struct cmd_conn *c, int64_t account, const char *name, const struct accounts_char_rules *cr,
			   char *ret_status, size_t status_size, int64_t *ret_char,
			   struct wr_error *reterr) WR_MUSTCHECK;
/* wr_character_delete(): *ret_status ok or unknown. */
int
accounts_store_char_delete(struct cmd_conn *c, int64_t account, const char *name, char *ret_status, size_t status_size,
			   int64_t *ret_items, struct wr_error *reterr) WR_MUSTCHECK;

#endif
