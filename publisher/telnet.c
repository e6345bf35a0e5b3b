/* SPDX-License-Identifier: MIT */
/*
 * telnet.c: MUD clients over telnet (docs/telnet.md), one more transport
 * over the publisher's own machinery.  This file: the listener,
 * connections, input, options, log-in and resume; telnet-render.c turns
 * frames into text and GMCP.
 *
 * A second vhost of the same lws context listens for raw TCP sockets
 * (role "raw-skt", protocol "wr-telnet").  Each telnet connection is a
 * struct pub_conn like a websocket, in p->conns, with a pub_telnet_conn
 * beside it: the same hello (pub_hello: token check, subscriptions,
 * resume), the same routing and following (route.c), the same bounded
 * outbox of shared JSON frames, the same commands (commands.c).  Only the
 * two ends differ:
 *
 *   in:  libtelnet parses the byte stream (options, subnegotiations, IAC
 *        escapes); the data bytes are cut into lines, and a line is either
 *        a login answer, a local command (colour, quit) or a command frame
 *        handed to pub_commands_frame, exactly as a websocket's.
 *   out: frames are rendered when the socket is writeable, not when they
 *        are queued, so a slow reader costs its outbox of pointers and no
 *        rendered text: the viewer's text of each event (text_self,
 *        text_target or text, as docs/protocol.md says), wrapped to the
 *        NAWS width, with \r\n, ANSI colour unless switched off, then a
 *        prompt with vitals; GMCP messages from the same structured data.
 *        A frame is parsed once for all its telnet readers (pub_frame.parsed).
 *
 * MCCP2 is done here rather than in libtelnet, for two reasons: the
 * deflate state is sized for many connections (a 4 KiB window: about
 * 40 KiB a connection instead of zlib's default 260), and each write batch
 * ends with one Z_SYNC_FLUSH rather than one per libtelnet send.
 *
 * Resume: a MUD client knows no seqs, so the gateway remembers them.  Each
 * connection tracks, per stream, the seq of the last event it wrote; when a
 * logged-in connection drops, these positions are kept for
 * telnet-resume-s, keyed by the token (and character name) it logged in
 * with.  Logging in again with them sends them as the hello's "resume", so
 * resume.c replays exactly what was not written, or the player is told
 * what could not be.
 *
 * Bounds: lines of at most TN_MAX_LINE bytes (longer ones are discarded
 * with a message), subnegotiations of at most 16 KiB (libtelnet's own cap:
 * the connection is closed), at most TN_NEG_MAX option negotiations and
 * subnegotiations and commands per TN_NEG_WINDOW_MS, at most TN_MAX_PENDING bytes of
 * telnet output waiting besides the outbox, lines that are not UTF-8 are
 * refused, and the outbox closes a client that does not read, like any
 * websocket (max-outbox).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "publisher/telnet-private.h"

static const telnet_telopt_t telopts[] = {
	{TELNET_TELOPT_NAWS, TELNET_WONT, TELNET_DO},        {TN_TELOPT_GMCP, TELNET_WILL, TELNET_DONT},
	{TELNET_TELOPT_COMPRESS2, TELNET_WILL, TELNET_DONT}, {TELNET_TELOPT_MSSP, TELNET_WILL, TELNET_DONT},
	{TN_TELOPT_CHARSET, TELNET_WILL, TELNET_DONT},       {-1, 0, 0},
};

static struct pub *
pub_of(struct lws *wsi)
{
	return lws_context_user(lws_get_context(wsi));
}

static void
tn_close(struct pub_conn *c, const char *why)
{
	log_info_ctx(c->logctx, "closing telnet connection: %s", why);
	pub_conn_close(c, PUB_CLOSE_BAD_REQUEST, why);
}

/* Sends out (compressed from `plain` on, with MCCP2), then empties it. */
static int
flush_out(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	struct wr_strbuf wire = WR_STRBUF_INIT;
	size_t plain = t->z ? t->plain : t->out.len;
	int r = 0;

	if (t->out.len == 0)
		return 0;
	wr_strbuf_append(&wire, "", 0);
	for (int i = 0; i < LWS_PRE; i++)
		wr_strbuf_append(&wire, "", 1);
	wr_strbuf_append(&wire, t->out.buf, plain);
	if (t->z && t->out.len > plain) {
		unsigned char chunk[4096];

		t->z->next_in = (unsigned char *) t->out.buf + plain;
		t->z->avail_in = (uInt) (t->out.len - plain);
		do {
			t->z->next_out = chunk;
			t->z->avail_out = sizeof(chunk);
			if (deflate(t->z, Z_SYNC_FLUSH) == Z_STREAM_ERROR) {
				log_bug_self("telnet: deflate failed");
				r = -1;
				break;
			}
			wr_strbuf_append(&wire, (const char *) chunk, sizeof(chunk) - t->z->avail_out);
		} while (t->z->avail_out == 0);
	}
	t->plain = 0;
	wr_strbuf_reset(&t->out);
	if (r == 0 && lws_write(c->wsi, (unsigned char *) wire.buf + LWS_PRE, wire.len - LWS_PRE, LWS_WRITE_RAW) < 0)
		r = -1;
	wr_strbuf_done(&wire);
	return r;
}

