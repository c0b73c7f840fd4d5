/*
 * Fuzz target: the audit log reader (gate/audit.c).  Each input is read
 * twice: as one line (audit_entry_parse) and as a whole log
 * (audit_verify_fd over a memfd, against the fixed key the corpus was
 * signed with).  The reader must never crash, and what it reports must
 * hang together: an entry parses into sane fields or comes with a reason;
 * a log is intact with consistent counts, or tampered with a line number
 * and a detail.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "cg_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus's checkpoints are signed with the key from this seed. */
#define FUZZ_SEED_BYTE 0x42

static void
check_entry(const uint8_t *data, size_t size)
{
	struct audit_entry e;
	const char *why = NULL;

	if (audit_entry_parse(data, size, &e, &why) == 0) {
		if (e.seq < 1 || strlen(e.time) != 24 || e.event[0] == '\0' ||
		    e.is_checkpoint != (strcmp(e.event, "checkpoint") == 0) || why != NULL)
			abort();
	} else if (why == NULL || *why == '\0') {
		abort();
	}
}

static void
check_log(const uint8_t *data, size_t size, const struct audit_pubkey *pub)
{
	struct audit_report rep;
	size_t off = 0;
	ssize_t n;
	int fd, r;

	if ((fd = memfd_create("fuzz-audit", MFD_CLOEXEC)) < 0)
		abort();
	while (off < size) {
		if ((n = write(fd, data + off, size - off)) <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	r = audit_verify_fd(fd, pub, &rep);
	close(fd);
	if (r == 0) {
		if (rep.problem != AUDIT_OK || rep.line != 0 || rep.entries != rep.last_seq ||
		    rep.last_checkpoint_seq > rep.last_seq || rep.checkpoints > rep.entries ||
		    rep.unsigned_tail != rep.last_seq - rep.last_checkpoint_seq ||
		    strlen(rep.head) != 2 * AUDIT_HASH_BYTES)
			abort();
	} else if (r == CG_ERR_DENIED) {
		if (rep.problem == AUDIT_OK || rep.line < 1 || rep.line > rep.entries + 1 ||
		    rep.detail[0] == '\0' || rep.entries != rep.last_seq)
			abort();
	} else if (r != CG_ERR_NOMEM && r != CG_ERR_IO) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct audit_pubkey pub;
	static bool ready;

	if (!ready) {
		uint8_t seed[crypto_sign_SEEDBYTES], sk[crypto_sign_SECRETKEYBYTES];

		if (sodium_init() < 0)
			abort();
		memset(seed, FUZZ_SEED_BYTE, sizeof(seed));
		if (crypto_sign_seed_keypair(pub.bytes, sk, seed) != 0)
			abort();
		sodium_memzero(sk, sizeof(sk));
		ready = true;
	}
	check_entry(data, size);
	check_log(data, size, &pub);
	return 0;
}
