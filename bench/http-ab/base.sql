-- 8ea22aa's command request (command/store.c there): 3 round trips, 6 statements.
\set k random(1, 2000)
\startpipeline
SELECT t.account_id, t.kind, t.character_id, n.nchars, n.only_id FROM access_tokens t JOIN accounts a ON a.id = t.account_id CROSS JOIN LATERAL (SELECT count(*) AS nchars, CASE WHEN count(*) = 1 THEN min(c.id) END AS only_id FROM characters c WHERE c.account_id = t.account_id) n WHERE t.token_hash = 'benchtok' || :k AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND a.disabled_at IS NULL;
SELECT r.ord, x.kind, x.id, x.account_id, coalesce(wr_may_act('benchtok' || :k, x.kind, x.id), false) FROM jsonb_array_elements_text(ab_refs(:k, :n)) WITH ORDINALITY AS r(ref, ord) LEFT JOIN LATERAL (SELECT 'char' AS kind, ch.id, ch.account_id FROM characters ch WHERE ch.id = CASE WHEN r.ref LIKE 'char:%' THEN substr(r.ref, 6)::bigint END UNION ALL SELECT 'char', ch.id, ch.account_id FROM characters ch WHERE r.ref NOT LIKE 'char:%' AND r.ref NOT LIKE 'mob:%' AND lower(ch.name) = lower(r.ref) UNION ALL SELECT 'mob', m.id, NULL FROM mobs m WHERE m.id = CASE WHEN r.ref LIKE 'mob:%' THEN substr(r.ref, 5)::bigint END) x ON true ORDER BY r.ord;
SELECT wr_command_context('benchtok' || :k, ab_refs(:k, :n));
\endpipeline
SELECT wr_actor_view(ARRAY(SELECT x FROM unnest(ab_ids(:k, :n)) x WHERE x > 0)) || CASE WHEN EXISTS (SELECT 1 FROM unnest(ab_ids(:k, :n)) x WHERE x < 0) THEN wr_mob_view(ARRAY(SELECT -x FROM unnest(ab_ids(:k, :n)) x WHERE x < 0), NULL::bigint) ELSE '[]'::jsonb END, '[]'::jsonb;
SELECT action_id, status FROM wr_submit((SELECT p FROM ab_pl WHERE k = :k AND n = :n)) ORDER BY n;
SELECT wr_notify_pending();
