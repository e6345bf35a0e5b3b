-- wr_weight_inside(character bigint, item bigint) -> bigint
-- The weight of everything a character owns (worn, carried, and inside
-- those, at any depth), or of everything inside an item: sum of template
-- weight x quantity.  Pass one id and NULL for the other.  Weights are never
-- stored: the worker reads them under the owner's lock (whatever a
-- character owns changes only under its lock, a container's contents only
-- under the container's), and the rules keep them up to date in memory.
CREATE OR REPLACE FUNCTION wr_weight_inside(p_character bigint, p_item bigint) RETURNS bigint
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (
		WITH RECURSIVE tree(id, template_id, quantity, depth) AS (
			SELECT i.id, i.template_id, i.quantity, 1 FROM items i WHERE i.owner_character_id = p_character
			UNION ALL
			SELECT i.id, i.template_id, i.quantity, 1 FROM items i WHERE i.owner_item_id = p_item
			UNION ALL
			-- Content nests at most 8 deep and the rules put nothing inside itself; 16 is a backstop.
			SELECT i.id, i.template_id, i.quantity, tree.depth + 1
			FROM tree JOIN items i ON i.owner_item_id = tree.id
			WHERE tree.depth < 16
		)
		SELECT coalesce(sum(t.weight::bigint * tree.quantity), 0)::bigint
		FROM tree JOIN item_templates t ON t.id = tree.template_id
	);
END
$$;
