/* SPDX-License-Identifier: MIT */
/*
 * secret.c: see secret.h.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "core/secret.h"

int
wr_secret_init(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int
wr_secret_new(char out[WR_SECRET_LEN + 1])
{
	unsigned char raw[WR_SECRET_LEN / 2];

	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, WR_SECRET_LEN + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
	return 0;
}

void
wr_token_hash(const char *secret, char out[WR_TOKEN_HASH_LEN + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *) secret, strlen(secret));
	sodium_bin2hex(out, WR_TOKEN_HASH_LEN + 1, h, sizeof(h));
}

int
wr_password_hash(const char *password, size_t len, bool minimum, char out[WR_PASSWORD_HASH_MAX])
{
	_Static_assert(crypto_pwhash_STRBYTES <= WR_PASSWORD_HASH_MAX, "hash buffer");
	if (crypto_pwhash_str_alg(out, password, len,
				  minimum ? crypto_pwhash_argon2id_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  minimum ? crypto_pwhash_argon2id_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return -ENOMEM;
	return 0;
}

bool
wr_password_check(const char *hash, const char *password, size_t len)
{
	return crypto_pwhash_str_verify(hash, password, len) == 0;
}

void
wr_secret_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}