static int
tn_writeable(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	bool wrote = false;

	if (t->close_sent)
		return -1;
	if (c->state == PUB_CONN_CLOSING && t->overflow)
		return -1; /* it does not read: nothing more goes out */
	t->writing = true;
	for (int i = 0; i < PUB_WRITES_PER_CALLBACK && c->out_count > 0 && !c->close_now; i++) {
		struct pub_frame *f = pub_conn_pop(c);

		tn_render(c, f);
		pub_frame_unref(f);
		wrote = true;
	}
	if (c->state == PUB_CONN_CLOSING && (c->close_now || c->out_count == 0)) {
		tn_text(c, tn_goodbye(c), ANSI_ERROR);
		t->close_sent = true;
	} else if (wrote && t->printed && c->out_count == 0 && t->state == TN_PLAYING) {
		tn_prompt(c);
	}
	t->writing = false;
	if (flush_out(c) < 0) {
		log_info_ctx(c->logctx, "could not write to telnet client, closing");
		return -1;
	}
	if (t->close_sent) {
		/* Close once lws has sent what it may still buffer. */
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	pub_conn_wrote(c);
	return 0;
}

/* Login -------------------------------------------------------------------- */

static void
echo(struct pub_conn *c, bool off)
{
	struct pub_telnet_conn *t = c->telnet;

	if (t->echo_off == off)
		return;
	t->echo_off = off;
	telnet_negotiate(t->tn, off ? TELNET_WILL : TELNET_WONT, TELNET_TELOPT_ECHO);
}

/* A prompt, then IAC GA; echo off (true: WILL ECHO) hides what is typed. */
static void
ask(struct pub_conn *c, const char *prompt, bool hide)
{
	echo(c, hide);
	telnet_send(c->telnet->tn, prompt, strlen(prompt));
	telnet_iac(c->telnet->tn, TELNET_GA);
	c->telnet->prompt_open = true;
	lws_callback_on_writable(c->wsi);
}

/* The first prompt: a token, or with ingress-url an account name (shown as typed) or a token. */
static void
ask_token(struct pub_conn *c)
{
	if (c->pub->telnet->login)
		ask(c, "name (or token): ", false);
	else
		ask(c, "token: ", true);
}

/* The positions a dropped login of this token left, removed from the table; NULL if none. */
static struct tn_resume *
resume_take(struct pub_telnet *pt, const char *token, const char *character, int64_t resume_ms)
{
	struct tn_resume **pp = &pt->resumes, *found = NULL;
	int64_t now = wr_mono_ms();

	while (*pp) {
		struct tn_resume *r = *pp;

		if (now - r->at_ms > resume_ms ||
		    (!found && !strcmp(r->token, token) && !strcmp(r->character, character))) {
			*pp = r->next;
			pt->nresumes--;
			if (now - r->at_ms <= resume_ms) {
				found = r;
				continue;
			}
			free(r->token);
			free(r->character);
			free(r);
			continue;
		}
		pp = &r->next;
	}
	return found;
}

static void
resume_free(struct tn_resume *r)
{
	if (!r)
		return;
	free(r->token);
	free(r->character);
	free(r);
}

/* Keeps a dropped login's positions for telnet-resume-s. */
static void
resume_keep(struct pub_conn *c)
{
	struct pub_telnet *pt = c->pub->telnet;
	struct pub_telnet_conn *t = c->telnet;
	struct tn_resume *r;

	if (t->state != TN_PLAYING || t->taken_over || c->char_id <= 0 || !t->login_token ||
	    c->pub->cfg->telnet_resume_s == 0)
		return;
	resume_free(resume_take(pt, t->login_token, t->login_character ? t->login_character : "",
				c->pub->cfg->telnet_resume_s * 1000));
	if (pt->nresumes >= TN_RESUME_MAX) {
		/* The table is full: forget the oldest (the last in the list). */
		struct tn_resume **pp = &pt->resumes;

		while ((*pp)->next)
			pp = &(*pp)->next;
		resume_free(*pp);
		*pp = NULL;
		pt->nresumes--;
	}
	r = wr_xcalloc(1, sizeof(*r));
	r->token = wr_xstrdup(t->login_token);
	r->character = wr_xstrdup(t->login_character ? t->login_character : "");
	r->char_id = c->char_id;
	r->at_ms = wr_mono_ms();
	memcpy(r->pos, t->pos, sizeof(r->pos));
	r->next = pt->resumes;
	pt->resumes = r;
	pt->nresumes++;
	log_info_ctx(c->logctx, "telnet positions kept for %lld s", (long long) c->pub->cfg->telnet_resume_s);
}

/*
 * The same log-in still open on another connection (a client whose network
 * dropped before the server noticed, or a second window): this one takes
 * over, from what the other was last written, and the other is closed.
 */
static struct tn_resume *
take_over(struct pub_conn *c, const char *token, const char *character)
{
	for (struct pub_conn *o = c->pub->conns; o; o = o->conn_next) {
		struct pub_telnet_conn *ot = o->telnet;
		struct tn_resume *r;

		if (o == c || !ot || ot->state != TN_PLAYING || ot->taken_over || o->state == PUB_CONN_CLOSING ||
		    !ot->login_token || strcmp(ot->login_token, token) != 0 ||
		    strcmp(ot->login_character ? ot->login_character : "", character ? character : "") != 0)
			continue;
		r = wr_xcalloc(1, sizeof(*r));
		r->token = wr_xstrdup(token);
		r->character = wr_xstrdup(character ? character : "");
		r->char_id = o->char_id;
		memcpy(r->pos, ot->pos, sizeof(r->pos));
		/* Its positions go to this connection, not to the resume table when it closes. */
		ot->taken_over = true;
		log_info_ctx(o->logctx, "log-in taken over by conn=%llu", (unsigned long long) c->id);
		pub_conn_close(o, PUB_CLOSE_BAD_REQUEST, "You logged in from another connection: this one closes.");
		return r;
	}
	return NULL;
}

/*
 * Commands typed on the line take the websocket's path: a command frame
 * with a fresh id, handed to commands.c (which runs the command library:
 * parser, aliases, !, planner, wr_submit).  The only place telnet.c
 * reaches the command path.
 */
static void
run_command(struct pub_conn *c, const char *line)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *frame = json_object_new_object();
	char id[48];

	snprintf(id, sizeof(id), "t%s-%llu", t->cmd_prefix, (unsigned long long) ++t->cmd_n);
	json_object_object_add(frame, "type", json_object_new_string("command"));
	json_object_object_add(frame, "id", json_object_new_string(id));
	json_object_object_add(frame, "input", json_object_new_string(line));
	pub_commands_frame(c, frame);
	json_object_put(frame);
}

