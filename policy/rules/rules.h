/*
 * PAM-style rule stacks: the checks each operation must pass (design step 5).
 *
 * Every operation the gate handles has a stack file in ops.d named after
 * it (ops.d/UpdateApplication), and operations without one fall back to
 * ops.d/other.  A stack is a list of lines `control module [key=value...]`;
 * docs/rules.md and cmkgate-ops.d(5) describe the syntax, the modules and
 * the exact evaluation table.
 *
 * Parsing checks everything it can: an unknown control, module or
 * argument, a missing or malformed argument, an invalid regex, a limit
 * exceeded -- each refuses the stack (and rules_load_dir() the whole set)
 * with "file:line: what is wrong" in `why`.
 *
 * Evaluation is deny by default and has three results: PASS, FAIL and
 * PENDING (approvals are not complete yet, and completing them would make
 * the stack pass).  A module that cannot decide returns ERROR, and an
 * ERROR anywhere makes the stack FAIL, whatever its control.
 *
 * Functions follow cg_err.h: 0 or a negative CG_ERR_* code, outputs through
 * ret_* only on success.  Nothing here prints.  Only rules_load_dir() does
 * I/O.  A loaded stack or set is read-only and may be shared between
 * threads; evaluation keeps its state in the verdict it returns.
 */
#ifndef CMKGATE_RULES_H
#define CMKGATE_RULES_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cg_buf;
struct rules_stack;
struct rules_set;

#define RULES_FILE_MAX		(64 * 1024)	/* bytes of one stack file */
#define RULES_LINE_MAX		4096		/* bytes of one line, without its newline */
#define RULES_MODULES_MAX	64		/* module lines in one stack */
#define RULES_REGEX_MAX		512		/* bytes of a ticket pattern */
#define RULES_NAME_MAX		64		/* an operation (file) name: [A-Za-z]{1,64} */
#define RULES_STACKS_MAX	128		/* stack files in one ops.d */
#define RULES_QUORUM_MAX	10		/* approvals quorum=1..10 */
#define RULES_ROLES_MAX		RULES_QUORUM_MAX
#define RULES_ROLE_MAX		64		/* bytes of one role name: [a-z0-9-]+ */
#define RULES_REASON_MAX	1024		/* bytes of a request reason the ticket module reads */
#define RULES_STEP_REASON_MAX	256		/* bytes kept of one module's explanation */

enum rules_control {
	RULES_REQUIRED = 1,	/* a failure fails the stack; the rest still runs */
	RULES_REQUISITE,	/* a failure ends the stack at once: FAIL */
	RULES_SUFFICIENT,	/* a pass ends it with PASS unless something failed before; a failure is ignored */
	RULES_OPTIONAL,		/* counts only when it is the stack's only module */
};

enum rules_module_kind {
	RULES_MOD_PERMISSIONS = 1,	/* caller: the operator holds every permission needed */
	RULES_MOD_KEY_STATE,		/* caller: every key involved is in a usable state */
	RULES_MOD_RUNTIME,		/* pure: the application's runtime is at least min */
	RULES_MOD_APPROVALS,		/* caller: enough valid approvals; may be PENDING */
	RULES_MOD_TICKET,		/* pure: the whole reason matches the pattern */
	RULES_MOD_WINDOW,		/* pure: now is inside days and hours (UTC) */
	RULES_MOD_DENY,			/* pure: always fails */
};

/* What one module said.  Zero is ERROR, so an outcome nobody set fails closed. */
enum rules_outcome {
	RULES_OUTCOME_ERROR = 0,	/* could not decide: the stack fails */
	RULES_OUTCOME_FAIL,
	RULES_OUTCOME_PASS,
	RULES_OUTCOME_PENDING,		/* approvals only: not complete yet */
};

/* The stack's result.  Zero is FAIL. */
enum rules_result {
	RULES_FAIL = 0,
	RULES_PASS,
	RULES_PENDING,	/* never a pass: the caller waits for approvals and evaluates again */
};

