/* SPDX-License-Identifier: MIT */
/*
 * wrctl_replay.c: "wrctl replay": events out of event_log (and out of the
 * archive files of partitions wrctl archive dropped), as JSON lines or
 * rendered text, in event id order, then live with --follow.
 *
 * History is one COPY ... TO STDOUT in one REPEATABLE READ snapshot: the
 * server renders each line, the client only copies bytes (docs/journal.md
 * has the rate).  --follow then polls, woken by the publisher's NOTIFY
 * (wr_events, a hint only), with the rule of ARCHITECTURE.md section 5:
 * event ids are taken at insert but become visible at commit, so "id > last"
 * would skip events.  Instead every read runs in its own snapshot S and
 * takes the events of transactions with txid >= lo (lo: the previous
 * snapshot's xmin) that it has not printed yet; every transaction below
 * S's xmin has ended, so the next read starts at lo = xmin(S), and those at
 * or above it that S already saw are remembered (seen[]) and skipped.  Each
 * transaction's events are thus printed exactly once, the first time a
 * snapshot sees them, and a stream's events in seq order: an event's
 * predecessor in its stream committed before it was inserted, so any
 * snapshot that sees it sees the predecessor too, with a smaller id.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "core/json.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "game/game.h"
#include "tools/wrctl.h"

#define MAX_FILTER 64     /* --stream / --type / --actor values */
#define MAX_SEEN 200000   /* txids above xmin remembered between polls */

struct replay {
	const char *streams[MAX_FILTER], *types[MAX_FILTER], *actors[MAX_FILTER];
	int nstreams, ntypes, nactors;
	const char *from, *to, *since, *until;
	bool text, follow, progress, no_archives;
	uint64_t printed;
	double t0, last_progress;
	struct wr_db db;
};

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
progress(struct replay *r, bool force)
{
	double t = now_s();

	if (!r->progress || (!force && t - r->last_progress < 1.0))
		return;
	r->last_progress = t;
	fprintf(stderr, "wrctl replay: %" PRIu64 " events, %.1f s, %.0f events/s\n", r->printed, t - r->t0,
		t > r->t0 ? (double) r->printed / (t - r->t0) : 0.0);
}

