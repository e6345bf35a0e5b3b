/* SPDX-License-Identifier: MIT */
/*
 * commands.c: commands sent on the websocket (docs/protocol.md "Commands").
 *
 * A {"type":"command"} frame is checked on the lws thread, turned into one
 * item of a POST /v1/commands batch (the hello's character as "actor", the
 * frame's id as the item's "id") and handed to a small pool of command
 * threads.  Each thread runs cmd_handle_item() -- the same
 * parse/expand/plan/wr_submit code the ingress runs, from the wr_command
 * library (command/) -- on its own database connection, then puts the result on a completion
 * list and wakes the loop with lws_cancel_service(), the one thread-safe
 * lws call.  The loop frames the result in LWS_CALLBACK_EVENT_WAIT_CANCELLED.
 * So the lws thread never waits for the database.
 *
 * Bounds: at most command-queue-per-conn commands of one connection and
 * command-queue in all are queued or running; past them a command is
 * answered "busy" at once.  A token bucket per token (command-rate,
 * command-burst: the ingress's rate/burst) answers "rate_limited".
 *
 * A connection may close while its commands run.  Each connection owns a
 * peer record that its jobs reference; the connection detaches from it on
 * close and the last job frees it, so a late result is dropped, never
 * written to freed memory.  Peers and their counters are touched on the lws
 * thread only; the threads see nothing but their job's copied strings and
 * result buffer.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command/command.h"
#include "command/ratelimit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "planner/planner.h"
#include "publisher/pub-private.h"

struct pub_cmd_job;

/*
 * Per connection, on the lws thread only.  A connection's commands run one
 * at a time, in the order they arrived: with several command threads, two
 * commands of one player handed out together could otherwise be submitted
 * in either order ("say 1", "say 2" heard backwards).  Only the oldest is
 * handed to the threads; the rest wait in pending until its result is in.
 */
struct pub_cmd_peer {
	struct pub_conn *conn;                      /* NULL once the connection closed */
	unsigned refs;                              /* the connection's own, plus one per job */
	unsigned inflight;                          /* jobs pending or handed to the threads */
	bool running;                               /* one job of this peer is with the threads */
	struct pub_cmd_job *pending, *pending_tail; /* waiting for their turn */
};

struct pub_cmd_job {
	struct pub_cmd_job *next;
	struct pub_cmd_peer *peer; /* lws thread only */
	char *token;               /* from malloc() */
	char *id;                  /* from malloc() */
	char *item;                /* from malloc(): the batch item's JSON */
	size_t item_len;
	struct wr_strbuf result; /* written by the command thread */
};

struct pub_commands {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct pub_cmd_job *todo, *todo_tail; /* under lock */
	struct pub_cmd_job *done, *done_tail; /* under lock */
	bool stopping;                        /* under lock */
	pthread_t *threads;                   /* from malloc() */
	size_t nthreads;
	struct cmd_store *store;
	struct cmd_ratelimit *rl;
	struct lws_context *ctx;
	size_t inflight; /* lws thread only */
	size_t max_inflight, max_per_conn;
};

static void
job_free(struct pub_cmd_job *j)
{
	free(j->token);
	free(j->id);
	free(j->item);
	wr_strbuf_done(&j->result);
	free(j);
}

static void
peer_unref(struct pub_cmd_peer *peer)
{
	if (peer && --peer->refs == 0)
		free(peer);
}

static void *
command_thread(void *arg)
{
	struct pub_commands *pc = arg;

	pthread_mutex_lock(&pc->lock);
	for (;;) {
		struct pub_cmd_job *j;

		while (!pc->todo && !pc->stopping)
			pthread_cond_wait(&pc->wake, &pc->lock);
		if (pc->stopping)
			break;
		j = pc->todo;
		pc->todo = j->next;
		if (!pc->todo)
			pc->todo_tail = NULL;
		pthread_mutex_unlock(&pc->lock);

		cmd_handle_item(pc->store, j->token, j->item, j->item_len, &j->result);

		pthread_mutex_lock(&pc->lock);
		j->next = NULL;
		if (pc->done_tail)
			pc->done_tail->next = j;
		else
			pc->done = j;
		pc->done_tail = j;
		lws_cancel_service(pc->ctx);
	}
	pthread_mutex_unlock(&pc->lock);
	return NULL;
}