/*
 * Logs in with a token (and a character name when the account has
 * several).  key names the log-in for resume and take-over: the token
 * itself, or for an account log-in (whose session token is new each
 * time) "account:" and the account's name.  Both kinds end here, in
 * pub_hello.
 */
static void
login(struct pub_conn *c, const char *token, const char *character, const char *key)
{
	struct pub_telnet_conn *t = c->telnet;
	struct tn_resume *res;
	struct json_object *hello = json_object_new_object();
	struct wr_error err = {0};
	char *tok = wr_xstrdup(key); /* key may be t->login_token, replaced below */
	int r;

	res = take_over(c, tok, character);
	if (!res)
		res = resume_take(c->pub->telnet, tok, character ? character : "", c->pub->cfg->telnet_resume_s * 1000);
	t->resuming = res != NULL;
	if (res) {
		struct json_object *rs = json_object_new_object();

		for (int i = 0; i < PUB_MAX_SUBS; i++)
			if (res->pos[i].stream[0])
				json_object_object_add(rs, res->pos[i].stream, json_object_new_int64(res->pos[i].seq));
		json_object_object_add(hello, "resume", rs);
	}
	r = pub_hello(c, token, character, hello, &err);
	json_object_put(hello);
	if (r == 0 && res && res->char_id != c->char_id)
		t->resuming = false;
	resume_free(res);
	if (r == 0 || r == -EMLINK) {
		free(t->login_token);
		t->login_token = tok;
		tok = NULL;
	}
	if (r == -EMLINK) {
		t->state = TN_CHARACTER;
		echo(c, false);
		tn_puts(c, "This account has several characters.\ncharacter: ");
		telnet_iac(t->tn, TELNET_GA);
		t->prompt_open = true;
	} else if (r == -EACCES || r == -ENOENT) {
		log_info_ctx(c->logctx, "telnet login refused: %s", err.msg);
		if (++t->tries >= TN_LOGIN_TRIES) {
			tn_close(c, "Too many failed log-ins.");
		} else {
			t->state = TN_TOKEN;
			tn_text(c, err.msg, ANSI_ERROR);
			ask_token(c);
		}
	} else if (r == -EAGAIN) {
		pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, err.msg);
	} else if (r == 0) {
		t->login_character = wr_xstrdup(character ? character : "");
		t->state = TN_PLAYING;
		echo(c, false);
		tn_load_vitals(c);
		tn_gmcp_status(c);
		tn_gmcp_vitals(c);
		/* What a MUD shows on arrival: the room (and Room.Info). */
		run_command(c, "look");
		lws_callback_on_writable(c->wsi);
	}
	free(tok);
}

/* Account log-in (ingress-url, telnet-login.c) --------------------------- */

/* An account name as docs/accounts.md allows: letters and digits, at most 16 (a token is 64 hex digits). */
static bool
looks_like_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 16)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* A refused account log-in: one of TN_LOGIN_TRIES. */
static void
account_refused(struct pub_conn *c, const char *why)
{
	struct pub_telnet_conn *t = c->telnet;

	log_info_ctx(c->logctx, "telnet account log-in refused (%s): %s", t->account, why);
	t->account[0] = '\0';
	if (++t->tries >= TN_LOGIN_TRIES) {
		tn_close(c, "Too many failed log-ins.");
		return;
	}
	t->state = TN_TOKEN;
	tn_text(c, why, ANSI_ERROR);
	ask_token(c);
}

/* The password line: handed to the ingress, never kept. */
static void
check_password(struct pub_conn *c, const char *password)
{
	struct pub_telnet_conn *t = c->telnet;
	int r = tn_login_submit(c, t->account, password);

	if (r == -EBUSY) {
		tn_text(c, "Too many players are logging in at once: try again in a moment.", ANSI_ERROR);
		t->state = TN_TOKEN;
		ask_token(c);
		return;
	}
	t->state = TN_CHECKING;
	tn_puts(c, "Checking...\n");
}

/* The resume and take-over key of an account log-in: its name, any case. */
static void
account_key(const struct pub_telnet_conn *t, char *out, size_t size)
{
	size_t n = (size_t) snprintf(out, size, "account:%s", t->account);

	for (size_t i = 8; i < n && i < size; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char) (out[i] - 'A' + 'a');
}

