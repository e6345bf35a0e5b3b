/* SPDX-License-Identifier: MIT */
/*
 * wrctl_verify.c: "wrctl verify FROM TO [--every] [--build OTHER]".
 *
 * Re-executes every journaled batch whose first event lies in [FROM, TO]
 * (event ids) through this build's rules, in-process, with the worker's own
 * code: the batch's state text as wr_lock_load returned it (journal_batches.
 * state_text; the jsonb state before 0023) goes through worker_decode_state,
 * each action row through worker_decode_action (action_journal is selected
 * in the claim's column order), game_apply runs with the recorded seed and
 * clock, and worker_append_events assigns the seqs and encodes the events
 * as the worker did (in their JSON form: the same members as the worker's
 * wr_commit_batch columns).  Each produced event is compared with its event_log row:
 * type, actor, command id, instance, enqueued_at, streams with seqs, and the
 * payload (the jsonb value; the column keeps no other byte form).
 *
 * The first divergence is printed (batch, action, expected and actual event,
 * a diff by payload member) and the exit code is 1; --every goes on and
 * reports all of them.  --build OTHER runs another build's wrctl (or a
 * test-only mutant, tests/meson.build) over the same span with --every.
 * docs/journal.md says why each batch carries its input state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/json.h"
#include "core/util.h"
#include "game/rules_version.h"
#include "tools/wrctl.h"
#include "worker/worker.h"

#ifdef WR_RULES_MUTANT_SAY
#define VERIFY_RULES WR_RULES_VERSION "+mutant-say"
#else
#define VERIFY_RULES WR_RULES_VERSION
#endif

#define CHUNK 256 /* batches per fetch */

/* $1 from, $2 to (event ids) */
static const char *const sql_cursor =
	"DECLARE vb NO SCROLL CURSOR FOR SELECT batch_id, now_ms, rules_version,"
	" coalesce(state_text, state::text), first_event, last_event"
	", v FROM journal_batches WHERE first_event BETWEEN $1::bigint AND $2::bigint ORDER BY first_event";

/* $1 batch ids -> rows in codec.c's claim column order, then outcome, batch_id */
static const char *const sql_actions =
	"SELECT action_id, actor_key, verb, args::text, plan::text, instance_id, lock_rooms::text,"
	" lock_characters::text, lock_items::text, seed, command_id, 0, 0, account_id, enqueued_at::text,"
	" lock_mobs::text, lock_instances::text, outcome, batch_id, v"
	" FROM action_journal WHERE batch_id = ANY($1::bigint[]) ORDER BY batch_id, ord";

/* $1 lo, $2 hi event ids, $3 action ids -> the events of those actions, by action */
static const char *const sql_events =
	"SELECT e.action_id, e.event_id, e.type, e.actor_key, e.command_id, e.instance_id, e.enqueued_at::text,"
	" e.payload::text, e.v,"
	" (SELECT string_agg(s.stream || '#' || s.seq, ',' ORDER BY s.stream) FROM event_streams s"
	"  WHERE s.event_id = e.event_id AND s.created_at = e.created_at)"
	" FROM event_log e WHERE e.event_id BETWEEN $1::bigint AND $2::bigint AND e.action_id = ANY($3::bigint[])"
	" ORDER BY e.action_id, e.event_id";

enum { EV_ACTION, EV_ID, EV_TYPE, EV_ACTOR, EV_COMMAND, EV_INSTANCE, EV_ENQUEUED, EV_PAYLOAD, EV_V, EV_STREAMS };
enum { A_OUTCOME = 17, A_BATCH = 18, A_V = 19 };

struct verify {
	struct wr_db db;
	struct worker_world world; /* the static world the batches name (worker/world.c) */
	struct game_state *state;
	struct game_outcome *out;
	struct batch *b;
	struct worker_action *act;
	bool every, quiet;
	uint64_t batches, actions, events, divergences, skipped;
};

