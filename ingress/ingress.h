/* SPDX-License-Identifier: MIT */
/*
 * ingress.h: what the files of wr-ingress share (private to ingress/).
 *
 * http.c runs libmicrohttpd with an internal thread pool and calls into
 * the command path (command/command.h: POST /v1/commands and mailbox
 * actions, the rate limiter, the connection pool), events.c (stream and
 * mailbox reads), metrics.c and store_events.c (the SQL of reads, on the
 * command path's pool).  longpoll.c owns one listener thread that resumes
 * suspended long-poll requests.  Handlers run on several threads at
 * once: everything declared here is thread-safe unless its comment says
 * otherwise.
 */
#ifndef WR_INGRESS_INGRESS_H
#define WR_INGRESS_INGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "command/command.h"
#include "command/ratelimit.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "planner/planner.h"

struct ingress_config {
	char *database_url; /* from malloc() */
	char *listen;       /* from malloc() */
	int64_t port;
	char *port_file; /* from malloc(), "" or NULL when unset */
	int64_t threads;
	int64_t max_body;
	int64_t max_batch;
	int64_t group_commit;          /* issue 16: cmd_store_group_commit()'s max_elements */
	int64_t group_commit_leaders;  /* ... its leaders */
	int64_t group_commit_wait_ms;  /* ... its wait_ms */
	int64_t rate;                  /* requests per second per token; 0: no limit */
	int64_t burst;                 /* bucket size */
	int64_t max_waiters;           /* long-polls suspended at once */
	int64_t max_waiters_per_token; /* of them, for one bearer token */
	int64_t max_mailboxes;         /* per account */
	bool metrics_public;           /* /metrics without an admin token */
	char *metrics_listen;          /* from malloc(): "" or NULL: no metrics-only listener */
	int64_t metrics_port;          /* its port; 0 picks a free one */
	char *metrics_port_file;       /* from malloc(), "" or NULL when unset */
	char *web_root;                /* from malloc(); "" or NULL: web/ of WR_HOME or the source tree */
	char *ws_url;                  /* from malloc(): the websocket the web client is sent to */
	bool demo;                     /* /v1/demo/...: anyone may get a player token */
	/* issue 15, findings 2 and 3 (guard.c) */
	int64_t auth_fail_rate;     /* failed token checks per second per client address */
	int64_t auth_fail_burst;    /* ... at once */
	char *trusted_proxies;      /* from malloc(): numeric addresses whose X-Forwarded-For is believed */
	int64_t request_timeout;    /* seconds from accept (or the last answer) to a whole request; 0: none */
	int64_t per_ip_connections; /* connections at once from one peer address; 0: no limit */
	/* accounts.c (issue 17) */
	char *account_rules; /* from malloc(): content/accounts/rules.json when "" */
	int64_t session_ttl, refresh_ttl;
	int64_t signup_attempts, signup_window, login_attempts, login_failures, login_window;
	int64_t hashers;
	char *password_limits; /* from malloc(): "interactive" or "minimum" (tests) */
	int64_t demo_ttl;      /* seconds a demo token lives */
	char *tls_cert;        /* from malloc(): PEM certificate (chain) file; "" = plain HTTP */
	char *tls_key;         /* from malloc(): PEM private key file; set with tls_cert or not at all */
};

/* Longest stream name accepted in a URL ("room:12"). */
#define INGRESS_MAX_STREAM 64
/* A mailbox id: 16 random bytes in hex. */
#define INGRESS_MAILBOX_ID_LEN 32
/* Most events one read returns, and the default. */
#define INGRESS_MAX_EVENTS 1000
#define INGRESS_DEFAULT_EVENTS 100
/* Longest long-poll, in seconds. */
#define INGRESS_MAX_WAIT_S 30

/* ---- store_events.c: the SQL of reads, on the command path's pool (command/store.h) ---- */

/* One event row as the publisher frames it (docs/protocol.md). */
struct ingress_event {
	const char *stream; /* borrowed from the result, like every string here */
	int64_t seq;
	int64_t event_id;
	const char *type;
	const char *actor;   /* NULL when the event has no actor */
	const char *payload; /* JSON text */
	size_t payload_len;
};