/* approvals when=: when approvals are needed at all. */
enum rules_when {
	RULES_WHEN_ALWAYS = 0,
	/*
	 * Only when the operation changes a key: the keys the application's
	 * state is read or written with after the call differ from before
	 * (enable, switch or disable a CMK; a restore or rollback that crosses
	 * keys).  The caller decides that and answers PASS when no key changes.
	 */
	RULES_WHEN_KEY_CHANGE,
};

struct rules_runtime_args {
	uint32_t	 major;		/* min=FLINK-<major>_<minor> */
	uint32_t	 minor;
	bool		 only_cmk;	/* when=cmk: only when the state is under a customer managed key */
};

struct rules_approvals_args {
	unsigned	 quorum;			/* distinct approvers needed, 1..10 */
	char		*roles[RULES_ROLES_MAX];	/* each held by a different approver */
	size_t		 nroles;			/* <= quorum */
	enum rules_when	 when;
};

struct rules_ticket_args {
	char		*pattern;	/* POSIX extended regex, matched against the whole reason */
	regex_t		 re;
	bool		 compiled;
};

struct rules_window_args {
	uint8_t		 days;		/* bit d: struct tm's tm_wday d (0 = Sunday) */
	uint32_t	 hours;		/* bit h: h:00 to h:59, UTC */
};

/* One parsed line.  Only the args struct of its kind is filled in. */
struct rules_module {
	unsigned			 line;
	enum rules_control		 control;
	enum rules_module_kind		 kind;
	char				*args;	/* the arguments for messages, re-quoted; "" if none */
	struct rules_runtime_args	 runtime;
	struct rules_approvals_args	 approvals;
	struct rules_ticket_args	 ticket;
	struct rules_window_args	 window;
};

/*
 * Parses one stack.  name is the operation ([A-Za-z]{1,64}); file labels
 * messages (NULL: name).  CG_ERR_PARSE or CG_ERR_LIMIT with
 * "file:line: message" in why when the text is not a valid stack.  An empty
 * stack (nothing but comments) parses, and always fails when evaluated.
 */
int rules_stack_parse(const char *name, const char *file, const char *text, size_t len,
    struct rules_stack **ret_stack, struct cg_buf *why);
void rules_stack_free(struct rules_stack *stack);

const char *rules_stack_name(const struct rules_stack *stack);
const char *rules_stack_file(const struct rules_stack *stack);
size_t rules_stack_count(const struct rules_stack *stack);
/* The index-th module line, or NULL past the end. */
const struct rules_module *rules_stack_module(const struct rules_stack *stack, size_t index);

/*
 * Reads every stack in dir (an ops.d directory).  Safe opening: the
 * directory and each file are opened with O_NOFOLLOW|O_CLOEXEC (a symlink
 * is refused), each must be a regular file of at most RULES_FILE_MAX bytes
 * owned by root or the calling user and not writable by every user (the
 * directory too).  Hidden files (".name") are skipped; any other name that
 * is not an operation name is refused.  Any problem refuses the whole set,
 * with "path: message" or "path:line: message" in why.  A set without an
 * `other` stack is refused with CG_ERR_NOT_FOUND: the daemon must not start
 * without its fallback.
 */
int rules_load_dir(const char *dir, struct rules_set **ret_set, struct cg_buf *why);
void rules_set_free(struct rules_set *set);

/*
 * The stack for operation (exact, case-sensitive name), or the `other`
 * stack when it has none.  CG_ERR_INVALID_ARG when operation is not a name
 * ([A-Za-z]{1,64}).  The stack belongs to the set.
 */
int rules_for(const struct rules_set *set, const char *operation,
    const struct rules_stack **ret_stack);

