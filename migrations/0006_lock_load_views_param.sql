-- 0006: wr_lock_load takes the characters to compute planner views for as a
-- fifth argument (only actions marked for re-planning need one).  Drop the
-- four-argument form so calls cannot resolve to it; schema/ recreates the
-- function right after the migrations.
DROP FUNCTION IF EXISTS wr_lock_load(bigint[], bigint[], bigint[], bigint[]);