/* Appends a SQL text array literal of vals as parameter $n. */
static void
add_array_param(struct wr_strbuf *arr, const char *const *vals, int n)
{
	wr_strbuf_puts(arr, "{");
	for (int i = 0; i < n; i++) {
		wr_strbuf_puts(arr, i ? ",\"" : "\"");
		for (const char *p = vals[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				wr_strbuf_puts(arr, "\\");
			wr_strbuf_append(arr, p, 1);
		}
		wr_strbuf_puts(arr, "\"");
	}
	wr_strbuf_puts(arr, "}");
}

/*
 * The SELECT of one read: filters as literals (quoted by the server:
 * quote_literal is not available client-side, so values are checked to be
 * plain printable text first, see check_value), source either event_log or
 * event_log plus the archive tables loaded for this run.
 */
static void
build_select(struct replay *r, struct wr_strbuf *q, bool archives, const char *extra)
{
	struct wr_strbuf a = WR_STRBUF_INIT;
	/* An event's streams, by name: "stream#seq,..." for the text, the JSON array's members for JSON. */
	const char *agg = r->text ? "string_agg(x.stream || '#' || x.seq, ',' ORDER BY x.stream)"
				  : "string_agg('{\"stream\":' || to_json(x.stream) || ',\"seq\":' || x.seq || '}', ','"
				    " ORDER BY x.stream)";

	/* JSON: the server concatenates each line (text operators only, no JSON
	 * builder: those cost several times the COPY itself), and a flag: 1 when
	 * the payload is not at the version this build writes (upcast_line).
	 * Text: plain columns, formatted by the client (format_line). */
	if (!r->text) {
		wr_strbuf_puts(q, "SELECT CASE WHEN e.v <> CASE e.type");
		for (size_t i = 0;; i++) {
			int ver;
			const char *t = game_event_versioned(i, &ver);

			if (!t)
				break;
			wr_strbuf_printf(q, " WHEN '%s' THEN %d", t, ver); /* game/versions.c: plain names */
		}
		wr_strbuf_puts(q, " ELSE 1 END THEN 1 ELSE 0 END,"
				  " '{\"event_id\":' || e.event_id || ',\"created_at\":\"' ||"
				  " to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') ||"
				  " '\",\"type\":' || to_json(e.type) || ',\"v\":' || e.v ||"
				  " ',\"actor_key\":' || coalesce(to_json(e.actor_key)::text, 'null') ||"
				  " ',\"action_id\":' || coalesce(e.action_id::text, 'null') ||"
				  " ',\"command_id\":' || coalesce(to_json(e.command_id)::text, 'null') ||"
				  " ',\"instance_id\":' || coalesce(e.instance_id::text, 'null') ||"
				  " ',\"streams\":[' || coalesce(s.streams, '') || '],\"payload\":' || e.payload::text || '}'");
	} else {
		wr_strbuf_puts(q, "SELECT e.event_id, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
				  " e.type, e.v, e.actor_key, e.action_id, e.command_id, e.instance_id, s.streams,"
				  " coalesce(e.payload->>'text', e.payload::text)");
	}
	/* History: one hash join with the stream rows of the span beats a lookup
	 * per event; live reads (extra: a few new transactions) look them up. */
	if (extra)
		wr_strbuf_printf(q, " FROM %%E e LEFT JOIN LATERAL (SELECT %s AS streams FROM %%S x WHERE x.event_id = e.event_id"
				    " AND x.created_at = e.created_at) s ON true WHERE true", agg);
	else {
		wr_strbuf_printf(q, " FROM %%E e LEFT JOIN (SELECT x.event_id, %s AS streams FROM %%S x WHERE true", agg);
		if (r->from)
			wr_strbuf_printf(q, " AND x.event_id >= %s", r->from);
		if (r->to)
			wr_strbuf_printf(q, " AND x.event_id <= %s", r->to);
		if (r->since)
			wr_strbuf_printf(q, " AND x.created_at >= '%s'::timestamptz", r->since);
		if (r->until)
			wr_strbuf_printf(q, " AND x.created_at < '%s'::timestamptz", r->until);
		wr_strbuf_puts(q, " GROUP BY x.event_id) s ON s.event_id = e.event_id WHERE true");
	}
	if (r->from)
		wr_strbuf_printf(q, " AND e.event_id >= %s", r->from);
	if (r->to)
		wr_strbuf_printf(q, " AND e.event_id <= %s", r->to);
	if (r->since)
		wr_strbuf_printf(q, " AND e.created_at >= '%s'::timestamptz", r->since);
	if (r->until)
		wr_strbuf_printf(q, " AND e.created_at < '%s'::timestamptz", r->until);
	if (r->ntypes) {
		add_array_param(&a, r->types, r->ntypes);
		wr_strbuf_printf(q, " AND e.type = ANY('%s'::text[])", wr_strbuf_str(&a));
		wr_strbuf_reset(&a);
	}
	if (r->nactors) {
		add_array_param(&a, r->actors, r->nactors);
		wr_strbuf_printf(q, " AND e.actor_key = ANY('%s'::text[])", wr_strbuf_str(&a));
		wr_strbuf_reset(&a);
	}
	if (r->nstreams) {
		add_array_param(&a, r->streams, r->nstreams);
		wr_strbuf_printf(q, " AND EXISTS (SELECT 1 FROM %%S y WHERE y.event_id = e.event_id"
				    " AND y.created_at = e.created_at AND y.stream = ANY('%s'::text[]))",
				 wr_strbuf_str(&a));
	}
	if (extra)
		wr_strbuf_puts(q, extra);
	wr_strbuf_puts(q, " ORDER BY e.event_id");
	wr_strbuf_done(&a);
	/* %E / %S: the event and stream sources. */
	{
		const char *ev = archives ? "(SELECT * FROM event_log UNION ALL SELECT * FROM pg_temp.arch_events)"
					  : "event_log";
		const char *st = archives ? "(SELECT * FROM event_streams UNION ALL SELECT * FROM pg_temp.arch_streams)"
					  : "event_streams";
		struct wr_strbuf out = WR_STRBUF_INIT;

		for (const char *p = wr_strbuf_str(q); *p; p++) {
			if (p[0] == '%' && p[1] == 'E') {
				wr_strbuf_puts(&out, ev);
				p++;
			} else if (p[0] == '%' && p[1] == 'S') {
				wr_strbuf_puts(&out, st);
				p++;
			} else if (p[0] == '%' && p[1] == '%') {
				wr_strbuf_puts(&out, "%");
				p++;
			} else
				wr_strbuf_append(&out, p, 1);
		}
		wr_strbuf_reset(q);
		wr_strbuf_puts(q, wr_strbuf_str(&out));
		wr_strbuf_done(&out);
	}
}

/* Filter values go into SQL text: allow only what stream names, types,
 * actors and timestamps use. */
static bool
check_value(const char *v, const char *what)
{
	size_t n = strlen(v);

	if (n == 0 || n > 120) {
		fprintf(stderr, "wrctl replay: %s must be 1 to 120 characters\n", what);
		return false;
	}
	for (const char *p = v; *p; p++)
		if (!(*p == ':' || *p == '-' || *p == '_' || *p == '.' || *p == ' ' || *p == '+' || *p == '/' ||
		      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			fprintf(stderr, "wrctl replay: bad character in %s \"%s\"\n", what, v);
			return false;
		}
	return true;
}

enum { F_ID, F_AT, F_TYPE, F_V, F_ACTOR, F_ACTION, F_COMMAND, F_INSTANCE, F_STREAMS, F_PAYLOAD, F_N };

/* Splits one COPY text row in place into F_N fields, undoing its escapes;
 * NULL fields (\N) become NULL.  false if the row has another shape. */
static bool
split_row(char *row, size_t len, char *f[F_N])
{
	char *w = row, *end = row + len;
	int n = 0;

	if (len && end[-1] == '\n')
		end--;
	f[0] = row;
	for (char *p = row; p < end; p++) {
		if (*p == '\t') {
			*w++ = '\0';
			if (++n >= F_N)
				return false;
			f[n] = w;
		} else if (*p == '\\' && p + 1 < end) {
			p++;
			switch (*p) {
			case 'N': f[n] = NULL; break;
			case 't': *w++ = '\t'; break;
			case 'n': *w++ = '\n'; break;
			case 'r': *w++ = '\r'; break;
			case 'b': *w++ = '\b'; break;
			case 'f': *w++ = '\f'; break;
			case 'v': *w++ = '\v'; break;
			default: *w++ = *p; break;
			}
		} else
			*w++ = *p;
	}
	*w = '\0';
	return n == F_N - 1;
}

/* One event as a rendered text line: time #id type actor streams text. */
static void
format_line(char *f[F_N], FILE *out)
{
	char *save = NULL, *list = f[F_STREAMS];
	const char *sep = "";

	fprintf(out, "%s #%s %s %s ", f[F_AT], f[F_ID], f[F_TYPE], f[F_ACTOR] ? f[F_ACTOR] : "-");
	for (char *s = list ? strtok_r(list, ",", &save) : NULL; s; s = strtok_r(NULL, ",", &save)) {
		char *hash = strrchr(s, '#');

		if (hash)
			*hash = ':';
		fprintf(out, "%s%s", sep, s);
		sep = ",";
	}
	fprintf(out, " %s\n", f[F_PAYLOAD] ? f[F_PAYLOAD] : "");
}

/*
 * A JSON line whose payload is at an older version than this build writes:
 * parsed, its payload upcast (wrctl_upcast.c), "v" set to the version read.
 * The rare path: only rows the server flagged come here.
 */
static int
upcast_line(const char *line, size_t len, FILE *out, struct wr_error *reterr)
{
	struct json_object *o = NULL, *type, *v, *payload;
	int rc = wr_json_parse(line, len, 64, &o, reterr);

	if (rc < 0)
		return rc;
	type = wr_json_member(o, "type", json_type_string);
	v = wr_json_member(o, "v", json_type_int);
	payload = wr_json_member(o, "payload", json_type_object);
	if (!type || !v || !payload)
		rc = wr_error_set(reterr, -EBADMSG, "internal", "event line without type, v or payload");
	else
		rc = wrctl_upcast(json_object_get_string(type), json_object_get_int(v), payload, reterr);
	if (rc >= 0) {
		json_object_object_add(o, "v", json_object_new_int(game_event_version(json_object_get_string(type))));
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), out);
		putc('\n', out);
	}
	json_object_put(o);
	return rc;
}