static void
forget_secret(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

/* Renews the session a quarter of its life before it expires (LWS_CALLBACK_TIMER). */
static void
renew_later(struct pub_conn *c, int64_t seconds)
{
	lws_set_timer_usecs(c->wsi, (lws_usec_t) seconds * LWS_US_PER_SEC);
}

static void
play_account(struct pub_conn *c, const char *character)
{
	struct pub_telnet_conn *t = c->telnet;
	char key[40];
	char *session = t->session;

	account_key(t, key, sizeof(key));
	t->session = NULL;
	t->npicks = 0;
	t->state = TN_TOKEN;
	login(c, session, character, key);
	forget_secret(&session);
	if (t->state == TN_PLAYING && t->refresh)
		renew_later(c, t->session_ttl_s - t->session_ttl_s / 4);
	else
		forget_secret(&t->refresh);
}

static void
renew(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;

	if (!t || t->state != TN_PLAYING || !t->refresh || c->token_renewing || c->state == PUB_CONN_CLOSING)
		return;
	if (tn_login_refresh(c, t->refresh, c->char_name ? c->char_name : "") < 0) {
		renew_later(c, 5);
		return;
	}
	c->token_renewing = true;
}

void
tn_refresh_answer(struct pub_conn *c, int status, const char *body)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *o = status == 201 ? json_tokener_parse(body) : NULL, *tok, *ref, *exp;

	c->token_renewing = false;
	if (o && json_object_object_get_ex(o, "token", &tok) && json_object_is_type(tok, json_type_string) &&
	    json_object_object_get_ex(o, "refresh_token", &ref) && json_object_is_type(ref, json_type_string) &&
	    json_object_get_string_len(tok) > 0 && json_object_get_string_len(ref) > 0) {
		char hash[WR_TOKEN_HASH_LEN + 1];

		wr_token_hash(json_object_get_string(tok), hash);
		snprintf(c->token_hash, sizeof(c->token_hash), "%s", hash);
		forget_secret(&c->token);
		c->token = wr_xstrdup(json_object_get_string(tok));
		forget_secret(&t->refresh);
		t->refresh = wr_xstrdup(json_object_get_string(ref));
		if (json_object_object_get_ex(o, "expires_in", &exp) && json_object_get_int64(exp) >= 4)
			t->session_ttl_s = json_object_get_int64(exp);
		renew_later(c, t->session_ttl_s - t->session_ttl_s / 4);
		log_info_ctx(c->logctx, "telnet session renewed");
	} else if (status == 0 || status == 429 || status >= 500) {
		/* The ingress is away or busy: try again while the token lasts. */
		log_warning_ctx(c->logctx, "telnet session not renewed (HTTP %d): trying again in 10 s", status);
		renew_later(c, 10);
	} else {
		/* Refused (logged out, locked, the character deleted): the token's recheck closes the connection. */
		log_info_ctx(c->logctx, "telnet session not renewed (HTTP %d)", status);
		forget_secret(&t->refresh);
	}
	json_object_put(o);
}

static void
ask_pick(struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "Your characters:\n");
	for (int i = 0; i < t->npicks; i++)
		wr_strbuf_printf(&sb, "  %d. %s\n", i + 1, t->picks[i]);
	tn_puts(c, wr_strbuf_str(&sb));
	wr_strbuf_done(&sb);
	t->state = TN_PICK;
	ask(c, "character (number or name): ", false);
}

/* The answer at the character list: a number or a name. */
static void
pick(struct pub_conn *c, const char *line)
{
	struct pub_telnet_conn *t = c->telnet;
	char *end;
	long n = strtol(line, &end, 10);

	if (*line && !*end && n >= 1 && n <= t->npicks) {
		play_account(c, t->picks[n - 1]);
		return;
	}
	for (int i = 0; i < t->npicks; i++)
		if (!strcasecmp(line, t->picks[i])) {
			play_account(c, t->picks[i]);
			return;
		}
	if (*line)
		tn_text(c, "No such character: type its number or its name.", ANSI_ERROR);
	ask(c, "character (number or name): ", false);
}

