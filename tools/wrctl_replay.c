/* SPDX-License-Identifier: MIT */
/*
 * wrctl_replay.c: "wrctl replay": events out of event_log (and out of the
 * archive files of partitions wrctl archive dropped), as JSON lines or
 * rendered text, in event id order, then live with --follow.
 *
 * History is one COPY ... TO STDOUT in one REPEATABLE READ snapshot, plain
 * columns formatted here; without type, actor or stream filters the stream
 * rows come on a second connection in the same (exported) snapshot and are
 * merged by event id, so that two server processes work side by side and
 * neither joins (bench/replay.sh has the rates).  Payloads older than this
 * build's version are upcast (wrctl_upcast.c).  --follow then polls, woken by the publisher's NOTIFY
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

#define MAX_FILTER 64   /* --stream / --type / --actor values */
#define MAX_SEEN 200000 /* txids above xmin remembered between polls */
/* UTC and ISO dates: put_time reformats created_at's text. */
#define SESSION_SQL                                                                                   \
	"SET statement_timeout = 0; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET jit = off;" \
	" SET work_mem = '256MB'"

struct replay {
	const char *streams[MAX_FILTER], *types[MAX_FILTER], *actors[MAX_FILTER];
	int nstreams, ntypes, nactors;
	const char *from, *to, *since, *until;
	bool text, follow, progress, no_archives, db2_open;
	uint64_t printed;
	double t0, last_progress;
	struct wr_db db;
	struct wr_db db2; /* the stream rows of a history read, in db's snapshot (copy_out) */
	const char *url;
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
build_select(struct replay *r, struct wr_strbuf *q, bool archives, bool split, const char *extra)
{
	struct wr_strbuf a = WR_STRBUF_INIT;

	/*
	 * Plain columns, formatted by the client (format_event): building the
	 * line on the server (concatenation, to_char, to_json) costs it more
	 * than the client spends, and the server is the bottleneck.  created_at
	 * as text (DateStyle ISO, UTC: the session's), reformatted by the client.
	 */
	wr_strbuf_puts(q,
		       "SELECT e.event_id, e.created_at, e.type, e.v, e.actor_key, e.action_id, e.command_id,"
		       " e.instance_id, ");
	if (split)
		wr_strbuf_puts(q, "NULL, "); /* the streams come from the second connection (stream_select) */
	else
		wr_strbuf_puts(q, "s.streams, ");
	wr_strbuf_puts(q, r->text ? "coalesce(e.payload->>'text', e.payload::text)" : "e.payload");
	/* History: the stream rows of the span aggregated in event id order: the
	 * index gives that order, an incremental sort adds the stream name per
	 * event (an ORDER BY inside string_agg would sort every group on its own);
	 * live reads (extra: a few new transactions) look them up. */
	if (split)
		wr_strbuf_puts(q, " FROM %E e WHERE true");
	else if (extra)
		wr_strbuf_puts(
			q,
			" FROM %E e LEFT JOIN LATERAL (SELECT string_agg(x.stream || '#' || x.seq, ',' ORDER BY"
			" x.stream) AS streams FROM %S x WHERE x.event_id = e.event_id AND x.created_at = e.created_at) s"
			" ON true WHERE true");
	else {
		wr_strbuf_puts(
			q,
			" FROM %E e LEFT JOIN (SELECT y.event_id, string_agg(y.stream || '#' || y.seq, ',') AS streams"
			" FROM (SELECT x.event_id, x.stream, x.seq FROM %S x WHERE true");
		if (r->from)
			wr_strbuf_printf(q, " AND x.event_id >= %s", r->from);
		if (r->to)
			wr_strbuf_printf(q, " AND x.event_id <= %s", r->to);
		if (r->since)
			wr_strbuf_printf(q, " AND x.created_at >= '%s'::timestamptz", r->since);
		if (r->until)
			wr_strbuf_printf(q, " AND x.created_at < '%s'::timestamptz", r->until);
		wr_strbuf_puts(q,
			       " ORDER BY x.event_id, x.stream) y GROUP BY y.event_id) s ON s.event_id = e.event_id"
			       " WHERE true");
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
		wr_strbuf_printf(q,
				 " AND EXISTS (SELECT 1 FROM %%S y WHERE y.event_id = e.event_id"
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
#define MAX_EVENT_STREAMS 64 /* stream rows of one event kept by the split read (the worker writes at most a few) */

/* Splits one COPY text row in place into nf fields, undoing its escapes;
 * NULL fields (\N) become NULL.  false if the row has another shape. */
static bool
split_row(char *row, size_t len, char **f, int nf)
{
	char *w = row, *end = row + len;
	int n = 0;

	if (len && end[-1] == '\n')
		end--;
	f[0] = row;
	for (char *p = row; p < end; p++) {
		size_t k = strcspn(p, "\t\\"); /* a run without separators or escapes */

		if (k) {
			if (k > (size_t) (end - p))
				k = (size_t) (end - p);
			if (w != p)
				memmove(w, p, k);
			w += k;
			p += k;
			if (p >= end)
				break;
		}
		if (*p == '\t') {
			*w++ = '\0';
			if (++n >= nf)
				return false;
			f[n] = w;
		} else if (*p == '\\' && p + 1 < end) {
			p++;
			switch (*p) {
			case 'N':
				f[n] = NULL;
				break;
			case 't':
				*w++ = '\t';
				break;
			case 'n':
				*w++ = '\n';
				break;
			case 'r':
				*w++ = '\r';
				break;
			case 'b':
				*w++ = '\b';
				break;
			case 'f':
				*w++ = '\f';
				break;
			case 'v':
				*w++ = '\v';
				break;
			default:
				*w++ = *p;
				break;
			}
		} else
			*w++ = *p;
	}
	*w = '\0';
	return n == nf - 1;
}

/* "2026-12-07 02:12:39.2071+00" (timestamptz out, DateStyle ISO, UTC) as
 * "2026-12-07T02:12:39.207100Z": microseconds always six digits. */
static void
put_time(struct wr_strbuf *sb, const char *t)
{
	size_t n = strlen(t), k = 0;
	char frac[7] = "000000";
	const char *p = t + 19;

	if (n < 22 || t[10] != ' ' || strcmp(t + n - 3, "+00") != 0) {
		wr_strbuf_puts(sb, t); /* not a UTC ISO timestamp: as the server wrote it */
		return;
	}
	wr_strbuf_append(sb, t, 10);
	wr_strbuf_puts(sb, "T");
	wr_strbuf_append(sb, t + 11, 8);
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9' && k < 6; p++)
			frac[k++] = *p;
	wr_strbuf_puts(sb, ".");
	wr_strbuf_append(sb, frac, 6);
	wr_strbuf_puts(sb, "Z");
}

/* s as a JSON string, copied in runs (wr_strbuf_json_str goes byte by byte). */
static void
put_json_str(struct wr_strbuf *sb, const char *s)
{
	wr_strbuf_append(sb, "\"", 1);
	for (;;) {
		size_t k = 0;

		while (s[k] && s[k] != '"' && s[k] != '\\' && (unsigned char) s[k] >= 0x20)
			k++;
		wr_strbuf_append(sb, s, k);
		s += k;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\') {
			char esc[2] = {'\\', *s};

			wr_strbuf_append(sb, esc, 2);
		} else
			wr_strbuf_printf(sb, "\\u%04x", (unsigned char) *s);
		s++;
	}
	wr_strbuf_append(sb, "\"", 1);
}

static void
put_json_or_null(struct wr_strbuf *sb, const char *s)
{
	if (s)
		put_json_str(sb, s);
	else
		wr_strbuf_puts(sb, "null");
}

static void
put_raw_or_null(struct wr_strbuf *sb, const char *s)
{
	wr_strbuf_puts(sb, s ? s : "null");
}

/*
 * One event into sb: a JSON line ({"event_id", "created_at", "type", "v",
 * "actor_key", "action_id", "command_id", "instance_id", "streams":
 * [{"stream", "seq"}], "payload"}) or a text line (time #id type actor
 * streams text).  f[F_STREAMS] is "stream#seq,..." by stream name.
 */
static void
format_event(const struct replay *r, char *f[F_N], struct wr_strbuf *sb)
{
	char *save = NULL, *list = f[F_STREAMS];
	const char *sep = "";

	if (r->text) {
		put_time(sb, f[F_AT]);
		wr_strbuf_puts(sb, " #");
		wr_strbuf_puts(sb, f[F_ID]);
		wr_strbuf_puts(sb, " ");
		wr_strbuf_puts(sb, f[F_TYPE]);
		wr_strbuf_puts(sb, " ");
		wr_strbuf_puts(sb, f[F_ACTOR] ? f[F_ACTOR] : "-");
		wr_strbuf_puts(sb, " ");
		for (char *s = list ? strtok_r(list, ",", &save) : NULL; s; s = strtok_r(NULL, ",", &save)) {
			char *hash = strrchr(s, '#');

			if (hash)
				*hash = ':';
			wr_strbuf_puts(sb, sep);
			wr_strbuf_puts(sb, s);
			sep = ",";
		}
		wr_strbuf_puts(sb, " ");
		wr_strbuf_puts(sb, f[F_PAYLOAD] ? f[F_PAYLOAD] : "");
		wr_strbuf_puts(sb, "\n");
		return;
	}
	wr_strbuf_puts(sb, "{\"event_id\":");
	wr_strbuf_puts(sb, f[F_ID]);
	wr_strbuf_puts(sb, ",\"created_at\":\"");
	put_time(sb, f[F_AT]);
	wr_strbuf_puts(sb, "\",\"type\":");
	put_json_or_null(sb, f[F_TYPE]);
	wr_strbuf_puts(sb, ",\"v\":");
	wr_strbuf_puts(sb, f[F_V]);
	wr_strbuf_puts(sb, ",\"actor_key\":");
	put_json_or_null(sb, f[F_ACTOR]);
	wr_strbuf_puts(sb, ",\"action_id\":");
	put_raw_or_null(sb, f[F_ACTION]);
	wr_strbuf_puts(sb, ",\"command_id\":");
	put_json_or_null(sb, f[F_COMMAND]);
	wr_strbuf_puts(sb, ",\"instance_id\":");
	put_raw_or_null(sb, f[F_INSTANCE]);
	wr_strbuf_puts(sb, ",\"streams\":[");
	for (char *s = list ? strtok_r(list, ",", &save) : NULL; s; s = strtok_r(NULL, ",", &save)) {
		char *hash = strrchr(s, '#');

		if (!hash)
			continue;
		*hash = '\0';
		wr_strbuf_puts(sb, sep);
		wr_strbuf_puts(sb, "{\"stream\":");
		put_json_str(sb, s);
		wr_strbuf_puts(sb, ",\"seq\":");
		wr_strbuf_puts(sb, hash + 1);
		wr_strbuf_puts(sb, "}");
		sep = ",";
	}
	wr_strbuf_puts(sb, "],\"payload\":"); /* the payload and "}\n" follow (copy_out) */
}

/*
 * A JSON line whose payload is at an older version than this build writes:
 * parsed, its payload upcast (wrctl_upcast.c), "v" set to the version read.
 * The rare path: only rows wrctl_upcast_needed() names come here.
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

/* The second connection's COPY of stream rows (event_id, stream, seq) in event id order. */
struct stream_reader {
	PGconn *conn;
	char *buf; /* the current row, split (from PQgetCopyData) */
	char *f[3];
	int64_t id; /* its event id; INT64_MAX at the end */
	int err;
	int end; /* PQgetCopyData's last result once <= 0: the COPY is over */
	bool done;
};

static void
stream_next(struct stream_reader *sr)
{
	int n;

	PQfreemem(sr->buf);
	sr->buf = NULL;
	sr->id = INT64_MAX;
	if (sr->done)
		return;
	n = PQgetCopyData(sr->conn, &sr->buf, 0);
	if (n <= 0) {
		if (n == -2)
			sr->err = -EIO;
		sr->buf = NULL;
		sr->end = n;
		sr->done = true;
		return;
	}
	if (!split_row(sr->buf, (size_t) n, sr->f, 3) || !sr->f[0] || !sr->f[1] || !sr->f[2] ||
	    wr_parse_i64(sr->f[0], 0, INT64_MAX, &sr->id) < 0) {
		sr->err = -EBADMSG;
		sr->id = INT64_MAX;
	}
}

static int
cmp_stream(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The streams of event id as "stream#seq,..." by name into sb (skipping
 * stream rows of events before it: filtered out). */
static void
stream_collect(struct stream_reader *sr, int64_t id, struct wr_strbuf *sb, struct wr_strbuf *items)
{
	char *names[MAX_EVENT_STREAMS];
	size_t n = 0, off[MAX_EVENT_STREAMS];

	wr_strbuf_reset(sb);
	wr_strbuf_reset(items);
	while (sr->id < id)
		stream_next(sr);
	for (; sr->id == id; stream_next(sr))
		if (n < MAX_EVENT_STREAMS) {
			off[n++] = items->len;
			wr_strbuf_puts(items, sr->f[1]);
			wr_strbuf_puts(items, "#");
			wr_strbuf_puts(items, sr->f[2]);
			wr_strbuf_append(items, "", 1); /* keep the NUL: items holds n strings */
		}
	for (size_t i = 0; i < n; i++)
		names[i] = items->buf + off[i];
	qsort(names, n, sizeof(names[0]), cmp_stream);
	for (size_t i = 0; i < n; i++) {
		if (i)
			wr_strbuf_puts(sb, ",");
		wr_strbuf_puts(sb, names[i]);
	}
}

static int
copy_start(PGconn *conn, const char *query, struct wr_error *reterr)
{
	struct wr_strbuf sql = WR_STRBUF_INIT;
	PGresult *res;
	int rc = 0;

	wr_strbuf_printf(&sql, "COPY (%s) TO STDOUT", query);
	res = PQexec(conn, wr_strbuf_str(&sql));
	wr_strbuf_done(&sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT)
		rc = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(conn));
	PQclear(res);
	return rc;
}

static int
copy_end(PGconn *conn, int n, struct wr_error *reterr)
{
	PGresult *res = PQgetResult(conn);
	int rc = 0;

	if (n == -2 || PQresultStatus(res) != PGRES_COMMAND_OK)
		rc = wr_error_set(reterr, -EIO, "db", "%s", PQerrorMessage(conn));
	PQclear(res);
	while ((res = PQgetResult(conn)))
		PQclear(res);
	return rc;
}

/*
 * COPY (query) TO STDOUT, each row formatted onto stdout.  With a second
 * connection (r->db2 in the same snapshot, stream_query given), the events
 * come without their streams and the stream rows on the second connection,
 * merged here by event id: the two servers work side by side and neither
 * joins (bench/replay.sh).
 */
static int
copy_out(struct replay *r, const char *query, const char *stream_query, struct wr_error *reterr)
{
	struct wr_strbuf line = WR_STRBUF_INIT, streams = WR_STRBUF_INIT, items = WR_STRBUF_INIT;
	struct stream_reader sr = {.conn = stream_query ? r->db2.conn : NULL, .id = INT64_MAX};
	char *buf = NULL, *f[F_N];
	int n, rc;

	rc = copy_start(r->db.conn, query, reterr);
	if (rc < 0)
		return rc;
	if (sr.conn) {
		rc = copy_start(sr.conn, stream_query, reterr);
		if (rc < 0) {
			while ((n = PQgetCopyData(r->db.conn, &buf, 0)) > 0)
				PQfreemem(buf);
			(void) copy_end(r->db.conn, n, NULL);
			return rc;
		}
		sr.id = -1;
		stream_next(&sr);
	}
	while ((n = PQgetCopyData(r->db.conn, &buf, 0)) > 0) {
		int64_t id = 0;

		if (!split_row(buf, (size_t) n, f, F_N) || !f[F_ID] || !f[F_AT] || !f[F_TYPE] || !f[F_V] ||
		    wr_parse_i64(f[F_ID], 0, INT64_MAX, &id) < 0) {
			if (!rc)
				rc = wr_error_set(reterr, -EBADMSG, "internal", "unexpected COPY row");
		} else {
			if (sr.conn) {
				stream_collect(&sr, id, &streams, &items);
				f[F_STREAMS] = (char *) wr_strbuf_str(&streams);
			}
			wr_strbuf_reset(&line);
			format_event(r, f, &line);
			if (r->text) {
				fwrite_unlocked(line.buf, 1, line.len, stdout);
			} else if (!wrctl_upcast_needed(f[F_TYPE], atoi(f[F_V]))) {
				/* the bulk of the line, written without another copy */
				fwrite_unlocked(line.buf, 1, line.len, stdout);
				fputs_unlocked(f[F_PAYLOAD] ? f[F_PAYLOAD] : "null", stdout);
				fputs_unlocked("}\n", stdout);
			} else if (!rc) {
				put_raw_or_null(&line, f[F_PAYLOAD]);
				wr_strbuf_puts(&line, "}");
				rc = upcast_line(line.buf, line.len, stdout, reterr);
			}
		}
		PQfreemem(buf);
		r->printed++;
		if ((r->printed & 4095) == 0)
			progress(r, false);
	}
	{
		int e = copy_end(r->db.conn, n, reterr);

		if (e < 0 && rc >= 0)
			rc = e;
	}
	if (sr.conn) {
		int m;

		PQfreemem(sr.buf);
		m = sr.end;
		while (!sr.done && (m = PQgetCopyData(sr.conn, &buf, 0)) > 0)
			PQfreemem(buf);
		if (sr.err && rc >= 0)
			rc = wr_error_set(reterr, sr.err, "db", "the stream rows did not read: %s",
					  PQerrorMessage(sr.conn));
		m = copy_end(sr.conn, m, rc >= 0 ? reterr : NULL);
		if (m < 0 && rc >= 0)
			rc = m;
	}
	wr_strbuf_done(&line);
	wr_strbuf_done(&streams);
	wr_strbuf_done(&items);
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
		rc = wr_db_exec(&r->db, "CREATE TEMP TABLE arch_events (LIKE event_log)", 0, NULL, PGRES_COMMAND_OK,
				NULL, reterr);
	if (rc >= 0 && PQntuples(res) > 0)
		rc = wr_db_exec(&r->db, "CREATE TEMP TABLE arch_streams (LIKE event_streams)", 0, NULL,
				PGRES_COMMAND_OK, NULL, reterr);
	for (int i = 0; rc >= 0 && i < PQntuples(res); i++) {
		const char *tbl = PQgetvalue(res, i, 0);

		rc = load_file(r, strcmp(tbl, "event_log") == 0 ? "arch_events" : "arch_streams", PQgetvalue(res, i, 1),
			       reterr);
		n++;
	}
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "CREATE INDEX ON pg_temp.arch_streams (event_id)", 0, NULL, PGRES_COMMAND_OK,
				NULL, reterr);
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "ANALYZE pg_temp.arch_events", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (rc >= 0 && n)
		rc = wr_db_exec(&r->db, "ANALYZE pg_temp.arch_streams", 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	PQclear(res);
	return rc < 0 ? rc : n;
}

/*
 * The second connection of a history read, in the snapshot db's open
 * transaction exported, and its query (the stream rows of the span by event
 * id) into sq.
 */
static int
open_second(struct replay *r, struct wr_strbuf *sq, struct wr_error *reterr)
{
	PGresult *res = NULL;
	char sql[160];
	int rc;

	if (!r->db2_open) {
		rc = wr_db_init(&r->db2, r->url, "wrctl-replay", SESSION_SQL, reterr);
		if (rc < 0)
			return rc;
		r->db2_open = true;
	}
	rc = wr_db_exec(&r->db, "SELECT pg_export_snapshot()", 0, NULL, PGRES_TUPLES_OK, &res, reterr);
	if (rc < 0)
		return rc;
	snprintf(sql, sizeof(sql), "SET TRANSACTION SNAPSHOT '%s'", PQgetvalue(res, 0, 0));
	PQclear(res);
	rc = wr_db_exec(&r->db2, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, PGRES_COMMAND_OK, NULL,
			reterr);
	if (rc >= 0)
		rc = wr_db_exec(&r->db2, sql, 0, NULL, PGRES_COMMAND_OK, NULL, reterr);
	if (rc < 0) {
		if (wr_db_exec(&r->db2, "ROLLBACK", 0, NULL, PGRES_COMMAND_OK, NULL, NULL) < 0) {
			wr_db_done(&r->db2); /* reconnects next time */
			r->db2_open = false;
		}
		return rc;
	}
	wr_strbuf_puts(sq, "SELECT x.event_id, x.stream, x.seq FROM event_streams x WHERE true");
	if (r->from)
		wr_strbuf_printf(sq, " AND x.event_id >= %s", r->from);
	if (r->to)
		wr_strbuf_printf(sq, " AND x.event_id <= %s", r->to);
	if (r->since)
		wr_strbuf_printf(sq, " AND x.created_at >= '%s'::timestamptz", r->since);
	if (r->until)
		wr_strbuf_printf(sq, " AND x.created_at < '%s'::timestamptz", r->until);
	wr_strbuf_puts(sq, " ORDER BY x.event_id");
	return 0;
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
	struct wr_strbuf q = WR_STRBUF_INIT, extra = WR_STRBUF_INIT, sq = WR_STRBUF_INIT;
	PGresult *res = NULL;
	char xmin[32];
	bool split;
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
		/* The same bound twice: event_log's txid index is a BRIN on
		 * (txid::text)::bigint since 0032, used only through that expression. */
		wr_strbuf_printf(&extra,
				 " AND e.txid >= '%s'::xid8 AND (e.txid::text)::bigint >= '%s'::bigint"
				 " AND NOT (e.txid = ANY('%s'::xid8[]))",
				 wr_strbuf_str(lo), wr_strbuf_str(lo), wr_strbuf_str(seen));
	/* A history read without filters on type, actor or stream takes the
	 * stream rows on a second connection in the same snapshot (copy_out). */
	split = first && !archives && !r->ntypes && !r->nactors && !r->nstreams;
	if (split)
		rc = open_second(r, &sq, reterr);
	if (rc < 0)
		goto out;
	build_select(r, &q, archives && first, split, extra.len ? wr_strbuf_str(&extra) : NULL);
	rc = copy_out(r, wr_strbuf_str(&q), split ? wr_strbuf_str(&sq) : NULL, reterr);
	if (split &&
	    wr_db_exec(&r->db2, rc < 0 ? "ROLLBACK" : "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL,
		       rc < 0 ? NULL : reterr) < 0 &&
	    rc >= 0)
		rc = -EIO;
	if (rc < 0)
		goto out;
	fflush(stdout);
	if (r->follow) {
		/* Visible transactions at or above xmin: printed now (or filtered out), skipped next time. */
		char sql[320];

		snprintf(sql, sizeof(sql),
			 "SELECT coalesce(array_agg(DISTINCT txid)::text, '{}'), count(DISTINCT txid) FROM event_log"
			 " WHERE txid >= '%s'::xid8 AND (txid::text)::bigint >= '%s'::bigint",
			 xmin, xmin);
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
	wr_strbuf_done(&sq);
	wr_strbuf_done(&extra);
	if (wr_db_exec(&r->db, rc < 0 ? "ROLLBACK" : "COMMIT", 0, NULL, PGRES_COMMAND_OK, NULL,
		       rc < 0 ? NULL : reterr) < 0 &&
	    rc >= 0)
		rc = -EIO;
	return rc;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: wrctl replay [--stream=S]... [--from=EVENT_ID] [--to=EVENT_ID] [--since=TIME]\n"
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
	r.url = wrctl_database_url(argc, argv);
	if (wr_db_init(&r.db, r.url, "wrctl-replay", SESSION_SQL, &err) < 0) {
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
	if (r.db2_open)
		wr_db_done(&r.db2);
	return rc;
}
