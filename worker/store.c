/* SPDX-License-Identifier: MIT */
/*
 * store.c: the worker's SQL and its round trips.  A batch is three:
 *
 *   1. BEGIN + claim up to k actions (wr_claim_runs: FOR UPDATE SKIP LOCKED,
 *      the oldest queued action of each actor and up to m - 1 of its next
 *      ones, in order)                                      -- pipelined
 *   2. lock + load every aggregate of the batch in the global order
 *      (wr_lock_load: instances, rooms, characters, mobs, items, FOR NO KEY
 *      UPDATE), with what the rules read for display and reserved item ids
 *   3. wr_commit_batch (rows, events with stream seqs, delete the actions;
 *      typed arrays, one statement per table) + COMMIT      -- pipelined
 *
 * The NOTIFY of a batch (wr_events: the streams it wrote; wr_actions: it
 * queued follow-ups or re-plans; wr_released: it let go of its claim and
 * rooms) travels in a small transaction of its own, right behind the
 * batch's COMMIT in the same pipeline: a notifying transaction holds
 * PostgreSQL's notify lock through its commit flush, and inside the batch
 * that serialised every worker's commit.  Issue 16: it used to go at the
 * head of the next claim's pipeline, so the publisher heard of a commit
 * only after the worker had woken up, read the commit's answer and sent
 * the next claim (one more process hop on the command-to-screen path).
 * A notify that could not be sent with its commit goes with the next
 * claim (or alone when the worker stops).
 *
 * The hot statements (claim, lock+load, commit, the notifies, the idle
 * query) are prepared once per connection, right after it is made
 * (worker_store_open, worker_store_reset), in one pipelined round trip:
 * a batch sends only their names and parameters.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"

#include "worker/store.h"

#define CHANNEL "wr_actions"
#define EVENTS_CHANNEL "wr_events"
/* Issue 16: a worker committed (or stopped) and released what its batch held:
 * a worker napping because others held every due room claims again at once. */
#define RELEASED_CHANNEL "wr_released"

/*
 * Issue 16 (i16-wake2): one worker wakes per new action.  The ingress's
 * NOTIFY wr_actions reaches every worker, and every idle one used to claim
 * (0.7 ms of backend CPU each); the losers' claims ran beside the winner's
 * lock+load on two cores.  Now the session advisory lock LEAD_KEY marks
 * the listener: the worker that holds it claims on wr_actions; an idle
 * worker without it only tries to take it (a statement of a few
 * microseconds) and claims if it got it.  A worker gives the lock up in its
 * claim's pipeline (a busy worker hears nothing: the next new action wakes
 * another) and tries to take it when it goes to sleep with nothing due
 * (the idle query, the commit's notify transaction).  A listener that dies
 * loses the lock with its session: the next new action goes to whoever
 * takes it then.  A backlog still wakes everyone: wr_released (a commit
 * left due work) wakes every sleeping worker.  Nothing here decides what
 * is claimed: a wrong guess costs a wake-up or a backstop, never an action.
 * LEAD_HELD(db): this session holds it (one bit of db->session_locks).
 */
#define LEAD_CLASS "1464991748"
#define LEAD_KEY LEAD_CLASS ", 0"
#define LEAD_BIT 1u
#define LEAD_HELD(db) (((db)->session_locks & LEAD_BIT) != 0)
#define LEAD_SET(db, on) ((db)->session_locks = (on) ? (db)->session_locks | LEAD_BIT : (db)->session_locks & ~LEAD_BIT)

bool
worker_store_leader(const struct wr_db *db)
{
	return LEAD_HELD(db);
}

static const char *const session_sql =
	"SET lock_timeout = '2s'; SET statement_timeout = '10s';"
	" SET idle_in_transaction_session_timeout = '5s'; SET client_min_messages = warning";

/* $1 k heads, $2 m actions per actor, $3 cap rows -> claimed rows, columns in codec.c's COL_* order */
#define SQL_CLAIM                                                                                    \
	"SELECT id, actor_key, verb, args::text, plan::text, instance_id, lock_rooms::text,"         \
	" lock_characters::text, lock_items::text, seed, command_id, attempts, replans, account_id," \
	" created_at::text, lock_mobs::text, lock_instances::text FROM wr_claim_runs($1, $2, $3)"

