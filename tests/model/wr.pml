/* SPDX-License-Identifier: MIT */
/*
 * wr.pml: the worker protocol (worker/worker.c and its SQL functions) as a
 * Spin model.  tests/model/README.md says what is modelled, what is left
 * out and which line of code each step stands for; check.sh runs it.
 *
 * Build options (spin -a -DNAME=...):
 *   NW=2|3           workers
 *   CRASHES=n        how many times, in all, a worker may be killed (anywhere
 *                    between BEGIN and COMMIT, also while it waits for a lock)
 *   MUTANT_UNSORTED  lock characters in the order the batch names them first
 *                    (tests/integration/wr_lock_load_unordered.sql): must deadlock
 *   MUTANT_NOHEAD    claim ignores is_head: per-actor order must break
 *   MUTANT_NOFOLLOW  claim ignores queued "char:<id>:follow" actions: a
 *                    character's next command must overtake its follow-up
 *   MUTANT_EARLY     a worker marks its actions applied before COMMIT (as if
 *                    it acknowledged them early): a crash must apply one twice
 *   MUTANT_RUNHOLD   an action the lock phase did not cover holds back nothing
 *                    (worker.c built with WR_WORKER_RUN_MUTANT): an actor's
 *                    later action of the same run applies before it
 *   SAY              add AS, a command of A's on A alone (locks cA, never
 *                    stale) submitted right after A1, before A2: a run A1 AS
 *                    could apply AS right after A1's move
 *   MUTANT_NOFOLHOLD with SAY: a move that queues a :follow look holds its
 *                    character back no more (hold_followed() gone): AS must
 *                    overtake the look
 *   RUNMAX=m         an actor's run: its head and up to m - 1 next actions
 *                    (wr_claim_runs; worker --run-max, default 32); 1: heads only
 *   CAP=c            rows one claim takes in all (heads first, then runs)
 *   REQUEUE          add wrctl dead requeue (wr_requeue_dead) of a dead action
 *                    of B's (its lock inversion is fixed: README, Findings)
 *   REQUEUE_OLD      with REQUEUE: the function as it was, waiting for the
 *                    head row while holding the advisory lock: must deadlock
 *   WHY              record in waiting[] the lock each process waits for, so
 *                    a replayed counterexample says who waits for what
 *
 * The world: characters A and B in room R1, room R2 east of it.
 *   A1  A: "east"       locks R1 R2 cA; moves A; queues F1 (A's auto-look)
 *   A2  A: "give B"     planned in R1 (locks R1 cA cB), submitted while A1 is
 *                       queued or running: goes stale once A has moved
 *   B1  B: "give A"     planned in R1 (locks R1 cA cB): names cB before cA
 *   B2  B: "east"       locks R1 R2 cB, submitted later; moves B
 *   F1  char:A:follow   A's look after the move, locks R2 cA, queued by A1
 * A2 and B1 lock the same characters named in opposite orders: the pair a
 * worker that does not sort its locks deadlocks on.
 */

#ifndef NW
#define NW 2
#endif
#ifndef CRASHES
#define CRASHES 1
#endif
#define K 2            /* heads per claim: next_batch adapts between 1 and batch_max */
#ifndef RUNMAX
#define RUNMAX 3       /* the world has at most 3 queued actions per actor */
#endif
#ifndef CAP
#define CAP 3          /* rows per claim: LIMIT cap cuts the runs' tails */
#endif
#define MAX_REPLANS 5  /* worker --max-replans default */
#define SUB (NW + 1)   /* the submitter's lock-owner id */

/* Aggregates, numbered in the global lock order of wr_lock_load
 * (instances, rooms, characters, mobs, items; each by id). */
#define R1 0
#define R2 1
#define CA 2
#define CB 3
#define NAGG 4
#define BIT(x) (1 << (x))

/* Actors, numbered in wr_lock_actors order (sorted hash: any fixed order). */
#define ACT_A 0
#define ACT_B 1
#define ACT_AF 2       /* "char:A:follow" */
#define NACT 3

