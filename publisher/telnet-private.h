/* SPDX-License-Identifier: MIT */
/*
 * telnet-private.h: what telnet.c (connections, input, options, log-in,
 * resume) and telnet-render.c (frames to text and GMCP) share.  Only
 * publisher/telnet*.c include it; see telnet.c for the design.
 */
#ifndef WR_PUBLISHER_TELNET_PRIVATE_H
#define WR_PUBLISHER_TELNET_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <libtelnet.h>
#include <zlib.h>

#include "core/strbuf.h"
#include "publisher/pub-private.h"

#define TN_TELOPT_GMCP 201
#define TN_TELOPT_CHARSET 42
#define TN_CHARSET_REQUEST 1
#define TN_CHARSET_ACCEPTED 2
#define TN_MAX_LINE 4096     /* bytes of one input line; longer ones are discarded */
#define TN_MAX_PENDING 65536 /* bytes of telnet output waiting besides the outbox */
#define TN_NEG_WINDOW_MS 10000
#define TN_NEG_MAX 500 /* IAC sequences (negotiations, subnegotiations, commands) per window */
#define TN_LOGIN_TIMEOUT_S 120
#define TN_LOGIN_TRIES 3
#define TN_UNSEEN_REFS 16
#define TN_MAX_SUPPORTS 16
#define TN_RESUME_MAX 10000 /* dropped logins remembered at once */
#define TN_ROOM_BUCKETS 256
#define TN_ROOM_CACHE_MAX 4096
#define TN_ROOM_CACHE_MS 60000
#define TN_DEFAULT_WIDTH 80
#define TN_MAX_PICKS 16   /* characters listed at an account log-in */
#define TN_ZLIB_WINDOW 12 /* 4 KiB window */
#define TN_ZLIB_MEMLEVEL 5

#define ANSI_RESET "\x1b[0m"
#define ANSI_ROOM "\x1b[1;36m"
#define ANSI_TALK "\x1b[1;33m"
#define ANSI_TELL "\x1b[1;35m"
#define ANSI_HIT "\x1b[31m"
#define ANSI_ERROR "\x1b[1;31m"
#define ANSI_PROMPT "\x1b[32m"
#define ANSI_SYSTEM "\x1b[36m"

enum tn_state {
	TN_TOKEN,     /* waiting for the token line (with ingress-url: an account name or a token) */
	TN_CHARACTER, /* the token's account has several characters: which one */
	TN_PASSWORD,  /* an account name was given: its password (echo off) */
	TN_CHECKING,  /* the ingress checks the name and password (telnet-login.c) */
	TN_PICK,      /* logged in to an account with several characters: which one */
	TN_PLAYING,
};

struct tn_pos {
	char stream[PUB_STREAM_NAME]; /* "" = unused */
	int64_t seq;
};

/* A dropped login's positions, kept telnet-resume-s for its next login. */
struct tn_resume {
	struct tn_resume *next;
	char *token;     /* from malloc(); the login's token */
	char *character; /* from malloc(); the name it gave, "" if none */
	int64_t char_id;
	int64_t at_ms;
	struct tn_pos pos[PUB_MAX_SUBS];
};

struct tn_room {
	struct tn_room *next;
	int64_t fetched_ms;
	struct pub_room_map map;
};

struct pub_telnet {
	struct lws_vhost *vhost;
	int port;
	int64_t started_s; /* wall clock, MSSP UPTIME */
	struct tn_resume *resumes;
	size_t nresumes;
	struct tn_room *rooms[TN_ROOM_BUCKETS];
	size_t nrooms;
	struct tn_login *login; /* telnet-login.c: NULL without ingress-url (tokens only) */
};