/*
 * The lock phase.  Tests build a second worker with another function here
 * (tests/integration/wr_lock_load_unordered.sql) to prove that the
 * contention test catches a worker that does not lock in the global order.
 */
#ifndef WR_LOCK_LOAD_FN
#define WR_LOCK_LOAD_FN "wr_lock_load"
#endif

/* $1..$5 bigint[] of instances, rooms, characters, mobs, items to lock, $6 jsonb
 * of what to read unlocked (schema/functions/wr_lock_load.sql) -> row 0: the
 * json document without its characters (reads.rows; wr_lock_load_sets);
 * then one row per character, typed (wr_lock_chars, codec.c's enum char_col
 * after the document's column).  Issue 16: the characters were most of the document's
 * bytes, its server time and the worker's json-c parse. */
#define SQL_LOCK_LOAD                                                                                \
	"WITH d AS MATERIALIZED (SELECT * FROM " WR_LOCK_LOAD_FN                                     \
	"_sets($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],"                \
	" $6::jsonb || '{\"rows\": true}'))"                                                         \
	" SELECT o_doc::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"     \
	" NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL FROM d"                                                       \
	" UNION ALL SELECT NULL, c.* FROM d,"                                                        \
	" wr_lock_chars(d.o_characters, d.o_rooms, d.o_read, d.o_weights, d.o_possessions) c"

/* The same, as before the cached world: WR_WORKER_CHECK_WORLD only (tests). */
static const char *const sql_lock_load_full =
	"SELECT wr_lock_load_full($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::jsonb)::text";

/* $1 version (NULL: the current one) -> version, the static world's document */
static const char *const sql_world = "SELECT o_version, o_doc FROM wr_world_static($1::bigint)";

/* enum commit_param's parameters -> events written (schema/functions/wr_commit_batch.sql) */
#define SQL_COMMIT_BATCH                                                                                            \
	"SELECT wr_commit_batch($1::bigint[], $2::text, $3::bigint, $4::text, $5::bigint[], $6::bigint[],"          \
	" $7::bigint[], $8::bigint[], $9::integer[], $10::bigint[], $11::bigint[], $12::integer[], $13::integer[]," \
	" $14::bigint[], $15::bigint[], $16::bigint[],"                                                             \
	" $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[], $21::bigint[], $22::text[], $23::integer[],"  \
	" $24::text[],"                                                                                             \
	" $25::text[], $26::text[], $27::bigint[], $28::text[], $29::text[], $30::bigint[], $31::timestamptz[],"    \
	" $32::smallint[],"                                                                                         \
	" $33::integer[], $34::text[], $35::bigint[], $36::text[], $37::bigint[], $38::bigint[], $39::bigint[],"    \
	" $40::text[],"                                                                                             \
	" $41::text[], $42::bigint[], $43::text[], $44::text[], $45::text[], $46::bigint[], $47::text[],"           \
	" $48::text[], $49::text[], $50::text[], $51::text[], $52::smallint[], $53::bigint[], $54::bigint[],"       \
	" $55::text[], $56::text[], $57::jsonb)"

/* The due question the three statements below share: q.due, ms until the
 * next queued action is due (<= 0: due now), NULL if none; wr_next_due_ms()
 * reads the queue by its index whatever its statistics (i16-backlog2). */
#define SQL_DUE_Q "WITH q AS MATERIALIZED (SELECT wr_next_due_ms() AS due)"
/* When nothing is due now, this worker tries to become the listener (false
 * when it is due now: a worker napping on held rooms must not hold it). */
#define SQL_LEAD_IF_IDLE "CASE WHEN q.due IS NULL OR q.due > 0 THEN pg_try_advisory_lock(" LEAD_KEY ") ELSE false END"

/* -> due, whether this worker took the listener's lock */
#define SQL_NEXT_DUE SQL_DUE_Q " SELECT q.due, " SQL_LEAD_IF_IDLE " FROM q"

/*
 * Right behind a batch's COMMIT (in its notify transaction): the same, and
 * NOTIFY wr_released only when something is due: a worker napping on held
 * rooms has nothing to claim otherwise (issue 16: at idle the other worker
 * woke at every commit, for an empty claim, while the publisher read the
 * events).  -> due, whether it notified, whether it took the listener's lock
 */