/*
 * COPY (query) TO STDOUT onto stdout.  JSON: CSV with a delimiter (0x02)
 * and quote (0x01) no line holds (JSON text escapes every control
 * character), so each row arrives as "F<02>LINE\n", byte for byte what is
 * printed: written out whole unless F flags an upcast.  Text: COPY text rows,
 * split and formatted here.
 */
static int
copy_out(struct replay *r, const char *query, struct wr_error *reterr)
{
	struct wr_strbuf sql = WR_STRBUF_INIT;
	PGresult *res;
	char *buf = NULL, *f[F_N];
	int n, rc = 0;

	wr_strbuf_printf(&sql, r->text ? "COPY (%s) TO STDOUT" : "COPY (%s) TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x02',"
				   " QUOTE E'\\x01')", query);
	res = PQexec(r->db.conn, wr_strbuf_str(&sql));
	wr_strbuf_done(&sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT) {
		int e = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(r->db.conn));

		PQclear(res);
		return e;
	}
	PQclear(res);
	while ((n = PQgetCopyData(r->db.conn, &buf, 0)) > 0) {
		if (!r->text && n >= 4 && buf[1] == '\x02' && buf[2] == '{' && buf[n - 1] == '\n') {
			if (buf[0] == '0')
				fwrite(buf + 2, 1, (size_t) n - 2, stdout);
			else if (!rc)
				rc = upcast_line(buf + 2, (size_t) n - 3, stdout, reterr);
		} else if (r->text && split_row(buf, (size_t) n, f))
			format_line(f, stdout);
		else if (!rc)
			rc = wr_error_set(reterr, -EBADMSG, "internal", "unexpected COPY row");
		PQfreemem(buf);
		r->printed++;
		if ((r->printed & 4095) == 0)
			progress(r, false);
	}
	res = PQgetResult(r->db.conn);
	if (n == -2 || PQresultStatus(res) != PGRES_COMMAND_OK) {
		int e = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(r->db.conn));

		PQclear(res);
		while ((res = PQgetResult(r->db.conn)))
			PQclear(res);
		return e;
	}
	PQclear(res);
	while ((res = PQgetResult(r->db.conn)))
		PQclear(res);
	return rc;
}