/* Action slots.  Within one actor, slot order is id (insertion) order. */
#define A1 0
#define A2 1
#define B1 2
#define B2 3
#define F1 4
#if defined(REQUEUE) && defined(SAY)
#error "REQUEUE and SAY are checked one at a time"
#endif
#ifdef REQUEUE
#define D0 5           /* B: "say", dead-lettered before B1 was submitted: the oldest id */
#define NS 6
#define ACTOR(s) ((s) == A1 || (s) == A2 -> ACT_A : ((s) == B1 || (s) == B2 || (s) == D0 -> ACT_B : ACT_AF))
#define ALL_SUBMITTED (subdone && admindone)
#elif defined(SAY)
#define AS 5           /* A: a command on A alone (locks cA), submitted after A1, before A2 */
#define NS 6
#define ACTOR(s) ((s) == A1 || (s) == A2 || (s) == AS -> ACT_A : ((s) == B1 || (s) == B2 -> ACT_B : ACT_AF))
#define ALL_SUBMITTED subdone
#else
#define NS 5
#define ACTOR(s) ((s) == A1 || (s) == A2 -> ACT_A : ((s) == B1 || (s) == B2 -> ACT_B : ACT_AF))
#define ALL_SUBMITTED subdone
#endif

/* position in its actor's submissions */
#ifdef SAY
#define SEQ(s) ((s) == AS || (s) == B2 -> 2 : ((s) == A2 -> 3 : 1))
#define SEQ_A 3
#else
#define SEQ(s) ((s) == A2 || (s) == B2 -> 2 : 1)
#define SEQ_A 2
#endif
/* action_queue.id order (a run is claimed by id): D0 (requeued under its old
 * id) < A1 < B1 < AS < A2 < B2 < F1 */
#ifdef SAY
#define IDRANK(s) ((s) == A1 -> 2 : ((s) == B1 -> 4 : ((s) == A2 -> 6 : ((s) == B2 -> 8 : ((s) == F1 -> 10 : 5)))))
#else
#define IDRANK(s) ((s) == A1 -> 2 : ((s) == B1 -> 4 : ((s) == A2 -> 6 : ((s) == B2 -> 8 : ((s) == F1 -> 10 : 0)))))
#endif
#define CHAR_OF(act) ((act) == ACT_B -> CB : CA)       /* the character an actor is or follows */
#define NONE 255
/* The characters an action's plan names, in its order (lock_characters). */
#define NC2(s) ((s) == A2 -> CB : ((s) == B1 -> CA : NONE))

/* action_queue rows */
#define ABSENT 0
#define QUEUED 1
#define GONE 2
byte qst[NS];          /* ABSENT (not yet inserted), QUEUED, GONE (deleted) */
bool head[NS];         /* is_head */
byte rowlock[NS];      /* 0 or the worker holding the row FOR UPDATE (claimed) */
#define P_ORIG 0
#define P_MARKED 1     /* plan {"replan": true}, locks only the actor */
#define P_REPLANNED 2
byte plan[NS];
byte locks[NS];        /* lock_* columns as a set of aggregates */
byte planroom[NS];     /* where a give's plan expects both characters */
byte replans[NS];
byte nq[NACT];         /* queued rows per actor_key */

/* Locks held until COMMIT or rollback: 0 free, else the owner. */
byte agg[NAGG];        /* FOR NO KEY UPDATE on aggregate rows */
byte pres[2];          /* character_presence rows (A, B), upserted at commit */
byte adv[NACT];        /* pg_advisory_xact_lock per actor (wr_lock_actors) */

/* Committed world and what the checker observes. */
byte room[2];          /* room of character A, B */
byte applied[NS];      /* times each action's outcome was committed */
byte seqdone[NACT];    /* per actor, the SEQ of the last applied action */
byte crashes = CRASHES;
byte exited;
bool subdone;
bool admindone;