#define SQL_AFTER_COMMIT                                                                      \
	SQL_DUE_Q " SELECT q.due, (SELECT count(*) FROM (SELECT pg_notify('" RELEASED_CHANNEL \
		  "', '') FROM q q2"                                                          \
		  " WHERE q2.due <= 0) n) > 0, " SQL_LEAD_IF_IDLE " FROM q"

/* The same for the listener (an empty claim): it keeps the lock when nothing
 * is due now, and gives it up when it naps on held rooms -> due, still held */
#define SQL_NEXT_DUE_LEAD                                                                                     \
	SQL_DUE_Q                                                                                             \
	" SELECT q.due, CASE WHEN q.due IS NULL OR q.due > 0 THEN true ELSE NOT pg_advisory_unlock(" LEAD_KEY \
	") END FROM q"

/* The claim slot's wait, before the claim's BEGIN (wr_claim_slot_wait). */
#define SQL_SLOT_WAIT "SELECT wr_claim_slot_wait()"
#define SLOT_CLASS "1464991747"

/* Every level of the listener's lock this session holds (after a failure),
 * and a claim slot waited for by a claim that never ran. */
static const char *const sql_lead_drop =
	"DO $$ BEGIN WHILE EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = " LEAD_CLASS
	" AND objid = 0 AND objsubid = 2 AND pid = pg_backend_pid() AND granted) LOOP"
	" PERFORM pg_advisory_unlock(" LEAD_KEY
	"); END LOOP;"
	" WHILE EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = " SLOT_CLASS
	" AND objsubid = 2 AND pid = pg_backend_pid() AND granted) LOOP"
	" PERFORM pg_advisory_unlock(" SLOT_CLASS
	", objid::integer) FROM pg_locks WHERE locktype = 'advisory'"
	" AND classid = " SLOT_CLASS
	" AND objsubid = 2 AND pid = pg_backend_pid() AND granted; END LOOP;"
	" PERFORM set_config('wr.slot', '', false); END $$";

/* $1 ids bigint[], $2 error, $3 max attempts -> actions dead-lettered */
static const char *const sql_failed = "SELECT wr_action_failed($1::bigint[], $2, $3::integer)";

/* The prepared statements, by name. */
enum prep {
	PREP_CLAIM,
	PREP_LOCK_LOAD,
	PREP_COMMIT,
	PREP_NOTIFY_EVENTS,
	PREP_NOTIFY_ACTIONS,
	PREP_NOTIFY_RELEASED,
	PREP_AFTER_COMMIT,
	PREP_NEXT_DUE,
	PREP_NEXT_DUE_LEAD,
	PREP_LEAD_TRY,
	PREP_LEAD_GIVE,
	PREP_SLOT_WAIT,
	_PREP_MAX
};

static const struct {
	const char *name, *sql;
	int nparams;
} preps[_PREP_MAX] = {
	[PREP_CLAIM] = {"wr_claim", SQL_CLAIM, 3},
	[PREP_LOCK_LOAD] = {"wr_lock_load", SQL_LOCK_LOAD, _STORE_LOCK_MAX + 1},
	[PREP_COMMIT] = {"wr_commit_batch", SQL_COMMIT_BATCH, _COMMIT_NPARAMS},
	[PREP_NOTIFY_EVENTS] = {"wr_notify_events", "SELECT pg_notify('" EVENTS_CHANNEL "', $1)", 1},
	[PREP_NOTIFY_ACTIONS] = {"wr_notify_actions", "SELECT pg_notify('" CHANNEL "', '')", 0},
	[PREP_NOTIFY_RELEASED] = {"wr_notify_released", "SELECT pg_notify('" RELEASED_CHANNEL "', '')", 0},
	[PREP_AFTER_COMMIT] = {"wr_after_commit", SQL_AFTER_COMMIT, 0},
	[PREP_NEXT_DUE] = {"wr_next_due", SQL_NEXT_DUE, 0},
	[PREP_NEXT_DUE_LEAD] = {"wr_next_due_lead", SQL_NEXT_DUE_LEAD, 0},
	[PREP_LEAD_TRY] = {"wr_lead_try", "SELECT pg_try_advisory_lock(" LEAD_KEY ")", 0},
	[PREP_LEAD_GIVE] = {"wr_lead_give", "SELECT pg_advisory_unlock(" LEAD_KEY ")", 0},
	[PREP_SLOT_WAIT] = {"wr_slot_wait", SQL_SLOT_WAIT, 0},
};

