-- wr_holds_light(character bigint) -> boolean
-- Whether the character wears (holds) an item whose template has
-- stats.light: such a character lights a dark room (game/vision.c).
CREATE OR REPLACE FUNCTION wr_holds_light(p_char bigint) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		SELECT EXISTS (SELECT 1 FROM items i JOIN item_templates t ON t.id = i.template_id
		               WHERE i.owner_character_id = p_char AND i.worn_slot IS NOT NULL
		                 AND t.stats->'light' = 'true')
	);
END
$$;