/* Loads one archive file into a temp table with COPY FROM STDIN. */
static int
load_file(struct replay *r, const char *table, const char *path, struct wr_error *reterr)
{
	char sql[200], buf[65536];
	FILE *f = fopen(path, "re");
	PGresult *res;
	size_t n;
	int rc = 0;

	if (!f)
		return wr_error_set(reterr, -errno, "io", "archive file \"%s\": %m", path);
	snprintf(sql, sizeof(sql), "COPY pg_temp.%s FROM STDIN", table);
	res = PQexec(r->db.conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		rc = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(r->db.conn));
		PQclear(res);
		fclose(f);
		return rc;
	}
	PQclear(res);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (PQputCopyData(r->db.conn, buf, (int) n) != 1)
			break;
	PQputCopyEnd(r->db.conn, ferror(f) ? "read error" : NULL);
	fclose(f);
	while ((res = PQgetResult(r->db.conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !rc)
			rc = wr_error_set(reterr, -EIO, "db", "archive \"%s\": %s", path, PQerrorMessage(r->db.conn));
		PQclear(res);
	}
	return rc;
}

/* The archived partitions (journal_archives) of event_log and event_streams
 * in the asked time range, loaded into temp tables.  Returns how many. */
static int
load_archives(struct replay *r, struct wr_error *reterr)
{
	struct wr_strbuf q = WR_STRBUF_INIT;
	PGresult *res = NULL;
	int n = 0, rc;

	wr_strbuf_puts(&q, "SELECT tbl, file FROM journal_archives WHERE tbl IN ('event_log', 'event_streams')");
	if (r->since)
		wr_strbuf_printf(&q, " AND to_ts > '%s'::timestamptz", r->since);
	if (r->until)
		wr_strbuf_printf(&q, " AND from_ts < '%s'::timestamptz", r->until);
	wr_strbuf_puts(&q, " ORDER BY from_ts, tbl");
	rc = wr_db_exec(&r->db, wr_strbuf_str(&q), 0, NULL, PGRES_TUPLES_OK, &res, reterr);
	wr_strbuf_done(&q);
	if (rc < 0)
		return rc;
	if (PQntuples(res) > 0)
		rc = wr_db_exec(&r->db, "CREATE TEMP TABLE arch_events (LIKE event_log)", 0, NULL, PGRES_COMMAND_OK, NULL,
				reterr);
	if (rc >= 0 && PQntuples(res) > 0)
		rc = wr_db_exec(&r->db, "CREATE TEMP TABLE arch_streams (LIKE event_streams)", 0, NULL, PGRES_COMMAND_OK,
				NULL, reterr);
	for (int i = 0; rc >= 0 && i < PQntuples(res); i++) {
		const char *tbl = PQgetvalue(res, i, 0);

		rc = load_file(r, strcmp(tbl, "event_log") == 0 ? "arch_events" : "arch_streams", PQgetvalue(res, i, 1),
			       reterr);
		n++;
	}
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "CREATE INDEX ON pg_temp.arch_streams (event_id)", 0, NULL, PGRES_COMMAND_OK, NULL,
				reterr);
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "ANALYZE pg_temp.arch_events", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "ANALYZE pg_temp.arch_streams", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	PQclear(res);
	return rc < 0 ? rc : n;
}