#ifdef MUTANT_NOHEAD
#define HEAD_OK(s) true
#else
#define HEAD_OK(s) head[s]
#endif
#ifdef MUTANT_NOFOLLOW
#define FOLLOW_OK(s) true
#else
/* wr_claim: NOT EXISTS (... f.actor_key = q.actor_key || ':follow') */
#define FOLLOW_OK(s) (ACTOR(s) != ACT_A || nq[ACT_AF] == 0)
#endif
/* wr_claim: is_head, due, not locked by another claim (SKIP LOCKED) */
#define CLAIMABLE(s) (qst[s] == QUEUED && HEAD_OK(s) && rowlock[s] == 0 && FOLLOW_OK(s))
#if defined(REQUEUE) || defined(SAY)
#define ANY_CLAIMABLE (CLAIMABLE(0) || CLAIMABLE(1) || CLAIMABLE(2) || CLAIMABLE(3) || CLAIMABLE(4) || CLAIMABLE(5))
#else
#define ANY_CLAIMABLE (CLAIMABLE(0) || CLAIMABLE(1) || CLAIMABLE(2) || CLAIMABLE(3) || CLAIMABLE(4))
#endif
#define QUEUE_EMPTY (nq[0] + nq[1] + nq[2] == 0)

/* wr_enqueue_one: the actor's head iff nothing of the actor is queued. */
inline enqueue(s, lk, rm) {
	assert(qst[s] == ABSENT);
	qst[s] = QUEUED;
	head[s] = (nq[ACTOR(s)] == 0);
	nq[ACTOR(s)]++;
	plan[s] = P_ORIG;
	locks[s] = lk;
	planroom[s] = rm
}

/* wr_dequeue, one id: delete; heads are fixed by fix_heads() afterwards. */
inline delete_row(s) {
	assert(qst[s] == QUEUED && rowlock[s] == me);
	qst[s] = GONE;
	head[s] = false;
	nq[ACTOR(s)]--
}

/* wr_dequeue: UPDATE ... SET is_head WHERE id IN (SELECT min(id) ... WHERE actor_key =
 * ANY(actors of the deleted ids) GROUP BY actor_key) AND NOT is_head */
inline fix_heads(actors) {
	t = 0;
	do
	:: t < NACT ->
		if
		:: actors & BIT(t) ->
			/* s: the actor's queued row with the smallest id */
			s = NONE; u = 0;
			do
			:: u < NS ->
				if
				:: qst[u] == QUEUED && ACTOR(u) == t && (s == NONE || IDRANK(u) < IDRANK(s)) -> s = u
				:: else
				fi;
				u++
			:: else -> break
			od;
			if
			:: s != NONE -> head[s] = true
			:: else
			fi
		:: else
		fi;
		t++
	:: else -> break
	od
}

/* wr_claim_runs: res = the actor's next queued row after row cur by id, or NONE. */
inline next_of(cur, res) {
	res = NONE;
	t = 0;
	do
	:: t < NS ->
		if
		:: qst[t] == QUEUED && ACTOR(t) == ACTOR(cur) && IDRANK(t) > IDRANK(cur) &&
		   (res == NONE || IDRANK(t) < IDRANK(res)) -> res = t
		:: else
		fi;
		t++
	:: else -> break
	od;
	t = 0
}

/* Rollback (a kill, or a batch that ends without COMMIT): every lock goes. */
inline release_all() {
	t = 0;
	do
	:: t < NS -> if :: rowlock[t] == me -> rowlock[t] = 0 :: else fi; t++
	:: else -> break
	od;
	t = 0;
	do
	:: t < NAGG -> if :: agg[t] == me -> agg[t] = 0 :: else fi; t++
	:: else -> break
	od;
	t = 0;
	do
	:: t < NACT -> if :: adv[t] == me -> adv[t] = 0 :: else fi; t++
	:: else -> break
	od;
	if :: pres[0] == me -> pres[0] = 0 :: else fi;
	if :: pres[1] == me -> pres[1] = 0 :: else fi
}