void
tn_login_answer(struct pub_conn *c, int status, int retry_after, const char *body)
{
	struct pub_telnet_conn *t = c->telnet;
	struct json_object *o = status ? json_tokener_parse(body) : NULL, *v, *chars;
	const char *token = NULL;
	char msg[160];

	if (t->state != TN_CHECKING)
		goto out;
	if (status == 201 && json_object_object_get_ex(o, "token", &v) && json_object_is_type(v, json_type_string))
		token = json_object_get_string(v);
	if (status == 201 && token && *token) {
		size_t n = 0;

		log_info_ctx(c->logctx, "telnet account log-in: %s", t->account);
		t->npicks = 0;
		if (json_object_object_get_ex(o, "characters", &chars) && json_object_is_type(chars, json_type_array))
			n = json_object_array_length(chars);
		for (size_t i = 0; i < n && t->npicks < TN_MAX_PICKS; i++) {
			struct json_object *ch = json_object_array_get_idx(chars, i), *nm;

			if (json_object_object_get_ex(ch, "name", &nm) && json_object_is_type(nm, json_type_string))
				snprintf(t->picks[t->npicks++], sizeof(t->picks[0]), "%s", json_object_get_string(nm));
		}
		free(t->session);
		t->session = wr_xstrdup(token);
		forget_secret(&t->refresh);
		if (json_object_object_get_ex(o, "refresh_token", &v) && json_object_is_type(v, json_type_string))
			t->refresh = wr_xstrdup(json_object_get_string(v));
		t->session_ttl_s = 900;
		if (json_object_object_get_ex(o, "expires_in", &v) && json_object_get_int64(v) >= 4)
			t->session_ttl_s = json_object_get_int64(v);
		if (t->npicks == 0) {
			tn_close(c,
				 "This account has no characters yet: create one in the web client "
				 "(or with POST /v1/characters), then log in again.");
		} else if (t->npicks == 1) {
			play_account(c, t->picks[0]);
		} else {
			ask_pick(c);
		}
	} else if (status == 401) {
		account_refused(c, "Wrong name or password.");
	} else if (status == 403) {
		log_info_ctx(c->logctx, "telnet account log-in refused (%s): locked", t->account);
		tn_close(c, "This account is locked.");
	} else if (status == 429) {
		if (retry_after > 0)
			snprintf(msg, sizeof(msg), "Too many log-in attempts: try again in %d seconds.", retry_after);
		else
			snprintf(msg, sizeof(msg), "Too many log-in attempts: try again later.");
		log_info_ctx(c->logctx, "telnet account log-in refused (%s): rate limited", t->account);
		tn_close(c, msg);
	} else if (status >= 400 && status < 500) {
		/* A name or password the ingress refuses as such (bad_name, password_too_long): its message. */
		struct json_object *e, *m;

		if (json_object_object_get_ex(o, "error", &e) && json_object_object_get_ex(e, "message", &m) &&
		    json_object_is_type(m, json_type_string))
			snprintf(msg, sizeof(msg), "Refused: %.140s.", json_object_get_string(m));
		else
			snprintf(msg, sizeof(msg), "Refused (HTTP %d).", status);
		account_refused(c, msg);
	} else {
		log_warning_ctx(c->logctx, "telnet account log-in: the ingress answered %d", status);
		pub_conn_close(c, PUB_CLOSE_TRY_AGAIN, "Logging in is not possible right now: try again later.");
	}
out:
	json_object_put(o);
	lws_callback_on_writable(c->wsi);
}

/* Local commands: the connection's own settings, never sent to the game. */
static bool
local_command(struct pub_conn *c, const char *line)
{
	struct pub_telnet_conn *t = c->telnet;

	if (!strcmp(line, "colour off") || !strcmp(line, "color off")) {
		t->colour = false;
		tn_puts(c, "Colour is off.\n");
	} else if (!strcmp(line, "colour on") || !strcmp(line, "color on")) {
		t->colour = true;
		tn_puts(c, ANSI_SYSTEM "Colour is on." ANSI_RESET "\n");
	} else if (!strcmp(line, "quit")) {
		/* Playing: the game's quit (the room sees the character leave); its
		 * CharacterQuit closes the connection (telnet-render.c).  Refused
		 * (in a fight), the connection stays. */
		if (t->state == TN_PLAYING) {
			run_command(c, "quit");
			return true;
		}
		pub_conn_close(c, LWS_CLOSE_STATUS_NORMAL, "Goodbye.");
		return true;
	} else {
		return false;
	}
	tn_prompt(c);
	return true;
}

static bool
utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char b = s[i];
		size_t len;
		uint32_t cp;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xC2 && b <= 0xDF) {
			len = 2;
			cp = b & 0x1F;
		} else if (b >= 0xE0 && b <= 0xEF) {
			len = 3;
			cp = b & 0x0F;
		} else if (b >= 0xF0 && b <= 0xF4) {
			len = 4;
			cp = b & 0x07;
		} else {
			return false;
		}
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

/* One complete line from the client (without its line end). */
static void
on_line(struct pub_conn *c, char *line, size_t len)
{
	struct pub_telnet_conn *t = c->telnet;
	size_t n = 0;

	/* With echo off the client did not show the line end either. */
	if (t->echo_off)
		telnet_send(t->tn, "\r\n", 2);
	t->prompt_open = false;
	if (!utf8_valid((const unsigned char *) line, len)) {
		tn_text(c, "That line was not valid UTF-8 text: ignored.", ANSI_ERROR);
		if (t->state == TN_PLAYING)
			tn_prompt(c);
		lws_callback_on_writable(c->wsi);
		return;
	}
	/* Control characters (a stray NUL, a tab, a bell) say nothing: drop them, trim the ends. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) line[i] >= 0x20 && line[i] != 0x7f)
			line[n++] = line[i];
	line[n] = '\0';
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	line += strspn(line, " ");
	switch (t->state) {
	case TN_TOKEN:
		if (!*line) {
			ask_token(c);
			return;
		}
		if (c->pub->telnet->login && looks_like_name(line)) {
			snprintf(t->account, sizeof(t->account), "%s", line);
			ask(c, "password: ", true);
			t->state = TN_PASSWORD;
		} else {
			login(c, line, NULL, line);
		}
		break;
	case TN_CHARACTER:
		if (*line)
			login(c, t->login_token, line, t->login_token);
		break;
	case TN_PASSWORD:
		if (!*line) {
			ask(c, "password: ", true);
			return;
		}
		check_password(c, line);
		break;
	case TN_CHECKING:
		/* The ingress is checking the password: typing ahead says nothing. */
		break;
	case TN_PICK:
		pick(c, line);
		break;
	case TN_PLAYING:
		if (!*line) {
			tn_prompt(c);
			lws_callback_on_writable(c->wsi);
		} else if (!local_command(c, line)) {
			run_command(c, line);
		}
		break;
	}
}

