/* SPDX-License-Identifier: MIT */
/*
 * web.c: what wr-ingress serves to browsers: the web client's files from
 * web-root (GET / is index.html), GET /v1/web/config (where the websocket
 * is), and with --demo the demo login (GET /v1/demo/characters,
 * POST /v1/demo/tokens).  docs/web-client.md describes the client.
 *
 * Only plain file names directly in web-root are served: one path segment
 * of [A-Za-z0-9._-] that does not start with a dot, with an extension from
 * the table below.  There is no way to name a parent directory, and files
 * are opened with O_NOFOLLOW relative to the root directory opened at
 * start, so a symlink or a renamed root cannot lead elsewhere.  Every
 * function here may run on any HTTP thread at once: the state is read-only
 * after ingress_web_new().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/json.h"
#include "core/log.h"
#include "core/util.h"
#include "ingress/ingress.h"

/* The web client is a few small files; anything bigger is a mistake. */
#define MAX_FILE_SIZE (8 * 1024 * 1024)
#define MAX_DEMO_NAME 64

struct ingress_web {
	int root_fd;  /* O_PATH directory, or -1: no files are served */
	char *ws_url; /* from malloc() */
	char *csp;    /* from malloc(): the page's Content-Security-Policy */
	bool demo;
	int64_t demo_ttl_s;
};

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{".html", "text/html; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".txt", "text/plain; charset=utf-8"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
};

static const char *
type_for(const char *name)
{
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < WR_ELEMENTSOF(content_types); i++)
		if (strcasecmp(dot, content_types[i].ext) == 0)
			return content_types[i].type;
	return NULL;
}

