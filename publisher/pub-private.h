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
 *   resume.c the hello's subscriptions and resume positions, admin
 *            subscribe/unsubscribe
 *   access.c the origin allowlist and the token recheck (revocation)
 *   drive.c  issue 13: a service connection driving a population of mobs
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

#include <json-c/json.h>
#include <libwebsockets.h>

#include "core/db.h"
#include "core/error.h"

#define PUB_MAX_RX 16384           /* largest message a client may send */
#define PUB_RX_BUFFER 1024         /* lws receive buffer per connection (memory per idle client) */
#define PUB_TX_PACKET 65536        /* largest single send() lws makes of a frame */
#define PUB_MAX_SUBS 16            /* streams per player or admin connection (a service's: drive.c) */
#define PUB_PLAYER_SUBS 4          /* a player's: char, room, instance, spare (replay bounds count these) */
#define PUB_PAGE_ROWS 1000         /* rows per fetch query, at most max-outbox / 4 */
#define PUB_WRITES_PER_CALLBACK 64 /* frames written per writeable callback, while the socket takes them */
#define PUB_STREAM_BUCKETS 1024    /* hash buckets of the stream table */
#define PUB_STREAM_NAME 48         /* "room:<int64>" fits with room to spare */
#define PUB_HELLO_TIMEOUT_S 10     /* time a client has to say hello */
#define PUB_MAX_COMMAND_ID 64      /* bytes of a command frame's "id" */
#define PUB_MAX_RESUME_STREAMS 8   /* members of a hello's "resume" */
#define PUB_TOKEN_HASH 65          /* sha256 hex and its NUL */
#define PUB_OUTBOX_MIN 16          /* slots a new outbox starts with; it grows to its limit */

/* Application close codes (docs/protocol.md). */
#define PUB_CLOSE_BAD_REQUEST 4400
#define PUB_CLOSE_UNAUTHORIZED 4401
#define PUB_CLOSE_SLOW 4408
#define PUB_CLOSE_TRY_AGAIN 4503 /* 1013 is refused by lws 4.1 clients */

struct pub_config {
	char *database_url; /* from malloc() (config) */
	char *listen;       /* from malloc() (config) */
	int64_t port;
	char *port_file; /* from malloc() (config), "" = none */
	int64_t backstop_ms;
	int64_t close_timeout_s; /* time a closing client has to take its close frame and go */
	int64_t max_outbox;
	int64_t max_connections;
	int64_t command_threads; /* threads (and database connections) running commands */
	int64_t command_queue;   /* commands queued or running, all connections */
	int64_t command_queue_per_conn;
	int64_t command_rate; /* commands per second per token; 0: no limit */
	int64_t command_burst;
	int64_t max_resume;    /* events per stream a resume may replay */
	char *allowed_origins; /* from malloc() (config): comma list, "*" = any */
	int64_t token_recheck_ms;
	int64_t send_buffer; /* SO_SNDBUF of each websocket, 0 = kernel default */
	bool reuse_port;     /* SO_REUSEPORT: several processes share listen + port */
	/* issue 15, findings 2 and 3 (guard.c) */
	int64_t max_pre_hello;   /* connections not yet past hello, at once */
	int64_t max_per_ip;      /* connections from one peer address; 0: no limit */
	int64_t hello_fail_rate; /* failed hellos per second per peer address; 0: off */
	int64_t hello_fail_burst;
	char *tls_cert;          /* from malloc() (config): PEM certificate file, "" = plain ws:// */
	char *tls_key;           /* from malloc() (config): its PEM private key file */
	int64_t telnet_port;     /* telnet.c: -1 = no telnet listener, 0 = a free port */
	char *telnet_port_file;  /* from malloc() (config), "" = none */
	char *telnet_name;       /* from malloc() (config): the world's name in MSSP and the banner */
	int64_t telnet_resume_s; /* how long a dropped telnet login may resume */
	char *ingress_url; /* from malloc() (config): telnet account log-in via this wr-ingress, "" = tokens only */
	int64_t max_service_mobs; /* issue 13 (drive.c): mobs one service connection drives */
};