/*
 * Prepares them all on a new connection (one round trip); nothing on one
 * that has them.  Whatever this session had prepared goes first: after a
 * failed batch (worker_store_reset) they are prepared again, so a statement
 * whose plan can no longer be used (a migration changed a function's result
 * type) or that is gone does not fail every batch after it.
 */
static int
prepare(struct wr_db *db, struct wr_error *reterr)
{
	struct wr_db_stmt st[_PREP_MAX + 1];
	int r;

	if (wr_db_is_prepared(db, preps[0].name))
		return 0;
	st[0] = (struct wr_db_stmt){.sql = "DEALLOCATE ALL", .expect = PGRES_COMMAND_OK};
	db->nprepared = 0; /* core/db.c's record of what this connection has prepared goes too */
	for (int i = 0; i < _PREP_MAX; i++)
		st[i + 1] = (struct wr_db_stmt){.sql = preps[i].sql,
						.nparams = preps[i].nparams,
						.expect = PGRES_COMMAND_OK,
						.name = preps[i].name,
						.prepare = true};
	r = wr_db_pipeline(db, st, _PREP_MAX + 1, reterr);
	for (int i = 0; i <= _PREP_MAX; i++)
		PQclear(st[i].res);
	return r;
}

/* A statement that runs the prepared one. */
static struct wr_db_stmt
prepared(enum prep p, const char *const *params, ExecStatusType expect)
{
	return (struct wr_db_stmt){.sql = preps[p].sql,
				   .nparams = preps[p].nparams,
				   .params = params,
				   .expect = expect,
				   .name = preps[p].name};
}

/* New actions (wr_actions) and other workers' releases (wr_released). */
static int
listen(struct wr_db *db, struct wr_error *reterr)
{
	int r = wr_db_listen(db, CHANNEL, reterr);

	return r < 0 ? r : wr_db_listen(db, RELEASED_CHANNEL, reterr);
}

/* Drops the notifications libpq has already read (a busy worker never
 * waits, and libpq keeps every one until asked). */
static void
forget_notifies(struct wr_db *db)
{
	PGnotify *nt;

	if (!db->conn)
		return;
	while ((nt = PQnotifies(db->conn)) != NULL)
		PQfreemem(nt);
}

int
worker_store_open(struct wr_db *db, const char *url, int64_t batch_max, int64_t claim_slots, struct wr_error *reterr)
{
	char appname[64], setup[256];
	int r;

	/* "wr-worker/<pid>": an operator (or a test) can tell backends apart. */
	snprintf(appname, sizeof(appname), "wr-worker/%d", (int) getpid());
	/* wr_claim_pick (issue 16, four workers): wr.batch_max, a full batch,
	 * what a claim takes when other workers claim too; wr.claim_slots, how
	 * many batches run at once. */
	snprintf(setup, sizeof(setup), "%s; SET wr.batch_max = %" PRId64 "; SET wr.claim_slots = %" PRId64, session_sql,
		 batch_max > 0 ? batch_max : 128, claim_slots);
	r = wr_db_init(db, url, appname, setup, reterr);
	if (r < 0)
		return r;
	r = listen(db, reterr);
	return r < 0 ? r : prepare(db, reterr);
}

int
worker_store_reset(struct wr_db *db, struct wr_error *reterr)
{
	int r;

	/* The listener's lock goes too, however many times this session took
	 * it (a round trip that failed after taking it leaves LEAD_HELD wrong). */
	if (wr_db_connected(db) && wr_db_exec(db, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, reterr) == 0 &&
	    wr_db_exec(db, sql_lead_drop, 0, NULL, PGRES_COMMAND_OK, NULL, reterr) == 0) {
		db->nprepared = 0; /* prepared again with the next claim (prepare) */
		LEAD_SET(db, false);
		return 0;
	}
	LEAD_SET(db, false);
	r = wr_db_reconnect(db, reterr);
	if (r < 0)
		return r;
	r = listen(db, reterr);
	if (r >= 0)
		r = prepare(db, reterr);
	return r < 0 ? r : 1;
}