/* Rows of a read; the strings live until ingress_events_done(). */
struct ingress_events {
	struct ingress_event *ev; /* from malloc() */
	size_t n;
	void *res; /* the PGresult they point into */
};

void
ingress_events_done(struct ingress_events *evs);

/* What a read learnt about the token. */
enum ingress_access {
	INGRESS_ACCESS_OK,
	INGRESS_ACCESS_BAD_TOKEN, /* 401 */
	INGRESS_ACCESS_FORBIDDEN, /* 403 */
	INGRESS_ACCESS_NOT_FOUND, /* 404: no such mailbox, or another account's */
};

/*
 * Token check, wr_may_read() and up to limit events of stream with
 * seq > after, in seq order: one round trip.  ret_evs is filled only when
 * *ret_access is INGRESS_ACCESS_OK.
 */
int
ingress_store_stream_read(struct cmd_conn *c, const char *token, const char *stream, int64_t after, int limit,
			  enum ingress_access *ret_access, struct ingress_events *ret_evs,
			  struct wr_error *reterr) WR_MUSTCHECK;

/*
 * wr_mailbox_open() for the character; writes a fresh random id into
 * ret_id (INGRESS_MAILBOX_ID_LEN + 1 bytes).  *ret_status is the
 * function's answer: "created", "unauthorized", "forbidden",
 * "unknown_actor" or "limit" (a literal, not to be freed).
 */
int
ingress_store_mailbox_open(struct cmd_conn *c, const char *token, int64_t char_id, int64_t max, char *ret_id,
			   const char **ret_status, struct wr_error *reterr) WR_MUSTCHECK;

/* Where a mailbox stands after a read. */
struct ingress_mailbox {
	int64_t char_id;
	int64_t room_id;
	int64_t instance_id;
};

/*
 * One transaction, one round trip: the token, wr_mailbox_read() (returns
 * and acknowledges up to limit events, locking the mailbox row) and the
 * mailbox's state afterwards.  ret_evs is filled only when *ret_access is
 * INGRESS_ACCESS_OK.  Never retried: an acknowledgement must not be sent
 * twice without the client seeing the first answer.
 */
int
ingress_store_mailbox_read(struct cmd_conn *c, const char *token, const char *id, int limit,
			   enum ingress_access *ret_access, struct ingress_mailbox *ret_mb,
			   struct ingress_events *ret_evs, struct wr_error *reterr) WR_MUSTCHECK;

/* The token and the mailbox (no lock, no acknowledgement): for actions. */
int
ingress_store_mailbox_get(struct cmd_conn *c, const char *token, const char *id, enum ingress_access *ret_access,
			  struct ingress_mailbox *ret_mb, struct wr_error *reterr) WR_MUSTCHECK;

/* Deletes the mailbox if the token's account owns it and may act for its character. */
int
ingress_store_mailbox_delete(struct cmd_conn *c, const char *token, const char *id, enum ingress_access *ret_access,
			     struct wr_error *reterr) WR_MUSTCHECK;

/* The token's kind (for /metrics); ret_tok->found false for a bad token. */
int
ingress_store_token(struct cmd_conn *c, const char *token, struct cmd_token *ret_tok,
		    struct wr_error *reterr) WR_MUSTCHECK;

/* Rows in action_queue and dead_actions, counted now. */
int
ingress_store_queue_depth(struct cmd_conn *c, int64_t *ret_queued, int64_t *ret_dead,
			  struct wr_error *reterr) WR_MUSTCHECK;

/*
 * The long-poll listener's own connection (not from the pool): connects and
 * LISTENs on wr_events.  ingress_listener_notifies() consumes input and
 * calls cb once per notification with its payload (the comma-separated
 * streams a commit touched, or "" for "maybe any").  Used by the listener
 * thread only.
 */
struct ingress_listener;

