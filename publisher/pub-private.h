/* SPDX-License-Identifier: MIT */
/*
 * pub-private.h: what the files of wr-publisher share.  Only publisher/
 * includes it.
 *
 *   main.c   configuration, signals, the service loop
 *   pub.c    the lws context: websocket connections, outboxes, the hello
 *            handshake, the database socket and timers
 *   route.c  streams, subscriptions, fetching events and routing them to
 *            connections, following a character from room to room
 *   store.c  every SQL statement of the publisher (libpq lives only here)
 *   commands.c  commands on the socket, run on a few command threads
 *
 * Everything runs on the one lws service thread, so nothing here locks,
 * except commands.c's queues between that thread and its command threads.
 * Delivery model (ARCHITECTURE.md section 5): per stream, events are read by
 * (stream, seq > cursor), which never skips because per-stream seqs are
 * gap-free and assigned under the aggregate's lock.  Each tracked stream has
 * a shared cursor (largest seq fetched); each subscription has its own cursor
 * (largest seq given to that connection), so a connection never receives a
 * seq twice and never one from before it subscribed.
 */
#ifndef WR_PUBLISHER_PUB_PRIVATE_H
#define WR_PUBLISHER_PUB_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "core/db.h"
#include "core/error.h"

#define PUB_MAX_RX 16384           /* largest message a client may send */
#define PUB_MAX_SUBS 4             /* streams per connection: char, room, instance, spare */
#define PUB_PAGE_ROWS 1000         /* rows per fetch query */
#define PUB_PAGES_PER_TURN 8       /* pages before letting lws write */
#define PUB_STREAM_BUCKETS 1024    /* hash buckets of the stream table */
#define PUB_STREAM_NAME 48         /* "room:<int64>" fits with room to spare */
#define PUB_HELLO_TIMEOUT_S 10     /* time a client has to say hello */
#define PUB_CLOSE_TIMEOUT_S 5      /* time a closing client has to go away */
#define PUB_MAX_COMMAND_ID 64      /* bytes of a command frame's "id" */

/* Application close codes (docs/protocol.md). */
#define PUB_CLOSE_BAD_REQUEST 4400
#define PUB_CLOSE_UNAUTHORIZED 4401
#define PUB_CLOSE_SLOW 4408
#define PUB_CLOSE_TRY_AGAIN 4503     /* 1013 is refused by lws 4.1 clients */

struct pub_config {
	char *database_url;        /* from malloc() (config) */
	char *listen;              /* from malloc() (config) */
	int64_t port;
	char *port_file;           /* from malloc() (config), "" = none */
	char *log_level;           /* from malloc() (config) */
	int64_t backstop_ms;
	int64_t max_outbox;
	int64_t max_connections;
	int64_t command_threads;   /* threads (and database connections) running commands */
	int64_t command_queue;     /* commands queued or running, all connections */
	int64_t command_queue_per_conn;
	int64_t command_rate;      /* commands per second per token; 0: no limit */
	int64_t command_burst;
};

/* store.c ------------------------------------------------------------------ */

struct pub_store {
	struct wr_db db;
};

/* One row of event_streams joined with event_log; strings borrowed from the page. */
struct pub_event {
	const char *stream;
	int64_t seq;
	int64_t event_id;
	const char *type;
	const char *actor;         /* NULL when the event has no actor */
	const char *payload;       /* jsonb as text */
	size_t payload_len;
};

struct pub_page {
	void *res;                 /* PGresult, owned; opaque outside store.c */
	int n;                     /* rows */
};

/* What a successful hello learns, all from one snapshot. */
struct pub_hello {
	int64_t char_id;
	char *name;                /* from malloc() */
	int64_t room_id;
	int64_t char_head;         /* last seq of char:<id> */
	int64_t room_head;         /* last seq of room:<room_id> */
	int64_t instance_id;
	int64_t instance_head;     /* last seq of instance:<instance_id> (shouts) */
};