/*
 * WHY (check.sh's replay of a counterexample only): waiting[p] names the lock
 * process p waits for: 1 + aggregate, 11 + character_presence row, 21 +
 * advisory lock of an actor, 31 + action_queue row.
 */
#ifdef WHY
byte waiting[NW + 3];
#define WAIT(code) waiting[me] = (code)
#define WAIT_(code) ; waiting[me] = (code)
#else
#define WAIT(code) skip
#define WAIT_(code)
#endif

/* A blocking row lock, during which the worker may be killed. */
inline acquire(lockv, code) {
	if
	:: lockv == me -> skip
	:: else ->
#ifdef WHY
		WAIT(code);
#endif
		if
		:: atomic { lockv == 0 -> lockv = me WAIT_(0) }
		:: atomic { crashes > 0 -> crashes-- WAIT_(0) }; goto crash
		fi
	fi
}

/* wr_lock_covered: got = what this transaction holds; covm bit i = all of
 * b[i]'s aggregates are in it. */
inline covered() {
	got = 0; i = 0;
	do
	:: i < NAGG -> if :: agg[i] == me -> got = got | BIT(i) :: else fi; i++
	:: else -> break
	od;
	covm = 0; i = 0;
	do
	:: i < fit -> if :: (locks[b[i]] & got) == locks[b[i]] -> covm = covm | BIT(i) :: else fi; i++
	:: else -> break
	od;
	i = 0
}

/* Spin keeps locals in the state vector: zero what no later step reads. */
inline reset_locals() {
	i = 0;
	do
	:: i < CAP -> b[i] = 0; out[i] = 0; newroom[i] = 0; i++
	:: else -> break
	od;
	runlast[0] = 0; runlast[1] = 0;
	n = 0; fit = 0; i = 0; s = 0; t = 0; u = 0; need = 0; advneed = 0; presneed = 0; delact = 0;
	got = 0; covm = 0; heldm = 0; nh = 0;
	wroom[0] = 0; wroom[1] = 0; fol = false
}

#define CRASHPOINT if :: atomic { crashes > 0 -> crashes-- }; goto crash :: skip fi

/* What one batch did with an action (worker.c apply_one). */
#define O_UNFIT 0      /* claimed but cut by lock_load, not covered or held back by
                        * its actor: back to the queue untouched */
#define O_DONE 1       /* applied or rejected: mark_done, deleted at commit */
#define O_MARK 2       /* GAME_STALE: mark_stale */
#define O_REPLAN 3     /* a marked action planned again: replan() */
#define O_DEAD 4       /* dead-lettered (plan kept going stale) */

