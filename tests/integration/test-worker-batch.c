/* SPDX-License-Identifier: MIT */
/*
 * test-worker-batch.c: drives the worker batch by batch against the database
 * in $WR_DATABASE_URL (started by worker-batch.sh) and reads its round-trip
 * counter: claim, lock+load and write+commit are 3 round trips whatever the
 * batch size.  The hot statements are prepared once per connection, and
 * again on the new connection after the old one was lost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"
#include "tests/lib/tap.h"
#include "worker/worker.h"

/* $1 k -> enqueues one say for each of k distinct characters (wrtest.action:
 * tests/lib/action.sql, in the database worker-batch.sh starts) */
static const char *const sql_enqueue =
	"SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:' || c.id, 'say',"
	" '{\"text\":\"batch\"}', jsonb_build_object('room', c.room_id), ARRAY[c.room_id], ARRAY[c.id],"
	" instance_id => c.instance_id) ORDER BY c.id)"
	" FROM (SELECT * FROM characters ORDER BY id LIMIT $1::int) c))";

/* The worker's prepared statements (worker/store.c), on its own connection. */
static const char *const sql_prepared = "SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'wr\\_%'";

static int64_t
count(struct worker *w, const char *sql)
{
	PGresult *res = NULL;
	int64_t v = -1;

	if (wr_db_exec(&w->db, sql, 0, NULL, PGRES_TUPLES_OK, &res, NULL) == 0 && wr_db_get_i64(res, 0, 0, &v) < 0)
		v = -1;
	PQclear(res);
	return v;
}

static int hook_calls, hook_sent;

/* wr_db's while_waiting: counts its calls, and whether everything was sent
 * (libpq's output queue flushed) and the first result not read yet (a
 * pipeline's results stay queued until read). */
static void
hook(void *arg)
{
	struct wr_db *db = arg;

	hook_calls++;
	hook_sent = PQflush(db->conn) == 0 && PQisBusy(db->conn);
}