/* Connects and LISTENs; on failure the store stays usable for pub_store_reconnect. */
int
pub_store_open(struct pub_store *st, const char *conninfo, struct wr_error *reterr) WR_MUSTCHECK;
int
pub_store_reconnect(struct pub_store *st, struct wr_error *reterr) WR_MUSTCHECK;
void
pub_store_close(struct pub_store *st);
bool
pub_store_connected(const struct pub_store *st);
/* The connection's socket, or -1 when disconnected. */
int
pub_store_socket(const struct pub_store *st);
/*
 * Reads what the server sent without blocking and calls cb with the payload
 * of each pending notification.  Returns the number of notifications or a
 * negative errno (-ECONNRESET when the connection broke).
 */
int
pub_store_notifies(struct pub_store *st, void (*cb)(const char *payload, void *userdata), void *userdata,
		   struct wr_error *reterr) WR_MUSTCHECK;
/* Up to limit rows with seq > after[i] in streams[i], in (event_id, stream) order. */
int
pub_store_fetch(struct pub_store *st, const char *const *streams, const int64_t *after, size_t n, int limit,
		struct pub_page *ret, struct wr_error *reterr) WR_MUSTCHECK;
/* Up to limit rows of one stream with after < seq <= upto, in seq order. */
int
pub_store_fetch_range(struct pub_store *st, const char *stream, int64_t after, int64_t upto, int limit,
		      struct pub_page *ret, struct wr_error *reterr) WR_MUSTCHECK;
/* Reads row i; -EBADMSG if the row does not look like the query promised. */
int
pub_page_get(const struct pub_page *page, int i, struct pub_event *ret) WR_MUSTCHECK;
void
pub_page_done(struct pub_page *page);
/* Largest seq of stream with event_id <= event_id, 0 if none. */
int
pub_store_position(struct pub_store *st, const char *stream, int64_t event_id, int64_t *ret,
		   struct wr_error *reterr) WR_MUSTCHECK;
/*
 * Authenticates a player token and reads the character's room and stream
 * heads in one snapshot.  character may be NULL.  Errors: -EACCES (bad
 * token), -ENOENT (no such character), -EMLINK (several characters and none
 * named), or a database error.
 */
int
pub_store_hello(struct pub_store *st, const char *token, const char *character, struct pub_hello *ret,
		struct wr_error *reterr) WR_MUSTCHECK;

/* pub.c -------------------------------------------------------------------- */

/* An encoded text frame shared by every recipient. */
struct pub_frame {
	unsigned refs;
	size_t len;
	unsigned char data[];      /* LWS_PRE bytes of headroom, then len bytes */
};

enum pub_conn_state {
	PUB_CONN_HELLO,            /* waiting for the hello frame */
	PUB_CONN_READY,            /* subscribed, receiving events */
	PUB_CONN_CLOSING,          /* flushing, then closing with close_code */
};

struct pub_sub;
struct pub_cmd_peer;
struct json_object;

/* Per-session data of the "wr" protocol; lws allocates it zeroed. */
struct pub_conn {
	struct pub *pub;
	struct lws *wsi;
	struct pub_conn *conn_next, *conn_prev;   /* pub->conns, while live */
	bool live;                 /* websocket established and not yet closed */
	bool health;               /* plain HTTP /healthz request */
	uint64_t id;
	enum pub_conn_state state;
	char logctx[64];           /* "conn=3 char=7" */
	int64_t char_id;
	char char_key[PUB_STREAM_NAME];
	char *char_name;           /* from malloc() */
	struct pub_sub *subs[PUB_MAX_SUBS];   /* from malloc() each */
	struct pub_frame **outbox; /* from malloc(): ring of max_outbox frames */
	size_t out_head, out_count;
	int close_code;            /* sent once the outbox is flushed */
	char close_reason[96];
	bool close_now;            /* drop the outbox, close at once */
	bool close_sent;           /* close frame handed to lws */
	char *rx;                  /* from malloc(): the message being received */
	size_t rx_len, rx_cap;     /* rx_cap <= PUB_MAX_RX */
	char *token;               /* from malloc(): the hello's token, for commands */
	struct pub_cmd_peer *cmd_peer; /* commands.c; NULL until the first command */
};

struct pub_stream {
	char name[PUB_STREAM_NAME];
	int64_t cursor;            /* largest seq fetched for this stream */
	struct pub_sub *subs;      /* subscribers, doubly linked */
	struct pub_stream *hnext;  /* hash chain */
};

struct pub_sub {
	struct pub_conn *conn;
	struct pub_stream *stream;
	int64_t cursor;            /* largest seq given to this connection */
	struct pub_sub *next, *prev;
};