static void
on_data(struct pub_conn *c, const char *buf, size_t size)
{
	struct pub_telnet_conn *t = c->telnet;

	for (size_t i = 0; i < size && c->state != PUB_CONN_CLOSING; i++) {
		char ch = buf[i];

		if ((ch == '\n' || ch == '\0') && t->last_cr) {
			t->last_cr = false;
			continue;
		}
		t->last_cr = ch == '\r';
		if (ch == '\r' || ch == '\n') {
			if (t->discarding) {
				char msg[96];

				snprintf(msg, sizeof(msg), "That line was longer than %d bytes: discarded.",
					 TN_MAX_LINE);
				tn_text(c, msg, ANSI_ERROR);
				if (t->state == TN_PLAYING)
					tn_prompt(c);
				lws_callback_on_writable(c->wsi);
			} else {
				wr_strbuf_append(&t->line, "", 0);
				on_line(c, t->line.buf, t->line.len);
				/* It may have been a password: leave no copy in the buffer. */
				if (c->telnet && t->line.buf)
					explicit_bzero(t->line.buf, t->line.len);
			}
			t->discarding = false;
			wr_strbuf_reset(&t->line);
			continue;
		}
		if (t->discarding)
			continue;
		if (t->line.len >= TN_MAX_LINE) {
			t->discarding = true;
			wr_strbuf_done(&t->line);
			continue;
		}
		wr_strbuf_append(&t->line, &ch, 1);
	}
}

/* Options ------------------------------------------------------------------ */

/*
 * Counts the IAC bytes of what the client sent: every negotiation,
 * subnegotiation and command starts with one, whether libtelnet reports it
 * or answers it by itself (a DO for an option we do not have).  True when
 * the client is over its budget, and is being closed.
 */
static bool
neg_budget(struct pub_conn *c, const char *in, size_t len)
{
	struct pub_telnet_conn *t = c->telnet;
	int64_t now = wr_mono_ms();
	const char *p = in, *end = in + len;

	if (now - t->neg_window_ms > TN_NEG_WINDOW_MS) {
		t->neg_window_ms = now;
		t->neg_count = 0;
	}
	while ((p = memchr(p, (char) TELNET_IAC, (size_t) (end - p))) != NULL) {
		t->neg_count++;
		p++;
	}
	if (t->neg_count <= TN_NEG_MAX)
		return false;
	tn_close(c, "Too many telnet option negotiations.");
	return true;
}