/* store.c ------------------------------------------------------------------ */

struct pub_store {
	struct wr_db db;
	int64_t max_service_mobs; /* a service hello reads at most this many mobs (+1: to tell some were left out) */
};

/* One row of event_streams joined with event_log; strings borrowed from the page. */
struct pub_event {
	const char *stream;
	int64_t seq;
	int64_t event_id;
	const char *type;
	const char *actor;   /* NULL when the event has no actor */
	const char *payload; /* jsonb as text */
	size_t payload_len;
};

struct pub_page {
	void *res; /* PGresult, owned; opaque outside store.c */
	int n;     /* rows */
};

/*
 * Issue 17: the channel lines a connection leaves out (route.c): the
 * account's muted channels (bits 1 gossip, 2 ooc, as game.h) and the
 * characters its character ignores.  Read at the hello, then kept up to
 * date by the character's own ChannelMuted and IgnoreChanged events.
 */
#define PUB_MAX_IGNORE 32
struct pub_filter {
	uint32_t muted;
	int64_t ignoring[PUB_MAX_IGNORE];
	size_t nignoring;
};

/* What a successful hello learns, all from one snapshot. */
struct pub_hello {
	struct pub_filter filter; /* issue 17 */
	bool admin;               /* an admin token: may subscribe by hand */
	char token_hash[PUB_TOKEN_HASH];
	int64_t char_id; /* 0: an admin token that named no character */
	char *name;      /* from malloc() */
	int64_t room_id;
	int64_t char_head; /* last seq of char:<id> */
	int64_t room_head; /* last seq of room:<room_id> */
	int64_t instance_id;
	int64_t instance_head; /* last seq of instance:<instance_id> (shouts) */
	/* issue 13: a service token with mob: grants (drive.c) */
	bool service;
	struct pub_hello_mob *mobs; /* from malloc(), nmobs of them, by id; pub_hello_done() frees */
	size_t nmobs;
	size_t left_out; /* granted mobs past max-service-mobs, not driven */
};

/* issue 13: one driven mob as the service hello reads it. */
struct pub_hello_mob {
	int64_t id;
	int64_t room;      /* the room it stands in; a dead mob's spawn room (where it comes back) */
	int64_t room_head; /* last seq of room:<room> */
	bool alive;
};

void
pub_hello_done(struct pub_hello *h);

/*
 * Connects and LISTENs without blocking (wr_db_start): pub_store_start once,
 * pub_store_restart after a failure, then pub_store_connect_poll whenever
 * pub_store_socket is ready and at pub_store_deadline (WR_DB_WANT_READ,
 * WR_DB_WANT_WRITE, 0 once connected and listening, or a negative errno).
 */
int
pub_store_start(struct pub_store *st, const char *conninfo, struct wr_error *reterr) WR_MUSTCHECK;
int
pub_store_restart(struct pub_store *st, struct wr_error *reterr) WR_MUSTCHECK;
int
pub_store_connect_poll(struct pub_store *st, struct wr_error *reterr) WR_MUSTCHECK;
/* wr_mono_ms() by which the connect in progress fails; 0: none. */
int64_t
pub_store_deadline(const struct pub_store *st);
void
pub_store_close(struct pub_store *st);
bool
pub_store_connected(const struct pub_store *st);
/* The connection's socket, or -1 when disconnected. */
int
pub_store_socket(const struct pub_store *st);
/*
 * Reads what the server sent without blocking and calls cb with the payload
 * of each pending notification (tokens: on wr_tokens, else wr_events).  Returns the number of notifications or a
 * negative errno (-ECONNRESET when the connection broke).
 */
int
pub_store_notifies(struct pub_store *st, void (*cb)(bool tokens, const char *payload, void *userdata), void *userdata,
		   struct wr_error *reterr) WR_MUSTCHECK;
