/*
 * Written Realms web client (docs/web-client.md).  Plain JavaScript, no build
 * step.  Talks to wr-publisher over a websocket (docs/protocol.md): hello with
 * the token and, after a reconnect or a reload, the last seq of every stream
 * ("resume"); events rendered as text; commands sent as {"type":"command"}.
 *
 * The session (token, stream positions, recent event ids, output lines,
 * panels, history) lives in sessionStorage, written within 100 ms of every
 * frame and when the page is hidden, so a reload shows the same lines and resumes exactly where the page was:
 * events at or below a stream's position and event ids already seen are
 * dropped.  A publisher that answers a command with "unknown_type" (no
 * commands on the socket) makes the page send commands with
 * POST /v1/commands instead, on the ingress that served it.
 *
 * Accounts (docs/accounts.md): the log-in page signs up or logs in; the
 * account's refresh token lives in localStorage ("wr.account"), so a reload
 * or a new tab stays logged in.  The character picker turns it into a
 * session pinned to one character; the access token is refreshed before it
 * expires (a refresh revokes the old token, so the publisher closes its
 * socket with 4401: the page then reconnects with the new one and resumes).
 */
"use strict";

(() => {
  const STORE_KEY = "wr.session";
  const ACCOUNT_KEY = "wr.account";
  const MAX_LINES = 500;
  const MAX_SEEN = 1000;
  const MAX_HISTORY = 100;
  const MAX_BACKOFF_MS = 5000;
  const RETRY_CODES = ["busy", "rate_limited", "unavailable"];
  const MAX_TRIES = 3;

  const $ = (id) => document.getElementById(id);

  let config = { ws: "", demo: false };
  let S = null;            /* the session, see newSession() */
  let seen = new Set();    /* S.seen as a set */
  let ownUnseen = [];      /* unseen_ref of our own private copies (docs/protocol.md) */
  let ws = null;
  let online = false;
  let attempt = 0;
  let retryTimer = null;
  let wsCommands = true;   /* false once the socket refused a command as unknown_type */
  let cmdCounter = 0;
  const idPrefix = "w" + Math.random().toString(16).slice(2, 10) + "-";
  const pending = new Map(); /* command id -> {id, input, quiet, sent} */
  let histPos = -1;
  let account = null;      /* {name, token, refresh, expires_at}: see loadAccount() */
  let refreshTimer = null;

  function newSession(token, character, wsUrl) {
    return {
      token, character, ws: wsUrl,
      me: null, streams: {}, seen: [], lines: [],
      room: null, vitals: null, history: [],
    };
  }

  function load() {
    try {
      const s = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (s && typeof s.token === "string" && typeof s.ws === "string") return s;
    } catch (e) { /* a broken entry is dropped */ }
    return null;
  }

  function save() {
    if (!S) return;
    if (S.lines.length > MAX_LINES) S.lines.splice(0, S.lines.length - MAX_LINES);
    if (S.seen.length > MAX_SEEN) {
      S.seen.splice(0, S.seen.length - MAX_SEEN);
      seen = new Set(S.seen);
    }
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(S));
    } catch (e) { /* storage full or off: the page still works, a reload starts over */ }
  }

  /* A burst of frames is saved once; pagehide saves what is left before a
   * reload.  Each save is a consistent snapshot: positions and lines together. */
  let saveTimer = null;
  function saveSoon() {
    if (saveTimer === null) saveTimer = setTimeout(() => { saveTimer = null; save(); }, 100);
  }

  /* ---- connection state ------------------------------------------------ */

  function setConn(kind, text) {
    const el = $("conn");
    el.className = "conn conn-" + kind;
    el.textContent = text;
    el.dataset.state = kind;
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    setConn(attempt ? "reconnecting" : "connecting", attempt ? "reconnecting" : "connecting");
    let sock;
    try {
      sock = new WebSocket(S.ws);
    } catch (e) {
      note("cannot open " + S.ws + ": " + e.message);
      scheduleReconnect();
      return;
    }
    ws = sock;
    sock.wrToken = S.token;
    sock.onopen = () => {
      const hello = { type: "hello", token: S.token };
      if (S.character) hello.character = S.character;
      if (Object.keys(S.streams).length) hello.resume = S.streams;
      sock.send(JSON.stringify(hello));
    };
    sock.onmessage = (m) => {
      if (sock !== ws) return;
      let f;
      try { f = JSON.parse(m.data); } catch (e) { return; }
      onFrame(f);
      saveSoon();
    };
    sock.onclose = (ev) => {
      if (sock !== ws) return;
      ws = null;
      online = false;
      for (const c of pending.values()) c.sent = false;
      onClose(ev.code, ev.reason, sock.wrToken);
    };
  }

  function onClose(code, reason, token) {
    if (code === 4401 && S && token !== S.token) {
      scheduleReconnect(0); /* the token was refreshed: the old one was revoked */
      return;
    }
    if (code === 4401 && S && S.account && account) {
      renewSession().then((ok) => {
        if (ok) scheduleReconnect(0);
        else logout("your session ended: log in again");
      });
      return;
    }
    if (code === 4401) {
      logout("the server refused the token" + (reason ? " (" + reason + ")" : "") + ": log in again");
      return;
    }
    if (code === 4400) note("protocol error: " + reason);
    /* 4408 (slow consumer) means: come back at once and resume. */
    scheduleReconnect(code === 4408 ? 0 : undefined);
  }

  function scheduleReconnect(delay) {
    if (!S) return;
    if (delay === undefined) delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt) + Math.random() * 250;
    attempt++;
    setConn("reconnecting", "reconnecting in " + Math.ceil(delay / 1000) + "s");
    retryTimer = setTimeout(connect, delay);
  }

  /* ---- frames ----------------------------------------------------------- */

  function onFrame(f) {
    switch (f.type) {
    case "welcome": return onWelcome(f);
    case "event": return onEvent(f);
    case "subscribed":
      S.streams[f.stream] = f.after;
      return;
    case "unsubscribed":
      delete S.streams[f.stream];
      return;
    case "result": return onResult(f);
    case "error": return onError(f);
    default: return;
    }
  }

  function onWelcome(f) {
    const fresh = Object.keys(S.streams).length === 0;
    const refused = Array.isArray(f.cannot_resume) ? f.cannot_resume : [];
    let missed = refused.length > 0;
    const streams = {};
    for (const [s, pos] of Object.entries(f.streams || {})) {
      /* A server that did not resume starts further on than we were. */
      if (!fresh && s in S.streams && pos > S.streams[s] && !refused.includes(s)) missed = true;
      streams[s] = pos;
    }
    S.streams = streams;
    S.me = f.character || { id: 0, name: "?" }; /* an admin token plays nobody */
    $("who").textContent = "as " + S.me.name;
    online = true;
    attempt = 0;
    setConn("online", "online");
    if (missed) note("reconnected, but some events could not be replayed: looking again");
    else if (!fresh) note("reconnected");
    dispatchNext();
    if (fresh || missed || !S.room || S.room.id !== f.room_id) command("look", true);
    if (fresh || !S.vitals) command("score", true);
  }

  function onEvent(f) {
    const pos = S.streams[f.stream];
    if (pos !== undefined && f.seq <= pos) return;
    S.streams[f.stream] = f.seq;
    if (seen.has(f.event_id)) return;
    seen.add(f.event_id);
    S.seen.push(f.event_id);
    const d = f.data || {};
    /* docs/protocol.md "Events of someone unseen": our own private copy came
       first on our char stream; the shared "Someone ..." one is not shown again. */
    if (d.unseen_ref !== undefined && S.me) {
      if (f.stream === "char:" + S.me.id) {
        ownUnseen.push(d.unseen_ref);
        if (ownUnseen.length > 64) ownUnseen.shift();
      } else if (ownUnseen.includes(d.unseen_ref)) {
        return;
      }
    }
    const text = textFor(f, d);
    if (text) addLine(kindOf(f.event), text, f.event);
    updatePanels(f, d);
  }

  /* docs/protocol.md: text_self for the actor, text_target for the target, text for the others. */
  function textFor(f, d) {
    if (S.me && f.actor === "char:" + S.me.id && typeof d.text_self === "string") return d.text_self;
    if (S.me && d.target_id === S.me.id && typeof d.text_target === "string") return d.text_target;
    return typeof d.text === "string" ? d.text : "";
  }

  const KINDS = {
    Said: "say", Emoted: "say", Told: "tell", Shouted: "shout",
    CharacterLeft: "move", CharacterArrived: "move", CharacterMoved: "room", RoomDescribed: "room",
    ItemTaken: "item", ItemDropped: "item", ItemPut: "item", ItemGiven: "item", GoldGiven: "item",
    ItemWorn: "item", ItemRemoved: "item",
    LookedAt: "info", LookedIn: "info", Inventory: "info", Equipment: "info", Score: "info", Considered: "info",
    ActionRejected: "reject",
  };
  function kindOf(ev) { return KINDS[ev] || "other"; }

  function onResult(f) {
    const c = pending.get(f.id);
    if (!c) return;
    const e = f.error || {};
    /* Not queued (busy, rate limited) or not known to be: again, same id, a few times. */
    if (f.status === "error" && RETRY_CODES.includes(e.code) && (c.tries || 0) < MAX_TRIES) {
      const delay = 1000 * Math.max(1, Math.min(10, Number(e.retry_after) || 1));
      c.tries = (c.tries || 0) + 1;
      c.sent = false;
      c.notBefore = Date.now() + delay;
      setTimeout(dispatchNext, delay);
      return;
    }
    pending.delete(f.id);
    dispatchNext();
    if (f.status === "error" && f.error) {
      if (e.code === "ambiguous" && Array.isArray(e.candidates) && e.candidates.length) {
        addLine("cand", e.message || "which one?", null,
          { input: c.input, cands: e.candidates.map((x) => ({ ref: String(x.ref), name: String(x.name || x.ref) })) });
      } else {
        addLine("error", e.message || e.code || "refused");
      }
    } else if (f.status === "ok") {
      if (f.help) addLine("info", (f.help.topic ? f.help.topic + ": " : "") + f.help.text);
      else if (f.alias) addLine("info", "alias " + f.alias.name + " = " + f.alias.expansion);
      else if (f.aliases) addLine("info", Object.entries(f.aliases).map(([k, v]) => k + " = " + v).join("\n") || "no aliases");
    }
  }

  function onError(f) {
    if (f.code === "unknown_type" && wsCommands && pending.size) {
      /* This publisher takes no commands: use the ingress for them from now on. */
      wsCommands = false;
      document.body.dataset.commands = "http";
      for (const c of pending.values()) c.sent = false;
      dispatchNext();
      return;
    }
    if (f.code === "unauthorized") return; /* the close 4401 that follows logs out */
    addLine("error", (f.code ? f.code + ": " : "") + (f.message || ""));
  }

  /* ---- commands --------------------------------------------------------- */

  function command(input, quiet) {
    input = input.trim();
    if (!input) return;
    const c = { id: idPrefix + (++cmdCounter), input, quiet: !!quiet, sent: false };
    if (!quiet) addLine("cmd", "> " + input);
    pending.set(c.id, c);
    dispatchNext();
    save();
  }

  /*
   * Sends the oldest unanswered command, one at a time: the server may run
   * one connection's commands on several threads, and "north" then "get all"
   * must be queued in that order.  Over the socket when it is up (else on
   * the next welcome), or over HTTP.  A command sent again (reconnect,
   * retry) keeps its id, which makes that safe: the engine queues one
   * command id once.
   */
  function dispatchNext() {
    const c = pending.values().next().value;
    if (!c || c.sent || !S) return;
    if (c.notBefore && Date.now() < c.notBefore) return; /* its retry timer calls again */
    if (!wsCommands) {
      postCommand(c);
    } else if (ws && online) {
      ws.send(JSON.stringify({ type: "command", id: c.id, input: c.input }));
      c.sent = true;
      document.body.dataset.commands = document.body.dataset.commands || "socket";
    }
  }

  async function postCommand(c) {
    c.sent = true;
    const body = { input: c.input, id: c.id };
    if (S.character) body.actor = S.character;
    let res;
    try {
      const r = await fetch("/v1/commands", {
        method: "POST",
        headers: { "Authorization": "Bearer " + S.token, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      res = await r.json();
    } catch (e) {
      c.sent = false;
      c.notBefore = Date.now() + 1000;
      setTimeout(dispatchNext, 1000);
      return;
    }
    if (res.error) onResult({ type: "result", id: c.id, status: "error", error: res.error });
    else onResult(Object.assign({ type: "result", id: c.id }, res));
    save();
  }

  /* "get small" + candidate "small.2" -> "get small.2": the word the
   * candidates share is replaced, once, by the reference that picks one. */
  function withRef(input, ref) {
    const word = ref.replace(/\.\d+$/, "");
    const parts = input.split(/(\s+)/);
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].toLowerCase() === word.toLowerCase()) {
        parts[i] = ref;
        return parts.join("");
      }
    }
    return null;
  }

  function pickCandidate(input, ref) {
    const next = withRef(input, ref);
    if (next) {
      command(next);
    } else {
      $("cmd").value = input + " " + ref;
      $("cmd").focus();
    }
  }

  /* ---- output ----------------------------------------------------------- */

  function addLine(kind, text, event, extra) {
    const line = { k: kind, t: text };
    if (event) line.e = event;
    if (extra) Object.assign(line, extra);
    S.lines.push(line);
    renderLine(line);
  }

  function note(text) { addLine("notice", text); }

  function renderLine(line) {
    const out = $("output");
    const stick = out.scrollTop + out.clientHeight >= out.scrollHeight - 30;
    const div = document.createElement("div");
    div.className = "line ev-" + line.k;
    if (line.e) div.dataset.event = line.e;
    div.textContent = line.t;
    if (line.cands) {
      const box = document.createElement("span");
      box.className = "candidates";
      for (const c of line.cands) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "candidate";
        b.textContent = c.name + " (" + c.ref + ")";
        b.dataset.ref = c.ref;
        b.addEventListener("click", () => pickCandidate(line.input, c.ref));
        box.appendChild(b);
      }
      div.appendChild(box);
    }
    out.appendChild(div);
    while (out.childElementCount > MAX_LINES) out.firstElementChild.remove();
    if (stick) out.scrollTop = out.scrollHeight;
  }

  /* ---- panels ----------------------------------------------------------- */

  function updatePanels(f, d) {
    const mine = S.me && f.actor === "char:" + S.me.id;
    switch (f.event) {
    case "RoomDescribed":
    case "CharacterMoved":
      if (d.room) S.room = d.room;
      break;
    case "CharacterArrived":
      if (!mine && S.room && Array.isArray(S.room.characters) && f.stream === "room:" + S.room.id) {
        S.room.characters = S.room.characters.filter((c) => idOf(c) !== d.character_id);
        S.room.characters.push({ id: d.character_id, name: d.name });
      }
      break;
    case "CharacterLeft":
      if (!mine && S.room && Array.isArray(S.room.characters))
        S.room.characters = S.room.characters.filter((c) => idOf(c) !== d.character_id);
      break;
    case "Score":
      S.vitals = Object.assign(S.vitals || {}, {
        hp: d.hp, max_hp: d.max_hp, level: d.level, gold: d.gold, weight: d.weight, carry_limit: d.carry_limit,
      });
      break;
    case "Inventory":
      S.vitals = Object.assign(S.vitals || {}, { gold: d.gold, weight: d.weight, carry_limit: d.carry_limit });
      break;
    default:
      return;
    }
    renderPanels();
  }

  function idOf(c) { return c && typeof c === "object" ? c.id : undefined; }
  function nameOf(c) { return c && typeof c === "object" ? String(c.name) : String(c); }

  function renderPanels() {
    const r = S.room;
    $("room-name").textContent = r ? r.name : "Somewhere";
    $("room-desc").textContent = r && !r.dark ? (r.description || "") : (r ? "It is dark." : "");
    const exits = $("exits");
    exits.replaceChildren();
    for (const x of (r && Array.isArray(r.exits) ? r.exits : [])) {
      const dir = typeof x === "object" ? String(x.dir) : String(x);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "exit";
      b.dataset.dir = dir;
      b.textContent = dir;
      b.addEventListener("click", () => command(dir));
      exits.appendChild(b);
    }
    const here = $("here");
    here.replaceChildren();
    const who = [].concat(r && r.characters || [], r && r.mobs || [], r && r.items || []);
    for (const c of who) {
      if (S.me && idOf(c) === S.me.id && (r.characters || []).includes(c)) continue;
      const li = document.createElement("li");
      li.textContent = nameOf(c) + (c && c.quantity > 1 ? " (" + c.quantity + ")" : "");
      here.appendChild(li);
    }
    const v = S.vitals;
    bar("hp", v && v.hp, v && v.max_hp);
    bar("load", v && v.weight, v && v.carry_limit);
    $("vitals-extra").textContent = v ? "level " + v.level + ", " + v.gold + " gold" : "";
  }

  function bar(name, cur, max) {
    const known = typeof cur === "number" && typeof max === "number" && max > 0;
    $(name + "-fill").style.width = known ? Math.max(0, Math.min(100, (100 * cur) / max)) + "%" : "0";
    $(name + "-text").textContent = known ? cur + " / " + max : "?";
  }

  /* ---- login ------------------------------------------------------------ */

  function showLogin(error) {
    $("game").hidden = true;
    $("leave").hidden = true;
    $("picker").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("account-error").textContent = error || "";
    $("who").textContent = "";
    $("login-error").textContent = error || "";
    $("ws-input").value = $("ws-input").value || config.ws;
    setConn("offline", "offline");
    if (config.demo) loadDemoCharacters();
    $("account-name").focus();
  }

  async function loadDemoCharacters() {
    const box = $("demo-chars");
    try {
      const r = await fetch("/v1/demo/characters");
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
      box.replaceChildren();
      for (const c of body.characters) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "demo-char";
        b.textContent = c.name;
        b.addEventListener("click", () => demoLogin(c.name));
        box.appendChild(b);
      }
      $("demo").hidden = false;
    } catch (e) {
      $("login-error").textContent = "could not list the demo characters: " + e.message;
    }
  }

  async function demoLogin(name) {
    try {
      const r = await fetch("/v1/demo/tokens", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ character: name }),
      });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
      start(newSession(body.token, body.character.name, body.ws || config.ws));
    } catch (e) {
      $("login-error").textContent = "demo login failed: " + e.message;
    }
  }

  /* ---- accounts (docs/accounts.md) -------------------------------------- */

  function loadAccount() {
    try {
      const a = JSON.parse(localStorage.getItem(ACCOUNT_KEY) || "null");
      if (a && typeof a.refresh === "string" && typeof a.token === "string") return a;
    } catch (e) { /* a broken entry is dropped */ }
    return null;
  }

  function saveAccount() {
    try {
      if (account) localStorage.setItem(ACCOUNT_KEY, JSON.stringify(account));
      else localStorage.removeItem(ACCOUNT_KEY);
    } catch (e) { /* storage off: the account lasts as long as the page */ }
  }

  async function api(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let b = {};
    try { b = await r.json(); } catch (e) { /* no body */ }
    return { status: r.status, ok: r.ok, body: b };
  }

  function errorText(res) {
    const e = res.body && res.body.error;
    let msg = e ? e.message : "the server answered " + res.status;
    if (res.status === 429) msg += " (try again in a moment)";
    return msg;
  }

  /* A session answer (sign-up, log-in, refresh) becomes the account. */
  function takeSession(b) {
    account = {
      name: b.account.name, token: b.token, refresh: b.refresh_token,
      expires_at: Date.now() + b.expires_in * 1000,
    };
    saveAccount();
  }

  /* Refreshes the session (keeping its character); false if it is over. */
  async function renewSession() {
    if (!account) return false;
    let res;
    try {
      res = await api("POST", "/v1/sessions/refresh", { refresh_token: account.refresh });
    } catch (e) {
      return false;
    }
    if (!res.ok) {
      if (res.status === 401 || res.status === 403) { account = null; saveAccount(); }
      return false;
    }
    takeSession(res.body);
    if (S && S.account) { S.token = account.token; save(); }
    scheduleRenew();
    return true;
  }

  function scheduleRenew() {
    clearTimeout(refreshTimer);
    refreshTimer = null;
    if (!account) return;
    const wait = Math.max(5000, (account.expires_at - Date.now()) * 0.8);
    refreshTimer = setTimeout(() => { renewSession(); }, wait);
  }

  async function accountSubmit(kind) {
    const name = $("account-name").value.trim();
    const password = $("account-password").value;
    $("account-error").textContent = "";
    if (!name || !password) {
      $("account-error").textContent = "enter a name and a password";
      return;
    }
    let res;
    try {
      res = await api("POST", kind === "signup" ? "/v1/accounts" : "/v1/sessions", { name, password });
    } catch (e) {
      $("account-error").textContent = "could not reach the server: " + e.message;
      return;
    }
    if (!res.ok) {
      $("account-error").textContent = errorText(res);
      return;
    }
    $("account-password").value = "";
    takeSession(res.body);
    scheduleRenew();
    showPicker(res.body.characters);
  }

  async function loadCharacters() {
    let res = await api("GET", "/v1/characters", undefined, account.token);
    if (res.status === 401 && await renewSession())
      res = await api("GET", "/v1/characters", undefined, account.token);
    if (!res.ok) throw new Error(errorText(res));
    return res.body.characters;
  }

  function showPicker(chars) {
    $("login").hidden = true;
    $("game").hidden = true;
    $("leave").hidden = true;
    $("picker").hidden = false;
    $("logout").hidden = false;
    $("picker-account").textContent = account.name;
    $("who").textContent = account.name;
    setConn("offline", "offline");
    const list = $("char-list");
    list.replaceChildren();
    (chars || []).forEach((c, i) => {
      const li = document.createElement("li");
      const b = document.createElement("button");
      b.type = "button";
      b.className = "pick-char";
      b.dataset.name = c.name;
      b.textContent = c.name;
      b.title = "play " + c.name + " (key " + (i + 1) + ")";
      b.addEventListener("click", () => pick(c.name));
      li.appendChild(b);
      list.appendChild(li);
    });
    const first = list.querySelector("button");
    if (first) first.focus();
    else $("char-name").focus();
  }

  async function openPicker() {
    try {
      showPicker(await loadCharacters());
    } catch (e) {
      account = null;
      saveAccount();
      showLogin("your session ended: log in again");
    }
  }

  async function createCharacter(ev) {
    ev.preventDefault();
    const name = $("char-name").value.trim();
    $("picker-error").textContent = "";
    if (!name) return;
    let res = await api("POST", "/v1/characters", { name }, account.token);
    if (res.status === 401 && await renewSession()) res = await api("POST", "/v1/characters", { name }, account.token);
    if (!res.ok) {
      $("picker-error").textContent = errorText(res);
      return;
    }
    $("char-name").value = "";
    try {
      showPicker(await loadCharacters());
    } catch (e) {
      $("picker-error").textContent = e.message;
    }
  }

  async function pick(name) {
    $("picker-error").textContent = "";
    let res;
    try {
      res = await api("POST", "/v1/sessions/refresh", { refresh_token: account.refresh, character: name });
    } catch (e) {
      $("picker-error").textContent = "could not reach the server: " + e.message;
      return;
    }
    if (!res.ok) {
      if (res.status === 401) { account = null; saveAccount(); showLogin("your session ended: log in again"); return; }
      $("picker-error").textContent = errorText(res);
      return;
    }
    takeSession(res.body);
    scheduleRenew();
    const s = newSession(res.body.token, res.body.character.name, res.body.ws || config.ws);
    s.account = true;
    start(s);
  }

  async function accountLogout() {
    const token = account && account.token;
    leaveGame();
    account = null;
    saveAccount();
    clearTimeout(refreshTimer);
    if (token) { try { await api("DELETE", "/v1/sessions", undefined, token); } catch (e) { /* gone anyway */ } }
    showLogin();
    $("account-name").focus();
  }

  function pickerKey(ev) {
    if ($("picker").hidden || ev.target === $("char-name") || ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const n = Number(ev.key);
    if (!Number.isInteger(n) || n < 1) return;
    const b = $("char-list").querySelectorAll("button.pick-char")[n - 1];
    if (b) { ev.preventDefault(); b.click(); }
  }

  function start(session) {
    S = session;
    seen = new Set(S.seen);
    pending.clear();
    attempt = 0;
    save();
    $("login").hidden = true;
    $("picker").hidden = true;
    $("game").hidden = false;
    $("leave").hidden = false;
    $("logout").hidden = !S.account;
    $("output").replaceChildren();
    for (const line of S.lines) renderLine(line);
    renderPanels();
    connect();
    $("cmd").focus();
  }

  /* Closes the game: the socket, the stored play session. */
  function leaveGame() {
    const sock = ws;
    S = null;
    ws = null;
    online = false;
    clearTimeout(retryTimer);
    pending.clear();
    sessionStorage.removeItem(STORE_KEY);
    if (sock) sock.close(1000, "bye");
  }

  function logout(error) {
    const wasAccount = S && S.account;
    leaveGame();
    if (wasAccount && account && !error) openPicker();
    else showLogin(error);
  }

  /* ---- input ------------------------------------------------------------ */

  function onCommandSubmit(ev) {
    ev.preventDefault();
    const input = $("cmd").value.trim();
    if (!input || !S) return;
    if (S.history[S.history.length - 1] !== input) S.history.push(input);
    if (S.history.length > MAX_HISTORY) S.history.shift();
    histPos = -1;
    $("cmd").value = "";
    command(input);
  }

  function onCommandKey(ev) {
    if (!S || (ev.key !== "ArrowUp" && ev.key !== "ArrowDown")) return;
    const h = S.history;
    if (!h.length) return;
    ev.preventDefault();
    if (ev.key === "ArrowUp") histPos = histPos < 0 ? h.length - 1 : Math.max(0, histPos - 1);
    else histPos = histPos < 0 ? -1 : histPos + 1;
    if (histPos >= h.length) histPos = -1;
    $("cmd").value = histPos < 0 ? "" : h[histPos];
  }

  async function main() {
    $("cmd-form").addEventListener("submit", onCommandSubmit);
    $("cmd").addEventListener("keydown", onCommandKey);
    $("leave").addEventListener("click", () => logout());
    $("logout").addEventListener("click", accountLogout);
    $("account-form").addEventListener("submit", (ev) => { ev.preventDefault(); accountSubmit("login"); });
    $("signup-button").addEventListener("click", () => accountSubmit("signup"));
    $("char-form").addEventListener("submit", createCharacter);
    document.addEventListener("keydown", pickerKey);
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      start(newSession($("token-input").value.trim(), $("char-input").value.trim() || null,
        $("ws-input").value.trim()));
    });
    window.addEventListener("pagehide", save);
    try {
      const r = await fetch("/v1/web/config");
      if (r.ok) config = await r.json();
    } catch (e) { /* served elsewhere: the token form still works */ }
    if (!config.ws) config.ws = "ws://" + (location.hostname || "127.0.0.1") + ":8081/";
    account = loadAccount();
    const saved = load();
    if (saved) {
      if (saved.account && !account) saved.account = false;
      start(saved);
      if (saved.account) scheduleRenew();
    } else if (account) {
      scheduleRenew();
      openPicker();
    } else showLogin();
  }

  main();
})();
