/* SPDX-License-Identifier: MIT */
/*
 * longpoll.c: long-polls without a thread or a database connection per
 * waiting request.
 *
 * A request that found nothing to return suspends its MHD connection
 * (MHD_suspend_connection) and returns: the pool thread is free again.  One
 * listener thread holds one connection that LISTENs on wr_events; every
 * worker commit NOTIFYs it with the streams it touched.  The listener
 * resumes the requests waiting on one of them (MHD then calls their access
 * handler again, which reads again) and those whose deadline passed (which
 * then answer an empty list).
 *
 * No lost wake-up: a request arms (clears `fired`) before each read and
 * suspends only if nothing fired since; while armed but not yet suspended,
 * every notification fires it, whatever its streams (the mailbox's room is
 * only known after the read).  NOTIFY is only a hint: the request always
 * re-reads by (stream, seq).  When the listener connects (again), every
 * waiter is woken, because notifications may have been missed meanwhile.
 *
 * Lock order: ws->lock, then MHD's own locks (MHD_suspend_connection and
 * MHD_resume_connection are called with ws->lock held; MHD never calls back
 * into this file while holding its locks).
 */
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "ingress/ingress.h"

#define RECONNECT_MS 1000
/* Poll at least this often, so a lost wake-up on the eventfd costs little. */
#define MAX_SLEEP_MS 1000

struct ingress_waiters {
	pthread_mutex_t lock;
	struct ingress_waiter *head; /* armed requests; guarded by lock */
	size_t count, max;
	size_t max_per_key; /* armed waiters of one token (w->key) */
	bool stopping;      /* no more arms; guarded by lock */
	bool quit;          /* the thread exits; guarded by lock */
	int wake_fd;        /* eventfd: a new deadline, or stop */
	char *conninfo;     /* from malloc() */
	pthread_t thread;
	bool thread_started;
};

static void
poke(struct ingress_waiters *ws)
{
	uint64_t one = 1;

	if (write(ws->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warning("could not wake the long-poll listener: %m");
}

/* Caller holds lock.  Wakes w: resumes it if suspended. */
static void
fire(struct ingress_waiter *w)
{
	w->fired = true;
	if (w->suspended) {
		w->suspended = false;
		MHD_resume_connection(w->conn);
	}
}

/* True when payload (comma-separated streams; "" means unknown) names one of w's. */
static bool
matches(const struct ingress_waiter *w, const char *payload)
{
	const char *s = payload;

	if (!*payload)
		return true;
	while (*s) {
		size_t len = strcspn(s, ",");

		for (size_t i = 0; i < w->on.n; i++)
			if (strlen(w->on.streams[i]) == len && strncmp(w->on.streams[i], s, len) == 0)
				return true;
		s += len;
		if (*s == ',')
			s++;
	}
	return false;
}

static void
on_notify(const char *payload, void *userdata)
{
	struct ingress_waiters *ws = userdata;

	pthread_mutex_lock(&ws->lock);
	for (struct ingress_waiter *w = ws->head; w; w = w->next)
		if (!w->suspended || matches(w, payload))
			fire(w);
	pthread_mutex_unlock(&ws->lock);
}

static void
fire_all(struct ingress_waiters *ws)
{
	pthread_mutex_lock(&ws->lock);
	for (struct ingress_waiter *w = ws->head; w; w = w->next)
		fire(w);
	pthread_mutex_unlock(&ws->lock);
}

/* Resumes the waiters whose deadline passed; returns ms until the next one. */
static int64_t
expire(struct ingress_waiters *ws, int64_t now, bool *ret_quit)
{
	int64_t next = MAX_SLEEP_MS;

	pthread_mutex_lock(&ws->lock);
	for (struct ingress_waiter *w = ws->head; w; w = w->next) {
		if (!w->suspended)
			continue;
		if (w->deadline_ms <= now)
			fire(w);
		else if (w->deadline_ms - now < next)
			next = w->deadline_ms - now;
	}
	*ret_quit = ws->quit;
	pthread_mutex_unlock(&ws->lock);
	return next;
}

/* Connects when due; returns the listener or NULL. */
static struct ingress_listener *
try_connect(struct ingress_waiters *ws, int64_t now, int64_t *retry_at, bool *warned)
{
	struct ingress_listener *l;
	struct wr_error err;

	if (now < *retry_at)
		return NULL;
	l = ingress_listener_open(ws->conninfo, &err);
	if (!l) {
		*retry_at = now + RECONNECT_MS;
		if (!*warned)
			log_warning("long-poll listener: %s; long-polls wait for their deadline until it is back",
				    err.msg);
		*warned = true;
		return NULL;
	}
	if (*warned)
		log_notice("long-poll listener connected again");
	*warned = false;
	/* Commits may have gone by unannounced: everyone reads again. */
	fire_all(ws);
	return l;
}

static void
drain_wake(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) > 0)
		;
}

