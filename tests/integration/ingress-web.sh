#!/bin/sh
# wr-ingress serves the web client (web/) at / and, only with --demo, the
# demo login.  Files: right content types, HEAD, no way out of web-root
# (traversal, encoded dots, dot files, symlinks, directories), unknown
# extensions refused.  Demo: off by default; on, it lists the characters and
# issues short-lived player tokens pinned to one character that the rest of
# the API accepts; bad requests get clear errors and issue nothing.
. "$WR_HOME/tests/lib/harness.sh"

pg_start_world
INGRESS_ARGS="--ws-url=ws://example.test:9999/" services_start 0

# status content-type of a GET (or another method with -X)
fetch() { curl -s --path-as-is -o "$T_DIR/body" -w '%{http_code} %{content_type}' "$@"; }

r=$(fetch "$HTTP/"); is "$r" "200 text/html; charset=utf-8" "GET / is index.html as HTML"
cmp -s "$T_DIR/body" "$WR_HOME/web/index.html"; ok $? "GET / returns web/index.html byte for byte"
r=$(fetch "$HTTP/index.html"); is "$r" "200 text/html; charset=utf-8" "GET /index.html"
r=$(fetch "$HTTP/app.js"); is "$r" "200 text/javascript; charset=utf-8" "GET /app.js is JavaScript"
cmp -s "$T_DIR/body" "$WR_HOME/web/app.js"; ok $? "GET /app.js returns web/app.js byte for byte"
r=$(fetch "$HTTP/style.css"); is "$r" "200 text/css; charset=utf-8" "GET /style.css is CSS"
curl -s -D "$T_DIR/headers" -o /dev/null "$HTTP/"
grep -qi '^X-Content-Type-Options: nosniff' "$T_DIR/headers"; ok $? "files are sent with nosniff"
grep -qi "^Content-Security-Policy: default-src 'self'" "$T_DIR/headers"; ok $? "the page is sent with a Content-Security-Policy"
r=$(curl -s -I -o "$T_DIR/headers" -w '%{http_code}' "$HTTP/app.js"); is "$r" "200" "HEAD /app.js"
grep -qi "^Content-Length: $(wc -c <"$WR_HOME/web/app.js" | tr -d ' ')" "$T_DIR/headers"; ok $? "HEAD announces the file's length"
r=$(fetch -X POST -d x "$HTTP/"); is "${r%% *}" "405" "POST / is 405"

# Nothing outside web-root, however it is spelled.
for p in '/../meson.build' '/..%2fmeson.build' '/%2e%2e/meson.build' '/web/index.html' '/.gitignore' \
	'/%2e%2e' '/..' '/nope.html' '/meson.build' '/app.js/' '/README.exe'; do
	r=$(fetch "$HTTP$p"); is "${r%% *}" "404" "GET $p is 404"
done
grep -q "project(" "$T_DIR/body"; [ $? -ne 0 ]; ok $? "no answer carried a file from outside web-root"

# A web-root of our own: a symlink out of it and a directory named like a file are not served.
mkdir -p "$T_DIR/webroot/sub.html"
echo '<p>own root</p>' >"$T_DIR/webroot/index.html"
ln -s "$WR_HOME/meson.build" "$T_DIR/webroot/link.txt"
ln -s "$WR_HOME/web/index.html" "$T_DIR/webroot/page.html"
svc ingress2 "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress2.port" --web-root="$T_DIR/webroot" --demo \
	--rate=1 --burst=20
wait_file "$T_DIR/ingress2.port" || bail "second ingress did not start: $(cat "$T_DIR/ingress2.log")"
HTTP2="http://127.0.0.1:$(cat "$T_DIR/ingress2.port")"
r=$(fetch "$HTTP2/"); is "$r" "200 text/html; charset=utf-8" "web-root is honoured"
grep -q "own root" "$T_DIR/body"; ok $? "the page comes from the configured web-root"
r=$(fetch "$HTTP2/link.txt"); is "${r%% *}" "404" "a symlink out of web-root is not followed"
r=$(fetch "$HTTP2/page.html"); is "${r%% *}" "404" "no symlink is followed, even to a served file"
r=$(fetch "$HTTP2/sub.html"); is "${r%% *}" "404" "a directory is not served"

"$BUILD/ingress/wr-ingress" --port=0 --web-root="$T_DIR/missing" >"$T_DIR/bad.log" 2>&1; r=$?
[ "$r" -ne 0 ] && grep -q 'web-root.*missing' "$T_DIR/bad.log"; ok $? "a web-root that does not exist stops the start with a clear error"

