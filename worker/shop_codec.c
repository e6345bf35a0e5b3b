/* SPDX-License-Identifier: MIT */
/*
 * shop_codec.c: the worker's side of shops (game/shop.c), kept apart from
 * codec.c: a locked shopkeeper's shop as wr_lock_load reads it (wr_shop()).
 */
#include "core/json.h"
#include "worker/worker.h"

static int32_t
percent(struct json_object *o, const char *key)
{
	struct json_object *v = wr_json_member(o, key, json_type_int);
	int64_t n = v ? json_object_get_int64(v) : 0;

	/* The loader checks 0-1000; anything else reads as no trade. */
	return n < 0 || n > 1000 ? 0 : (int32_t) n;
}

void
worker_decode_shop(struct json_object *shop, struct game_shop *ret)
{
	struct json_object *wares = shop ? wr_json_member(shop, "wares", json_type_array) : NULL;

	*ret = (struct game_shop){0};
	if (!shop)
		return;
	ret->open = true;
	ret->sell_percent = percent(shop, "sell_percent");
	ret->buy_percent = percent(shop, "buy_percent");
	for (size_t i = 0; wares && i < json_object_array_length(wares) && ret->nwares < GAME_MAX_WARES; i++) {
		struct game_item *w = &ret->wares[ret->nwares];

		if (worker_decode_item(json_object_array_get_idx(wares, i), w) < 0)
			continue;
		w->id = 0;
		w->quantity = 1;
		ret->nwares++;
	}
}