struct pub_commands *
pub_commands_new(const struct pub_config *cfg, struct lws_context *ctx, struct wr_error *reterr)
{
	struct pub_commands *pc = wr_xcalloc(1, sizeof(*pc));
	sigset_t block, old;
	int r = 0;

	pthread_mutex_init(&pc->lock, NULL);
	pthread_cond_init(&pc->wake, NULL);
	pc->ctx = ctx;
	pc->max_inflight = (size_t) cfg->command_queue;
	pc->max_per_conn = (size_t) cfg->command_queue_per_conn;
	/* No metrics: the publisher has no endpoint that would show them. */
	pc->store = cmd_store_new(cfg->database_url, (size_t) cfg->command_threads, "wr-publisher/commands", NULL);
	pc->rl = cmd_ratelimit_new(cfg->command_rate, cfg->command_burst);
	pc->threads = wr_xcalloc((size_t) cfg->command_threads, sizeof(*pc->threads));
	/* SIGINT and SIGTERM must interrupt the lws thread's poll(), so the
	 * command threads (which inherit the mask) block them. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (; pc->nthreads < (size_t) cfg->command_threads; pc->nthreads++) {
		r = pthread_create(&pc->threads[pc->nthreads], NULL, command_thread, pc);
		if (r != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		wr_error_set(reterr, -r, "internal", "could not start a command thread: %s", strerror(r));
		return pub_commands_free(pc);
	}
	return pc;
}

struct pub_commands *
pub_commands_stop(struct pub_commands *pc)
{
	if (!pc)
		return NULL;
	pthread_mutex_lock(&pc->lock);
	pc->stopping = true;
	pthread_cond_broadcast(&pc->wake);
	pthread_mutex_unlock(&pc->lock);
	/* A running command finishes (its database statements are bounded by
	 * statement_timeout); queued ones never start, so nothing was acked. */
	for (size_t i = 0; i < pc->nthreads; i++)
		pthread_join(pc->threads[i], NULL);
	pc->nthreads = 0;
	return pc;
}

struct pub_commands *
pub_commands_free(struct pub_commands *pc)
{
	struct pub_cmd_job *lists[2];

	if (!pc)
		return NULL;
	pub_commands_stop(pc);
	lists[0] = pc->todo;
	lists[1] = pc->done;
	for (size_t i = 0; i < 2; i++) {
		while (lists[i]) {
			struct pub_cmd_job *j = lists[i];

			lists[i] = j->next;
			peer_unref(j->peer);
			job_free(j);
		}
	}
	free(pc->threads);
	cmd_store_free(pc->store);
	cmd_ratelimit_free(pc->rl);
	pthread_cond_destroy(&pc->wake);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
	return NULL;
}

/* {"type":"result","id":..,<the per-item object's members>}. */
static void
push_result(struct pub_conn *c, const char *id, const char *item)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "{\"type\":\"result\",\"id\":");
	wr_strbuf_json_str(&sb, id);
	if (item[0] == '{' && item[1] != '}')
		wr_strbuf_puts(&sb, ",");
	wr_strbuf_puts(&sb, item + 1);
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

/* A refusal decided here, in the per-item error shape the ingress uses. */
static void
push_refusal(struct pub_conn *c, const char *id, const char *code, const char *message, int64_t retry_after)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_puts(&sb, "{\"status\":\"error\",\"error\":{\"code\":");
	wr_strbuf_json_str(&sb, code);
	wr_strbuf_puts(&sb, ",\"message\":");
	wr_strbuf_json_str(&sb, message);
	if (retry_after > 0)
		wr_strbuf_printf(&sb, ",\"retry_after\":%lld", (long long) retry_after);
	wr_strbuf_puts(&sb, "}}");
	push_result(c, id, wr_strbuf_str(&sb));
	wr_strbuf_done(&sb);
}

/* Gives j to the command threads. */
static void
hand_out(struct pub_commands *pc, struct pub_cmd_job *j)
{
	j->peer->running = true;
	j->next = NULL;
	pthread_mutex_lock(&pc->lock);
	if (pc->todo_tail)
		pc->todo_tail->next = j;
	else
		pc->todo = j;
	pc->todo_tail = j;
	pthread_cond_signal(&pc->wake);
	pthread_mutex_unlock(&pc->lock);
}

/* Forgets a job that never ran: nothing was submitted, nothing is answered. */
static void
drop_pending(struct pub_commands *pc, struct pub_cmd_peer *peer)
{
	while (peer->pending) {
		struct pub_cmd_job *j = peer->pending;

		peer->pending = j->next;
		pc->inflight--;
		peer->inflight--;
		peer_unref(peer);
		job_free(j);
	}
	peer->pending_tail = NULL;
}

