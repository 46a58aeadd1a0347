/*
 * checksum.h — the result checksum every contestant computes, so the bench
 * can cross-check that ormc, hand-written C, the floor and Django all built
 * the same result.  bench/django_bench.py mirrors it line by line (ck, ck_text,
 * ck_real, CK_SEED); change both or neither.
 *
 * The checksum is FNV-1a over 64-bit words: h = (h ^ v) * CK_PRIME mod 2^64,
 * starting from CK_SEED.  It is order-sensitive, so rows in another order, a
 * missing row, a wrong parent or a wrong value all change it.  Per value:
 *   integer      its two's complement bits
 *   text         (byte length << 8) | first byte (0 for an empty string)
 *   real         its IEEE-754 bits
 *   NULL         CK_NULL (never an id, a count, or a real's bits here)
 * What each workload feeds is listed in bench/README.md (W2 adds up per
 * comment hashes instead, see ck_child; W12 and W13 per child and place,
 * see ck_nth).
 */
#ifndef BENCH_CHECKSUM_H
#define BENCH_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CK_SEED 0xcbf29ce484222325ull
#define CK_PRIME 0x100000001b3ull
#define CK_NULL 0xffffffffffffffffull

/* Feeds one 64-bit word into h; returns the new h. */
static inline uint64_t ck(uint64_t h, uint64_t v)
{
    return (h ^ v) * CK_PRIME;
}

/* Feeds a text value of `len` bytes (s may be NULL when len is 0). */
static inline uint64_t ck_text(uint64_t h, const char *s, size_t len)
{
    return ck(h, ((uint64_t)len << 8) | (len ? (unsigned char)s[0] : 0u));
}

/* W2's comments: the hash of one comment under its parent.  The W2
 * checksum adds these up (mod 2^64), so it checks which comments each blog
 * holds but not their order: the floor streams the comment table in id
 * order and keeps nothing.  The order within each blog (ascending id) is
 * asserted separately by every contestant that builds the lists. */
static inline uint64_t ck_child(uint64_t parent_id, uint64_t id,
                                const char *s, size_t len, uint64_t score)
{
    return ck(ck_text(ck(ck(CK_SEED, parent_id), id), s, len), score);
}

/* W12 and W13's children: the hash of the child at position k (0, 1, ...)
 * of its parent's list, `child` being the hash of its own columns (fed
 * from CK_SEED).  These checksums add them up (mod 2^64) over every child
 * of every level, walking the tree from the parents: which parent holds
 * each child, at which place, with which values, is all in the sum, yet a
 * contestant that streams the children in another order than its lists
 * hold them (the floor) computes the same sum from a count per parent. */
static inline uint64_t ck_nth(uint64_t parent_id, uint64_t k, uint64_t child)
{
    return ck(ck(ck(CK_SEED, parent_id), k), child);
}

/* Feeds a real value by its bits. */
static inline uint64_t ck_real(uint64_t h, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return ck(h, bits);
}

#endif /* BENCH_CHECKSUM_H */