bool
ingress_web_valid_name(const char *name, size_t len)
{
	if (len == 0 || len > INGRESS_WEB_MAX_NAME || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
		      ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* web-root "" means web/ of $WR_HOME or, without it, of the source tree (as wrctl finds content/). */
static char *
default_root(void)
{
	const char *home = getenv("WR_HOME");
	struct wr_strbuf sb = WR_STRBUF_INIT;

	wr_strbuf_printf(&sb, "%s/web", home && *home ? home : WR_SOURCE_DIR);
	return sb.buf;
}

struct ingress_web *
ingress_web_new(const char *root, const char *ws_url, bool demo, int64_t demo_ttl_s, struct wr_error *reterr)
{
	struct ingress_web *w = wr_xcalloc(1, sizeof(*w));
	bool explicit_root = root && *root;
	char *path = explicit_root ? wr_xstrdup(root) : default_root();

	w->ws_url = wr_xstrdup(ws_url ? ws_url : "");
	/* The websocket URL goes into the CSP: a scheme, then only characters
	 * that cannot end a source expression or a directive. */
	if ((strncmp(w->ws_url, "ws://", 5) != 0 && strncmp(w->ws_url, "wss://", 6) != 0) ||
	    strspn(w->ws_url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/[]@%") !=
		    strlen(w->ws_url)) {
		wr_error_set(reterr, -EINVAL, "bad_config", "ws-url \"%.200s\" must be a ws:// or wss:// URL",
			     w->ws_url);
		free(path);
		return ingress_web_free(w);
	}
	/* Scripts, styles and connections only to this origin and the one
	 * websocket; no <base>, forms post here only, never framed. */
	{
		struct wr_strbuf sb = WR_STRBUF_INIT;

		wr_strbuf_printf(&sb,
				 "default-src 'self'; connect-src 'self' %s; img-src 'self' data:; base-uri 'none'; "
				 "form-action 'self'; frame-ancestors 'none'",
				 w->ws_url);
		w->csp = sb.buf;
	}
	w->demo = demo;
	w->demo_ttl_s = demo_ttl_s;
	w->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->root_fd < 0 && explicit_root) {
		wr_error_set(reterr, -errno, "bad_config", "web-root \"%s\": %s", path, strerror(errno));
		free(path);
		return ingress_web_free(w);
	}
	if (w->root_fd < 0)
		log_warning("no web client: %s: %s (set web-root)", path, strerror(errno));
	else
		log_info("serving the web client from %s%s", path, demo ? ", demo login on" : "");
	free(path);
	return w;
}

struct ingress_web *
ingress_web_free(struct ingress_web *w)
{
	if (!w)
		return NULL;
	if (w->root_fd >= 0)
		close(w->root_fd);
	free(w->ws_url);
	free(w->csp);
	free(w);
	return NULL;
}

bool
ingress_web_demo(const struct ingress_web *w)
{
	return w->demo;
}

int
ingress_web_open(const struct ingress_web *w, const char *name, struct ingress_web_file *ret)
{
	struct stat st;
	int fd;

	*ret = (struct ingress_web_file){.fd = -1};
	if (w->root_fd < 0 || !ingress_web_valid_name(name, strlen(name)))
		return -ENOENT;
	ret->content_type = type_for(name);
	if (!ret->content_type)
		return -ENOENT;
	fd = openat(w->root_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR || errno == EISDIR ? -ENOENT : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE) {
		close(fd);
		return -ENOENT;
	}
	ret->fd = fd;
	ret->size = (uint64_t) st.st_size;
	return 0;
}

const char *
ingress_web_csp(const struct ingress_web *w)
{
	return w->csp;
}

unsigned int
ingress_web_config(const struct ingress_web *w, struct wr_strbuf *out)
{
	wr_strbuf_puts(out, "{\"ws\":");
	cmd_json_str(out, w->ws_url);
	wr_strbuf_printf(out, ",\"demo\":%s}", w->demo ? "true" : "false");
	return 200;
}

unsigned int
ingress_web_demo_characters(const struct ingress_web *w, struct cmd_store *st, struct wr_strbuf *out)
{
	struct cmd_conn *c;
	struct wr_error err;
	int r;

	c = cmd_store_acquire(st, &err);
	if (!c)
		return cmd_fail(out, &err);
	wr_strbuf_puts(out, "{\"characters\":");
	r = ingress_store_demo_characters(c, out, &err);
	cmd_store_release(st, c);
	if (r < 0)
		return cmd_fail(out, &err);
	wr_strbuf_puts(out, ",\"ws\":");
	cmd_json_str(out, w->ws_url);
	wr_strbuf_puts(out, "}");
	return 200;
}

/* {"character": NAME}: the name, checked; or NULL with the error in out. */
static const char *
demo_name(struct json_object *doc, struct wr_strbuf *out)
{
	struct json_object_iter it;
	const char *name = NULL;
	struct wr_error err;

	json_object_object_foreachC(doc, it) if (strcmp(it.key, "character") != 0)
	{
		char msg[96];

		snprintf(msg, sizeof(msg), "unknown member \"%.32s\": expected {\"character\": NAME}", it.key);
		cmd_json_error(out, "bad_input", msg, -1);
		return NULL;
	}
	if (wr_json_get_str(doc, "character", MAX_DEMO_NAME, &name, &err) < 0) {
		cmd_json_error(out, strcmp(err.kind, "too_long") == 0 ? "too_long" : "bad_input", err.msg, -1);
		return NULL;
	}
	if (!*name) {
		cmd_json_error(out, "bad_input", "\"character\" must not be empty", -1);
		return NULL;
	}
	return name;
}

unsigned int
ingress_web_demo_token(const struct ingress_web *w, struct cmd_store *st, const char *body, size_t len,
		       struct wr_strbuf *out)
{
	char token[INGRESS_DEMO_TOKEN_LEN + 1], name[MAX_DEMO_NAME * 4 + 1];
	struct json_object *doc = NULL;
	struct cmd_conn *c;
	struct wr_error err;
	const char *want;
	int64_t id = 0;
	int r;

	if (wr_json_parse(body, len, 4, &doc, &err) < 0) {
		cmd_json_error(out, "bad_json", err.msg, -1);
		return cmd_status_for("bad_json");
	}
	if (!json_object_is_type(doc, json_type_object)) {
		json_object_put(doc);
		cmd_json_error(out, "bad_input", "expected {\"character\": NAME}", -1);
		return cmd_status_for("bad_input");
	}
	want = demo_name(doc, out);
	if (!want) {
		json_object_put(doc);
		return 400;
	}
	c = cmd_store_acquire(st, &err);
	r = c ? ingress_store_demo_token(c, want, w->demo_ttl_s, token, &id, name, sizeof(name), &err) : -1;
	cmd_store_release(st, c);
	if (r < 0) {
		json_object_put(doc);
		return cmd_fail(out, &err);
	}
	if (id == 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "no character named \"%s\"", want);
		json_object_put(doc);
		cmd_json_error(out, "unknown_actor", msg, -1);
		return cmd_status_for("unknown_actor");
	}
	json_object_put(doc);
	wr_strbuf_puts(out, "{\"token\":");
	cmd_json_str(out, token);
	wr_strbuf_printf(out, ",\"character\":{\"id\":%" PRId64 ",\"name\":", id);
	cmd_json_str(out, name);
	wr_strbuf_printf(out, "},\"expires_in\":%" PRId64 ",\"ws\":", w->demo_ttl_s);
	cmd_json_str(out, w->ws_url);
	wr_strbuf_puts(out, "}");
	return 201;
}