void
pub_commands_drain(struct pub *p)
{
	struct pub_commands *pc = p->commands;
	struct pub_cmd_job *j;

	if (!pc)
		return;
	pthread_mutex_lock(&pc->lock);
	j = pc->done;
	pc->done = pc->done_tail = NULL;
	pthread_mutex_unlock(&pc->lock);
	while (j) {
		struct pub_cmd_job *next = j->next;
		struct pub_cmd_peer *peer = j->peer;

		pc->inflight--;
		peer->inflight--;
		peer->running = false;
		if (peer->conn)
			push_result(peer->conn, j->id, wr_strbuf_str(&j->result));
		else
			log_debug("result of command \"%s\" for a closed connection dropped", j->id);
		if (peer->pending) {
			struct pub_cmd_job *turn = peer->pending;

			peer->pending = turn->next;
			if (!peer->pending)
				peer->pending_tail = NULL;
			hand_out(pc, turn);
		}
		peer_unref(peer);
		job_free(j);
		j = next;
	}
}

void
pub_commands_conn_closed(struct pub_conn *c)
{
	struct pub_cmd_peer *peer = c->cmd_peer;

	if (!peer)
		return;
	peer->conn = NULL;
	c->cmd_peer = NULL;
	drop_pending(c->pub->commands, peer);
	peer_unref(peer);
}

static void
push_bad_request(struct pub_conn *c, const char *id, const char *message)
{
	struct wr_strbuf sb = WR_STRBUF_INIT;

	log_info_ctx(c->logctx, "bad command frame: %s", message);
	wr_strbuf_puts(&sb, "{\"type\":\"error\",\"code\":\"bad_request\",\"message\":");
	wr_strbuf_json_str(&sb, message);
	if (id) {
		wr_strbuf_puts(&sb, ",\"id\":");
		wr_strbuf_json_str(&sb, id);
	}
	wr_strbuf_puts(&sb, "}");
	pub_conn_push_json(c, sb.buf, sb.len);
	wr_strbuf_done(&sb);
}

/*
 * The batch item the frame stands for, or NULL with *ret_msg set: the
 * frame's "input", or its "command" ({"type", "args"} and nothing else, so
 * that neither "actor" nor "id" can be smuggled in), plus the hello's
 * character as actor and the frame's id.
 */
static char *
frame_item(const struct pub_conn *c, struct json_object *obj, const char *id, size_t *ret_len, const char **ret_msg)
{
	struct json_object *input = NULL, *command = NULL, *item;
	char actor[PUB_STREAM_NAME];
	const char *s;
	size_t len;
	char *copy;

	json_object_object_foreach (obj, key, val) {
		(void) val;
		if (strcmp(key, "type") && strcmp(key, "id") && strcmp(key, "input") && strcmp(key, "command")) {
			*ret_msg = "unknown member: a command frame has \"type\", \"id\", and \"input\" or \"command\"";
			return NULL;
		}
	}
	json_object_object_get_ex(obj, "input", &input);
	json_object_object_get_ex(obj, "command", &command);
	if (!input == !command) {
		*ret_msg = "a command frame needs \"input\" (a string) or \"command\" (an object), not both";
		return NULL;
	}
	if (input && (!json_object_is_type(input, json_type_string) ||
		      (size_t) json_object_get_string_len(input) > PLANNER_MAX_INPUT)) {
		*ret_msg = "\"input\" must be a string of at most 2048 bytes";
		return NULL;
	}
	if (command) {
		if (!json_object_is_type(command, json_type_object) ||
		    !json_object_object_get_ex(command, "type", NULL)) {
			*ret_msg = "\"command\" must be an object with \"type\" (and \"args\")";
			return NULL;
		}
		json_object_object_foreach (command, ckey, cval) {
			(void) cval;
			if (strcmp(ckey, "type") && strcmp(ckey, "args")) {
				*ret_msg = "\"command\" has only \"type\" and \"args\"";
				return NULL;
			}
		}
	}
	item = json_object_new_object();
	snprintf(actor, sizeof(actor), "char:%lld", (long long) c->char_id);
	json_object_object_add(item, "actor", json_object_new_string(actor));
	json_object_object_add(item, "id", json_object_new_string(id));
	if (input) {
		json_object_object_add(item, "input", json_object_get(input));
	} else {
		json_object_object_foreach (command, ckey, cval)
			json_object_object_add(item, ckey, json_object_get(cval));
	}
	s = json_object_to_json_string_length(item, JSON_C_TO_STRING_PLAIN, &len);
	copy = wr_xstrndup(s, len);
	*ret_len = len;
	json_object_put(item);
	return copy;
}