int
main(void)
{
	static struct worker w;
	struct wr_error err = {0};
	const int sizes[] = {1, 10, 100};

	printf("TAP version 13\n");
	w.cfg = (struct worker_config){
		.database_url = getenv("WR_DATABASE_URL"),
		.batch_max = 128,
		.backstop_ms = 1000,
		.max_attempts = 5,
		.max_replans = 5,
	};
	if (worker_init(&w, &err) < 0) {
		printf("Bail out! could not start the worker: %s\n", err.msg);
		return 1;
	}
	/* claim, lock+load, commit, the three notifies, the look after a commit, the idle query */
	tap_is_int(count(&w, sql_prepared), 12, "the hot statements are prepared on the connection");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char k[16];
		const char *p[1] = {k};
		int64_t before_events = count(&w, "SELECT count(*) FROM event_log");
		uint64_t rt0;
		int n;

		snprintf(k, sizeof(k), "%d", sizes[i]);
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		w.next_batch = sizes[i];
		rt0 = w.db.round_trips;
		n = worker_run_batch(&w);
		tap_is_int(n, sizes[i], "batch of %d: all claimed and applied", sizes[i]);
		tap_is_int(w.db.round_trips - rt0, 3, "batch of %d: 3 round trips", sizes[i]);
		tap_is_int(count(&w, "SELECT count(*) FROM action_queue"), 0, "batch of %d: queue empty", sizes[i]);
		tap_is_int(count(&w, "SELECT count(*) FROM event_log") - before_events, sizes[i],
			   "batch of %d: one event per action", sizes[i]);
		/* issue 16: the lock+load's document and rows were freed while the
		 * server worked on the commit (wr_db's while_waiting), not later. */
		tap_ok(!w.loaded && !w.loaded_rows && !w.db.while_waiting,
		       "batch of %d: its document freed during the commit's round trip", sizes[i]);
		/* issue 16: the commit's notify transaction saw the queue empty. */
		tap_ok(w.idle_after && w.wait_ms == w.cfg.backstop_ms,
		       "batch of %d: nothing due after it: the worker waits (no empty claim)", sizes[i]);
	}
	/* ... and when actions are still due after a commit, it claims again at once. */
	{
		char k[16] = "6";
		const char *p[1] = {k};

		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		w.next_batch = 2;
		tap_is_int(worker_run_batch(&w), 2, "a claim of 2 of 6 due actions");
		tap_ok(!w.idle_after, "4 still due after its commit: the worker claims again at once");
		w.next_batch = 64;
		tap_is_int(worker_run_batch(&w), 4, "the other 4");
		tap_ok(w.idle_after, "then nothing is due: the worker waits");
	}
	/* The hook runs once, after the pipeline is sent, and is cleared. */
	{
		struct wr_db_stmt st[2] = {{.sql = "SELECT 1", .expect = PGRES_TUPLES_OK},
					   {.sql = "SELECT 2", .expect = PGRES_TUPLES_OK}};
		int r1, r2;

		hook_calls = 0;
		w.db.while_waiting = hook;
		w.db.while_waiting_arg = &w.db;
		r1 = wr_db_pipeline(&w.db, st, 2, &err);
		PQclear(st[0].res);
		PQclear(st[1].res);
		r2 = wr_db_pipeline(&w.db, st, 1, &err);
		PQclear(st[0].res);
		tap_ok(r1 == 0 && r2 == 0 && hook_calls == 1 && hook_sent == 1 && !w.db.while_waiting,
		       "while_waiting: called once, with the statements sent and not yet read (%d calls, %d sent)",
		       hook_calls, hook_sent);
	}
	/* The connection is lost: the next batch reconnects and prepares again. */
	{
		char k[16] = "5";
		const char *p[1] = {k};
		uint64_t rt0;

		/* Fails by design: the backend ends under the query. */
		if (wr_db_exec(&w.db, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL, PGRES_TUPLES_OK, NULL,
			       NULL) == 0)
			printf("# the backend outlived pg_terminate_backend\n");
		tap_is_int(worker_run_batch(&w), 0, "connection lost: the worker reconnects");
		tap_is_int(count(&w, sql_prepared), 12, "and prepares the hot statements again");
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		w.next_batch = 5;
		rt0 = w.db.round_trips;
		tap_is_int(worker_run_batch(&w), 5, "after the reconnect: a batch of 5 applied");
		tap_is_int(w.db.round_trips - rt0, 3, "in 3 round trips");
	}
	/* A prepared statement gone (DISCARD ALL, a pooler): the batch fails, the next prepares them again. */
	{
		char k[16] = "5";
		const char *p[1] = {k};

		if (wr_db_exec(&w.db, "DEALLOCATE wr_claim", 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0) {
			printf("Bail out! could not deallocate: %s\n", err.msg);
			return 1;
		}
		tap_ok(worker_run_batch(&w) < 0, "the claim without its prepared statement fails");
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		w.next_batch = 5;
		tap_is_int(worker_run_batch(&w), 5, "the next batch prepares them again and applies 5");
		tap_is_int(count(&w, sql_prepared), 12, "all of them");
	}
	/* Issue 16: due actions whose rooms other claims hold (every room's
	 * advisory lock, wr_claim_pick, held by a second session): the claim
	 * comes back empty at once (it never waits for a room), and the batch
	 * size stays, since that is no idle spell. */
	{
		char k[16] = "5";
		const char *p[1] = {k};
		PGconn *other = PQconnectdb(getenv("WR_DATABASE_URL"));
		PGresult *res;

		if (PQstatus(other) != CONNECTION_OK) {
			printf("Bail out! second connection: %s\n", PQerrorMessage(other));
			return 1;
		}
		PQclear(PQexec(other, "BEGIN"));
		res = PQexec(other, "SELECT count(pg_advisory_xact_lock(1464991745, hashint8(id))) FROM rooms");
		tap_ok(PQresultStatus(res) == PGRES_TUPLES_OK, "a second session holds every room");
		PQclear(res);
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		w.next_batch = 64;
		tap_is_int(worker_run_batch(&w), 0, "rooms held elsewhere: nothing claimed");
		tap_is_int(w.next_batch, 64, "rooms held elsewhere: the batch size stays");
		PQclear(PQexec(other, "ROLLBACK"));
		PQfinish(other);
		tap_is_int(worker_run_batch(&w), 5, "rooms released: the 5 applied");
	}
	/* Idle: an empty claim costs the claim and its rollback, nothing more. */
	{
		uint64_t rt0 = w.db.round_trips;

		tap_is_int(worker_run_batch(&w), 0, "idle: nothing claimed");
		tap_is_int(w.db.round_trips - rt0, 2, "idle: 2 round trips (claim; rollback + next due time)");
		tap_is_int(w.next_batch, WORKER_IDLE_CLAIM, "idle: the batch size restarts at a burst's worth");
	}
	/* After the idle spell, a burst (WORKER_IDLE_CLAIM at most) commits in one
	 * batch: the claim does not restart at 1 (issue 16, latency). */
	{
		char k[16];
		const char *p[1] = {k};
		uint64_t rt0;

		snprintf(k, sizeof(k), "%d", WORKER_IDLE_CLAIM);
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		rt0 = w.db.round_trips;
		tap_is_int(worker_run_batch(&w), WORKER_IDLE_CLAIM, "after the idle spell: a burst of %d in one batch",
			   WORKER_IDLE_CLAIM);
		tap_is_int(w.db.round_trips - rt0, 3, "in 3 round trips");
	}
	/* A short claim took all there was; a few more than that arriving next
	 * still commit in one batch, not one batch and a straggler's. */
	{
		char k[16] = "12";
		const char *p[1] = {k};

		w.next_batch = 64;
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		tap_is_int(worker_run_batch(&w), 12, "a short claim: all 12 queued");
		snprintf(k, sizeof(k), "%d", 18);
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		tap_is_int(worker_run_batch(&w), 18, "then 18, half as many again: all in the next batch");
	}
	/* Issue 16: character_presence.  A worker that has not stamped the
	 * first character stamps it on its say; aged by hand, its next say
	 * within WORKER_PRESENCE_MS sends no stamp (this worker stamped it
	 * lately: the server would have filtered it); a worker whose batch
	 * failed since forgets what it sent, sends the stamp, and it is written. */
	{
		static struct worker w2;
		char k[16] = "1";
		const char *p[1] = {k};
		const char *const fresh =
			"SELECT count(*) FROM character_presence"
			" WHERE character_id = (SELECT min(id) FROM characters)"
			" AND active_at > now() - interval '1 minute'";
		const char *const age =
			"UPDATE character_presence SET active_at = now() - interval '10 minutes'"
			" WHERE character_id = (SELECT min(id) FROM characters)";
		int r1, r2, r3;

		w2.cfg = w.cfg;
		if (worker_init(&w2, &err) < 0) {
			printf("Bail out! could not start a second worker: %s\n", err.msg);
			return 1;
		}
		if (wr_db_exec(&w.db, "DELETE FROM character_presence", 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0 ||
		    wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		r1 = worker_run_batch(&w2);
		tap_ok(r1 == 1 && count(&w, fresh) == 1, "presence: a character's action stamps it");
		if (wr_db_exec(&w.db, age, 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0 ||
		    wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not age the stamp: %s\n", err.msg);
			return 1;
		}
		r2 = worker_run_batch(&w2);
		tap_ok(r2 == 1 && count(&w, fresh) == 0,
		       "presence: stamped by this worker under %d s ago, not sent again", WORKER_PRESENCE_MS / 1000);
		worker_done(&w2);
		/* w stamped it too, in the batches above: a failed batch makes it forget. */
		if (wr_db_exec(&w.db, "DEALLOCATE wr_claim", 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0) {
			printf("Bail out! could not deallocate: %s\n", err.msg);
			return 1;
		}
		tap_ok(worker_run_batch(&w) < 0, "presence: a batch fails");
		if (wr_db_exec(&w.db, sql_enqueue, 1, p, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue: %s\n", err.msg);
			return 1;
		}
		r3 = worker_run_batch(&w);
		tap_ok(r3 == 1 && count(&w, fresh) == 1,
		       "presence: after a failed batch the worker sends the stamp again, and it is written");
	}
	/* Issue 16: a zone's tick is asked for once per batch.  Every plain look
	 * wakes its zone (game_follow_wake), and the database keeps one tick per
	 * zone (migrations/0012): six looks in two zones send two ticks, not six,
	 * and each zone has its one tick queued. */
	{
		const char *const spread =
			"WITH z AS (SELECT t.zone_id, min(r.id) AS room FROM rooms r"
			" JOIN room_templates t ON t.id = r.template_id GROUP BY t.zone_id ORDER BY t.zone_id LIMIT 2),"
			" c AS (SELECT id, row_number() OVER (ORDER BY id) % 2 AS k FROM characters ORDER BY id LIMIT 6)"
			" UPDATE characters x SET room_id = (SELECT room FROM z ORDER BY zone_id OFFSET c.k LIMIT 1)"
			" FROM c WHERE x.id = c.id";
		const char *const looks =
			"SELECT count(*) FROM wr_enqueue((SELECT jsonb_agg(wrtest.action('char:' || c.id, 'look', '{}',"
			" jsonb_build_object('room', c.room_id), ARRAY[c.room_id], ARRAY[c.id],"
			" instance_id => c.instance_id) ORDER BY c.id)"
			" FROM (SELECT * FROM characters ORDER BY id LIMIT 6) c))";
		uint64_t sent = w.batch_followups;

		if (wr_db_exec(&w.db, "UPDATE zones SET tick_ms = 3600000", 0, NULL, PGRES_COMMAND_OK, NULL, &err) <
			    0 ||
		    wr_db_exec(&w.db, spread, 0, NULL, PGRES_COMMAND_OK, NULL, &err) < 0 ||
		    wr_db_exec(&w.db, looks, 0, NULL, PGRES_TUPLES_OK, NULL, &err) < 0) {
			printf("Bail out! could not enqueue the looks: %s\n", err.msg);
			return 1;
		}
		w.next_batch = 6;
		tap_is_int(worker_run_batch(&w), 6, "looks in two zones: the 6 applied in one batch");
		/* A plain look asks for nothing but its zone's wake. */
		tap_is_int(w.batch_followups - sent, 2, "looks in two zones: one tick sent per zone");
		tap_is_int(count(&w, "SELECT count(DISTINCT actor_key) FROM action_queue WHERE verb = 'zone_tick'"), 2,
			   "looks in two zones: each zone's tick queued");
		tap_is_int(count(&w, "SELECT count(*) FROM action_queue WHERE verb = 'zone_tick'"), 2,
			   "looks in two zones: one each");
	}
	worker_done(&w);
	return tap_done();
}