/* Up to limit rows with seq > after[i] in streams[i], in (event_id, stream) order. */
int
pub_store_fetch(struct pub_store *st, const char *const *streams, const int64_t *after, size_t n, int limit,
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
/* issue 13 (drive.c): a service connection's hello and its mobs' moves. */
struct pub;
struct pub_conn;
struct pub_event;
struct json_object;
/*
 * Subscribes a service connection to its mobs' rooms, resuming those that
 * obj's "resume" names and it may replay; sends the welcome.  0, or a
 * negative errno after it has refused the hello or closed the connection.
 */
int
drive_hello(struct pub_conn *c, const struct pub_hello *h, struct json_object *obj);
/* A row delivered to a service connection: follows its mobs (MobLeft, MobDied, MobRespawned). */
void
drive_event(struct pub *p, struct pub_conn *c, const struct pub_event *ev, bool *stop);
/* Frees what drive_hello allocated (after route_unsubscribe_all). */
void
drive_free(struct pub_conn *c);

int
pub_store_hello(struct pub_store *st, const char *token, const char *character, struct pub_hello *ret,
		struct wr_error *reterr) WR_MUSTCHECK;

/* The last seq of stream (0 if none). */
int
pub_store_head(struct pub_store *st, const char *stream, int64_t *ret, struct wr_error *reterr) WR_MUSTCHECK;
/*
 * *ret: the events (after, upto] of stream can be replayed: at most max of
 * them, and the first still in event_log.
 */
int
pub_store_replayable(struct pub_store *st, const char *stream, int64_t after, int64_t upto, int64_t max, bool *ret,
		     struct wr_error *reterr) WR_MUSTCHECK;
/* The first CharacterMoved in (after, upto] of a char stream; -1s when none. */
int
pub_store_first_move(struct pub_store *st, const char *char_stream, int64_t after, int64_t upto, int64_t *ret_from_room,
		     int64_t *ret_event_id, struct wr_error *reterr) WR_MUSTCHECK;
/*
 * *ret: the character may replay room_stream after position after, as of
 * its char seq char_seq: it was in the room then, and after is not older
 * than its arrival there (resume.c).
 */
int
pub_store_room_floor_ok(struct pub_store *st, const char *char_stream, int64_t char_id, int64_t char_seq,
			const char *room_stream, int64_t room_id, int64_t after, bool *ret,
			struct wr_error *reterr) WR_MUSTCHECK;
/* *ret: event after + 1 of stream is not older than the character. */
int
pub_store_newer_than_char(struct pub_store *st, const char *stream, int64_t after, int64_t char_id, bool *ret,
			  struct wr_error *reterr) WR_MUSTCHECK;
/*
 * issue 13 (drive.c): which of n room streams a service may replay from
 * after[i] to head[i]: the first missing event is still kept, and one of the
 * living mobs (mobs[j] in rooms[j], nm of them) stood there all along (no
 * MobArrived or MobRespawned of it in the gap).  ret[i] for each.
 */
int
pub_store_service_replayable(struct pub_store *st, const char *const *streams, const int64_t *after,
			     const int64_t *head, size_t n, const int64_t *mobs, const int64_t *rooms, size_t nm,
			     bool *ret, struct wr_error *reterr) WR_MUSTCHECK;
/*
 * issue 13: a mob died; *ret_room is where it respawns (its spawn room, else
 * the room it died in) and *ret_pos the last seq of that room's stream with
 * event_id <= event_id.  -ENOENT: no such mob.
 */
int
pub_store_mob_spawn(struct pub_store *st, int64_t mob, int64_t event_id, int64_t *ret_room, int64_t *ret_pos,
		    struct wr_error *reterr) WR_MUSTCHECK;
/* Stamps character_presence for these connected characters (who lists them). */
int
pub_store_presence(struct pub_store *st, const int64_t *char_ids, size_t n, struct wr_error *reterr) WR_MUSTCHECK;
/* Calls cb for each of hashes that is revoked, expired or gone; returns how many. */
int
pub_store_invalid_tokens(struct pub_store *st, const char *const *hashes, size_t n,
			 void (*cb)(const char *hash, void *userdata), void *userdata,
			 struct wr_error *reterr) WR_MUSTCHECK;

/* For telnet.c: a character's vitals as stored (hp as of hp_at_ms; game_regen brings it to now). */
struct pub_vitals {
	int64_t hp, max_hp, hp_at_ms, level, xp, gold;
};

#define PUB_ROOM_MAX_EXITS 10 /* the ten directions of the exits table */

/* For telnet.c's Room.Info: a room's zone and where each exit leads. */
struct pub_room_map {
	int64_t room_id;
	char zone[64];
	struct {
		char dir[12];
		int64_t to;
	} exits[PUB_ROOM_MAX_EXITS];
	int nexits;
};

int
pub_store_vitals(struct pub_store *st, int64_t char_id, struct pub_vitals *ret, struct wr_error *reterr) WR_MUSTCHECK;
int
pub_store_room_map(struct pub_store *st, int64_t room_id, struct pub_room_map *ret,
		   struct wr_error *reterr) WR_MUSTCHECK;

/* pub.c -------------------------------------------------------------------- */

/* An encoded text frame shared by every recipient. */
struct pub_frame {
	unsigned refs;
	size_t len;
	struct json_object *parsed; /* telnet.c: the frame parsed once for all its telnet readers, or NULL */
	unsigned char data[];       /* LWS_PRE bytes of headroom, then len bytes */
};

enum pub_conn_state {
	PUB_CONN_HELLO,   /* waiting for the hello frame */
	PUB_CONN_READY,   /* subscribed, receiving events */
	PUB_CONN_CLOSING, /* flushing, then closing with close_code */
};

struct pub_sub;
struct pub_cmd_peer;
struct pub_telnet_conn;
struct json_object;

/* Per-session data of the "wr" protocol; lws allocates it zeroed. */
struct pub_conn {
	struct pub *pub;
	struct lws *wsi;
	struct pub_conn *conn_next, *conn_prev; /* pub->conns, while live */
	bool live;                              /* websocket established and not yet closed */
	bool health;                            /* plain HTTP /healthz request */
	uint64_t id;
	enum pub_conn_state state;
	char logctx[64]; /* "conn=3 char=7" */
	int64_t char_id; /* 0: an admin connection without a character */
	char char_key[PUB_STREAM_NAME];
	char *char_name;                 /* from malloc() */
	bool admin;                      /* may subscribe to any stream from any position */
	char token_hash[PUB_TOKEN_HASH]; /* rechecked for revocation */
	int64_t follow_after;            /* follow only CharacterMoved with a char seq above this */
	size_t replay_allow;             /* extra outbox frames while a replay is in flight */
	struct pub_sub **subs;           /* nsubs slots, each NULL or from malloc(): own_subs, or drive.c's */
	size_t nsubs;
	struct pub_sub *own_subs[PUB_MAX_SUBS];
	struct pub_frame **outbox;           /* from malloc(): ring of out_cap frames */
	size_t out_head, out_count, out_cap; /* out_cap grows up to the outbox limit */
	int close_code;                      /* sent once the outbox is flushed */
	char close_reason[96];
	bool close_now;                 /* drop the outbox, close at once */
	bool close_sent;                /* close frame handed to lws */
	char *rx;                       /* from malloc(): the message being received */
	size_t rx_len, rx_cap;          /* rx_cap <= PUB_MAX_RX */
	char *token;                    /* from malloc(): the hello's token, for commands */
	bool token_renewing;            /* telnet.c: a refresh replaces token; the old one's revocation is expected */
	char peer[64];                  /* the peer's address (guard.c) */
	bool pre_hello;                 /* counted in pub->npre_hello */
	struct pub_cmd_peer *cmd_peer;  /* commands.c; NULL until the first command */
	struct pub_telnet_conn *telnet; /* telnet.c: a telnet connection's own state; NULL for a websocket */
	struct pub_filter filter;       /* issue 17: channel lines left out (route.c) */
	/* issue 13 (drive.c): a service connection follows the mobs it drives */
	bool service;
	struct pub_drive *drive; /* from malloc(), a service connection's only; drive_free() */
};

struct pub_stream {
	char name[PUB_STREAM_NAME];
	int64_t cursor;           /* largest seq fetched for this stream */
	bool dirty;               /* read it in the next fetch (notified, new or cut short) */
	struct pub_sub *subs;     /* subscribers, doubly linked */
	struct pub_stream *hnext; /* hash chain */
};

struct pub_sub {
	struct pub_conn *conn;
	struct pub_stream *stream;
	int64_t cursor; /* largest seq given to this connection */
	bool pinned;    /* an admin's own subscription: not moved by follow */
	struct pub_sub *next, *prev;
};

struct pub {
	const struct pub_config *cfg;
	struct lws_context *ctx;
	struct lws_vhost *vhost;
	int listen_port;        /* reuse-port: the port of our own listening socket */
	struct lws *listen_wsi; /* reuse-port: that socket, adopted as a raw descriptor */
	bool listen_stopped;    /* shutting down: it no longer listens */
	struct pub_store store;
	struct lws *db_wsi;   /* adopted dup() of the libpq socket */
	int db_sock;          /* the libpq socket db_wsi watches a dup() of ... */
	uint64_t db_sock_ino; /* ... and its inode: the socket, not just the number */
	bool db_up;
	bool in_db_callback; /* inside the db wsi's own callback */
	unsigned reconnect_failures;
	bool db_connecting; /* an asynchronous connect is in progress (db_step) */
	bool db_started;    /* p->store holds a connection's settings (pub_store_start succeeded once) */
	lws_sorted_usec_list_t sul_backstop, sul_reconnect, sul_kick, sul_tick, sul_tokens, sul_recheck, sul_presence;
	struct pub_conn *conns; /* every live websocket */
	uint64_t next_conn_id;
	int64_t nconns;
	int64_t npre_hello;               /* of them, not yet past hello (guard.c) */
	struct cmd_ratelimit *hello_fail; /* guard.c: per peer address */
	struct cmd_ratelimit *hello_bad;  /* guard.c: tokens refused lately */
	bool fetching;
	bool fetch_all;        /* next fetch reads every tracked stream, dirty or not */
	bool presence_pending; /* access.c: a presence stamp is scheduled */
	bool fetch_wait;       /* a full page went out: no fetch before the kick, lws writes first */
	struct pub_stream *streams[PUB_STREAM_BUCKETS];
	size_t nstreams;
	struct pub_commands *commands;
	struct pub_telnet *telnet; /* telnet.c: the telnet listener, resume table, room cache; NULL when off */
	uint64_t frames_encoded;   /* event frames built: once per row, not per recipient */
	uint64_t frames_queued;    /* event frames handed to connections */
};

/* guard.c: before the hello's statement (issue 15, findings 2 and 3) ------- */

void
pub_guard_init(struct pub *p);
void
pub_guard_done(struct pub *p);
/* Whether a new websocket from wsi's peer may be accepted (may close the
 * oldest silent one to make room). */
bool
pub_guard_admit(struct pub *p, struct lws *wsi);
void
pub_guard_established(struct pub *p, struct pub_conn *c);
/* The hello succeeded (or the connection closed): it no longer counts as pre-hello. */
void
pub_guard_past_hello(struct pub *p, struct pub_conn *c);
/* 0: go ahead; else the close code, with *ret_code and *ret_message for the refusal. */
int
pub_guard_hello(struct pub *p, struct pub_conn *c, const char *token, const char **ret_code, const char **ret_message);
void
pub_guard_hello_failed(struct pub *p, struct pub_conn *c, const char *token);

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
/* Queues {"type":"error","code":code,"message":message}. */
void
pub_conn_error(struct pub_conn *c, const char *code, const char *message);
/* Encodes and queues a small control frame from a JSON text. */
void
pub_conn_push_json(struct pub_conn *c, const char *json, size_t len);
/* Flushes what is queued, then closes with code and reason; stops routing. */
void
pub_conn_close(struct pub_conn *c, int code, const char *reason);
/* Sets up a connection that lws has accepted (zeroes *c first); it joins p->conns. */
void
pub_conn_established(struct pub *p, struct pub_conn *c, struct lws *wsi);
/* The connection is gone: unsubscribes it and frees what it holds. */
void
pub_conn_closed(struct pub *p, struct pub_conn *c);
/* Takes the oldest queued frame (the caller owns its reference), or NULL. */
struct pub_frame *
pub_conn_pop(struct pub_conn *c);
/* After a writeable callback wrote frames: ends a finished replay, asks for the next callback. */
void
pub_conn_wrote(struct pub_conn *c);
/*
 * Authenticates c's token (character may be NULL) and subscribes it, with
 * obj's "resume" if any (resume_hello).  0; -EACCES, -ENOENT, -EMLINK:
 * refused, -EAGAIN: database trouble, with *reterr's message for the
 * client; -EPROTO: resume_hello already answered and closed.
 */
int
pub_hello(struct pub_conn *c, const char *token, const char *character, struct json_object *obj,
	  struct wr_error *reterr) WR_MUSTCHECK;
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
 * Subscribes c to stream name after position after.  When the stream is
 * new, or its shared cursor is already past after (it is then moved back to
 * after: the next fetch reads again from there, and the other subscribers
 * skip what they had), *ret_fetch is set: the caller must fetch soon.
 */
int
route_subscribe(struct pub *p, struct pub_conn *c, const char *name, int64_t after, struct pub_sub **ret,
		bool *ret_fetch) WR_MUSTCHECK;
/* c's subscription to name, or NULL. */
struct pub_sub *
route_sub_find(struct pub_conn *c, const char *name);
/* True when every subscription of c has everything fetched so far. */
bool
route_caught_up(const struct pub_conn *c);
void
route_unsubscribe(struct pub *p, struct pub_sub *sub);
/* Queues {"type":type,"stream":stream[,"after":*after]}: subscribed/unsubscribed. */
void
route_push_stream_frame(struct pub_conn *c, const char *type, const char *stream, const int64_t *after);
void
route_unsubscribe_all(struct pub *p, struct pub_conn *c);
/*
 * Reads the dirty streams (every tracked one when fetch_all is set): one page,
 * then, when there is more, a kick, so that lws writes what the page queued
 * before the next one.
 */
void
route_fetch(struct pub *p);
/*
 * Marks the tracked streams the notification payload names dirty (an empty
 * payload: every stream); true when there is something to fetch.
 */
bool
route_notify_relevant(struct pub *p, const char *payload);
void
route_done(struct pub *p);

/* resume.c ----------------------------------------------------------------- */

/* Validates a stream name from a client: char:, room: or instance: and an id. */
bool
resume_stream_name_ok(const char *name);
/*
 * Subscribes a player (or an admin playing a character) after a successful
 * hello: at the heads, or at the positions of obj's "resume" it may replay.
 * Sends the welcome.  Returns 0, or a negative errno after it has refused
 * the hello (bad "resume") or closed the connection.
 */
int
resume_hello(struct pub_conn *c, const struct pub_hello *h, struct json_object *obj);
/* {"type":"subscribe"} and {"type":"unsubscribe"}: admin only. */
void
resume_subscribe(struct pub_conn *c, struct json_object *obj);
void
resume_unsubscribe(struct pub_conn *c, struct json_object *obj);

/* telnet.c ----------------------------------------------------------------- */

/* Listens on cfg->telnet_port (a raw-socket vhost of the same context). */
int
telnet_start(struct pub *p, struct wr_error *reterr) WR_MUSTCHECK;
/* The telnet port actually listened on, -1 when off. */
int
telnet_port(const struct pub *p);
/* Frees the resume table and the room cache (after the context is gone). */
void
telnet_done(struct pub *p);
/* telnet-login.c: answers of the ingress to telnet account log-ins (lws_cancel_service()). */
void
telnet_login_drain(struct pub *p);

/* access.c ----------------------------------------------------------------- */

/* True when an upgrade request with this Origin (NULL: none) may proceed. */
bool
access_origin_allowed(const struct pub_config *cfg, const char *origin);
/* Rechecks every connection's token soon (a wr_tokens NOTIFY). */
void
access_recheck_soon(struct pub *p);
/* A character said hello: stamp presence soon (batched with other hellos). */
void
access_presence_soon(struct pub *p);
/* Starts the periodic token recheck. */
void
access_start(struct pub *p);

#endif
