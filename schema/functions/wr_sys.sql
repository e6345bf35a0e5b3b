-- wr_sys_name_ok(name text) -> boolean
-- Whether name may be a world system's (sys:<name>, issue 13): 1-32 of
-- [a-z0-9_-], and not a name the engine's own chains use (game/reads.c
-- game_queue_of: sys:zone:<id>, sys:trigger:<id>, ...) or may use.
CREATE OR REPLACE FUNCTION wr_sys_name_ok(p_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT p_name ~ '^[a-z0-9_-]{1,32}$'
	   AND p_name NOT IN ('zone', 'trigger', 'script', 'decay', 'respawn', 'reset', 'poison', 'round',
	                      'combat', 'share', 'gtell', 'mob', 'spawn', 'tick', 'sky', 'system', 'engine',
	                      'world', 'admin', 'worker', 'ingress', 'publisher', 'despawn')
$$;

-- wr_sys_submit(token, name, room, character, effect, delay_ms, priority, command_id)
--   -> table(http integer, code text, message text, action_id bigint, replayed boolean)
-- One effect of a world system (docs/http-api.md "System actors"): the
-- service token (by its hash) granted "sys:<name>@<zone>" runs one trigger
-- step (content/README.md "Triggers": the effect was checked against the
-- content's step shape by command/sysfx.c) in a room of its zones, as an
-- Action on its own queue "sys:<name>", or "sys:<name>:later" with a delay
-- (verb script, script -4: the step is carried in the plan, so the journal
-- re-runs it exactly; its events say "actor":"sys:<name>" either way).  Resolves the
-- room (id or room key; a key names the room of the "main" instance), the
-- character (id or name; it must stand in one of the zones), a teleport's
-- room, an item's template, a spawn's mob template and a door, as `wrctl
-- world load` resolves a trigger's; then wr_submit() queues it (idempotency,
-- per-actor cap).  A spawn queues on "sys:spawn:<zone>", the zone's spawn
-- chain (its mobs are spawned_by "sys:<name>", and the token may drive them).
-- Refusals change nothing and say why: http 401, 403, 404, 409, 422 or 429.
CREATE OR REPLACE FUNCTION wr_sys_submit(p_token text, p_name text, p_room text, p_char text, p_fx jsonb,
                                         p_delay_ms bigint, p_priority integer, p_command_id text)
RETURNS TABLE (http integer, code text, message text, action_id bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
	t access_tokens%ROWTYPE;
	kind text := p_fx->>'do';
	zones bigint[];
	rm record;
	ch record;
	ch_id bigint;
	dest record;
	far bigint;
	fx jsonb := p_fx;
	rooms jsonb := '{}';
	plan jsonb;
	act jsonb;
	sub record;
BEGIN
	replayed := false;
	SELECT tk.* INTO t FROM access_tokens tk JOIN accounts a ON a.id = tk.account_id
	WHERE tk.token_hash = p_token AND tk.revoked_at IS NULL
	  AND (tk.expires_at IS NULL OR tk.expires_at > now()) AND a.disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 401, 'unauthorized', 'unknown, expired or revoked token', NULL::bigint, false;
		RETURN;
	END IF;
	zones := ARRAY(SELECT substr(g.actor_key, length('sys:' || p_name || '@') + 1)::bigint
	               FROM token_grants g WHERE g.token_hash = p_token AND t.kind = 'service'
	                 AND starts_with(g.actor_key, 'sys:' || p_name || '@'));
	IF NOT wr_sys_name_ok(p_name) OR cardinality(zones) = 0 THEN
		RETURN QUERY SELECT 403, 'forbidden', format('this token may not act as "sys:%s"', p_name), NULL::bigint, false;
		RETURN;
	END IF;
	-- The room: an id, or a room key (the main instance's room).
	SELECT r.id, r.instance_id, r.template_id, rt.zone_id, rt.key INTO rm
	FROM rooms r JOIN room_templates rt ON rt.id = r.template_id JOIN instances i ON i.id = r.instance_id
	WHERE CASE WHEN p_room ~ '^[1-9][0-9]{0,17}$' THEN r.id = p_room::bigint ELSE rt.key = p_room END
	ORDER BY (i.key = 'main') DESC, r.id LIMIT 1;
	IF NOT FOUND THEN
		RETURN QUERY SELECT 404, 'unknown_room', format('no room "%s"', left(p_room, 64)), NULL::bigint, false;
		RETURN;
	ELSIF NOT rm.zone_id = ANY(zones) THEN
		RETURN QUERY SELECT 403, 'out_of_scope', format('room "%s" is not in a zone of "sys:%s"', rm.key, p_name),
			NULL::bigint, false;
		RETURN;
	END IF;
	-- The character an effect acts on: by id or name, standing in one of the zones.
	IF p_char IS NOT NULL THEN
		SELECT c.id, c.room_id, c.instance_id, rt.zone_id INTO ch
		FROM characters c JOIN rooms r ON r.id = c.room_id JOIN room_templates rt ON rt.id = r.template_id
		WHERE CASE WHEN p_char ~ '^(char:)?[1-9][0-9]{0,17}$' THEN c.id = regexp_replace(p_char, '^char:', '')::bigint
		           ELSE lower(c.name) = lower(p_char) END;
		IF NOT FOUND THEN
			RETURN QUERY SELECT 404, 'unknown_actor', format('no character "%s"', left(p_char, 64)), NULL::bigint, false;
			RETURN;
		ELSIF NOT ch.zone_id = ANY(zones) THEN
			RETURN QUERY SELECT 403, 'out_of_scope', format('character "%s" is not in a zone of "sys:%s"',
				left(p_char, 64), p_name), NULL::bigint, false;
			RETURN;
		END IF;
		ch_id := ch.id;
	END IF;
	IF kind IN ('tell', 'teleport', 'gold', 'damage', 'heal') AND p_char IS NULL THEN
		RETURN QUERY SELECT 400, 'bad_input', format('effect "%s" acts on a character: name it in "character"', kind),
			NULL::bigint, false;
		RETURN;
	ELSIF kind NOT IN ('tell', 'teleport', 'gold', 'damage', 'heal', 'item') AND p_char IS NOT NULL THEN
		RETURN QUERY SELECT 400, 'bad_input', format('effect "%s" acts on the room: no "character"', kind),
			NULL::bigint, false;
		RETURN;
	END IF;
	-- What the step names, resolved as `wrctl world load` resolves a trigger's.
	IF kind = 'teleport' THEN
		SELECT r.id, r.template_id, rt.zone_id, rt.key INTO dest
		FROM rooms r JOIN room_templates rt ON rt.id = r.template_id
		WHERE r.instance_id = ch.instance_id AND rt.key = fx->>'room';
		IF NOT FOUND THEN
			RETURN QUERY SELECT 422, 'unknown_room', format('teleport to unknown room "%s"', left(fx->>'room', 64)),
				NULL::bigint, false;
			RETURN;
		ELSIF NOT dest.zone_id = ANY(zones) THEN
			RETURN QUERY SELECT 403, 'out_of_scope', format('room "%s" is not in a zone of "sys:%s"', dest.key, p_name),
				NULL::bigint, false;
			RETURN;
		END IF;
		fx := fx || jsonb_build_object('room', dest.template_id);
		rooms := jsonb_build_object(dest.template_id::text, dest.id);
		far := dest.id;
	ELSIF kind = 'item' THEN
		fx := fx || jsonb_build_object('item', (SELECT jsonb_build_object('id', it.id, 'name', it.name, 'kind', it.kind,
			'weight', it.weight) FROM item_templates it WHERE it.key = fx->>'item'));
		IF fx->'item' = 'null' THEN
			RETURN QUERY SELECT 422, 'unknown_item', format('unknown item template "%s"', left(p_fx->>'item', 64)),
				NULL::bigint, false;
			RETURN;
		END IF;
	ELSIF kind = 'spawn' THEN
		-- issue 13: as `wrctl world load` resolves a trigger's spawn step (mob {id, name}, for_ms);
		-- its mobs are spawned_by 'sys:<name>' (game/spawn.c), and its token may drive them (wr_may_act).
		fx := (fx - 'for_s') || jsonb_build_object('count', coalesce((fx->>'count')::integer, 1),
			'mob', (SELECT jsonb_build_object('id', mt.id, 'name', mt.name) FROM mob_templates mt WHERE mt.key = fx->>'mob'))
			|| CASE WHEN fx ? 'for_s' THEN jsonb_build_object('for_ms', (fx->>'for_s')::bigint * 1000) ELSE '{}' END;
		IF fx->'mob' = 'null' THEN
			RETURN QUERY SELECT 422, 'unknown_mob', format('unknown mob template "%s"', left(p_fx->>'mob', 64)),
				NULL::bigint, false;
			RETURN;
		END IF;
	ELSIF kind IN ('open', 'close', 'lock') THEN
		SELECT x.to_room_id INTO far FROM exits x WHERE x.from_room_id = rm.id AND x.dir = fx->>'dir' AND x.door <> 'none';
		IF NOT FOUND THEN
			RETURN QUERY SELECT 422, 'no_door', format('room "%s" has no door %s', rm.key, fx->>'dir'), NULL::bigint, false;
			RETURN;
		END IF;
	END IF;
	plan := jsonb_build_object('room', rm.id, 'script', -4, 'sys', p_name, 'fx', fx, 'rooms', rooms);
	IF ch_id IS NOT NULL THEN
		plan := plan || jsonb_build_object('char', ch_id);
	END IF;
	IF kind = 'spawn' THEN
		plan := plan || jsonb_build_object('zone', rm.zone_id);
	END IF;
	-- A delayed effect waits on a queue of its own, so it never holds up the system's immediate ones.
	-- A spawn (never delayed: command/sysfx.c) queues on its zone's spawn chain, as a trigger's
	-- spawn step does (game/reads.c game_queue_of), so the zone's cap counts it in order; its
	-- command id is kept apart per system there.
	act := jsonb_build_object('actor_key', CASE WHEN kind = 'spawn' THEN 'sys:spawn:' || rm.zone_id
		ELSE 'sys:' || p_name || CASE WHEN coalesce(p_delay_ms, 0) > 0 THEN ':later' ELSE '' END END,
		'account_id', t.account_id, 'verb', 'script',
		'plan', plan, 'instance_id', rm.instance_id,
		'lock_rooms', CASE WHEN far IS NOT NULL AND far <> rm.id THEN jsonb_build_array(rm.id, far)
		                   ELSE jsonb_build_array(rm.id) END,
		'lock_characters', CASE WHEN ch_id IS NOT NULL THEN jsonb_build_array(ch_id) ELSE '[]' END,
		'priority', coalesce(nullif(p_priority, 0), 100),
		'run_at', now() + make_interval(secs => coalesce(p_delay_ms, 0) / 1000.0),
		'command_id', CASE WHEN kind = 'spawn' THEN 'sys:' || p_name || ':' || p_command_id ELSE p_command_id END,
		'input', jsonb_build_object('room', p_room, 'character', p_char, 'effect', p_fx)::text);
	SELECT * INTO sub FROM wr_submit(jsonb_build_array(act)) s LIMIT 1;
	IF sub.status = 'actor_full' THEN
		RETURN QUERY SELECT 429, 'too_many_queued', format('"sys:%s" has too many actions waiting to run', p_name),
			NULL::bigint, false;
	ELSIF sub.status = 'conflict' THEN
		RETURN QUERY SELECT 409, 'idempotency_conflict',
			format('command id "%s" was already used with another command', left(p_command_id, 64)), NULL::bigint, false;
	ELSE
		RETURN QUERY SELECT 202, 'queued', NULL::text, sub.action_id, sub.status = 'duplicate';
	END IF;
END
$$;