struct pub {
	const struct pub_config *cfg;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	struct pub_store store;
	struct lws *db_wsi;        /* adopted dup() of the libpq socket */
	bool db_up;
	bool in_db_callback;       /* inside the db wsi's own callback */
	unsigned reconnect_failures;
	lws_sorted_usec_list_t sul_backstop, sul_reconnect, sul_kick, sul_tick;
	struct pub_conn *conns;    /* every live websocket */
	uint64_t next_conn_id;
	int64_t nconns;
	bool fetching;
	struct pub_stream *streams[PUB_STREAM_BUCKETS];
	size_t nstreams;
	struct pub_commands *commands;
};

struct pub *
pub_new(const struct pub_config *cfg, struct wr_error *reterr);
struct pub *
pub_free(struct pub *p);
/* The port actually listened on. */
int
pub_port(const struct pub *p);
/* One turn of the event loop; negative when lws failed. */
int
pub_service(struct pub *p);
/* Closes every websocket with 1001 and waits up to timeout_ms for them to go. */
void
pub_shutdown(struct pub *p, int64_t timeout_ms);

struct pub_frame *
pub_frame_new(const char *json, size_t len);
struct pub_frame *
pub_frame_ref(struct pub_frame *f);
struct pub_frame *
pub_frame_unref(struct pub_frame *f);
/* Queues a frame (takes its own reference); a full outbox closes with 4408. */
void
pub_conn_push(struct pub_conn *c, struct pub_frame *f);
/* Encodes and queues a small control frame from a JSON text. */
void
pub_conn_push_json(struct pub_conn *c, const char *json, size_t len);
/* Flushes what is queued, then closes with code and reason; stops routing. */
void
pub_conn_close(struct pub_conn *c, int code, const char *reason);
/* Fetches events soon, from the loop rather than from the caller's stack. */
void
pub_kick(struct pub *p);
/* Called when a store call failed: decides whether the connection is gone. */
void
pub_db_failed(struct pub *p, const struct wr_error *err);

/* commands.c --------------------------------------------------------------- */

struct pub_commands;

/* Starts cfg->command_threads threads; ctx is woken when results are ready. */
struct pub_commands *
pub_commands_new(const struct pub_config *cfg, struct lws_context *ctx, struct wr_error *reterr);
/* Joins the threads (a running command finishes first); queued ones never run. */
struct pub_commands *
pub_commands_stop(struct pub_commands *pc);
/* Stops if needed and frees what is left; NULL-safe; returns NULL. */
struct pub_commands *
pub_commands_free(struct pub_commands *pc);
/* A {"type":"command"} frame of a connection that said hello. */
void
pub_commands_frame(struct pub_conn *c, struct json_object *obj);
/* Frames the results that are ready (LWS_CALLBACK_EVENT_WAIT_CANCELLED). */
void
pub_commands_drain(struct pub *p);
/* The connection is going: its late results will be dropped. */
void
pub_commands_conn_closed(struct pub_conn *c);

/* route.c ------------------------------------------------------------------ */

struct pub_stream *
route_stream_find(struct pub *p, const char *name);
/*
 * Subscribes c to stream name after position after.  *ret_upto is set to the
 * shared cursor when it is already past after (the caller then sends its
 * own frames and calls route_catch_up), else to after.  *ret_new is true
 * when the stream was not tracked and a fetch is needed.
 */
int
route_subscribe(struct pub *p, struct pub_conn *c, const char *name, int64_t after, struct pub_sub **ret,
		int64_t *ret_upto, bool *ret_new) WR_MUSTCHECK;
/* Gives sub's connection the events (sub->cursor, upto] it missed. */
void
route_catch_up(struct pub *p, struct pub_sub *sub, int64_t upto);
void
route_unsubscribe(struct pub *p, struct pub_sub *sub);
void
route_unsubscribe_all(struct pub *p, struct pub_conn *c);
/* Reads every tracked stream until caught up (or until the turn is used up). */
void
route_fetch(struct pub *p);
/* True when the notification payload names a tracked stream or nothing. */
bool
route_notify_relevant(struct pub *p, const char *payload);
void
route_done(struct pub *p);

#endif
