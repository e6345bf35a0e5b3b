"""wr_api: the plain-HTTP client the example programs share (python3
standard library only).  A service token talks to wr-ingress
(docs/http-api.md): commands and effects (POST /v1/commands, retried on
429), where its mobs are (GET /v1/mobs) and a stream's events
(GET /v1/streams/<stream>/events, long-polled with wait)."""
import json
import time
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, timeout=40):
        """-> (HTTP status, decoded JSON body or {})."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                return e.code, json.loads(e.read() or b"{}")
            except ValueError:
                return e.code, {}

    def post(self, body, tries=5):
        """POST /v1/commands, again after 1 s (Retry-After: 1) while rate limited."""
        for _ in range(tries):
            status, r = self.call("POST", "/v1/commands", body)
            if status != 429:
                return status, r
            time.sleep(1)
        return status, r

    def act(self, mob, line, **extra):
        """One command typed as mob:<mob> (delay_ms, priority, ... in extra)."""
        return self.post(dict({"actor": "mob:%d" % mob, "input": line}, **extra))

    def effect(self, actor, room, effect, **extra):
        """One effect of a sys:<name> actor in a room of its zones."""
        return self.post(dict({"actor": actor, "room": room, "effect": effect}, **extra))

    def mobs(self):
        return self.call("GET", "/v1/mobs")

    def events(self, stream, after, wait):
        q = urllib.parse.urlencode({"after": after, "wait": wait, "limit": 50})
        return self.call("GET", "/v1/streams/%s/events?%s" % (stream, q), timeout=wait + 10)


def payload(ev):
    """An event's data as a dict, whether it came as an object or a JSON string."""
    data = ev.get("data")
    if isinstance(data, str):
        try:
            return json.loads(data)
        except ValueError:
            return {}
    return data or {}