/*
 * One read in a fresh REPEATABLE READ snapshot: the events of transactions
 * txid >= *lo not in seen (all of them when first), then *lo = the
 * snapshot's xmin and seen = its visible txids at or above it.
 */
static int
read_once(struct replay *r, bool first, bool archives, struct wr_strbuf *lo, struct wr_strbuf *seen,
	  struct wr_error *reterr)
{
	struct wr_strbuf q = WR_STRBUF_INIT, extra = WR_STRBUF_INIT;
	PGresult *res = NULL;
	char xmin[32];
	int rc;

	rc = wr_db_exec(&r->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, PGRES_COMMAND_OK, NULL,
			reterr);
	if (rc < 0)
		return rc;
	rc = wr_db_exec(&r->db, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", 0, NULL, PGRES_TUPLES_OK, &res,
			reterr);
	if (rc < 0)
		goto out;
	snprintf(xmin, sizeof(xmin), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (!first)
		wr_strbuf_printf(&extra, " AND e.txid >= '%s'::xid8 AND NOT (e.txid = ANY('%s'::xid8[]))", wr_strbuf_str(lo),
				 wr_strbuf_str(seen));
	build_select(r, &q, archives && first, extra.len ? wr_strbuf_str(&extra) : NULL);
	rc = copy_out(r, wr_strbuf_str(&q), reterr);
	if (rc < 0)
		goto out;
	fflush(stdout);
	if (r->follow) {
		/* Visible transactions at or above xmin: printed now (or filtered out), skipped next time. */
		char sql[200];

		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(array_agg(DISTINCT txid)::text, '{}'), count(DISTINCT txid) FROM event_log"
			 " WHERE txid >= '%s'::xid8",
			 xmin);
		rc = wr_db_exec(&r->db, sql, 0, NULL, PGRES_TUPLES_OK, &res, reterr);
		if (rc < 0)
			goto out;
		if (atol(PQgetvalue(res, 0, 1)) > MAX_SEEN) {
			rc = wr_error_set(reterr, -E2BIG, "internal",
					  "more than %d transactions committed above the oldest running one (a long"
					  " transaction holds the horizon back)",
					  MAX_SEEN);
			goto out;
		}
		wr_strbuf_reset(seen);
		wr_strbuf_puts(seen, PQgetvalue(res, 0, 0));
		wr_strbuf_reset(lo);
		wr_strbuf_puts(lo, xmin);
	}
out:
	PQclear(res);
	wr_strbuf_done(&q);
	wr_strbuf_done(&extra);
	if (wr_db_exec(&r->db, rc < 0 ? "ROLLBACK" : "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL,
		       rc < 0 ? NULL : reterr) < 0 && rc >= 0)
		rc = -EIO;
	return rc;
}