/* Appends the notify transaction of the last commit (if any) to a pipeline.
 * *after (may be NULL): right behind its COMMIT, where wr_released goes only
 * when something is due (SQL_AFTER_COMMIT): the index of that statement. */
static size_t
notify_stmts(struct wr_db_stmt *st, const struct worker_store_notify *nf, const char *const *p, size_t *after)
{
	size_t n = 0;

	if (!nf || (!nf->streams && !nf->actions && !nf->released))
		return 0;
	st[n++] = (struct wr_db_stmt){.sql = "BEGIN", .expect = PGRES_COMMAND_OK};
	/* What it tells is already durable; its own commit need not wait for a flush. */
	st[n++] = (struct wr_db_stmt){.sql = "SET LOCAL synchronous_commit TO off", .expect = PGRES_COMMAND_OK};
	if (nf->streams)
		st[n++] = prepared(PREP_NOTIFY_EVENTS, p, PGRES_TUPLES_OK);
	if (nf->actions)
		st[n++] = prepared(PREP_NOTIFY_ACTIONS, NULL, PGRES_TUPLES_OK);
	if (nf->released && after) {
		*after = n;
		st[n++] = prepared(PREP_AFTER_COMMIT, NULL, PGRES_TUPLES_OK);
	} else if (nf->released)
		st[n++] = prepared(PREP_NOTIFY_RELEASED, NULL, PGRES_TUPLES_OK);
	st[n++] = (struct wr_db_stmt){.sql = "COMMIT", .expect = PGRES_COMMAND_OK};
	return n;
}

int
worker_store_claim(struct wr_db *db, int64_t k, int64_t m, int64_t cap, const struct worker_store_notify *nf,
		   PGresult **ret, struct wr_error *reterr)
{
	char ks[24], ms[24], caps[24];
	const char *p[3] = {ks, ms, caps};
	const char *pn[1] = {nf && nf->streams ? nf->streams : ""};
	struct wr_db_stmt st[10];
	size_t n;
	int r = prepare(db, reterr);

	if (r < 0)
		return r;
	/* What was heard before this claim is answered by it (its snapshot
	 * sees those commits): only what comes later may wake the worker. */
	forget_notifies(db);
	n = notify_stmts(st, nf, pn, NULL);
	/* A claim slot, waited for before BEGIN, in a transaction of its own
	 * (issue 16, four workers): the claim's now() and snapshot come after
	 * the wait, so it sees what arrived meanwhile (wr_claim_slot_wait). */
	st[n] = prepared(PREP_SLOT_WAIT, NULL, PGRES_TUPLES_OK);
	st[n++].sync_after = true;
	st[n++] = (struct wr_db_stmt){.sql = "BEGIN", .expect = PGRES_COMMAND_OK};
	st[n++] = prepared(PREP_CLAIM, p, PGRES_TUPLES_OK);
	snprintf(ks, sizeof(ks), "%" PRId64, k);
	snprintf(ms, sizeof(ms), "%" PRId64, m);
	snprintf(caps, sizeof(caps), "%" PRId64, cap);
	r = wr_db_pipeline(db, st, n, reterr);
	for (size_t i = 0; i + 1 < n; i++)
		PQclear(st[i].res);
	if (r < 0) {
		PQclear(st[n - 1].res);
		return r;
	}
	*ret = st[n - 1].res;
	return 0;
}

int
worker_store_notify(struct wr_db *db, const struct worker_store_notify *nf, struct wr_error *reterr)
{
	const char *pn[1] = {nf->streams ? nf->streams : ""};
	struct wr_db_stmt st[6];
	size_t n = notify_stmts(st, nf, pn, NULL);
	int r;

	if (n == 0)
		return 0;
	r = prepare(db, reterr);
	if (r >= 0)
		r = wr_db_pipeline(db, st, n, reterr);
	for (size_t i = 0; i < n; i++)
		PQclear(st[i].res);
	return r;
}

