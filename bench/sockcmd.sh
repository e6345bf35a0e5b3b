#!/bin/sh
# bench/sockcmd.sh: commands on the websocket (docs/protocol.md "Commands"):
# acknowledged (committed) commands/s and send->result latency through
# wr-publisher's command threads.  Run it as `./wr bench sockcmd [options]`;
# bench/README.md has results.
#
#   --connections=LIST   websockets, each with its own account, token and
#                        character                                   (1,4)
#   --window=LIST        commands in flight per connection (1: one round
#                        trip at a time)                             (1,8)
#   --seconds=S          measured seconds per run                    (10)
#   --warmup=S           seconds before measuring, per run           (2)
#   --threads=N          wr-publisher --command-threads               (2)
#   --input=TEXT         the command sent                         (score)
#   --unsafe             fsync, synchronous_commit, full_page_writes off
#   --keep               keep the temp dir (server and service logs)
#
# The publisher runs with --command-rate=0 (the limiter is not measured) and
# --command-queue-per-conn at the largest window; no worker runs, so the
# queue only grows and the numbers are the ingress code path's, on the
# socket: token and actor lookup, views, wr_submit() and its commit.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${WR_BUILD_DIR:-$ROOT/build}
export WR_HOME="$ROOT"
WRCTL=$BUILD/tools/wrctl
PUBLISHER=$BUILD/publisher/wr-publisher
CLIENT=$BUILD/bench/wr-bench-ws-cmd-client

CONNECTIONS="1 4"
WINDOWS="1 8"
SECONDS_=10
WARMUP=2
THREADS=2
INPUT=score
UNSAFE=0
KEEP=0

. "$ROOT/bench/lib/common.sh"

for a in "$@"; do
	case $a in
	--connections=*) CONNECTIONS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--window=*) WINDOWS=$(echo "${a#*=}" | tr ',' ' ') ;;
	--seconds=*) SECONDS_=${a#*=}; num "$a" "$SECONDS_" ;;
	--warmup=*) WARMUP=${a#*=}; num "$a" "$WARMUP" ;;
	--threads=*) THREADS=${a#*=}; num "$a" "$THREADS" ;;
	--input=*) INPUT=${a#*=} ;;
	--unsafe) UNSAFE=1 ;;
	--keep) KEEP=1 ;;
	-h | --help) usage 0 ;;
	*) echo "bench: unknown option $a" >&2; usage ;;
	esac
done
MAXCONN=0
for c in $CONNECTIONS; do num --connections "$c"; [ "$c" -ge 1 ] || die "--connections must be at least 1"; [ "$c" -gt "$MAXCONN" ] && MAXCONN=$c; done
MAXWIN=0
for w in $WINDOWS; do num --window "$w"; [ "$w" -ge 1 ] || die "--window must be at least 1"; [ "$w" -gt "$MAXWIN" ] && MAXWIN=$w; done
for p in "$WRCTL" "$PUBLISHER" "$CLIENT"; do [ -x "$p" ] || die "build first (./wr build): no $p"; done

bench_dir "$WRCTL" "$PUBLISHER" "$CLIENT"
WRCTL=$DIR/bin/wrctl
PUBLISHER=$DIR/bin/wr-publisher
CLIENT=$DIR/bin/wr-bench-ws-cmd-client
bench_pg_start
bench_header "wr-publisher commands-on-the-socket benchmark"
"$WRCTL" migrate >/dev/null || die "wrctl migrate failed"
"$WRCTL" world load >/dev/null || die "wrctl world load failed"

# One account, character and player token per connection, round-robin over the rooms.
sql "
INSERT INTO accounts (name) SELECT 'wsbench' || lpad(a::text, 3, '0') FROM generate_series(1, $MAXCONN) a;
INSERT INTO characters (account_id, name, instance_id, room_id)
SELECT ac.id, 'W' || lpad(a::text, 3, '0'), r.instance_id, r.id
FROM generate_series(1, $MAXCONN) a
JOIN accounts ac ON ac.name = 'wsbench' || lpad(a::text, 3, '0')
JOIN (SELECT id, instance_id, row_number() OVER (ORDER BY id) - 1 AS n FROM rooms) r
  ON r.n = a % (SELECT count(*) FROM rooms);
ANALYZE;
" >/dev/null || die "could not create the bench characters"
: >"$DIR/tokens"
a=0
while [ "$a" -lt "$MAXCONN" ]; do
	a=$((a + 1))
	"$WRCTL" token issue "$(printf 'wsbench%03d' "$a")" --label=bench >>"$DIR/tokens" || die "could not issue a token"
done

"$PUBLISHER" --port=0 --port-file="$DIR/publisher.port" --max-connections-per-ip=0 --max-pre-hello=100000 --command-threads="$THREADS" --command-rate=0 \
	--command-queue-per-conn="$MAXWIN" --command-queue=100000 --log-level=warning >"$DIR/publisher.log" 2>&1 &
PIDS="$!"
_w=0
while [ ! -s "$DIR/publisher.port" ]; do _w=$((_w + 1)); [ "$_w" -gt 100 ] && die "wr-publisher did not start"; sleep 0.1; done
PORT=$(cat "$DIR/publisher.port")

echo "publisher: $THREADS command threads (one database connection each), --command-rate=0; no workers"
echo "command:   \"$INPUT\", each connection its own character and token"
echo

SUMMARY=""
for w in $WINDOWS; do
	for c in $CONNECTIONS; do
		echo "== $c connection(s), $w command(s) in flight each: ${SECONDS_}s after ${WARMUP}s warm-up"
		seq0=$(sql "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM action_queue_id_seq")
		"$CLIENT" --port="$PORT" --tokens="$DIR/tokens" --connections="$c" --window="$w" \
			--seconds="$SECONDS_" --warmup="$WARMUP" --input="$INPUT" >"$DIR/client.out" 2>"$DIR/client.err" ||
			die "the client failed: $(cat "$DIR/client.err")"
		seq1=$(sql "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM action_queue_id_seq")
		kv() { sed -n "s/^$1=//p" "$DIR/client.out"; }
		echo "   acked: $(kv cmds_s) commands/s; send->result p50 $(kv p50_ms) ms, p99 $(kv p99_ms) ms, max $(kv max_ms) ms"
		echo "   results: $(kv queued) queued in the window, $(kv errors) errors, $(kv busy) busy," \
			"$(kv rate_limited) rate_limited; $((seq1 - seq0)) actions inserted in all (warm-up and tail included)"
		[ -s "$DIR/client.err" ] && sed 's/^/   client: /' "$DIR/client.err"
		SUMMARY="$SUMMARY$(printf '%5s | %6s | %8s | %7s | %7s | %7s | %s' "$c" "$w" "$(kv cmds_s)" "$(kv p50_ms)" \
			"$(kv p99_ms)" "$(kv max_ms)" "$(($(kv errors) + $(kv busy) + $(kv rate_limited)))")
"
	done
done

echo
echo "== summary ($mode; $(nproc) CPUs, $mem; $THREADS command threads)"
echo "conns | window |   acks/s | p50 ms  | p99 ms  | max ms  | errors"
echo "------+--------+----------+---------+---------+---------+-------"
printf '%s' "$SUMMARY"
echo
echo "acks/s: \"queued\" results (committed actions) per second; p50/p99/max: from sending the command"
echo "frame to its result frame; errors: error, busy and rate_limited results."
echo "total time: $(( $(date +%s) - t_start ))s; load average now $(cut -d' ' -f1-3 /proc/loadavg)"
