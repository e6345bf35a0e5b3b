# tests/lib/doctest.sh: sourced after harness.sh by the tests that keep a
# docs page from rotting (docs-http-api.sh, docs-accounts.sh).
# doc_examples DOC runs every ```sh test block of DOC, verbatim, in order:
# a "# NNN {json}" line after a command checks its HTTP status and the
# shape of its JSON answer, one TAP point each.  The caller exports what the
# examples use ($HTTP, tokens) first.  (The heredocs stay unindented.)

doc_examples() { # doc
DOC_NAME=$(basename "$1")
# The blocks become one script: commands verbatim, expectation lines
# become doc_expect calls, and every block starts once the queue is empty.
python3 - "$1" "$T_DIR" <<'PY' || bail "could not extract the examples"
import re, shlex, sys
doc, d = sys.argv[1], sys.argv[2]
out, inblock, n, blocks, last_cmd, cont = [], False, 0, 0, "", False
for lineno, line in enumerate(open(doc), 1):
    line = line.rstrip("\n")
    if not inblock:
        if line.strip() == "```sh test":
            inblock, blocks = True, blocks + 1
            out.append("doc_block %d" % lineno)
        continue
    if line.strip() == "```":
        inblock = False
        continue
    m = re.match(r"^# (\d{3})(?: (.*))?$", line)
    if m:
        n += 1
        open("%s/doc-expect-%d" % (d, n), "w").write(m.group(2) or "")
        out.append("doc_expect %s %s/doc-expect-%d %s" % (m.group(1), d, n, shlex.quote("%d: %s" % (lineno, last_cmd[:90]))))
    elif line.startswith("#"):
        continue
    else:
        if not cont:
            out.append(': >"$DOC_STATUS"')
            last_cmd = line.strip()
        out.append(line)
        cont = line.endswith("\\")
if inblock or blocks == 0:
    sys.exit(1)
open(d + "/doc.sh", "w").write("\n".join(out) + "\n")
print("# %d blocks, %d expectations" % (blocks, n))
PY

cat >"$T_DIR/shape.py" <<'PY'
import json, sys
EXACT = {"status", "code", "event", "type"}

def same(exp, act, key, path, errs):
    if exp == "...":
        return
    if isinstance(exp, dict):
        if not isinstance(act, dict) or set(exp) != set(act):
            errs.append("%s: members %s, expected %s" % (path, sorted(act) if isinstance(act, dict) else act, sorted(exp)))
            return
        for k in exp:
            same(exp[k], act[k], k, path + "." + k, errs)
    elif isinstance(exp, list):
        if not isinstance(act, list) or bool(exp) != bool(act):
            errs.append("%s: %s, expected %s" % (path, json.dumps(act)[:80], "a list with items" if exp else "[]"))
            return
        for i, (e, a) in enumerate(zip(exp, act)):
            same(e, a, key, "%s[%d]" % (path, i), errs)
    elif key in EXACT and exp != act:
        errs.append("%s: %r, expected %r" % (path, act, exp))
    elif type(exp) is not type(act) and not (type(exp) in (int, float) and type(act) in (int, float)):
        errs.append("%s: %r, expected something like %r" % (path, act, exp))

status, exp_file, got_status, body_file = sys.argv[1:5]
errs = []
if got_status != status:
    errs.append("status %s, expected %s" % (got_status, status))
exp = open(exp_file).read().strip()
if exp:
    try:
        act = json.loads(open(body_file).read())
        same(json.loads(exp), act, None, "$", errs)
    except ValueError as e:
        errs.append("not JSON: %s" % e)
for e in errs:
    print("# " + e)
if errs:
    print("# body: " + open(body_file).read().strip()[:300])
sys.exit(1 if errs else 0)
PY

DOC_STATUS=$T_DIR/doc.status
DOC_OUT=$T_DIR/doc.out
curl() {
	command curl -sS -o "$DOC_OUT" -w '%{http_code}' "$@" >"$DOC_STATUS" || true
	cat "$DOC_OUT"
}
doc_block() {
	wait_sql "SELECT count(*) FROM action_queue" 0 100 || diag "line $1: the queue did not empty"
}
# The examples' own output goes to a file; TAP goes to fd 3.
doc_expect() { # status expected-file description
	python3 "$T_DIR/shape.py" "$1" "$2" "$(cat "$DOC_STATUS")" "$DOC_OUT" >&3
	ok $? "docs/$DOC_NAME:$3" >&3
}
cd "$T_DIR" || bail "no temp dir"
exec 3>&1
. "$T_DIR/doc.sh" >"$T_DIR/doc.stdout"
}