proctype worker(byte me) {
	byte b[CAP];       /* the claimed rows, in claim order: heads, then runs */
	byte out[CAP];
	byte newroom[CAP];
	byte runlast[K];   /* per claimed head: its run's last row so far, NONE once cut */
	byte n, nh, fit, i, s, t, u, need, advneed, presneed, delact;
	byte got;          /* aggregates this batch holds */
	byte covm;         /* bit i: b[i]'s aggregates are all held ("covered") */
	byte heldm;        /* actors whose later actions in this batch stay queued (held) */
	byte wroom[2];     /* the rules' in-memory state: later actions see earlier ones */
	bool fol;

top:
	/* 1. BEGIN + wr_claim(k) */
	if
	:: atomic { QUEUE_EMPTY && ALL_SUBMITTED -> exited++ }; goto finish
	:: atomic {
		ANY_CLAIMABLE ->
		n = 0; i = 0; fit = 0; fol = false;
		do
		:: i < NS ->
			/* any subset in slot order: priority and run_at may pass over older rows */
			if
			:: CLAIMABLE(i) && n < K -> b[n] = i; out[n] = O_UNFIT; rowlock[i] = me; n++
			:: skip
			fi;
			i++
		:: else -> break
		od;
		/* wr_claim_runs: behind each head its actor's next queued rows by
		 * id, up to RUNMAX in all, stopping at the first another transaction
		 * holds; heads first, then every run's second row, ...; LIMIT CAP */
		nh = n; i = 0;
		do
		:: i < nh -> runlast[i] = b[i]; i++
		:: else -> break
		od;
		u = 1;
		do
		:: u < RUNMAX ->
			i = 0;
			do
			:: i < nh ->
				if
				:: runlast[i] != NONE ->
					next_of(runlast[i], s);
					if
					:: s != NONE && rowlock[s] == 0 && n < CAP ->
						b[n] = s; out[n] = O_UNFIT; rowlock[s] = me; n++; runlast[i] = s
					:: else -> runlast[i] = NONE
					fi
				:: else
				fi;
				i++
			:: else -> break
			od;
			u++
		:: else -> break
		od;
#ifndef MUTANT_NOHEAD
		/* what a worker holds of an actor's queue is a prefix of it: every
		 * queued row of the actor older than a claimed one is claimed too
		 * (so no other worker holds any of them).  NOHEAD goes without this
		 * check: it must show the order break itself. */
		i = 0;
		do
		:: i < n ->
			t = 0;
			do
			:: t < NS ->
				assert(!(qst[t] == QUEUED && ACTOR(t) == ACTOR(b[i]) && IDRANK(t) < IDRANK(b[i])) || rowlock[t] == me);
				t++
			:: else -> break
			od;
			i++
		:: else -> break
		od;
		t = 0;
#endif
		i = 0; s = 0; u = 0; nh = 0; runlast[0] = 0; runlast[1] = 0
	   }
	fi;
	if
	:: n == 0 -> goto top          /* idle(): ROLLBACK, wait */
	:: else
	fi;
	CRASHPOINT;

	/* 2. wr_lock_load: the first fit actions whose locks and reads fit */
	if
	:: fit = n
	:: n > 1 -> fit = 1
	fi;
	need = 0; i = 0;
	do
	:: i < fit -> need = need | locks[b[i]]; i++
	:: else -> break
	od;
	/* Pass 1 (wr_lock_skip): FOR NO KEY UPDATE SKIP LOCKED of every
	 * aggregate no other transaction holds; never waits. */
	atomic {
		i = 0;
		do
		:: i < NAGG ->
			if
			:: (need & BIT(i)) && agg[i] == 0 -> agg[i] = me
			:: else
			fi;
			i++
		:: else -> break
		od;
		covered()
	}
	/* Nothing covered, or the first action was deferred WORKER_DEFER_MAX
	 * times (reads.wait_first; any time here): pass 1 is undone and the
	 * first action's aggregates are waited for, holding no other, in the
	 * global order; then whatever else is free, as in pass 1. */
	if
	:: covm == 0 || !(covm & 1) ->   /* (when some are covered, either way) */
		atomic {
			i = 0;
			do
			:: i < NAGG -> if :: agg[i] == me -> agg[i] = 0 :: else fi; i++
			:: else -> break
			od;
			need = locks[b[0]]; s = b[0]
		};
#ifdef MUTANT_UNSORTED
		/* wr_lock_load_unordered: characters one by one as the batch names them */
		acquire(agg[CHAR_OF(ACTOR(s))], 1 + CHAR_OF(ACTOR(s)));
		if
		:: plan[s] != P_MARKED && NC2(s) != NONE -> acquire(agg[NC2(s)], 1 + NC2(s))
		:: else
		fi;
#endif
		/* instances, rooms, characters, mobs, items: ORDER BY id FOR NO KEY UPDATE */
		i = 0;
		do
		:: i < NAGG ->
			if
			:: need & BIT(i) -> acquire(agg[i], 1 + i)
			:: else
			fi;
			i++
		:: else -> break
		od;
		atomic {
			need = 0; s = 0; i = 0;
			do
			:: i < fit -> need = need | locks[b[i]]; i++
			:: else -> break
			od;
			i = 0;
			do
			:: i < NAGG ->
				if
				:: (need & BIT(i)) && agg[i] == 0 -> agg[i] = me
				:: else
				fi;
				i++
			:: else -> break
			od;
			covered()
		}
	:: covm != 0 -> skip   /* the uncovered stay queued: deferred */
	fi;
	i = 0;

	/* The rules, in memory, action by action in claim order (apply_one). */
	d_step {
		wroom[0] = room[0]; wroom[1] = room[1];
		heldm = 0;
		do
		:: i < fit && (heldm & BIT(ACTOR(b[i]))) -> i++   /* held: stays queued (O_UNFIT) */
		:: i < fit && !(heldm & BIT(ACTOR(b[i]))) && !(covm & BIT(i)) ->
			/* not covered: deferred (count_deferral), and so are its actor's
			 * later actions in this batch */
#ifndef MUTANT_RUNHOLD
			heldm = heldm | BIT(ACTOR(b[i]));
#endif
			i++
		:: i < fit && !(heldm & BIT(ACTOR(b[i]))) && (covm & BIT(i)) ->
			s = b[i];
			/* the rules only see aggregates the batch locked */
			assert((locks[s] & BIT(R1)) == 0 || agg[R1] == me);
			assert((locks[s] & BIT(R2)) == 0 || agg[R2] == me);
			assert((locks[s] & BIT(CA)) == 0 || agg[CA] == me);
			assert((locks[s] & BIT(CB)) == 0 || agg[CB] == me);
			if
			:: plan[s] == P_MARKED ->
				/* replan(): plan again from the actor's view (committed, read
				 * unlocked); a target that left is a rejection */
				assert(s == A2 || s == B1);
				if
				:: room[0] == room[1] -> out[i] = O_REPLAN; newroom[i] = room[0]
				:: else -> out[i] = O_DONE
				fi;
				/* apply_one() returns false: the actor waits for the next batch */
				heldm = heldm | BIT(ACTOR(s))
			:: else ->
				if
				:: s == A1 -> wroom[0] = R2; out[i] = O_DONE; fol = true;
#ifndef MUTANT_NOFOLHOLD
					heldm = heldm | BIT(ACT_A);  /* hold_followed(): F1 queued for char:A */
#endif
					skip
				:: s == B2 -> wroom[1] = R2; out[i] = O_DONE
				:: s == F1 -> out[i] = O_DONE
#ifdef SAY
				:: s == AS -> out[i] = O_DONE
#endif
#ifdef REQUEUE
				:: s == D0 -> out[i] = O_DONE
#endif
				:: s == A2 || s == B1 ->
					if
					:: wroom[0] == planroom[s] && wroom[1] == planroom[s] -> out[i] = O_DONE
					:: else ->
						/* GAME_STALE: mark_stale() */
						if
						:: replans[s] >= MAX_REPLANS -> out[i] = O_DEAD
						:: else -> out[i] = O_MARK; heldm = heldm | BIT(ACTOR(s))
						fi
					fi
				fi
			fi;
			i++
		:: else -> break
		od;
		/* what wr_commit_batch will lock: presence of the actors that acted,
		 * advisory locks of the finished actions' actors and the follow-ups' */
		presneed = 0; advneed = 0; i = 0;
		do
		:: i < fit ->
			if
			:: out[i] == O_DONE ->
				presneed = presneed | BIT(CHAR_OF(ACTOR(b[i])) - CA);
				advneed = advneed | BIT(ACTOR(b[i]))
			:: out[i] == O_DEAD -> advneed = advneed | BIT(ACTOR(b[i]))
			:: else
			fi;
			i++
		:: else -> break
		od;
		delact = advneed;    /* wr_dequeue's actors */
		if
		:: fol -> advneed = advneed | BIT(ACT_AF)
		:: else
		fi;
		i = 0; s = 0; need = 0
	}
#ifdef MUTANT_EARLY
	atomic {
		i = 0;
		do
		:: i < fit ->
			if
			:: out[i] == O_DONE -> assert(applied[b[i]] == 0); applied[b[i]]++
			:: else
			fi;
			i++
		:: else -> break
		od
	}
#endif
	CRASHPOINT;

	/* 3. wr_commit_batch: character_presence upsert (ORDER BY character_id) ... */
	if
	:: presneed & BIT(0) -> acquire(pres[0], 11)
	:: else
	fi;
	if
	:: presneed & BIT(1) -> acquire(pres[1], 12)
	:: else
	fi;
	/* ... wr_lock_actors (sorted), then wr_dequeue and the follow-ups ... */
	i = 0;
	do
	:: i < NACT ->
		if
		:: advneed & BIT(i) -> acquire(adv[i], 21 + i)
		:: else
		fi;
		i++
	:: else -> break
	od;
	CRASHPOINT;

	/* ... + COMMIT: everything becomes visible at once. */
	d_step {
		room[0] = wroom[0]; room[1] = wroom[1];
		i = 0;
		do
		:: i < fit ->
			s = b[i];
			if
			:: out[i] == O_DONE ->
#ifndef MUTANT_EARLY
				assert(applied[s] == 0);       /* exactly once */
				applied[s]++;
#endif
#ifdef REQUEUE
				if
				:: s == D0 -> skip   /* requeued out of order on purpose */
				:: else ->
#endif
				assert(seqdone[ACTOR(s)] == SEQ(s) - 1);  /* per-actor order */
				seqdone[ACTOR(s)] = SEQ(s);
#ifdef REQUEUE
				fi;
#endif
				/* a follow-up after the action that queued it ... */
				assert(s != F1 || applied[A1] == 1);
				/* ... and before the command its character typed next */
				assert(s != A2 || applied[F1] == 1);
#ifdef SAY
				assert(s != AS || applied[F1] == 1);
#endif
				delete_row(s)
			:: out[i] == O_DEAD -> delete_row(s)
			:: out[i] == O_MARK ->
				plan[s] = P_MARKED; replans[s]++; locks[s] = BIT(CHAR_OF(ACTOR(s)))
			:: out[i] == O_REPLAN ->
				plan[s] = P_REPLANNED; planroom[s] = newroom[i];
				locks[s] = BIT(newroom[i]) | BIT(CA) | BIT(CB)
			:: else
			fi;
			i++
		:: else -> break
		od;
		fix_heads(delact);
		/* follow-ups after the dequeue, so one behind a finished action is its head */
		if
		:: fol -> enqueue(F1, BIT(R2) | BIT(CA), R2)
		:: else
		fi;
		release_all();
		reset_locals()
	}
	goto top;

crash:
	/* the backend's transaction rolls back: locks released, rows as they were */
	atomic { release_all(); reset_locals() }
	goto top;
finish:
	skip
}

