-- 0013: builders script the world (issue 13): content triggers, taxonomy
-- tags, hidden exits, and each zone's sky.  See content/README.md
-- ("Triggers", "Tags and reactions", "Skies") and docs/world.md.
--
-- A trigger belongs to a room template (it fires in every instance's room
-- of it) or to a mob template (it fires where a mob of it is).  spec is the
-- validated trigger as wrctl resolved it: keys replaced by template ids,
-- an item effect carrying its template's name, kind and weight.
CREATE TABLE triggers (
	id               bigserial PRIMARY KEY,
	key              text NOT NULL UNIQUE,
	room_template_id bigint REFERENCES room_templates(id) ON DELETE CASCADE,
	mob_template_id  bigint REFERENCES mob_templates(id) ON DELETE CASCADE,
	kind             text NOT NULL CHECK (kind IN ('enter','leave','speech','give','greet','death','random',
	                                                'command','drop','call')),
	spec             jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object'),
	CHECK ((room_template_id IS NULL) <> (mob_template_id IS NULL))
);
CREATE INDEX triggers_room_template ON triggers (room_template_id);
CREATE INDEX triggers_mob_template ON triggers (mob_template_id);

-- Hierarchical taxonomy tags ("material:wood", "damage:fire", "climate:wet").
ALTER TABLE room_templates ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE item_templates ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
ALTER TABLE mob_templates ADD COLUMN tags text[] NOT NULL DEFAULT '{}';

-- A hidden exit: not there for players while its door is not open.
ALTER TABLE exits ADD COLUMN hidden boolean NOT NULL DEFAULT false;

-- A zone's sky: time of day and weather, pure functions of the clock (game/script.c).
CREATE TABLE zone_skies (
	zone_id    bigint PRIMARY KEY REFERENCES zones(id) ON DELETE CASCADE,
	tags       text[] NOT NULL DEFAULT '{}',       -- "biome:forest", "climate:wet"
	day_ms     bigint NOT NULL DEFAULT 0 CHECK (day_ms = 0 OR day_ms BETWEEN 1000 AND 864000000),
	weather_ms bigint NOT NULL DEFAULT 0 CHECK (weather_ms = 0 OR weather_ms BETWEEN 500 AND 864000000),
	climate    text NOT NULL DEFAULT 'none' CHECK (climate IN ('none','temperate','wet','dry')),
	cycle      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(cycle) = 'array' AND jsonb_array_length(cycle) <= 8)
);
