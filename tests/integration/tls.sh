#!/bin/sh
# TLS on both services (issue 15, finding 9): with tls-cert and tls-key the
# ingress serves HTTPS and the publisher wss:// (and https:// for /healthz)
# on their usual ports; a bearer token never crosses the wire in clear.
# A self-signed certificate made here; clients verify it (--cacert).
. "$WR_HOME/tests/lib/harness.sh"
. "$WR_HOME/tests/lib/pubtest.sh"

command -v openssl >/dev/null || bail "openssl not found"
pg_start_world
ALICE=$("$WRCTL" token issue alice)
BOB=$("$WRCTL" token issue bob)
C=$T_DIR/cert.pem K=$T_DIR/key.pem
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$K" -out "$C" >/dev/null 2>&1 ||
	bail "openssl could not make a certificate"

svc ingress "$BUILD/ingress/wr-ingress" --port=0 --port-file="$T_DIR/ingress.port" --tls-cert="$C" --tls-key="$K"
svc publisher "$BUILD/publisher/wr-publisher" --port=0 --port-file="$T_DIR/publisher.port" --tls-cert="$C" --tls-key="$K"
svc worker "$BUILD/worker/wr-worker"
wait_file "$T_DIR/ingress.port" || bail "ingress did not start: $(cat "$T_DIR/ingress.log")"
wait_file "$T_DIR/publisher.port" || bail "publisher did not start: $(cat "$T_DIR/publisher.log")"
IP=$(cat "$T_DIR/ingress.port") PP=$(cat "$T_DIR/publisher.port")

is "$(curl -s --cacert "$C" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$IP/healthz")" 200 \
	"ingress: GET /healthz over HTTPS, certificate verified"
r=$(curl -s --cacert "$C" -o "$T_DIR/resp" -w '%{http_code}' -H "Authorization: Bearer $ALICE" \
	-H 'Content-Type: application/json' --data-binary '{"input":"say over TLS"}' "https://127.0.0.1:$IP/v1/commands")
is "$r" 202 "ingress: a command with its bearer token over HTTPS"
curl -s -o /dev/null "https://127.0.0.1:$IP/healthz"; [ $? -ne 0 ]; ok $? "ingress: a client that does not trust the certificate is refused"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$IP/healthz")
[ "$code" != 200 ]; ok $? "ingress: plain HTTP on the TLS port gets no answer ($code)"
# What curl negotiated: TLS, with the certificate verified.
proto=$(curl -s --cacert "$C" -o /dev/null -w '%{scheme} %{ssl_verify_result}' "https://127.0.0.1:$IP/healthz")
is "$proto" "HTTPS 0" "ingress: the connection is TLS and verified"

is "$(curl -s --cacert "$C" -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PP/healthz")" 200 \
	"publisher: GET /healthz over HTTPS"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PP/healthz")
[ "$code" != 200 ]; ok $? "publisher: plain HTTP on the TLS port gets no answer ($code)"

WR_TEST_CAFILE=$C py_checks "wss://127.0.0.1:$PP/" "$BOB" "https://127.0.0.1:$IP" "$ALICE" "$C" <<'PY'
import json, ssl, sys, urllib.request
from wsclient import WS, check
url, bob, http, alice, ca = sys.argv[1:6]
ws = WS(url, hello={"type": "hello", "token": bob})
check(ws.status == 101, "publisher: websocket upgrade over wss://, certificate verified")
w = ws.recv(10)
check(w is not None and w.get("type") == "welcome", "publisher: hello and welcome over TLS", w)
ctx = ssl.create_default_context(cafile=ca)
req = urllib.request.Request(http + "/v1/commands", data=json.dumps({"input": "say secure hello"}).encode(),
                             headers={"Authorization": "Bearer " + alice, "Content-Type": "application/json"})
check(urllib.request.urlopen(req, context=ctx).status == 202, "ingress: Alice says something over HTTPS")
got, f = ws.recv_until(lambda f: f.get("type") == "event" and "secure hello" in json.dumps(f), 20)
check(f is not None, "publisher: Bob receives it over wss://", got[-3:])
try:
    WS(url, cafile="/etc/ssl/certs/ca-certificates.crt")
    check(False, "publisher: a client that does not trust the certificate is refused")
except ssl.SSLError:
    check(True, "publisher: a client that does not trust the certificate is refused")
PY

# Bad settings: a clear error, and the service does not start.
out=$("$BUILD/ingress/wr-ingress" --port=0 --tls-cert="$C" 2>&1); rc=$?
[ $rc -ne 0 ]; ok $? "ingress: tls-cert without tls-key does not start"
has "$out" "tls-cert and tls-key go together" "and says why"
out=$("$BUILD/ingress/wr-ingress" --port=0 --tls-cert="$T_DIR/none.pem" --tls-key="$K" 2>&1); rc=$?
[ $rc -ne 0 ]; ok $? "ingress: a missing certificate file does not start"
has "$out" "none.pem" "and names the file"
out=$("$BUILD/publisher/wr-publisher" --port=0 --tls-key="$K" 2>&1); rc=$?
[ $rc -ne 0 ]; ok $? "publisher: tls-key without tls-cert does not start"
has "$out" "tls-cert and tls-key go together" "and says why"
out=$("$BUILD/publisher/wr-publisher" --port=0 --tls-cert="$T_DIR/none.pem" --tls-key="$K" 2>&1); rc=$?
[ $rc -ne 0 ]; ok $? "publisher: a missing certificate file does not start"
has "$out" "none.pem" "and names the file"
finish
