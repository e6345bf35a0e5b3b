/* SPDX-License-Identifier: MIT */
/*
 * secret.h: bearer secrets and passwords (libwrsecret, libsodium).
 *
 * Secrets are hashed here, in the process that received them, and only the
 * hash is sent to PostgreSQL: a raw secret as a statement parameter can land
 * in the server's log (log_statement, auto_explain, errors with DETAIL).
 * access_tokens.token_hash and sessions.refresh_hash are
 * wr_token_hash() of the secret.
 */
#ifndef WR_CORE_SECRET_H
#define WR_CORE_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* A new bearer secret: 32 random bytes in hex. */
#define WR_SECRET_LEN 64
/* sha256 in lowercase hex. */
#define WR_TOKEN_HASH_LEN 64
/* crypto_pwhash_STRBYTES. */
#define WR_PASSWORD_HASH_MAX 128

/* libsodium's sodium_init(); call once before threads start. 0 or -EIO. */
int
wr_secret_init(void) WR_MUSTCHECK;

/* out: WR_SECRET_LEN + 1 bytes.  0 or negative errno. */
int
wr_secret_new(char out[WR_SECRET_LEN + 1]) WR_MUSTCHECK;

/* out: WR_TOKEN_HASH_LEN + 1 bytes: hex sha256 of the secret's bytes, as
 * PostgreSQL's encode(sha256(convert_to(s, 'UTF8')), 'hex') would give. */
void
wr_token_hash(const char *secret, char out[WR_TOKEN_HASH_LEN + 1]);

/* argon2id (crypto_pwhash_str), interactive limits, or libsodium's minimum
 * ones when minimum (tests only).  out: WR_PASSWORD_HASH_MAX bytes.  0, or
 * -ENOMEM when the memory it needs could not be had. */
int
wr_password_hash(const char *password, size_t len, bool minimum, char out[WR_PASSWORD_HASH_MAX]) WR_MUSTCHECK;

/* True when password matches hash (a crypto_pwhash_str string). */
bool
wr_password_check(const char *hash, const char *password, size_t len);

/* Overwrites n bytes in a way the compiler keeps. */
void
wr_secret_wipe(void *p, size_t n);

#endif