/*
 * issue 13: a service connection's command frame for a world system: its
 * "effect" frame members ("actor" sys:<name>, "room", "effect", and
 * optionally "character", "delay_ms", "priority") become the item of
 * POST /v1/commands (command/sysfx.c checks them), with the frame's id.
 */
static bool
sys_frame(struct json_object *obj)
{
	struct json_object *actor = wr_json_member(obj, "actor", json_type_string);

	return actor && strncmp(json_object_get_string(actor), "sys:", 4) == 0;
}

static char *
sys_frame_item(struct json_object *obj, const char *id, size_t *ret_len, const char **ret_msg)
{
	static const char *const members[] = {"actor", "room", "effect", "character", "delay_ms", "priority", NULL};
	struct json_object *item = json_object_new_object();
	const char *s;
	size_t len;
	char *copy;

	json_object_object_foreach (obj, key, val) {
		size_t i;

		for (i = 0; members[i] && strcmp(members[i], key); i++)
			;
		if (members[i])
			json_object_object_add(item, key, json_object_get(val));
		else if (strcmp(key, "type") && strcmp(key, "id")) {
			json_object_put(item);
			*ret_msg =
				"unknown member: a system's command frame has \"type\", \"id\", \"actor\", \"room\", "
				"\"effect\", \"character\", \"delay_ms\", \"priority\"";
			return NULL;
		}
	}
	json_object_object_add(item, "id", json_object_new_string(id));
	s = json_object_to_json_string_length(item, JSON_C_TO_STRING_PLAIN, &len);
	copy = wr_xstrndup(s, len);
	*ret_len = len;
	json_object_put(item);
	return copy;
}

void
pub_commands_frame(struct pub_conn *c, struct json_object *obj)
{
	struct pub_commands *pc = c->pub->commands;
	struct json_object *idv = wr_json_member(obj, "id", json_type_string);
	const char *id = idv ? json_object_get_string(idv) : NULL;
	const char *msg = NULL;
	struct pub_cmd_job *j;
	size_t len = 0;
	int64_t retry;
	char *item;

	if (!id || !*id || (size_t) json_object_get_string_len(idv) > PUB_MAX_COMMAND_ID ||
	    memchr(id, '\0', (size_t) json_object_get_string_len(idv))) {
		push_bad_request(c, NULL, "a command frame needs \"id\": a non-empty string of at most 64 bytes");
		return;
	}
	if (c->char_id <= 0 && !(c->service && sys_frame(obj))) {
		/* An admin hello without a character: there is no actor to act as. */
		push_refusal(c, id, "forbidden",
			     "this connection plays no character: name one in the hello to send commands", 0);
		return;
	}
	item = c->service ? sys_frame_item(obj, id, &len, &msg) /* issue 13: a system's effect */
			  : frame_item(c, obj, id, &len, &msg);
	if (!item) {
		push_bad_request(c, id, msg);
		return;
	}
	retry = cmd_ratelimit_take(pc->rl, c->token, wr_mono_ms());
	if (retry > 0) {
		free(item);
		push_refusal(c, id, "rate_limited", "too many commands for this token: slow down", retry);
		return;
	}
	if (!c->cmd_peer) {
		c->cmd_peer = wr_xcalloc(1, sizeof(*c->cmd_peer));
		c->cmd_peer->conn = c;
		c->cmd_peer->refs = 1;
	}
	if (c->cmd_peer->inflight >= pc->max_per_conn || pc->inflight >= pc->max_inflight) {
		free(item);
		push_refusal(c, id, "busy",
			     c->cmd_peer->inflight >= pc->max_per_conn
				     ? "too many commands of this connection are waiting: wait for their results"
				     : "the server has too many commands waiting: try again in a moment",
			     1);
		return;
	}
	j = wr_xcalloc(1, sizeof(*j));
	j->peer = c->cmd_peer;
	j->peer->refs++;
	j->peer->inflight++;
	pc->inflight++;
	j->token = wr_xstrdup(c->token);
	j->id = wr_xstrdup(id);
	j->item = item;
	j->item_len = len;
	if (j->peer->running) {
		if (j->peer->pending_tail)
			j->peer->pending_tail->next = j;
		else
			j->peer->pending = j;
		j->peer->pending_tail = j;
	} else {
		hand_out(pc, j);
	}
	log_debug_ctx(c->logctx, "command \"%s\" queued (%u of this connection, %zu in all)", id, j->peer->inflight,
		      pc->inflight);
}