static void
mssp(struct pub_conn *c)
{
	struct pub *p = c->pub;
	struct wr_strbuf sb = WR_STRBUF_INIT;
	int64_t players = 0;
	char num[24];
	const char *vars[][2] = {
		{"NAME", p->cfg->telnet_name},
		{"PLAYERS", NULL},
		{"UPTIME", NULL},
		{"CODEBASE", "Written Realms engine"},
		{"CRAWL DELAY", "-1"},
		{"ANSI", "1"},
		{"GMCP", "1"},
		{"MCCP", "1"},
		{"UTF-8", "1"},
	};

	for (struct pub_conn *o = p->conns; o; o = o->conn_next)
		if (o->char_id > 0)
			players++;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *val = vars[i][1];

		if (!strcmp(vars[i][0], "PLAYERS")) {
			snprintf(num, sizeof(num), "%lld", (long long) players);
			val = num;
		} else if (!strcmp(vars[i][0], "UPTIME")) {
			snprintf(num, sizeof(num), "%lld", (long long) p->telnet->started_s);
			val = num;
		}
		wr_strbuf_printf(&sb, "%c%s%c%s", TELNET_MSSP_VAR, vars[i][0], TELNET_MSSP_VAL, val);
	}
	telnet_subnegotiation(c->telnet->tn, TELNET_TELOPT_MSSP, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

static void
start_mccp2(struct pub_conn *c)
{
	static const char marker[] = {(char) TELNET_IAC, (char) TELNET_SB, (char) TELNET_TELOPT_COMPRESS2,
				      (char) TELNET_IAC, (char) TELNET_SE};
	struct pub_telnet_conn *t = c->telnet;

	if (t->z)
		return;
	t->z = wr_xcalloc(1, sizeof(*t->z));
	if (deflateInit2(t->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, TN_ZLIB_WINDOW, TN_ZLIB_MEMLEVEL,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(t->z);
		t->z = NULL;
		return;
	}
	/* Straight into out, not through libtelnet: the marker itself is not compressed. */
	wr_strbuf_append(&t->out, marker, sizeof(marker));
	t->plain = t->out.len;
	log_debug_ctx(c->logctx, "MCCP2 on");
}

static void
gmcp_in(struct pub_conn *c, const char *buf, size_t size)
{
	struct pub_telnet_conn *t = c->telnet;
	struct wr_error err = {0};
	struct json_object *obj = NULL;
	size_t sp = 0;
	char pkg[48];

	while (sp < size && buf[sp] != ' ')
		sp++;
	if (sp >= sizeof(pkg))
		return;
	memcpy(pkg, buf, sp);
	pkg[sp] = '\0';
	if (sp < size && wr_json_parse(buf + sp + 1, size - sp - 1, 8, &obj, &err) < 0)
		obj = NULL;
	if (!strcasecmp(pkg, "Core.Hello") && obj && wr_json_member(obj, "client", json_type_string)) {
		snprintf(t->client, sizeof(t->client), "%s",
			 json_object_get_string(wr_json_member(obj, "client", json_type_string)));
		log_info_ctx(c->logctx, "client %s", t->client);
	} else if (!strcasecmp(pkg, "Core.Supports.Set") || !strcasecmp(pkg, "Core.Supports.Add")) {
		size_t n = obj && json_object_is_type(obj, json_type_array) ? json_object_array_length(obj) : 0;

		if (!strcasecmp(pkg, "Core.Supports.Set"))
			memset(t->supports, 0, sizeof(t->supports));
		t->supports_given = true;
		for (size_t i = 0; i < n; i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(obj, i));
			int slot = 0;

			while (slot < TN_MAX_SUPPORTS && t->supports[slot][0])
				slot++;
			if (!s || slot == TN_MAX_SUPPORTS)
				continue;
			/* "Char.Items 1": the package, without its version. */
			snprintf(t->supports[slot], sizeof(t->supports[slot]), "%.*s", (int) strcspn(s, " "), s);
		}
	} else if (!strcasecmp(pkg, "Core.Ping")) {
		tn_gmcp(c, "Core.Ping", NULL);
		lws_callback_on_writable(c->wsi);
	}
	if (obj)
		json_object_put(obj);
}

static void
subnegotiation(struct pub_conn *c, unsigned char telopt, const char *buf, size_t size)
{
	struct pub_telnet_conn *t = c->telnet;

	if (telopt == TELNET_TELOPT_NAWS && size == 4) {
		int w = ((unsigned char) buf[0] << 8) | (unsigned char) buf[1];

		if (w > 0)
			t->width = w < 20 ? 20 : w > 250 ? 250 : w;
	} else if (telopt == TN_TELOPT_GMCP) {
		gmcp_in(c, buf, size);
	} else if (telopt == TN_TELOPT_CHARSET && size >= 1) {
		log_debug_ctx(c->logctx, "CHARSET %s", buf[0] == TN_CHARSET_ACCEPTED ? "accepted" : "rejected");
	}
}

static void
telnet_event(telnet_t *tn, telnet_event_t *ev, void *userdata)
{
	struct pub_conn *c = userdata;
	struct pub_telnet_conn *t = c->telnet;

	(void) tn;
	switch (ev->type) {
	case TELNET_EV_DATA:
		on_data(c, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_SEND:
		if (t->overflow)
			break;
		if (!t->writing && t->out.len + ev->data.size > TN_MAX_PENDING) {
			/* Output piles up while it does not read (a flood of negotiations, say). */
			t->overflow = true;
			log_info_ctx(c->logctx, "over %d bytes of telnet output waiting, closing", TN_MAX_PENDING);
			pub_conn_close(c, PUB_CLOSE_SLOW, "too much output waiting");
			break;
		}
		wr_strbuf_append(&t->out, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_DO:
	case TELNET_EV_DONT:
	case TELNET_EV_WILL:
	case TELNET_EV_WONT:
		if (ev->type == TELNET_EV_DO && ev->neg.telopt == TN_TELOPT_GMCP)
			t->gmcp = true;
		else if (ev->type == TELNET_EV_DONT && ev->neg.telopt == TN_TELOPT_GMCP)
			t->gmcp = false;
		else if (ev->type == TELNET_EV_DO && ev->neg.telopt == TELNET_TELOPT_COMPRESS2)
			start_mccp2(c);
		else if (ev->type == TELNET_EV_DO && ev->neg.telopt == TELNET_TELOPT_MSSP)
			mssp(c);
		else if (ev->type == TELNET_EV_DO && ev->neg.telopt == TN_TELOPT_CHARSET)
			telnet_subnegotiation(t->tn, TN_TELOPT_CHARSET, "\x01;UTF-8", 7);
		lws_callback_on_writable(c->wsi);
		break;
	case TELNET_EV_SUBNEGOTIATION:
		subnegotiation(c, ev->sub.telopt, ev->sub.buffer, ev->sub.size);
		break;
	case TELNET_EV_COMPRESS:
		/*
		 * The client sent IAC SB COMPRESS2 IAC SE: libtelnet would inflate
		 * what follows, and a small deflated input can expand enormously.
		 * MCCP2 compresses what the server sends, never what it reads.
		 */
		if (ev->compress.state && c->state != PUB_CONN_CLOSING)
			tn_close(c, "Compressed input is not supported.");
		break;
	case TELNET_EV_WARNING:
		log_info_ctx(c->logctx, "telnet: %s", ev->error.msg);
		/* Debian's libtelnet 0.21 leaves errcode 0 here: the message says it. */
		if ((ev->error.errcode == TELNET_EOVERFLOW || strstr(ev->error.msg, "buffer size limit")) &&
		    c->state != PUB_CONN_CLOSING)
			tn_close(c, "A telnet subnegotiation was over 16 KiB.");
		break;
	case TELNET_EV_ERROR:
		log_info_ctx(c->logctx, "telnet: %s", ev->error.msg);
		if (c->state != PUB_CONN_CLOSING)
			tn_close(c, "Telnet protocol error.");
		break;
	default:
		break;
	}
}

/* Connections -------------------------------------------------------------- */

static int
tn_adopt(struct pub *p, struct pub_conn *c, struct lws *wsi)
{
	struct pub_telnet_conn *t;
	char banner[256];

	if (p->nconns >= p->cfg->max_connections) {
		log_warning("refusing a telnet connection: %lld connections already", (long long) p->nconns);
		return -1;
	}
	pub_conn_established(p, c, wsi);
	t = wr_xcalloc(1, sizeof(*t));
	c->telnet = t;
	snprintf(c->logctx, sizeof(c->logctx), "conn=%llu telnet", (unsigned long long) c->id);
	t->width = TN_DEFAULT_WIDTH;
	t->colour = true;
	t->neg_window_ms = wr_mono_ms();
	if (wr_random_hex(t->cmd_prefix, 8) < 0)
		snprintf(t->cmd_prefix, sizeof(t->cmd_prefix), "%llx%llx", (unsigned long long) wr_now_ms(),
			 (unsigned long long) c->id);
	t->tn = telnet_init(telopts, telnet_event, 0, c);
	if (!t->tn)
		return -1;
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, TN_LOGIN_TIMEOUT_S);
	telnet_negotiate(t->tn, TELNET_WILL, TN_TELOPT_GMCP);
	telnet_negotiate(t->tn, TELNET_WILL, TELNET_TELOPT_COMPRESS2);
	telnet_negotiate(t->tn, TELNET_WILL, TELNET_TELOPT_MSSP);
	telnet_negotiate(t->tn, TELNET_WILL, TN_TELOPT_CHARSET);
	telnet_negotiate(t->tn, TELNET_DO, TELNET_TELOPT_NAWS);
	snprintf(banner, sizeof(banner), "%s\nA Written Realms world. Log in with your %s.\n", p->cfg->telnet_name,
		 p->telnet->login ? "account name and password (or an access token)" : "access token");
	tn_send_text(c, banner, strlen(banner));
	ask_token(c);
	return 0;
}

static void
tn_closed(struct pub *p, struct pub_conn *c)
{
	struct pub_telnet_conn *t = c->telnet;

	if (!t || !c->live)
		return;
	resume_keep(c);
	pub_conn_closed(p, c);
	if (t->tn)
		telnet_free(t->tn);
	if (t->z) {
		deflateEnd(t->z);
		free(t->z);
	}
	wr_strbuf_done(&t->line);
	wr_strbuf_done(&t->out);
	free(t->login_token);
	free(t->login_character);
	forget_secret(&t->session);
	forget_secret(&t->refresh);
	free(t);
	c->telnet = NULL;
}

static int
telnet_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in, size_t len)
{
	struct pub_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_RAW_ADOPT:
		return c ? tn_adopt(pub_of(wsi), c, wsi) : -1;
	case LWS_CALLBACK_RAW_RX:
		if (!c || !c->live || !c->telnet)
			return -1;
		if (c->state != PUB_CONN_CLOSING && !neg_budget(c, in, len))
			telnet_recv(c->telnet->tn, in, len);
		if (c->telnet->out.len > 0)
			lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_RAW_WRITEABLE:
		return c && c->live && c->telnet ? tn_writeable(c) : -1;
	case LWS_CALLBACK_RAW_CLOSE:
		if (c)
			tn_closed(pub_of(wsi), c);
		return 0;
	case LWS_CALLBACK_TIMER:
		if (c && c->live && c->telnet)
			renew(c);
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols telnet_protocols[] = {
	{"wr-telnet", telnet_callback, sizeof(struct pub_conn), PUB_RX_BUFFER, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

int
telnet_start(struct pub *p, struct wr_error *reterr)
{
	struct lws_context_creation_info info = {0};
	const char *iface = p->cfg->listen;
	struct pub_telnet *pt = wr_xcalloc(1, sizeof(*pt));
	int r;

	if (!*iface || !strcmp(iface, "*") || !strcmp(iface, "0.0.0.0") || !strcmp(iface, "::"))
		iface = NULL;
	info.options = LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG;
	if (!strchr(p->cfg->listen, ':'))
		info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
	info.port = (int) p->cfg->telnet_port;
	info.iface = iface;
	info.protocols = telnet_protocols;
	info.vhost_name = "wr-telnet";
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = "wr-telnet";
	pt->started_s = wr_now_ms() / 1000;
	p->telnet = pt;
	pt->vhost = lws_create_vhost(p->ctx, &info);
	if (!pt->vhost)
		return wr_error_set(reterr, -EADDRINUSE, "bad_config", "could not listen for telnet on %s port %lld",
				    p->cfg->listen, (long long) p->cfg->telnet_port);
	pt->port = lws_get_vhost_listen_port(pt->vhost);
	if (*p->cfg->telnet_port_file) {
		r = wr_write_port_file(p->cfg->telnet_port_file, pt->port);
		if (r < 0)
			return wr_error_set(reterr, r, "bad_config", "could not write telnet port file \"%s\": %s",
					    p->cfg->telnet_port_file, strerror(-r));
	}
	log_notice("telnet on %s port %d", p->cfg->listen, pt->port);
	return tn_login_start(p, reterr);
}

int
telnet_port(const struct pub *p)
{
	return p->telnet ? p->telnet->port : -1;
}

void
telnet_done(struct pub *p)
{
	struct pub_telnet *pt = p->telnet;

	if (!pt)
		return;
	tn_login_stop(p);
	while (pt->resumes) {
		struct tn_resume *r = pt->resumes;

		pt->resumes = r->next;
		resume_free(r);
	}
	for (size_t b = 0; b < TN_ROOM_BUCKETS; b++)
		while (pt->rooms[b]) {
			struct tn_room *x = pt->rooms[b];

			pt->rooms[b] = x->next;
			free(x);
		}
	free(pt);
	p->telnet = NULL;
}