struct ingress_listener *
ingress_listener_open(const char *conninfo, struct wr_error *reterr);
struct ingress_listener *
ingress_listener_close(struct ingress_listener *l);
int
ingress_listener_socket(const struct ingress_listener *l);
int
ingress_listener_notifies(struct ingress_listener *l, void (*cb)(const char *payload, void *userdata), void *userdata,
			  struct wr_error *reterr) WR_MUSTCHECK;

/* ---- events.c: reading streams and mailboxes ------------------------------------ */

/* Appends one event object, the shape of the publisher's event frame. */
void
ingress_event_json(struct wr_strbuf *out, const struct ingress_event *ev);

/* A read that may wait: what to wait for when it returns 0. */
struct ingress_wait_on {
	char streams[3][INGRESS_MAX_STREAM + 1]; /* a mailbox: char, room, instance */
	size_t n;
};

/*
 * GET /v1/streams/<stream>/events.  Returns the HTTP status with the body
 * in out; or 0 when there is nothing to return and may_wait is true, with
 * the streams to wait for in ret_wait.
 */
unsigned int
ingress_events_stream(struct cmd_store *st, const char *token, const char *stream, int64_t after, int limit,
		      bool may_wait, struct ingress_wait_on *ret_wait, struct wr_strbuf *out);

/* GET /v1/mailbox/<id>/messages, the same way. */
unsigned int
ingress_events_mailbox(struct cmd_store *st, const char *token, const char *id, int limit, bool may_wait,
		       struct ingress_wait_on *ret_wait, struct wr_strbuf *out);

/* POST /v1/mailboxes: body {"actor": ..} (or no body: the default character). */
unsigned int
ingress_mailbox_create(struct cmd_store *st, const char *token, const char *body, size_t len, int64_t max_mailboxes,
		       struct wr_strbuf *out);

/* DELETE /v1/mailbox/<id>. */
unsigned int
ingress_mailbox_delete(struct cmd_store *st, const char *token, const char *id, struct wr_strbuf *out);

/* The mailbox's character for POST /v1/mailbox/<id>/actions: 0 with
 * *ret_char set, or the HTTP status of the error written to out. */
unsigned int
ingress_mailbox_actor(struct cmd_store *st, const char *token, const char *id, int64_t *ret_char,
		      struct wr_strbuf *out);

/* ---- metrics.c: counters for /metrics ---------------------------------------------- */

enum ingress_route {
	INGRESS_ROUTE_NONE,
	INGRESS_ROUTE_HEALTHZ,
	INGRESS_ROUTE_METRICS,
	INGRESS_ROUTE_COMMANDS,
	INGRESS_ROUTE_STREAM_EVENTS,
	INGRESS_ROUTE_MAILBOXES,
	INGRESS_ROUTE_MAILBOX,
	INGRESS_ROUTE_MAILBOX_MESSAGES,
	INGRESS_ROUTE_MAILBOX_ACTIONS,
	INGRESS_ROUTE_WEB_CONFIG,
	INGRESS_ROUTE_DEMO_CHARACTERS,
	INGRESS_ROUTE_DEMO_TOKENS,
	INGRESS_ROUTE_STATIC,
	/* accounts.c (issue 17) */
	INGRESS_ROUTE_ACCOUNTS,
	INGRESS_ROUTE_ACCOUNT_PASSWORD,
	INGRESS_ROUTE_SESSIONS,
	INGRESS_ROUTE_SESSIONS_REFRESH,
	INGRESS_ROUTE_CHARACTERS,
	INGRESS_ROUTE_CHARACTER,
	INGRESS_ROUTE_HISTORY, /* issue 17 */
	INGRESS_ROUTE_MOBS,    /* issue 13: GET /v1/mobs */
	_INGRESS_ROUTE_MAX,
};

/* One answered request (status 0: none was sent) and how long it took. */
void
ingress_metrics_request(enum ingress_route r, unsigned int status, int64_t usec);
/* One command queued (not replayed), by verb. */
void
ingress_metrics_command(enum game_verb verb);
/* What the command path counts, wired to the counters above (for cmd_store_new()). */
extern const struct cmd_metrics ingress_command_metrics;
/* One request refused by the rate limiter. */
void
ingress_metrics_rate_limited(void);

