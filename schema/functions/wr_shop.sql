-- wr_shop(stats jsonb) -> jsonb
-- A shopkeeper's shop (issue 12, game/shop.c) from its mob template's
-- stats.shop = {"sells": [item template keys], "sell_percent", "buy_percent"},
-- for wr_lock_load: {sell_percent, buy_percent, wares: [templates with value
-- and keywords]}, at most 8 wares; NULL when the mob keeps no shop.
CREATE OR REPLACE FUNCTION wr_shop(p_stats jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
BEGIN
	-- plpgsql: its body is checked when first run, after wr_stat_int exists.
	RETURN (SELECT CASE WHEN jsonb_typeof(p_stats->'shop') = 'object' THEN jsonb_build_object(
		'sell_percent', coalesce(wr_stat_int(p_stats->'shop', 'sell_percent'), 100),
		'buy_percent', coalesce(wr_stat_int(p_stats->'shop', 'buy_percent'), 50),
		'wares', coalesce((
			SELECT jsonb_agg(jsonb_build_object('template_id', t.id, 'name', t.name, 'description', t.description,
				'kind', t.kind, 'slot', t.slot, 'weight', t.weight, 'stackable', t.stackable,
				'capacity', t.capacity, 'damage', t.stats->>'damage', 'armor', wr_stat_int(t.stats, 'armor'),
				'value', t.value, 'heal', wr_stat_int(t.stats, 'heal'),
				'drink', coalesce(t.stats->'drink' = 'true', false),
				'keywords', array_to_string(t.keywords, ' ')) ORDER BY s.i)
			FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(p_stats->'shop'->'sells') = 'array'
			                               THEN p_stats->'shop'->'sells' ELSE '[]' END) WITH ORDINALITY s(key, i)
			JOIN item_templates t ON t.key = s.key
			WHERE s.i <= 8), '[]')) END);
END
$$;