# The client's configuration, and the demo: off by default.
r=$(fetch "$HTTP/v1/web/config"); is "$r" "200 application/json" "GET /v1/web/config"
is "$(cat "$T_DIR/body")" '{"ws":"ws://example.test:9999/","demo":false}' "config names the websocket and says demo is off"
r=$(fetch "$HTTP/v1/demo/characters"); is "${r%% *}" "404" "without --demo there is no character list"
r=$(fetch -H 'Content-Type: application/json' -d '{"character":"Alice"}' "$HTTP/v1/demo/tokens"); is "${r%% *}" "404" "without --demo no token is issued"
is "$(sql "SELECT count(*) FROM access_tokens")" "0" "and none was written"

r=$(fetch "$HTTP2/v1/web/config"); is "$(cat "$T_DIR/body")" '{"ws":"ws://127.0.0.1:8081/","demo":true}' "with --demo the config says so (default ws-url)"
r=$(fetch "$HTTP2/v1/demo/characters"); is "$r" "200 application/json" "GET /v1/demo/characters"
is "$(json '[c["name"] for c in d["characters"]]' "$(cat "$T_DIR/body")")" "['Alice', 'Bob']" "the demo lists the characters by name"
is "$(json 'd["characters"][0]["id"]' "$(cat "$T_DIR/body")")" "$(sql "SELECT id FROM characters WHERE name = 'Alice'")" "with their ids"

demo_token() { fetch -H 'Content-Type: application/json' --data-binary "$1" "$HTTP2/v1/demo/tokens"; }
r=$(demo_token '{"character":"alice"}'); is "$r" "201 application/json" "POST /v1/demo/tokens issues a token"
body=$(cat "$T_DIR/body")
TOKEN=$(json 'd["token"]' "$body")
is "$(json 'd["character"]["name"], d["ws"], d["expires_in"]' "$body")" "('Alice', 'ws://127.0.0.1:8081/', 3600)" "for Alice (any case), with the websocket and the lifetime"
is "$(sql "SELECT kind, character_id = (SELECT id FROM characters WHERE name = 'Alice'), label,
	expires_at BETWEEN now() + interval '3590 s' AND now() + interval '3610 s' FROM access_tokens")" \
	"player|t|demo|t" "it is a player token pinned to Alice that expires in an hour"
r=$(post "$TOKEN" '{"input":"say from the demo"}'); is "${r%% *}" "202" "the demo token may act for Alice"
r=$(post "$TOKEN" '{"actor":"Bob","input":"look"}'); is "${r%% *}" "403" "and not for Bob"
sql "UPDATE access_tokens SET expires_at = now() - interval '1 second'" >/dev/null
r=$(post "$TOKEN" '{"input":"look"}'); is "${r%% *}" "401" "an expired demo token is refused"
sql "UPDATE access_tokens SET expires_at = now() - interval '2 hours'" >/dev/null
demo_token '{"character":"Bob"}' >/dev/null
is "$(sql "SELECT string_agg(c.name, ',') FROM access_tokens t JOIN characters c ON c.id = t.character_id")" "Bob" \
	"issuing a token removes demo tokens long expired"

n=$(sql "SELECT count(*) FROM access_tokens")
r=$(demo_token '{"character":"Nobody"}'); is "${r%% *}" "404" "an unknown character is 404"
is "$(json 'd["error"]["code"]' "$(cat "$T_DIR/body")")" "unknown_actor" "with code unknown_actor"
r=$(demo_token '{"character":""}'); is "${r%% *}" "400" "an empty name is 400"
r=$(demo_token '{"character":7}'); is "${r%% *}" "400" "a number is 400"
r=$(demo_token '{"character":"Alice","admin":true}'); is "${r%% *}" "400" "an unknown member is 400"
r=$(demo_token '{"character":"Alice"'); is "$r" "400 application/json" "bad JSON is 400"
r=$(demo_token "{\"character\":\"$(printf '%070d' 0)\"}"); is "${r%% *}" "400" "a name over 64 bytes is 400"
r=$(demo_token '[]'); is "${r%% *}" "400" "an array is 400"
r=$(fetch -H 'Content-Type: text/plain' -d '{"character":"Alice"}' "$HTTP2/v1/demo/tokens"); is "${r%% *}" "415" "a body that is not JSON is 415"
is "$(sql "SELECT count(*) FROM access_tokens")" "$n" "no refused request issued a token"

# Demo logins share one bucket (here burst 20, 1/s): a flood is refused with 429.
codes=""
for i in $(seq 1 25); do codes="$codes $(demo_token '{"character":"Nobody"}' | cut -d' ' -f1)"; done
case "$codes" in *429*) ok 0 "a flood of demo logins is rate-limited (429)" ;; *) ok 1 "a flood of demo logins is rate-limited"; diag "$codes" ;; esac
finish