/* full: the whole document (WR_WORKER_CHECK_WORLD), not prepared. */
static int
lock_load(struct wr_db *db, bool full, const char *const locks[_STORE_LOCK_MAX], const char *reads, PGresult **ret,
	  struct wr_error *reterr)
{
	const char *p[_STORE_LOCK_MAX + 1];
	struct wr_db_stmt st[2];
	PGresult *res = NULL;
	size_t n = 0;
	int r;

	for (int i = 0; i < _STORE_LOCK_MAX; i++)
		p[i] = locks[i];
	p[_STORE_LOCK_MAX] = reads;
	/* The claim found work: a busy worker is no listener, the next new
	 * action wakes another.  (Not before the claim: the others, woken by
	 * the same notification, would take the lock and claim too.) */
	if (LEAD_HELD(db))
		st[n++] = prepared(PREP_LEAD_GIVE, NULL, PGRES_TUPLES_OK);
	LEAD_SET(db, false);
	st[n] = prepared(PREP_LOCK_LOAD, p, PGRES_TUPLES_OK);
	if (full)
		st[n] = (struct wr_db_stmt){.sql = sql_lock_load_full,
					    .nparams = _STORE_LOCK_MAX + 1,
					    .params = p,
					    .expect = PGRES_TUPLES_OK};
	n++;
	r = wr_db_pipeline(db, st, n, reterr);
	if (n > 1)
		PQclear(st[0].res);
	res = st[n - 1].res;
	if (r >= 0 && (PQntuples(res) < 1 || (full && PQntuples(res) != 1) || PQgetisnull(res, 0, 0)))
		r = wr_error_set(reterr, -EBADMSG, "internal", "lock_load returned no document");
	for (int i = 1; r >= 0 && i < PQntuples(res); i++)
		if (!PQgetisnull(res, i, 0))
			r = wr_error_set(reterr, -EBADMSG, "internal", "lock_load returned two documents");
	if (r < 0) {
		PQclear(res);
		return r;
	}
	*ret = res;
	return 0;
}

int
worker_store_lock_load(struct wr_db *db, const char *const locks[_STORE_LOCK_MAX], const char *reads, PGresult **ret,
		       struct wr_error *reterr)
{
	return lock_load(db, false, locks, reads, ret, reterr);
}

int
worker_store_lock_load_full(struct wr_db *db, const char *const locks[_STORE_LOCK_MAX], const char *reads,
			    PGresult **ret, struct wr_error *reterr)
{
	return lock_load(db, true, locks, reads, ret, reterr);
}

int
worker_store_world(struct wr_db *db, int64_t version, PGresult **ret, struct wr_error *reterr)
{
	char vs[24];
	const char *p[1] = {version > 0 ? vs : NULL};

	snprintf(vs, sizeof(vs), "%" PRId64, version);
	return wr_db_exec(db, sql_world, 1, p, PGRES_TUPLES_OK, ret, reterr);
}

/* Whether column col of row 0 says the listener's lock was taken. */
static bool
lead_taken(const PGresult *res, int col)
{
	return PQntuples(res) > 0 && PQnfields(res) > col && !PQgetisnull(res, 0, col) &&
	       PQgetvalue(res, 0, col)[0] == 't';
}

int
worker_store_commit(struct wr_db *db, const char *const params[_COMMIT_NPARAMS], const struct worker_store_notify *nf,
		    struct worker_store_due *ret_due, struct wr_error *reterr)
{
	const char *pn[1] = {nf && nf->streams ? nf->streams : ""};
	struct wr_db_stmt st[8] = {
		prepared(PREP_COMMIT, params, PGRES_TUPLES_OK),
		{.sql = "COMMIT", .expect = PGRES_COMMAND_OK},
	};
	size_t after = 0;
	/* No sync between the two transactions: when the batch fails, the
	 * server skips its notify too. */
	size_t n = 2 + notify_stmts(st + 2, nf, pn, &after);
	int r = wr_db_pipeline(db, st, n, reterr);

