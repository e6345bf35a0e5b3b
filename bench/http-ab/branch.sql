-- i16-ingress1's command request: wr_command_begin, wr_submit, wr_notify_pending.
\set k random(1, 2000)
SELECT account_id, kind, character_id, nchars, only_id, refs, context, view_ids, views, ab_refs(:k, :n), ab_ids(:k, :n) FROM wr_command_begin('benchtok' || :k, ab_refs(:k, :n), NULL::bigint);
SELECT action_id, status FROM wr_submit((SELECT p FROM ab_pl WHERE k = :k AND n = :n)) ORDER BY n;
SELECT wr_notify_pending();
