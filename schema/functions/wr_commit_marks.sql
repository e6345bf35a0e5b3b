-- wr_commit_marks(batch jsonb) -> void
-- Issue 13: the runtime flags content triggers set and cleared on rooms
-- (batch.marks: [{room_id, marks: [names]}], rooms the batch locked), kept
-- in room_runtime.data->'marks' beside whatever else a room's runtime holds.
CREATE OR REPLACE FUNCTION wr_commit_marks(batch jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO room_runtime AS rr (room_id, data)
	SELECT (x->>'room_id')::bigint, jsonb_build_object('marks', x->'marks')
	FROM jsonb_array_elements(coalesce(batch->'marks', '[]')) x
	ON CONFLICT (room_id) DO UPDATE SET data = jsonb_set(rr.data, '{marks}', EXCLUDED.data->'marks'), _built_at = now()
$$;