/* wr_submit: a client's command, planned from what it saw (the start). */
proctype submitter() {
	byte me = SUB;

#ifdef WHY
	WAIT(21 + ACT_A);
#endif
	atomic { adv[ACT_A] == 0 -> adv[ACT_A] = me WAIT_(0) };
#ifdef SAY
	atomic { enqueue(AS, BIT(CA), R1); adv[ACT_A] = 0 };
#ifdef WHY
	WAIT(21 + ACT_A);
#endif
	atomic { adv[ACT_A] == 0 -> adv[ACT_A] = me WAIT_(0) };
#endif
	atomic { enqueue(A2, BIT(R1) | BIT(CA) | BIT(CB), R1); adv[ACT_A] = 0 };
#ifdef WHY
	WAIT(21 + ACT_B);
#endif
	atomic { adv[ACT_B] == 0 -> adv[ACT_B] = me WAIT_(0) };
	atomic { enqueue(B2, BIT(R1) | BIT(R2) | BIT(CB), R1); adv[ACT_B] = 0; subdone = true }
}

#ifdef REQUEUE
#define ADMIN (NW + 2)
/* The rest of wr_requeue_dead, once the head rows are its own: UPDATE ...
 * SET is_head = false on them, then the INSERT of D0 as B's head. */
inline requeue_rows() {
	u = 0;
	do
	:: u < NS && u != D0 && qst[u] == QUEUED && ACTOR(u) == ACT_B && head[u] ->
		head[u] = false; rowlock[u] = me; u++
	:: u < NS && !(u != D0 && qst[u] == QUEUED && ACTOR(u) == ACT_B && head[u]) -> u++
	:: else -> break
	od;
	u = 0;
	/* INSERT ... is_head: nothing older of the actor is queued */
	qst[D0] = QUEUED; head[D0] = true; nq[ACT_B]++;
	plan[D0] = P_ORIG; locks[D0] = BIT(CB); planroom[D0] = R1
}

