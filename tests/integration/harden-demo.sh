#!/bin/sh
# Issue 15, finding 7: the demo login.  It used to mint a token for any
# character of any account, on any listen address, for any Host.  Now: only
# characters of accounts the content marks "demo", only on a loopback
# listen address, only for a Host naming the loopback (DNS rebinding).
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
is "$(sql "SELECT string_agg(name, ',' ORDER BY name) FROM accounts WHERE demo")" "alice,bob" \
	"the world content marks alice and bob as demo accounts"
sql "INSERT INTO accounts (name) VALUES ('eve')" >/dev/null
sql "INSERT INTO characters (account_id, name, instance_id, room_id)
     SELECT (SELECT id FROM accounts WHERE name = 'eve'), 'Eve', instance_id, room_id FROM characters WHERE name = 'Alice'" >/dev/null
INGRESS_ARGS="--demo" services_start 0
PORT=$(cat "$T_DIR/ingress.port")
code() { printf '%s' "$1" | sed -n 's/.*"code":"\([a-z_]*\)".*/\1/p' | head -n 1; }
demo_token() { # name [host]
	curl -s -o "$T_DIR/resp" -w '%{http_code}' ${2:+-H "Host: $2"} -d "{\"character\":\"$1\"}" "$HTTP/v1/demo/tokens"
	printf ' '; cat "$T_DIR/resp"
}
tokens() { sql "SELECT count(*) FROM access_tokens WHERE label = 'demo'"; }

# ---- demo accounts only
r=$(curl -s "$HTTP/v1/demo/characters")
is "$(json '[c["name"] for c in d["characters"]]' "$r")" "['Alice', 'Bob']" "the list has the demo accounts' characters only"
r=$(demo_token Eve)
is "${r%% *} $(code "${r#* }")" "404 unknown_actor" "no demo token for a character of an ordinary account"
is "$(tokens)" "0" "... and none issued"
r=$(demo_token Alice)
is "${r%% *}" "201" "a demo token for Alice"

# ---- Host header (DNS rebinding)
for host in evil.example "evil.example:$PORT" "127.0.0.1.evil.example:$PORT" "localhost.evil.example" "127.0.0.1:80x"; do
	r=$(demo_token Bob "$host")
	is "${r%% *} $(code "${r#* }")" "403 forbidden" "demo token with Host: $host: 403"
	r=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $host" "$HTTP/v1/demo/characters")
	is "$r" "403" "demo list with Host: $host: 403"
done
is "$(tokens)" "1" "no token issued for another Host"
for host in "localhost:$PORT" "127.0.0.1:$PORT" "LOCALHOST"; do
	r=$(demo_token Bob "$host")
	is "${r%% *}" "201" "demo token with Host: $host: 201"
done
r=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: evil.example" "$HTTP/")
is "$r" "200" "the page itself is served for any Host"

# ---- loopback only
for l in 0.0.0.0 ::; do
	timeout 5 "$BUILD/ingress/wr-ingress" --port=0 --demo --listen="$l" >"$T_DIR/bad.log" 2>&1
	is "$?" "1" "--demo with listen=$l: refused at start"
	has "$(cat "$T_DIR/bad.log")" "loopback" "... saying it needs a loopback address"
done
timeout 5 "$BUILD/ingress/wr-ingress" --port=0 --listen=0.0.0.0 --check-config >/dev/null 2>&1
is "$?" "0" "without --demo, 0.0.0.0 is fine"
finish