	*ret_due = (struct worker_store_due){.known = false};
	if (r == 0 && after > 0) {
		const PGresult *res = st[2 + after].res;

		ret_due->known = true;
		ret_due->any = wr_db_get_i64(res, 0, 0, &ret_due->due_ms) == 0;
		LEAD_SET(db, LEAD_HELD(db) || lead_taken(res, 2));
	}
	for (size_t i = 0; i < n; i++)
		PQclear(st[i].res);
	return r;
}

int
worker_store_idle(struct wr_db *db, bool *ret_any, int64_t *ret_due_ms, struct wr_error *reterr)
{
	struct wr_db_stmt st[2] = {
		{.sql = "ROLLBACK", .expect = PGRES_COMMAND_OK},
		prepared(LEAD_HELD(db) ? PREP_NEXT_DUE_LEAD : PREP_NEXT_DUE, NULL, PGRES_TUPLES_OK),
	};
	int r = wr_db_pipeline(db, st, 2, reterr);

	/* Not known on failure: the reset drops the lock (worker_store_reset). */
	if (r == 0) {
		*ret_any = wr_db_get_i64(st[1].res, 0, 0, ret_due_ms) == 0;
		LEAD_SET(db, lead_taken(st[1].res, 1));
	}
	PQclear(st[0].res);
	PQclear(st[1].res);
	return r;
}

int
worker_store_failed(struct wr_db *db, const char *ids, const char *error, int64_t max_attempts, struct wr_error *reterr)
{
	char max[24];
	const char *p[3] = {ids, error, max};

	snprintf(max, sizeof(max), "%" PRId64, max_attempts);
	return wr_db_exec(db, sql_failed, 3, p, PGRES_TUPLES_OK, NULL, reterr);
}

/* What one look at the socket heard: new actions, another backend's release. */
static int
heard(struct wr_db *db, bool *ret_actions, bool *ret_released, struct wr_error *reterr)
{
	int self = PQbackendPID(db->conn);
	PGnotify *nt;

	if (!PQconsumeInput(db->conn) || PQstatus(db->conn) == CONNECTION_BAD)
		return wr_error_set(reterr, -ECONNRESET, "database", "lost connection while listening: %s",
				    PQerrorMessage(db->conn));
	while ((nt = PQnotifies(db->conn)) != NULL) {
		if (strcmp(nt->relname, CHANNEL) == 0)
			*ret_actions = true;
		else if (strcmp(nt->relname, RELEASED_CHANNEL) == 0 && nt->be_pid != self)
			*ret_released = true;
		PQfreemem(nt);
	}
	return 0;
}

/* New actions heard by a worker that is not the listener: it claims only
 * if it takes the lock now (the listener died, or is busy claiming). */
static bool
lead_try(struct wr_db *db, int *ret, struct wr_error *reterr)
{
	struct wr_db_stmt st = prepared(PREP_LEAD_TRY, NULL, PGRES_TUPLES_OK);

	if (LEAD_HELD(db))
		return true;
#ifdef WR_WORKER_LEAD_MUTANT
	/* tests/integration/worker-lead.sh: a follower that never takes over. */
	PQclear(st.res);
	return false;
#endif
	*ret = wr_db_pipeline(db, &st, 1, reterr);
	if (*ret == 0)
		LEAD_SET(db, lead_taken(st.res, 0));
	PQclear(st.res);
	return LEAD_HELD(db);
}

int
worker_store_wait(struct wr_db *db, int64_t timeout_ms, bool held, struct wr_error *reterr)
{
	int64_t deadline = wr_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);

	if (!db->conn || db->phase != WR_DB_READY)
		return wr_error_set(reterr, -ECONNRESET, "database", "not connected to database");
	for (;;) {
		bool actions = false, released = false;
		struct pollfd pfd = {.fd = PQsocket(db->conn), .events = POLLIN};
		int64_t left;
		int r = heard(db, &actions, &released, reterr);

		if (r < 0)
			return r;
		if (held ? released : (released || (actions && lead_try(db, &r, reterr))))
			return 1;
		if (r < 0)
			return r;
		left = deadline - wr_mono_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int) left);
		if (r < 0 && errno != EINTR)
			return wr_error_set(reterr, -errno, "database", "poll: %s", strerror(errno));
		if (r < 0)
			return 0; /* a signal: the caller looks at its stop flag */
	}
}