struct pub_telnet_conn {
	telnet_t *tn;
	enum tn_state state;
	int tries;
	char *login_token;     /* from malloc(): between the token and character prompts, then kept for resume */
	char *login_character; /* from malloc(): "" or the name given */
	/* account log-in (with ingress-url) */
	char account[24];             /* the account name typed, "" before */
	char *session;                /* from malloc(): the session token the ingress gave, until the hello */
	char picks[TN_MAX_PICKS][24]; /* the account's characters, for TN_PICK */
	int npicks;
	char *refresh;         /* from malloc(): the session's refresh token, NULL for a token log-in */
	int64_t session_ttl_s; /* the session token's life, as the ingress said */
	struct wr_strbuf line; /* the line being received, at most TN_MAX_LINE */
	bool discarding;       /* the current line went over TN_MAX_LINE */
	bool last_cr;          /* the last data byte was \r: a following \n or \0 ends nothing */
	struct wr_strbuf out;  /* telnet bytes to send (before compression) */
	size_t plain;          /* the first plain bytes of out go uncompressed (up to the MCCP2 marker) */
	z_stream *z;           /* from malloc(): MCCP2 on */
	bool overflow;         /* out went over TN_MAX_PENDING */
	bool close_sent;       /* the goodbye line is written: close on the next callback */
	bool writing;          /* in the writeable callback: out is bounded by the frames rendered */
	int width;
	bool colour;
	bool gmcp;
	bool supports_given; /* Core.Supports.Set received: send only what it lists */
	char supports[TN_MAX_SUPPORTS][32];
	bool echo_off;    /* we said WILL ECHO: the client does not echo */
	bool prompt_open; /* the cursor stands after a prompt */
	bool printed;     /* text went out since the last prompt */
	int64_t neg_window_ms;
	int neg_count;
	struct pub_vitals v;
	bool vitals_known;
	struct tn_pos pos[PUB_MAX_SUBS]; /* per stream, the seq of the last event written */
	int64_t unseen[TN_UNSEEN_REFS];
	int unseen_next;
	char cmd_prefix[17];
	uint64_t cmd_n;
	bool resuming;   /* this login asked for a resume */
	bool taken_over; /* a new log-in took this one's place (and positions) */
	char client[48]; /* Core.Hello's client name */
};


struct tn_login;

/* telnet-login.c ----------------------------------------------------------- */

/* Starts the log-in threads when cfg->ingress_url is set (p->telnet->login); 0 or a bad_config error. */
int
tn_login_start(struct pub *p, struct wr_error *reterr) WR_MUSTCHECK;
/* Stops them and frees what is left. */
void
tn_login_stop(struct pub *p);
/* Queues POST /v1/sessions {name, password} for c; 0, -EBUSY (too many at once) or -ENOTSUP (no ingress-url). */
int
tn_login_submit(struct pub_conn *c, const char *name, const char *password);
/* Queues POST /v1/sessions/refresh for c's session (telnet.c renews it before it expires). */
int
tn_login_refresh(struct pub_conn *c, const char *refresh_token, const char *character);
/* telnet.c: the ingress's answer (status 0: none) to c's log-in, on the lws thread. */
void
tn_login_answer(struct pub_conn *c, int status, int retry_after, const char *body);
/* telnet.c: its answer to c's refresh. */
void
tn_refresh_answer(struct pub_conn *c, int status, const char *body);

/* telnet-render.c ---------------------------------------------------------- */

/* Data bytes to the client (IAC escaped by libtelnet); \n becomes \r\n. */
void
tn_send_text(struct pub_conn *c, const char *s, size_t n);
/* The same for a string, and asks for a writeable callback. */
void
tn_puts(struct pub_conn *c, const char *s);
/* Text word-wrapped to the client's width, in colour (NULL: none) unless it is switched off. */
void
tn_text(struct pub_conn *c, const char *text, const char *colour);
/* A GMCP message "package json" (json may be NULL), when the client takes the package. */
void
tn_gmcp(struct pub_conn *c, const char *package, const char *json);
void
tn_gmcp_vitals(struct pub_conn *c);
void
tn_gmcp_status(struct pub_conn *c);
/* Reads the character's vitals from the database (log-in, death). */
void
tn_load_vitals(struct pub_conn *c);
/* The prompt with vitals, then IAC GA. */
void
tn_prompt(struct pub_conn *c);
/* One frame of the outbox, as text and GMCP. */
void
tn_render(struct pub_conn *c, struct pub_frame *fr);
/* The last line a closing connection reads. */
const char *
tn_goodbye(const struct pub_conn *c);

#endif