static void
usage(void)
{
	fprintf(stderr, "usage: wrctl replay [--stream=S]... [--from=EVENT_ID] [--to=EVENT_ID] [--since=TIME]\n"
			"                    [--until=TIME] [--actor=KEY]... [--type=TYPE]... [--text] [--follow]\n"
			"                    [--progress] [--no-archives]\n");
}

int
wrctl_replay(int argc, char **argv)
{
	struct replay r = {0};
	struct wr_error err = {0};
	struct wr_strbuf lo = WR_STRBUF_INIT, seen = WR_STRBUF_INIT;
	int rc = 1, narch = 0;
	int64_t x;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

#define OPT(name) (strncmp(a, name "=", sizeof(name)) == 0 ? a + sizeof(name) : NULL)
		if (OPT("--stream") && r.nstreams < MAX_FILTER && check_value(OPT("--stream"), "stream"))
			r.streams[r.nstreams++] = OPT("--stream");
		else if (OPT("--type") && r.ntypes < MAX_FILTER && check_value(OPT("--type"), "type"))
			r.types[r.ntypes++] = OPT("--type");
		else if (OPT("--actor") && r.nactors < MAX_FILTER && check_value(OPT("--actor"), "actor"))
			r.actors[r.nactors++] = OPT("--actor");
		else if (OPT("--from") && wr_parse_i64(OPT("--from"), 0, INT64_MAX, &x) == 0)
			r.from = OPT("--from");
		else if (OPT("--to") && wr_parse_i64(OPT("--to"), 0, INT64_MAX, &x) == 0)
			r.to = OPT("--to");
		else if (OPT("--since") && check_value(OPT("--since"), "time"))
			r.since = OPT("--since");
		else if (OPT("--until") && check_value(OPT("--until"), "time"))
			r.until = OPT("--until");
		else if (!strcmp(a, "--text"))
			r.text = true;
		else if (!strcmp(a, "--follow"))
			r.follow = true;
		else if (!strcmp(a, "--progress"))
			r.progress = true;
		else if (!strcmp(a, "--no-archives"))
			r.no_archives = true;
		else if (OPT("--database-url"))
			;
		else {
			fprintf(stderr, "wrctl replay: bad argument \"%s\"\n", a);
			usage();
			return 2;
		}
#undef OPT
	}
	if (wrctl_upcast_check(&err) < 0) {
		fprintf(stderr, "wrctl replay: %s\n", err.msg);
		return 1;
	}
	if (wr_db_init(&r.db, wrctl_database_url(argc, argv), "wrctl-replay",
		       "SET statement_timeout = 0; SET TimeZone = 'UTC'; SET jit = off; SET work_mem = '256MB'", &err) < 0) {
		fprintf(stderr, "wrctl replay: %s\n", err.msg);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	r.t0 = now_s();
	if (!r.no_archives) {
		narch = load_archives(&r, &err);
		if (narch < 0)
			goto fail;
		if (narch)
			fprintf(stderr, "wrctl replay: %d archive file%s loaded\n", narch, narch == 1 ? "" : "s");
	}
	if (r.follow && wr_db_listen(&r.db, "wr_events", &err) < 0)
		goto fail;
	if (read_once(&r, true, narch > 0, &lo, &seen, &err) < 0)
		goto fail;
	progress(&r, true);
	while (r.follow && !stop) {
		if (wr_db_wait_notify(&r.db, 500, &err) < 0)
			goto fail;
		if (stop)
			break;
		if (read_once(&r, false, false, &lo, &seen, &err) < 0)
			goto fail;
		progress(&r, false);
		if (ferror(stdout))
			break;
	}
	rc = ferror(stdout) ? 1 : 0;
	goto out;
fail:
	fprintf(stderr, "wrctl replay: %s\n", err.msg);
out:
	progress(&r, true);
	wr_strbuf_done(&lo);
	wr_strbuf_done(&seen);
	wr_db_done(&r.db);
	return rc;
}