/* Gauges read at scrape time; a negative depth means "could not read". */
struct ingress_gauges {
	int64_t queued;
	int64_t dead;
	int64_t waiters;
	bool database_up;
};

/* Appends the Prometheus text exposition of every metric. */
void
ingress_metrics_render(struct wr_strbuf *out, const struct ingress_gauges *g);

/* ---- web.c: the web client's files and the demo login ------------------------------------ */

/* Longest file name served from web-root. */
#define INGRESS_WEB_MAX_NAME 64
/* A demo token: 32 random bytes in hex, as wrctl issues them. */
#define INGRESS_DEMO_TOKEN_LEN 64

struct ingress_web;

/* An open file of the web client: serve size bytes of fd, then close it. */
struct ingress_web_file {
	int fd; /* -1 when none */
	uint64_t size;
	const char *content_type; /* a literal */
};

/*
 * Opens web-root (root "" or NULL: web/ of $WR_HOME, else of the source
 * tree).  A root that was named and cannot be opened is an error; the
 * default one missing only turns the files off (logged).  Strings are
 * copied.  Called once, before the HTTP threads start.
 */
struct ingress_web *
ingress_web_new(const char *root, const char *ws_url, bool demo, int64_t demo_ttl_s, struct wr_error *reterr);
/* NULL-safe; returns NULL. */
struct ingress_web *
ingress_web_free(struct ingress_web *w);

/* The Content-Security-Policy of the page: connect-src names the ws-url. */
const char *
ingress_web_csp(const struct ingress_web *w);

/* True when name[0..len) could be a served file: one segment of
 * [A-Za-z0-9._-], not starting with a dot, at most INGRESS_WEB_MAX_NAME bytes. */
bool
ingress_web_valid_name(const char *name, size_t len);
bool
ingress_web_demo(const struct ingress_web *w);

/* Opens a file of web-root for GET: 0, or -ENOENT for anything not served
 * (bad name, unknown extension, missing, not a regular file, a symlink,
 * too big), or another negative errno. */
int
ingress_web_open(const struct ingress_web *w, const char *name, struct ingress_web_file *ret) WR_MUSTCHECK;

/* The handlers write the JSON body into out and return the HTTP status. */
/* GET /v1/web/config: {"ws": URL, "demo": BOOL}. */
unsigned int
ingress_web_config(const struct ingress_web *w, struct wr_strbuf *out);
/* GET /v1/demo/characters (demo only). */
unsigned int
ingress_web_demo_characters(const struct ingress_web *w, struct cmd_store *st, struct wr_strbuf *out);
/* POST /v1/demo/tokens {"character": NAME} (demo only). */
unsigned int
ingress_web_demo_token(const struct ingress_web *w, struct cmd_store *st, const char *body, size_t len,
		       struct wr_strbuf *out);

/* store_demo.c: the demo characters as a JSON array appended to out. */
int
ingress_store_demo_characters(struct cmd_conn *c, struct wr_strbuf *out, struct wr_error *reterr) WR_MUSTCHECK;
/* Issues a demo token for the named character: ret_token gets
 * INGRESS_DEMO_TOKEN_LEN + 1 bytes; *ret_id is 0 when there is no such
 * character (nothing issued), else its id and ret_name its name. */
int
ingress_store_demo_token(struct cmd_conn *c, const char *character, int64_t ttl_s, char *ret_token, int64_t *ret_id,
			 char *ret_name, size_t name_size, struct wr_error *reterr) WR_MUSTCHECK;

/* ---- longpoll.c: suspended requests and the NOTIFY listener ---------------------------- */

struct MHD_Connection;
struct ingress_waiters;

/* One request's registration; embedded in the request, zeroed at first. */
struct ingress_waiter {
	struct MHD_Connection *conn;
	struct ingress_wait_on on;
	int64_t deadline_ms; /* monotonic */
	const char *key;     /* the bearer token, borrowed: per-token cap */
	bool armed;          /* in the list, counted against max-waiters */
	bool fired;          /* something may have changed since the last arm */
	bool suspended;      /* MHD_suspend_connection() was called and not undone */
	struct ingress_waiter *prev, *next;
};

