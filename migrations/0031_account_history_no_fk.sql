-- 0031: account_history loses its foreign keys (issue 16, branch i16-ingress1).
-- wr_submit writes a history line per typed command (wr_history_add_many),
-- and each line ran two RI checks, SELECT ... FOR KEY SHARE on its account's
-- and its character's row: 200 checks for a batch of 100 lines, about half
-- of the history's cost (bench/README.md, "set-based submit").  Now
-- wr_history_add_many key-share-locks the batch's characters once (a
-- character's account cannot go while it has characters: characters'
-- own key), and these triggers do what the keys' actions did:
--   ON DELETE CASCADE from accounts, ON DELETE SET NULL from characters.
ALTER TABLE account_history DROP CONSTRAINT IF EXISTS account_history_account_id_fkey;
ALTER TABLE account_history DROP CONSTRAINT IF EXISTS account_history_character_id_fkey;

CREATE FUNCTION wr_history_account_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM account_history h WHERE h.account_id IN (SELECT o.id FROM gone o);
	RETURN NULL;
END $$;

CREATE FUNCTION wr_history_character_gone() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	UPDATE account_history h SET character_id = NULL WHERE h.character_id IN (SELECT o.id FROM gone o);
	RETURN NULL;
END $$;

CREATE TRIGGER account_history_account_gone AFTER DELETE ON accounts
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION wr_history_account_gone();
CREATE TRIGGER account_history_character_gone AFTER DELETE ON characters
	REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION wr_history_character_gone();