/* The produced event's streams as "stream#seq,..." sorted, like sql_events. */
static void
streams_text(struct json_object *ev, char *buf, size_t n)
{
	struct json_object *streams = wr_json_member(ev, "streams", json_type_array);
	const char *names[GAME_MAX_STREAMS];
	int64_t seqs[GAME_MAX_STREAMS];
	size_t k = 0, len = 0;

	buf[0] = '\0';
	for (size_t i = 0; streams && i < json_object_array_length(streams) && k < GAME_MAX_STREAMS; i++) {
		struct json_object *s = json_object_array_get_idx(streams, i);
		struct json_object *name = wr_json_member(s, "stream", json_type_string);
		struct json_object *seq = wr_json_member(s, "seq", json_type_int);

		if (!name || !seq)
			continue;
		names[k] = json_object_get_string(name);
		seqs[k++] = json_object_get_int64(seq);
	}
	for (size_t i = 1; i < k; i++) /* insertion sort: at most GAME_MAX_STREAMS */
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			const char *t = names[j];
			int64_t q = seqs[j];

			names[j] = names[j - 1];
			seqs[j] = seqs[j - 1];
			names[j - 1] = t;
			seqs[j - 1] = q;
		}
	for (size_t i = 0; i < k && len < n; i++)
		len += (size_t) snprintf(buf + len, n - len, "%s%s#%" PRId64, i ? "," : "", names[i], seqs[i]);
}

static const char *
str_or_null(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_string);

	return v ? json_object_get_string(v) : "";
}

/* The event_log row's payload read as the current version (wrctl_upcast.c). */
static int
stored_payload(const PGresult *ev, int row, struct json_object **ret, struct wr_error *reterr)
{
	const char *p = PQgetvalue(ev, row, EV_PAYLOAD);
	int r = wr_json_parse(p, strlen(p), 64, ret, reterr);

	if (r < 0)
		return r;
	r = wrctl_upcast(PQgetvalue(ev, row, EV_TYPE), atoi(PQgetvalue(ev, row, EV_V)), *ret, reterr);
	if (r < 0) {
		json_object_put(*ret);
		*ret = NULL;
	}
	return r;
}