/* Starts the listener thread (it connects, and reconnects, by itself). */
struct ingress_waiters *
ingress_waiters_new(const char *conninfo, size_t max_waiters, size_t max_per_key);
/* Resumes every suspended request for good; later arms fail.  Call before
 * MHD_stop_daemon: MHD must not be stopped with suspended connections. */
void
ingress_waiters_shutdown(struct ingress_waiters *ws);
/* Stops the thread (after shutdown and MHD_stop_daemon); NULL-safe; returns NULL. */
struct ingress_waiters *
ingress_waiters_free(struct ingress_waiters *ws);

/*
 * Before each read of a request that may wait: registers it (the first
 * time) and clears fired, so that a commit after this point wakes it.
 * -EBUSY when max-waiters requests are registered already, -ESHUTDOWN while
 * stopping.
 */
int
ingress_waiters_arm(struct ingress_waiters *ws, struct ingress_waiter *w, struct MHD_Connection *conn,
		    int64_t deadline_ms) WR_MUSTCHECK;
/*
 * After a read found nothing: suspends the connection until a commit
 * touches one of on's streams or the deadline passes, and returns 1; the
 * access handler then returns MHD_YES and is called again on resume.
 * Returns 0 without suspending when something fired since the arm (read
 * again) or while stopping.  Call from the access handler only.
 */
int
ingress_waiters_suspend(struct ingress_waiters *ws, struct ingress_waiter *w, const struct ingress_wait_on *on);
/* Unregisters; harmless when not armed.  Never while suspended. */
void
ingress_waiters_disarm(struct ingress_waiters *ws, struct ingress_waiter *w);
/* Requests registered now. */
size_t
ingress_waiters_count(struct ingress_waiters *ws);

/* ---- http.c ---------------------------------------------------------------- */

struct ingress_http;

/* Starts listening; returns NULL with reterr filled on failure.  The store
 * is borrowed and must outlive the server. */
struct ingress_http *
ingress_http_start(const struct ingress_config *cfg, struct cmd_store *st, struct wr_error *reterr);
/* The bound port (useful with port 0). */
unsigned int
ingress_http_port(const struct ingress_http *h);
/* ---- guard.c: before the first statement (issue 15, findings 2 and 3) ---- */

struct ingress_guard;

enum ingress_pre {
	INGRESS_PRE_OK,      /* known good lately, or looked up and found */
	INGRESS_PRE_UNKNOWN, /* unknown, revoked or expired: 401 */
	INGRESS_PRE_LIMITED, /* the client address spent its failures: 429 */
	INGRESS_PRE_ERROR,   /* the database could not say: let the request's path answer */
};

struct ingress_guard *
ingress_guard_new(const struct ingress_config *cfg, struct wr_error *reterr);
struct ingress_guard *
ingress_guard_free(struct ingress_guard *g);
/* The client's address as text (X-Forwarded-For only from trusted-proxies). */
void
ingress_guard_client(const struct ingress_guard *g, struct MHD_Connection *conn, char *out, size_t size);
/* The token gate: at most one statement, none for a token seen lately. */
enum ingress_pre
ingress_guard_pre_auth(struct ingress_guard *g, struct cmd_store *st, const char *token, const char *client,
		       int64_t *ret_retry_after);
void
ingress_guard_conn_started(struct ingress_guard *g, struct MHD_Connection *conn, void **socket_context);
void
ingress_guard_conn_closed(struct ingress_guard *g, void **socket_context);
void
ingress_guard_request_in(struct ingress_guard *g, struct MHD_Connection *conn, bool in);
/* Connections shut at the request deadline so far. */
int64_t
ingress_guard_cut(const struct ingress_guard *g);

/* The metrics-only listener's bound port, 0 when there is none. */
unsigned int
ingress_http_metrics_port(const struct ingress_http *h);
/* Stops accepting, waits for the worker threads; NULL-safe; returns NULL. */
struct ingress_http *
ingress_http_stop(struct ingress_http *h);

#endif