static void *
listener_main(void *arg)
{
	struct ingress_waiters *ws = arg;
	struct ingress_listener *l = NULL;
	int64_t retry_at = 0;
	bool warned = false, quit = false;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = ws->wake_fd, .events = POLLIN}, {.fd = -1, .events = POLLIN}};
		int64_t now = wr_mono_ms(), sleep_ms = expire(ws, now, &quit);
		struct wr_error err;

		if (quit)
			break;
		if (!l)
			l = try_connect(ws, now, &retry_at, &warned);
		if (!l && retry_at - now < sleep_ms)
			sleep_ms = retry_at - now > 0 ? retry_at - now : 0;
		pfd[1].fd = l ? ingress_listener_socket(l) : -1;
		if (poll(pfd, 2, (int) sleep_ms) < 0 && errno != EINTR) {
			log_error("long-poll listener: poll failed: %m");
			nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
		}
		if (pfd[0].revents)
			drain_wake(ws->wake_fd);
		if (l && pfd[1].revents && ingress_listener_notifies(l, on_notify, ws, &err) < 0) {
			log_warning("long-poll listener: %s, reconnecting", err.msg);
			l = ingress_listener_close(l);
			warned = true;
		}
	}
	ingress_listener_close(l);
	return NULL;
}

struct ingress_waiters *
ingress_waiters_new(const char *conninfo, size_t max_waiters, size_t max_per_key)
{
	struct ingress_waiters *ws = wr_xcalloc(1, sizeof(*ws));

	pthread_mutex_init(&ws->lock, NULL);
	ws->max = max_waiters;
	ws->max_per_key = max_per_key;
	ws->conninfo = wr_xstrdup(conninfo ? conninfo : "");
	ws->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ws->wake_fd < 0) {
		log_error("could not create an eventfd for the long-poll listener: %m");
		return ingress_waiters_free(ws);
	}
	if (pthread_create(&ws->thread, NULL, listener_main, ws) != 0) {
		log_error("could not start the long-poll listener thread");
		return ingress_waiters_free(ws);
	}
	ws->thread_started = true;
	return ws;
}

void
ingress_waiters_shutdown(struct ingress_waiters *ws)
{
	if (!ws)
		return;
	pthread_mutex_lock(&ws->lock);
	ws->stopping = true;
	for (struct ingress_waiter *w = ws->head; w; w = w->next)
		fire(w);
	pthread_mutex_unlock(&ws->lock);
}

struct ingress_waiters *
ingress_waiters_free(struct ingress_waiters *ws)
{
	if (!ws)
		return NULL;
	if (ws->thread_started) {
		pthread_mutex_lock(&ws->lock);
		ws->quit = true;
		pthread_mutex_unlock(&ws->lock);
		poke(ws);
		pthread_join(ws->thread, NULL);
	}
	if (ws->wake_fd >= 0)
		close(ws->wake_fd);
	pthread_mutex_destroy(&ws->lock);
	free(ws->conninfo);
	free(ws);
	return NULL;
}

/* Armed waiters of one token; under ws->lock.  At most max-waiters of them. */
static size_t
key_count(const struct ingress_waiters *ws, const char *key)
{
	size_t n = 0;

	for (const struct ingress_waiter *w = ws->head; w; w = w->next)
		n += w->key && strcmp(w->key, key) == 0;
	return n;
}

int
ingress_waiters_arm(struct ingress_waiters *ws, struct ingress_waiter *w, struct MHD_Connection *conn,
		    int64_t deadline_ms)
{
	int r = 0;

	pthread_mutex_lock(&ws->lock);
	if (ws->stopping) {
		r = -ESHUTDOWN;
	} else if (!w->armed && ws->count >= ws->max) {
		r = -EBUSY;
	} else if (!w->armed && w->key && key_count(ws, w->key) >= ws->max_per_key) {
		r = -EDQUOT;
	} else {
		if (!w->armed) {
			w->prev = NULL;
			w->next = ws->head;
			if (ws->head)
				ws->head->prev = w;
			ws->head = w;
			ws->count++;
			w->armed = true;
		}
		w->conn = conn;
		w->deadline_ms = deadline_ms;
		w->fired = false;
	}
	pthread_mutex_unlock(&ws->lock);
	return r;
}

int
ingress_waiters_suspend(struct ingress_waiters *ws, struct ingress_waiter *w, const struct ingress_wait_on *on)
{
	int r = 0;

	pthread_mutex_lock(&ws->lock);
	if (w->armed && !ws->stopping && !w->fired && w->deadline_ms > wr_mono_ms()) {
		w->on = *on;
		MHD_suspend_connection(w->conn);
		w->suspended = true;
		r = 1;
	}
	pthread_mutex_unlock(&ws->lock);
	if (r)
		poke(ws); /* its deadline may be the nearest */
	return r;
}

void
ingress_waiters_disarm(struct ingress_waiters *ws, struct ingress_waiter *w)
{
	if (!w->armed)
		return;
	pthread_mutex_lock(&ws->lock);
	if (w->prev)
		w->prev->next = w->next;
	else
		ws->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->armed = false;
	ws->count--;
	pthread_mutex_unlock(&ws->lock);
}

size_t
ingress_waiters_count(struct ingress_waiters *ws)
{
	size_t n;

	pthread_mutex_lock(&ws->lock);
	n = ws->count;
	pthread_mutex_unlock(&ws->lock);
	return n;
}