/* What the pure modules (runtime, ticket, window, deny) read. */
struct rules_request {
	const char	*reason;	/* the requester's reason (ticket); NULL: none given */
	const char	*runtime;	/* the application's runtime after the call, e.g. "FLINK-1_20"; NULL: unknown */
	time_t		 now;		/* when the request is evaluated (window) */
	bool		 cmk;		/* after the call the state is under a customer managed key (runtime when=cmk) */
};

/*
 * Runs one of the modules that need outside data (permissions, key-state,
 * approvals) for the request at hand.  It writes the outcome and may
 * append an explanation to reason (it is copied, at most
 * RULES_STEP_REASON_MAX - 1 bytes).  For approvals with when=key-change it
 * answers PASS when the request changes no key.  A negative return, an
 * outcome left unset or out of range, or PENDING from any module but
 * approvals all count as ERROR.  The callback may be called for modules
 * after the point where the stack ended (to tell PENDING from FAIL), each
 * at most once per evaluation, so it must have no side effects.
 */
typedef int (*rules_module_fn)(void *userdata, const struct rules_module *module,
    enum rules_outcome *ret_outcome, struct cg_buf *reason);

/*
 * The pure evaluators: runtime, ticket, window, deny.  A missing input
 * (runtime NULL, a time that gmtime_r cannot convert) is ERROR; a reason
 * that is NULL, empty or longer than RULES_REASON_MAX is FAIL.
 * CG_ERR_INVALID_ARG for the modules the caller evaluates.
 */
int rules_module_eval(const struct rules_module *module, const struct rules_request *req,
    enum rules_outcome *ret_outcome, struct cg_buf *reason);

enum rules_step_effect {
	RULES_STEP_NOT_RUN = 0,		/* the stack ended before it */
	RULES_STEP_COUNTED,		/* its outcome counted */
	RULES_STEP_IGNORED,		/* its control made its outcome not count */
	RULES_STEP_ENDED,		/* its outcome ended the stack */
	RULES_STEP_LOOKAHEAD,		/* run after the end, only to tell PENDING from FAIL */
};

struct rules_step {
	unsigned		 line;
	enum rules_control	 control;
	enum rules_module_kind	 kind;
	const char		*args;		/* borrowed from the stack */
	bool			 ran;
	enum rules_outcome	 outcome;	/* when ran */
	enum rules_step_effect	 effect;
	char			 reason[RULES_STEP_REASON_MAX];
};

struct rules_verdict {
	enum rules_result	 result;
	char			*file;		/* the stack's file, for messages */
	/*
	 * The step that decided: the sufficient module that ended with PASS,
	 * the first failure or error, the first pending module.  nsteps when
	 * no single step did: every module that counts passed, or none did.
	 */
	size_t			 decisive;
	size_t			 nsteps;
	struct rules_step	 steps[];
};

/*
 * Evaluates stack for req: the pure modules itself, the others through fn
 * (NULL: they are ERROR).  The verdict holds the result and every module's
 * line, control, outcome and reason; it borrows from stack, so free it
 * first.  Fails only when it cannot produce a verdict at all (invalid
 * arguments, memory): the caller must then refuse the request.
 *
 * The result, in short (docs/rules.md has the full table): run the stack
 * with PENDING counted as a failure; PASS if that passes.  Otherwise, when
 * a module was PENDING, run it again with PENDING counted as a pass:
 * PENDING if that passes, FAIL if not.  ERROR anywhere: FAIL.
 */
int rules_eval(const struct rules_stack *stack, const struct rules_request *req,
    rules_module_fn fn, void *userdata, struct rules_verdict **ret_verdict);
void rules_verdict_free(struct rules_verdict *verdict);

/*
 * Appends the explanation: a first line "RESULT: why", then one line per
 * module "  file:line: control module args: outcome (effect): reason".
 */
int rules_verdict_explain(const struct rules_verdict *verdict, struct cg_buf *out);

const char *rules_control_name(enum rules_control control);
const char *rules_module_name(enum rules_module_kind kind);
const char *rules_outcome_name(enum rules_outcome outcome);
const char *rules_result_name(enum rules_result result);

#endif