static void
print_diff(struct json_object *want, struct json_object *got)
{
	struct json_object *v;

	if (!json_object_is_type(want, json_type_object) || !json_object_is_type(got, json_type_object))
		return;
	json_object_object_foreach (want, k1, v1) {
		if (!json_object_object_get_ex(got, k1, &v)) {
			printf("  - %s: %s\n", k1, json_object_to_json_string_ext(v1, JSON_C_TO_STRING_PLAIN));
		} else if (!json_object_equal(v1, v)) {
			printf("  - %s: %s\n", k1, json_object_to_json_string_ext(v1, JSON_C_TO_STRING_PLAIN));
			printf("  + %s: %s\n", k1, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		}
	}
	json_object_object_foreach (got, k2, v2) {
		if (!json_object_object_get_ex(want, k2, &v))
			printf("  + %s: %s\n", k2, json_object_to_json_string_ext(v2, JSON_C_TO_STRING_PLAIN));
	}
}

/* Reports one divergence; returns 1 (stop) unless --every. */
static int
diverge(struct verify *v, int64_t batch, const struct worker_action *a, const char *why, const PGresult *ev, int evrow,
	struct json_object *got)
{
	v->divergences++;
	printf("DIVERGENCE batch %" PRId64 " action %" PRId64 " (%s %s): %s\n", batch, a->id, a->actor_key,
	       game_verb_to_string(a->game.verb), why);
	if (ev && evrow >= 0)
		printf("  expected event %s %s: %s streams %s\n", PQgetvalue(ev, evrow, EV_ID),
		       PQgetvalue(ev, evrow, EV_TYPE), PQgetvalue(ev, evrow, EV_PAYLOAD),
		       PQgetisnull(ev, evrow, EV_STREAMS) ? "" : PQgetvalue(ev, evrow, EV_STREAMS));
	if (got) {
		char st[512];

		streams_text(got, st, sizeof(st));
		printf("  actual   event %s: %s streams %s\n", str_or_null(got, "type"),
		       json_object_to_json_string_ext(wr_json_member(got, "payload", json_type_object),
						      JSON_C_TO_STRING_PLAIN),
		       st);
	}
	if (ev && evrow >= 0 && got) {
		struct json_object *want = NULL;
		struct wr_error err = {0};

		if (stored_payload(ev, evrow, &want, &err) == 0) {
			printf("  diff (- expected, + actual):\n");
			print_diff(want, wr_json_member(got, "payload", json_type_object));
			json_object_put(want);
		}
	}
	return v->every ? 0 : 1;
}

/* Compares one produced event with its event_log row: 0 equal, else a reason. */
static const char *
compare(const PGresult *ev, int row, struct json_object *got)
{
	struct json_object *want = NULL, *gp = wr_json_member(got, "payload", json_type_object);
	struct wr_error err = {0};
	struct json_object *gv = wr_json_member(got, "v", json_type_int);
	static char why[300];
	char st[1024];
	bool same;

	if (strcmp(PQgetvalue(ev, row, EV_TYPE), str_or_null(got, "type")) != 0)
		return "event type differs";
	if (strcmp(PQgetvalue(ev, row, EV_ACTOR), str_or_null(got, "actor_key")) != 0)
		return "event actor differs";
	if (strcmp(PQgetvalue(ev, row, EV_COMMAND), str_or_null(got, "command_id")) != 0)
		return "command id differs";
	if (strcmp(PQgetvalue(ev, row, EV_ENQUEUED), str_or_null(got, "enqueued_at")) != 0)
		return "enqueued_at differs";
	streams_text(got, st, sizeof(st));
	if (strcmp(PQgetisnull(ev, row, EV_STREAMS) ? "" : PQgetvalue(ev, row, EV_STREAMS), st) != 0)
		return "streams or seqs differ";
	if ((gv ? json_object_get_int(gv) : 1) != game_event_version(PQgetvalue(ev, row, EV_TYPE)))
		return "payload version differs";
	if (stored_payload(ev, row, &want, &err) < 0) {
		snprintf(why, sizeof(why), "stored payload unreadable: %s", err.msg);
		return why;
	}
	same = gp && json_object_equal(want, gp);
	json_object_put(want);
	return same ? NULL : "payload differs";
}

/* First row of events (sorted by action) of action id; -1 if none. */
static int
first_event_of(const PGresult *ev, int64_t id)
{
	int lo = 0, hi = PQntuples(ev);

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int64_t x = 0;

		if (wr_db_get_i64(ev, mid, EV_ACTION, &x) < 0 || x < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < PQntuples(ev)) {
		int64_t x = 0;

		if (wr_db_get_i64(ev, lo, EV_ACTION, &x) == 0 && x == id)
			return lo;
	}
	return -1;
}

/* First row of actions (sorted by batch, ord) of batch; -1 if none. */
static int
first_action_of(const PGresult *ares, int64_t batch)
{
	int lo = 0, hi = PQntuples(ares);
	int64_t x = 0;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (wr_db_get_i64(ares, mid, A_BATCH, &x) < 0 || x < batch)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < PQntuples(ares) && wr_db_get_i64(ares, lo, A_BATCH, &x) == 0 && x == batch ? lo : -1;
}

/* A planner rejection (outcome 'p') is not re-run: its seqs still count. */
static void
skip_events(struct verify *v, const PGresult *ev, int row, int64_t id)
{
	for (int64_t x = 0; row >= 0 && row < PQntuples(ev) && wr_db_get_i64(ev, row, EV_ACTION, &x) == 0 && x == id;
	     row++) {
		char *list = wr_xstrdup(PQgetvalue(ev, row, EV_STREAMS)), *save = NULL;

		for (char *s = strtok_r(list, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			char *hash = strrchr(s, '#');

			if (!hash)
				continue;
			*hash = '\0';
			for (size_t i = 0; i < v->b->counters.n; i++)
				if (strcmp(v->b->counters.names[i], s) == 0) {
					v->b->counters.seqs[i] = strtoll(hash + 1, NULL, 10);
					v->b->counters.touched[i] = true;
				}
		}
		free(list);
	}
}

/* Re-runs one action; 1 to stop. */
static int
run_action(struct verify *v, int64_t batch, int64_t now_ms, struct worker_action *a, char outcome, const PGresult *ev)
{
	struct game_env env = {.now_ms = now_ms, .rng_state = a->game.seed};
	struct json_object *produced = NULL;
	struct wr_error err = {0};
	struct wr_strbuf arr = WR_STRBUF_INIT;
	int row = first_event_of(ev, a->id), stop = 0, r;
	size_t n;

	v->actions++;
	if (outcome == 'p') {
		skip_events(v, ev, row, a->id);
		v->skipped++;
		return 0;
	}
	if (!a->decoded)
		return diverge(v, batch, a, a->decode_error, NULL, -1, NULL);
	wr_strbuf_reset(&v->b->events);
	r = game_apply(v->state, &a->game, &env, v->out);
	if (r < 0 || v->out->overflow)
		return diverge(v, batch, a, "the rules refused the journaled action", ev, row, NULL);
	if (v->out->result == GAME_STALE)
		return diverge(v, batch, a, "the plan is stale under the journaled state", ev, row, NULL);
	if ((v->out->result == GAME_REJECTED) != (outcome == 'r'))
		stop = diverge(v, batch, a,
			       outcome == 'r' ? "journaled as rejected, now applied"
					      : "journaled as applied, now rejected",
			       NULL, -1, NULL);
	if (stop)
		return stop;
	if (worker_append_events(v->b, v->out, a) < 0)
		return diverge(v, batch, a, "an event to a stream the batch did not lock", ev, row, NULL);
	wr_strbuf_puts(&arr, "[");
	wr_strbuf_puts(&arr, wr_strbuf_str(&v->b->events));
	wr_strbuf_puts(&arr, "]");
	if (wr_json_parse(arr.buf, arr.len, 64, &produced, &err) < 0) {
		wr_strbuf_done(&arr);
		return diverge(v, batch, a, "produced events are not JSON", ev, row, NULL);
	}
	wr_strbuf_done(&arr);
	n = json_object_array_length(produced);
	for (size_t i = 0; i < n && !stop; i++) {
		struct json_object *got = json_object_array_get_idx(produced, i);
		int64_t x = 0;
		const char *why;

		v->events++;
		if (row < 0 || row >= PQntuples(ev) || wr_db_get_i64(ev, row, EV_ACTION, &x) < 0 || x != a->id) {
			stop = diverge(v, batch, a, "an event more than event_log holds", NULL, -1, got);
			break;
		}
		why = compare(ev, row, got);
		if (why)
			stop = diverge(v, batch, a, why, ev, row, got);
		row++;
	}
	if (!stop && row >= 0 && row < PQntuples(ev)) {
		int64_t x = 0;

		if (wr_db_get_i64(ev, row, EV_ACTION, &x) == 0 && x == a->id)
			stop = diverge(v, batch, a, "an event in event_log the rules no longer produce", ev, row, NULL);
	}
	json_object_put(produced);
	return stop;
}

/* Verifies the batches of one fetched chunk; 1 to stop, <0 error. */
static int
run_chunk(struct verify *v, PGresult *bres, struct wr_error *reterr)
{
	struct wr_strbuf ids = WR_STRBUF_INIT, aids = WR_STRBUF_INIT;
	PGresult *ares = NULL, *eres = NULL;
	char los[24], his[24];
	int64_t lo = INT64_MAX, hi = 0;
	int nb = PQntuples(bres), ai = 0, r = 0;

	wr_strbuf_puts(&ids, "{");
	for (int i = 0; i < nb; i++) {
		int64_t f = 0, l = 0;

		wr_strbuf_printf(&ids, "%s%s", i ? "," : "", PQgetvalue(bres, i, 0));
		if (wr_db_get_i64(bres, i, 4, &f) == 0 && f < lo)
			lo = f;
		if (wr_db_get_i64(bres, i, 5, &l) == 0 && l > hi)
			hi = l;
	}
	wr_strbuf_puts(&ids, "}");
	{
		const char *p[1] = {wr_strbuf_str(&ids)};

		r = wr_db_exec(&v->db, sql_actions, 1, p, PGRES_TUPLES_OK, &ares, reterr);
		if (r < 0)
			goto out;
	}
	wr_strbuf_puts(&aids, "{");
	for (int i = 0; i < PQntuples(ares); i++)
		wr_strbuf_printf(&aids, "%s%s", i ? "," : "", PQgetvalue(ares, i, 0));
	wr_strbuf_puts(&aids, "}");
	snprintf(los, sizeof(los), "%" PRId64, lo);
	snprintf(his, sizeof(his), "%" PRId64, hi);
	{
		const char *p[3] = {los, his, wr_strbuf_str(&aids)};

		r = wr_db_exec(&v->db, sql_events, 3, p, PGRES_TUPLES_OK, &eres, reterr);
		if (r < 0)
			goto out;
	}
	for (int i = 0; i < nb && r == 0; i++) {
		int64_t batch = 0, now_ms = 0, x = 0;
		struct json_object *doc = NULL;

		if (wr_db_get_i64(bres, i, 0, &batch) < 0 || wr_db_get_i64(bres, i, 1, &now_ms) < 0) {
			r = wr_error_set(reterr, -EBADMSG, "internal", "journal batch without id or clock");
			break;
		}
		v->batches++;
		if (atoi(PQgetvalue(bres, i, 6)) != WRCTL_JOURNAL_VERSION) {
			r = wr_error_set(reterr, -EPROTO, "format",
					 "journal batch %" PRId64
					 " has format version %s; this"
					 " build reads %d",
					 batch, PQgetvalue(bres, i, 6), WRCTL_JOURNAL_VERSION);
			break;
		}
		r = worker_decode_state_db(&v->db, &v->world, PQgetvalue(bres, i, 3), NULL, v->state, &doc, reterr);
		if (r < 0)
			break;
		v->b->counters.n = 0;
		r = worker_decode_counters(doc, &v->b->counters);
		if (r < 0) {
			json_object_put(doc);
			wr_error_set(reterr, r, "internal", "batch %" PRId64 ": malformed counters", batch);
			break;
		}
		ai = first_action_of(ares, batch);
		for (; ai >= 0 && ai < PQntuples(ares) && wr_db_get_i64(ares, ai, A_BATCH, &x) == 0 && x == batch &&
		       r == 0;
		     ai++) {
			if (atoi(PQgetvalue(ares, ai, A_V)) != WRCTL_JOURNAL_VERSION) {
				r = wr_error_set(reterr, -EPROTO, "format",
						 "journaled action %s has format version %s;"
						 " this build reads %d",
						 PQgetvalue(ares, ai, 0), PQgetvalue(ares, ai, A_V),
						 WRCTL_JOURNAL_VERSION);
				break;
			}
			if (worker_decode_action(ares, ai, v->act) < 0) {
				r = wr_error_set(reterr, -EBADMSG, "internal", "journal row without an action id");
				break;
			}
			r = run_action(v, batch, now_ms, v->act, PQgetvalue(ares, ai, A_OUTCOME)[0], eres);
		}
		json_object_put(doc);
	}
out:
	PQclear(ares);
	PQclear(eres);
	wr_strbuf_done(&ids);
	wr_strbuf_done(&aids);
	return r;
}

/* --build OTHER: the other binary verifies the same span and reports every divergence. */
static int
run_other(const char *other, const char *from, const char *to, const char *url)
{
	char urlarg[1100];
	char *args[8];
	int n = 0, status = 0;
	pid_t pid;

	snprintf(urlarg, sizeof(urlarg), "--database-url=%s", url);
	args[n++] = (char *) other;
	args[n++] = (char *) "verify";
	args[n++] = (char *) from;
	args[n++] = (char *) to;
	args[n++] = (char *) "--every";
	if (*url)
		args[n++] = urlarg;
	args[n] = NULL;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "wrctl verify: fork: %m\n");
		return 1;
	}
	if (pid == 0) {
		execv(other, args);
		fprintf(stderr, "wrctl verify: could not run \"%s\": %m\n", other);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int
wrctl_verify(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *other = NULL;
	struct verify v = {0};
	struct wr_error err = {0};
	PGresult *res = NULL;
	int64_t x;
	int rc = 1, r = 0;
	double t0;
	struct timespec ts;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--every"))
			v.every = true;
		else if (!strncmp(argv[i], "--build=", 8))
			other = argv[i] + 8;
		else if (!strcmp(argv[i], "--build") && i + 1 < argc)
			other = argv[++i];
		else if (!strncmp(argv[i], "--database-url=", 15))
			;
		else if (!from)
			from = argv[i];
		else if (!to)
			to = argv[i];
		else
			from = NULL, to = NULL, i = argc;
	}
	if (!from || !to || wr_parse_i64(from, 0, INT64_MAX, &x) < 0 || wr_parse_i64(to, 0, INT64_MAX, &x) < 0) {
		fprintf(stderr, "usage: wrctl verify FROM TO [--every] [--build OTHER]   (FROM, TO: event ids)\n");
		return 2;
	}
	if (other)
		return run_other(other, from, to, wrctl_database_url(argc, argv));
	if (wr_db_init(&v.db, wrctl_database_url(argc, argv), "wrctl-verify", "SET statement_timeout = 0", &err) < 0) {
		fprintf(stderr, "wrctl verify: %s\n", err.msg);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
	v.state = wr_xcalloc(1, sizeof(*v.state));
	v.out = wr_xcalloc(1, sizeof(*v.out));
	v.b = wr_xcalloc(1, sizeof(*v.b));
	v.b->json_events = true; /* compared with event_log's rows as JSON */
	v.act = wr_xcalloc(1, sizeof(*v.act));
	{
		const char *p[2] = {from, to};

		if (wr_db_exec(&v.db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, PGRES_COMMAND_OK,
			       NULL, &err) < 0 ||
		    wr_db_exec(&v.db, sql_cursor, 2, p, PGRES_COMMAND_OK, NULL, &err) < 0)
			goto fail;
	}
	if (wrctl_upcast_check(&err) < 0)
		goto fail;
	fprintf(stderr, "wrctl verify: events %s..%s, rules %s\n", from, to, VERIFY_RULES);
	for (;;) {
		char fetch[64];

		snprintf(fetch, sizeof(fetch), "FETCH %d FROM vb", CHUNK);
		if (wr_db_exec(&v.db, fetch, 0, NULL, PGRES_TUPLES_OK, &res, &err) < 0)
			goto fail;
		if (PQntuples(res) == 0)
			break;
		r = run_chunk(&v, res, &err);
		PQclear(res);
		res = NULL;
		if (r < 0)
			goto fail;
		if (r > 0)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	{
		double secs = (double) ts.tv_sec + (double) ts.tv_nsec / 1e9 - t0;

		printf("verified %" PRIu64 " batches, %" PRIu64 " actions (%" PRIu64
		       " planner rejections not re-run),"
		       " %" PRIu64 " events in %.2f s (%.0f actions/s): %" PRIu64 " divergence%s%s\n",
		       v.batches, v.actions, v.skipped, v.events, secs, secs > 0 ? (double) v.actions / secs : 0.0,
		       v.divergences, v.divergences == 1 ? "" : "s", r > 0 ? " (stopped at the first)" : "");
	}
	rc = v.divergences ? 1 : 0;
	if (!v.batches) {
		fprintf(stderr, "wrctl verify: no journaled batch in events %s..%s\n", from, to);
		rc = 1;
	}
	goto out;
fail:
	fprintf(stderr, "wrctl verify: %s\n", err.msg);
out:
	PQclear(res);
	wr_strbuf_done(&v.b->events);
	free(v.state);
	free(v.out);
	free(v.b);
	free(v.act);
	worker_world_done(&v.world);
	wr_db_done(&v.db);
	return rc;
}

/*
 * For wrctl state (wrctl_state.c): re-runs journaled batch `batch` on its
 * recorded state, through its action at position upto_ord (all when < 0),
 * leaving the result in *st.  Planner rejections change nothing and are
 * skipped.  *ret_doc keeps the state's strings alive: json_object_put it.
 */
int
wrctl_rerun_batch(struct wr_db *db, int64_t batch, int64_t upto_ord, struct game_state *st,
		  struct json_object **ret_doc, struct wr_error *reterr)
{
	static const char *const sql_batch =
		"SELECT now_ms, coalesce(state_text, state::text), v FROM journal_batches WHERE batch_id = $1::bigint";
	static const char *const sql_one =
		"SELECT action_id, actor_key, verb, args::text, plan::text, instance_id, lock_rooms::text,"
		" lock_characters::text, lock_items::text, seed, command_id, 0, 0, account_id, enqueued_at::text,"
		" lock_mobs::text, lock_instances::text, outcome, ord, v"
		" FROM action_journal WHERE batch_id = $1::bigint AND ($2::bigint < 0 OR ord <= $2::bigint) ORDER BY ord";
	struct game_outcome *out = wr_xcalloc(1, sizeof(*out));
	struct worker_action *a = wr_xcalloc(1, sizeof(*a));
	struct worker_world world = {0}; /* the doc keeps what it borrows of it */
	PGresult *bres = NULL, *ares = NULL;
	char bs[24], os[24];
	const char *p[2] = {bs, os};
	int64_t now_ms = 0;
	int r;

	*ret_doc = NULL;
	snprintf(bs, sizeof(bs), "%" PRId64, batch);
	snprintf(os, sizeof(os), "%" PRId64, upto_ord);
	r = wr_db_exec(db, sql_batch, 1, p, PGRES_TUPLES_OK, &bres, reterr);
	if (r >= 0 && PQntuples(bres) != 1)
		r = wr_error_set(reterr, -ENOENT, "not_found", "no journaled batch %" PRId64, batch);
	if (r >= 0 && wr_db_get_i64(bres, 0, 0, &now_ms) < 0)
		r = wr_error_set(reterr, -EBADMSG, "internal", "batch %" PRId64 " has no clock", batch);
	if (r >= 0 && atoi(PQgetvalue(bres, 0, 2)) != WRCTL_JOURNAL_VERSION)
		r = wr_error_set(reterr, -EPROTO, "format",
				 "journal batch %" PRId64
				 " has format version %s; this build"
				 " reads %d",
				 batch, PQgetvalue(bres, 0, 2), WRCTL_JOURNAL_VERSION);
	if (r >= 0)
		r = worker_decode_state_db(db, &world, PQgetvalue(bres, 0, 1), NULL, st, ret_doc, reterr);
	if (r >= 0)
		r = wr_db_exec(db, sql_one, 2, p, PGRES_TUPLES_OK, &ares, reterr);
	for (int i = 0; r >= 0 && i < PQntuples(ares); i++) {
		struct game_env env = {.now_ms = now_ms};

		if (atoi(PQgetvalue(ares, i, 19)) != WRCTL_JOURNAL_VERSION) {
			r = wr_error_set(reterr, -EPROTO, "format",
					 "journaled action %s has format version %s; this build"
					 " reads %d",
					 PQgetvalue(ares, i, 0), PQgetvalue(ares, i, 19), WRCTL_JOURNAL_VERSION);
			break;
		}
		if (PQgetvalue(ares, i, A_OUTCOME)[0] == 'p')
			continue;
		if (worker_decode_action(ares, i, a) < 0 || !a->decoded) {
			r = wr_error_set(reterr, -EBADMSG, "internal", "journaled action %s does not decode",
					 PQgetvalue(ares, i, 0));
			break;
		}
		env.rng_state = a->game.seed;
		if (game_apply(st, &a->game, &env, out) < 0 || out->overflow)
			r = wr_error_set(reterr, -EBADMSG, "internal", "journaled action %" PRId64 " does not apply",
					 a->id);
	}
	PQclear(bres);
	PQclear(ares);
	free(out);
	free(a);
	worker_world_done(&world);
	if (r < 0 && *ret_doc) {
		json_object_put(*ret_doc);
		*ret_doc = NULL;
	}
	return r;
}