/* wrctl dead requeue: wr_requeue_dead(D0), run while the workers work.
 * It never waits for a queue row while holding the advisory lock: the head
 * rows are locked FOR UPDATE NOWAIT, and if a worker has claimed one, the
 * subtransaction rolls back (the advisory lock with it) and it tries again. */
proctype admin() {
	byte me = ADMIN;
	byte u;

retry:
	/* BEGIN (subtransaction); PERFORM wr_lock_actors(ARRAY[actor_key]) */
#ifdef WHY
	WAIT(21 + ACT_B);
#endif
	atomic { adv[ACT_B] == 0 -> adv[ACT_B] = me WAIT_(0) };
	/* PERFORM 1 FROM action_queue WHERE actor_key = B AND is_head AND id > D0
	 * FOR UPDATE NOWAIT: fails at once on a head a worker has claimed */
#define HEAD_BUSY(x) (qst[x] == QUEUED && head[x] && rowlock[x] != 0)
#ifdef REQUEUE_OLD
	/* the function as it was: its UPDATE ... WHERE is_head waited for the row */
	do
#ifdef WHY
	:: HEAD_BUSY(B1) && waiting[me] != 31 + B1 -> WAIT(31 + B1)
	:: HEAD_BUSY(B2) && waiting[me] != 31 + B2 -> WAIT(31 + B2)
#endif
	:: atomic { !(HEAD_BUSY(B1) || HEAD_BUSY(B2)) -> WAIT(0); requeue_rows() };
	   break
	od;
#else
	if
	:: atomic { HEAD_BUSY(B1) || HEAD_BUSY(B2) -> adv[ACT_B] = 0 };   /* lock_not_available: the subtransaction rolls back */
		goto retry
	:: atomic { !(HEAD_BUSY(B1) || HEAD_BUSY(B2)) -> requeue_rows() }
	fi;
#endif
	/* COMMIT */
	atomic {
		if :: rowlock[B1] == me -> rowlock[B1] = 0 :: else fi;
		if :: rowlock[B2] == me -> rowlock[B2] = 0 :: else fi;
		adv[ACT_B] = 0;
		admindone = true
	}
}
#endif

init {
	byte i;

	atomic {
		room[0] = R1; room[1] = R1;
		enqueue(A1, BIT(R1) | BIT(R2) | BIT(CA), R1);
		enqueue(B1, BIT(R1) | BIT(CA) | BIT(CB), R1);
		i = 1;
		do
		:: i <= NW -> run worker(i); i++
		:: else -> break
		od;
		run submitter();
#ifdef REQUEUE
		run admin();
#endif
	}
	/* every worker found the queue empty: check what was applied */
	exited == NW;
	assert(QUEUE_EMPTY);
	i = 0;
	do
	:: i < NS -> assert(applied[i] == 1); assert(rowlock[i] == 0); i++   /* exactly once, none lost */
	:: else -> break
	od;
	assert(seqdone[ACT_A] == SEQ_A && seqdone[ACT_B] == 2 && seqdone[ACT_AF] == 1);
	i = 0;
	do
	:: i < NAGG -> assert(agg[i] == 0); i++
	:: else -> break
	od
}
