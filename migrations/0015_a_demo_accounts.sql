-- 0015_a (issue 15, finding 7): demo accounts.  The ingress's demo login
-- (--demo) issues tokens only for characters of accounts marked demo, which
-- the world content does ("demo": true in content/world.json); every other
-- account is out of its reach.
ALTER TABLE accounts ADD COLUMN demo boolean NOT NULL DEFAULT false;
