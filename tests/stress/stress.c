/*
 * stress.c — concurrency stress test of the ormc runtime on one SQLite file
 * in WAL mode (`make stress`, STRESS_SECONDS=N), or on a PostgreSQL server
 * (`make stress-pg`, a throwaway cluster of tests/pg/cluster.sh).
 *
 *   stress DB [SECONDS [WRITERS [READERS]]]      (defaults 10, 4, 4)
 *
 * DB is a file path, or a PostgreSQL connection string (the rule of
 * ormc_open: postgresql://..., postgres://... or keyword=value ...).
 *
 * The parent creates a fresh database with the schema of examples/blog.orm
 * (SQLite: a new DB file in WAL mode; PostgreSQL: DROP SCHEMA public CASCADE,
 * CREATE SCHEMA public) and one Author per writer, closes it, and forks
 * WRITERS writer and READERS reader processes, each with its own connection,
 * for SECONDS.
 *
 * Writers run transactions (ormc_begin .. ormc_commit) on their own rows:
 *   insert  a Blog "w<W> s<S> v0 k<K> ..." and its K comments (K in 0..8);
 *   update  one of their live blogs to version v+1 with a new K, rewriting,
 *           deleting or adding comments so that exactly K' remain;
 *   delete  one of their live blogs (the comments go by ON DELETE CASCADE).
 * Every title, comment text, rating and score is a function of (W, S, v, K,
 * index), so any reader can recompute what a row must hold.  Each outcome
 * (committed, busy, error) is appended to the writer's log (SQLite:
 * DB.w<W>.log; PostgreSQL: in a temporary directory, removed when every
 * check passes) once it is known.  A transaction that fails with ORMC_BUSY
 * is rolled back (if still open) and the same write retried after 1 ms.
 * On SQLite the last writer sets `PRAGMA busy_timeout = 1` so that
 * SQLITE_BUSY really happens and is reported as ORMC_BUSY; the others keep
 * ormc_open's 5 s.
 * On PostgreSQL (READ COMMITTED: writers of different rows never wait for
 * each other) one transaction in four also updates the two shared "hot"
 * rows (Tags hot0 and hot1), one after begin and the other before commit,
 * in random order: writers wait for each other's row locks and deadlock
 * (40P01, detected after deadlock_timeout = 10 ms), and the last writer
 * sets lock_timeout = 1 ms (55P03); both are ORMC_BUSY.
 *
 * Readers loop over five queries and check that no object is torn:
 *   blogs + with_author + count_comments + prefetch_comments (2 statements,
 *   one snapshot): each blog's comments are exactly the K its title encodes,
 *   in order, intact, and comments_count equals the prefetched length;
 *   the same, filtered to one writer with a limit (the IN-subquery prefetch);
 *   blog_get of a random id; a count_comments-only fetch of one blog;
 *   comments with_blog: each comment matches its own blog's version.
 *
 * Before the processes start, one connection holds a write transaction with
 * an uncommitted blog: a reader on a second connection must not block nor
 * see it.  On SQLite a writer on a third must get ORMC_BUSY from ormc_begin
 * after the 5 s timeout; on PostgreSQL (where BEGIN takes no lock) a writer
 * of the same row gets ORMC_BUSY after its 1 s lock_timeout, its transaction
 * is then aborted (the next statement fails too) until ormc_rollback.
 *
 * At the end the parent replays the logs and checks the database: every
 * committed write is there exactly once (lost = 0, duplicated = 0), nothing
 * uncommitted is (phantom = 0), no orphan comment, every writer committed
 * something (no starvation); on SQLite PRAGMA integrity_check is "ok", on
 * PostgreSQL amcheck's bt_index_check passes on every index of the schema.
 * It prints the figures and ends with "N passed, N failed".
 *
 * This file is a test: besides the ormc API it opens the database with
 * sqlite3 (the journal mode and integrity check) or libpq (the isolation
 * level, an orphan count in plain SQL and amcheck) directly, as an
 * independent witness.
 */
#define _POSIX_C_SOURCE 200809L

#include "blog.orm.h"

#ifdef ORMC_HAVE_PG
#include <libpq-fe.h>
#endif

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 16
#define MAX_K 8
#define TITLE_MAX 200

#ifdef ORMC_HAVE_PG
static void quiet_notice(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}
#endif

/* ---- deterministic payloads ---- */

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

/* Title of blog (w, s) at version v with k comments.  The tail holds SQL
 * metacharacters on purpose; the whole title stays under text(200). */
static void make_title(char *buf, size_t n, int w, long long s, int v, int k)
{
    snprintf(buf, n, "w%d s%lld v%d k%d '); DROP TABLE blog; -- \"%s\"", w, s,
             v, k, v % 2 ? "odd" : "even");
}

/* Content of comment i of blog (w, s, v, k): variable length, up to ~600
 * bytes, so rows spill over several pages now and then. */
static void make_content(char *buf, size_t n, int w, long long s, int v,
                         int k, int i)
{
    int len = snprintf(buf, n, "w%d s%lld v%d c%d/%d |", w, s, v, i, k);
    int pad = (int)((unsigned)(s * 31 + v * 7 + i * 13) % 600);
    for (int j = 0; j < pad && (size_t)len + 2 < n; j++)
        buf[len++] = (char)('a' + (j + i + v) % 26);
    buf[len] = '\0';
}

static double title_rating(const char *title)
{
    return (double)(fnv(title) % 1000000) / 8.0; /* exact in binary */
}

static int64_t content_score(const char *content)
{
    return (int64_t)(fnv(content) & 0xffffff);
}

/* ---- small utilities ---- */

static void check(bool ok, const char *fmt, ...);

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng_state;
static unsigned rnd(unsigned n) /* 0 .. n-1 */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

/* true on a PostgreSQL server: DB is a connection string (ormc_open's
 * rule: a postgresql:// or postgres:// URI, or keyword=value ...) */
static bool on_pg;

static bool is_conninfo(const char *s)
{
    if (strncmp(s, "postgresql://", 13) == 0 ||
        strncmp(s, "postgres://", 11) == 0)
        return true;
    while (*s == ' ')
        s++;
    const char *k = s;
    while ((*s >= 'a' && *s <= 'z') || *s == '_')
        s++;
    while (*s == ' ')
        s++;
    return s > k && *s == '=';
}

/* The logs are named after log_base: the db path on SQLite, a file in a
 * temporary directory on PostgreSQL (set before the fork). */
static char log_base[480];
static char log_dir[400];

static char *log_path(char *buf, size_t n, char kind, int id)
{
    snprintf(buf, n, "%s.%c%d.log", log_base, kind, id);
    return buf;
}

/* ---- writers ---- */

typedef struct wblog {   /* a writer's view of one of its committed blogs */
    long long s;
    int64_t id;
    int v, k;
    int alive;
} wblog;

typedef struct wstate {
    ormc_db *db;
    int w;
    int64_t author_id;
    FILE *log;
    wblog *blogs;
    size_t n, cap;
} wstate;

/* Inserts comment i of (w, s, v, k) under blog_id. */
static int add_comment(wstate *st, int64_t blog_id, long long s, int v, int k,
                       int i)
{
    char content[700];
    make_content(content, sizeof content, st->w, s, v, k, i);
    Comment c;
    comment_init(&c);
    c.blog_id = blog_id;
    c.content = content;
    c.score = content_score(content);
    return comment_insert(st->db, &c);
}

/* Body of an insert transaction: blog (w, s, v0, k) and k comments. */
static int do_insert(wstate *st, long long s, int k, int64_t *id)
{
    char title[TITLE_MAX + 64];
    make_title(title, sizeof title, st->w, s, 0, k);
    Blog b;
    blog_init(&b);
    b.title = title;
    b.author_id = st->author_id;
    b.rating = title_rating(title);
    b.rating_null = false;
    int rc = blog_insert(st->db, &b);
    for (int i = 0; rc == ORMC_OK && i < k; i++)
        rc = add_comment(st, b.id, s, 0, k, i);
    *id = b.id;
    return rc;
}

/* Body of an update transaction: blog e to version v+1 with nk comments. */
static int do_update(wstate *st, const wblog *e, int nk)
{
    int v = e->v + 1;
    char title[TITLE_MAX + 64];
    make_title(title, sizeof title, st->w, e->s, v, nk);
    Blog b;
    blog_init(&b);
    b.id = e->id;
    b.title = title;
    b.author_id = st->author_id;
    b.rating = title_rating(title);
    b.rating_null = false;
    int rc = blog_update(st->db, &b);
    if (rc != ORMC_OK)
        return rc;
    CommentQuery q;
    comment_query_init(&q);
    comment_where_blog_id(&q, ORMC_EQ, e->id);
    CommentList l;
    if ((rc = comment_fetch(st->db, &q, &l)) != ORMC_OK)
        return rc;
    if (l.count != (size_t)e->k) { /* inside our own write lock: impossible */
        fprintf(stderr, "writer %d: blog s%lld has %zu comments, expected %d\n",
                st->w, e->s, l.count, e->k);
        comment_list_free(&l);
        return ORMC_ERROR;
    }
    for (size_t i = 0; rc == ORMC_OK && i < l.count; i++) {
        if ((int)i < nk) {
            char content[700];
            make_content(content, sizeof content, st->w, e->s, v, nk, (int)i);
            Comment c = l.items[i];
            c.content = content;
            c.score = content_score(content);
            rc = comment_update(st->db, &c);
        } else {
            rc = comment_delete(st->db, l.items[i].id);
        }
    }
    comment_list_free(&l);
    for (int i = e->k; rc == ORMC_OK && i < nk; i++)
        rc = add_comment(st, e->id, e->s, v, nk, i);
    return rc;
}

typedef struct wstats {
    long attempted, committed, busy, errors;
} wstats;

/* PostgreSQL only: the ids of the Tags "hot0" and "hot1", the rows that
 * one writer transaction in four updates (set before the fork). */
static int64_t hot_tags[2];

/* Updates hot row i (to the same name): takes its row lock until the end
 * of the transaction, waiting for the transaction that holds it. */
static int lock_hot(ormc_db *db, int i)
{
    char name[8];
    snprintf(name, sizeof name, "hot%d", i);
    Tag t;
    tag_init(&t);
    t.id = hot_tags[i];
    t.name = name;
    return tag_update(db, &t);
}

static int run_writer(const char *path, int w, int64_t author_id,
                      double deadline, bool short_timeout)
{
    char lp[512];
    wstate st = {0};
    st.w = w;
    st.author_id = author_id;
    st.log = fopen(log_path(lp, sizeof lp, 'w', w), "w");
    if (!st.log)
        return 1;
    int rc = ormc_open(path, &st.db);
    /* PostgreSQL: deadlocks found in 10 ms instead of 1 s (a superuser's
     * setting: on another user's server they take the 1 s, no more); the
     * last writer gives up a row lock after 1 ms */
    if (rc == ORMC_OK && on_pg)
        (void)ormc_exec(st.db, "SET deadlock_timeout = '10ms'");
    if (rc == ORMC_OK && short_timeout)
        rc = ormc_exec(st.db, on_pg ? "SET lock_timeout = '1ms'"
                                    : "PRAGMA busy_timeout = 1");
    if (rc != ORMC_OK) {
        fprintf(st.log, "X open %s\n", ormc_errmsg(st.db));
        fclose(st.log);
        ormc_close(st.db);
        return 1;
    }
    wstats ws = {0};
    long long seq = 0;
    size_t nlive = 0;
    /* the write to do: a new one, or the same again after ORMC_BUSY */
    char op = 0;
    wblog *e = NULL;
    long long s = 0;
    int k = 0;
    bool retry = false;
    while (now_sec() < deadline) {
        if (!retry) {
            unsigned dice = rnd(100);
            op = nlive == 0 || dice < 60 ? 'I' : dice < 85 ? 'U' : 'D';
            e = NULL;
            if (op != 'I') { /* a random live blog of ours */
                size_t pick = rnd((unsigned)nlive);
                for (size_t i = 0; i < st.n; i++)
                    if (st.blogs[i].alive && pick-- == 0) {
                        e = &st.blogs[i];
                        break;
                    }
            }
            s = op == 'I' ? seq++ : e->s;
            k = (int)rnd(MAX_K + 1);
        }
        retry = false;
        /* PostgreSQL: 0, or 1 + the hot row to lock first */
        int hot = on_pg && rnd(4) == 0 ? 1 + (int)rnd(2) : 0;
        int64_t id = 0;
        char why[256] = "";
        ws.attempted++;
        rc = ormc_begin(st.db);
        if (rc == ORMC_OK) {
            if (hot)
                rc = lock_hot(st.db, hot - 1);
            if (rc == ORMC_OK)
                rc = op == 'I'   ? do_insert(&st, s, k, &id)
                     : op == 'U' ? do_update(&st, e, k)
                                 : blog_delete(st.db, e->id);
            if (rc == ORMC_OK && hot)
                rc = lock_hot(st.db, 2 - hot);
            if (rc == ORMC_OK)
                rc = ormc_commit(st.db);
        }
        if (rc != ORMC_OK) /* before the rollback replaces it */
            snprintf(why, sizeof why, "%s", ormc_errmsg(st.db));
        /* a failed statement leaves the transaction open (and on
         * PostgreSQL aborted): roll it back before anything else */
        if (rc != ORMC_OK && ormc_in_transaction(st.db) &&
            ormc_rollback(st.db) != ORMC_OK) {
            /* outcome unknown: the parent counts this as an error */
            fprintf(st.log, "X %c %lld rollback failed: %s (after %s)\n", op,
                    s, ormc_errmsg(st.db), why);
            fflush(st.log);
            ws.errors++;
            break;
        }
        if (rc == ORMC_OK) {
            ws.committed++;
            if (op == 'I') {
                if (st.n == st.cap) {
                    st.cap = st.cap ? 2 * st.cap : 256;
                    wblog *nb = realloc(st.blogs, st.cap * sizeof *nb);
                    if (!nb)
                        break;
                    st.blogs = nb;
                }
                st.blogs[st.n++] = (wblog){s, id, 0, k, 1};
                nlive++;
                fprintf(st.log, "C I %lld %d\n", s, k);
            } else if (op == 'U') {
                e->v++;
                e->k = k;
                fprintf(st.log, "C U %lld %d %d\n", s, e->v, k);
            } else {
                e->alive = 0;
                nlive--;
                fprintf(st.log, "C D %lld\n", s);
            }
        } else if (rc == ORMC_BUSY) {
            ws.busy++;
            retry = true;
            if (on_pg) /* the cause: a deadlock or a lock timeout */
                fprintf(st.log, "B %c %lld %s\n", op, s, why);
            else
                fprintf(st.log, "B %c %lld\n", op, s);
            nanosleep(&(struct timespec){0, 1000000}, NULL); /* back off 1 ms */
        } else {
            ws.errors++;
            fprintf(st.log, "E %c %lld %s: %s\n", op, s, ormc_status_name(rc),
                    why);
        }
        fflush(st.log);
    }
    fprintf(st.log, "S %ld %ld %ld %ld\n", ws.attempted, ws.committed,
            ws.busy, ws.errors);
    fclose(st.log);
    free(st.blogs);
    ormc_close(st.db);
    return 0;
}

/* ---- readers ---- */

typedef struct rstats {
    long iterations, objects, torn, busy, errors;
} rstats;

static FILE *rlog;

static void torn(rstats *rs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(rlog, "T ");
    vfprintf(rlog, fmt, ap);
    fprintf(rlog, "\n");
    va_end(ap);
    fflush(rlog);
    rs->torn++;
}

/* Parses a title into (w, s, v, k) and checks it is exactly what the writer
 * wrote; returns false (and counts a torn object) otherwise. */
static bool check_title(rstats *rs, const Blog *b, int *w, long long *s,
                        int *v, int *k)
{
    char want[TITLE_MAX + 64];
    if (!b->title || sscanf(b->title, "w%d s%lld v%d k%d", w, s, v, k) != 4) {
        torn(rs, "blog %" PRId64 ": unparsable title", b->id);
        return false;
    }
    make_title(want, sizeof want, *w, *s, *v, *k);
    if (strcmp(want, b->title) != 0) {
        torn(rs, "blog %" PRId64 ": title '%s' damaged", b->id, b->title);
        return false;
    }
    if (b->rating_null || b->rating != title_rating(b->title)) {
        torn(rs, "blog %" PRId64 ": rating does not match title", b->id);
        return false;
    }
    return true;
}

/* Comment i of blog b (w, s, v, k) is exactly what the writer wrote. */
static bool check_comment(rstats *rs, const Comment *c, int64_t blog_id, int w,
                          long long s, int v, int k, int i)
{
    char want[700];
    make_content(want, sizeof want, w, s, v, k, i);
    if (c->blog_id != blog_id || !c->content ||
        strcmp(c->content, want) != 0 || c->score != content_score(want)) {
        torn(rs, "comment %" PRId64 " of blog %" PRId64
                 " is not comment %d of w%d s%lld v%d k%d",
             c->id, blog_id, i, w, s, v, k);
        return false;
    }
    return true;
}

/* Checks one fetched blog with its author, count and prefetched comments. */
static void check_blog(rstats *rs, const Blog *b, bool with_author,
                       bool counted, bool prefetched)
{
    int w, v, k;
    long long s;
    rs->objects++;
    if (!check_title(rs, b, &w, &s, &v, &k))
        return;
    if (with_author) {
        char name[32];
        snprintf(name, sizeof name, "writer %d", w);
        if (!b->author || b->author->id != b->author_id ||
            strcmp(b->author->name, name) != 0)
            torn(rs, "blog %" PRId64 ": wrong author", b->id);
    }
    if (counted && b->rel->comments_count != k)
        torn(rs, "blog %" PRId64 " w%d s%lld v%d: comments_count %" PRId64
                 ", title says %d",
             b->id, w, s, v, b->rel->comments_count, k);
    if (!prefetched)
        return;
    if (b->rel->comments.count != (size_t)k) {
        torn(rs, "blog %" PRId64 " w%d s%lld v%d: %zu comments prefetched, "
                 "title says %d",
             b->id, w, s, v, b->rel->comments.count, k);
        return;
    }
    if (counted && (size_t)b->rel->comments_count != b->rel->comments.count)
        torn(rs, "blog %" PRId64 ": count and prefetch disagree", b->id);
    for (size_t i = 0; i < b->rel->comments.count; i++)
        if (!check_comment(rs, b->rel->comments.items[i], b->id, w, s, v, k,
                           (int)i))
            return;
}

static void reader_error(rstats *rs, ormc_db *db, int rc, const char *what)
{
    if (rc == ORMC_BUSY) {
        rs->busy++;
        return;
    }
    rs->errors++;
    fprintf(rlog, "E %s %s: %s\n", what, ormc_status_name(rc),
            ormc_errmsg(db));
    fflush(rlog);
}

static int run_reader(const char *path, int r, const int64_t *authors,
                      int nauthors, double deadline)
{
    char lp[512];
    rlog = fopen(log_path(lp, sizeof lp, 'r', r), "w");
    if (!rlog)
        return 1;
    ormc_db *db;
    if (ormc_open(path, &db) != ORMC_OK) {
        fprintf(rlog, "X open %s\n", ormc_errmsg(db));
        fclose(rlog);
        ormc_close(db);
        return 1;
    }
    rstats rs = {0};
    int64_t max_id = 1;
    while (now_sec() < deadline) {
        unsigned mode = rnd(5);
        BlogQuery q;
        blog_query_init(&q);
        BlogList l;
        int rc;
        if (mode <= 1) { /* everything, or one writer's latest 20 */
            if (mode == 1) {
                blog_where_author_id(&q, ORMC_EQ, authors[rnd((unsigned)nauthors)]);
                blog_order_by(&q, BLOG_ID.path, ORMC_DESC);
                blog_limit(&q, 20);
            }
            blog_with_author(&q);
            blog_count_comments(&q);
            blog_prefetch_comments(&q);
            if ((rc = blog_fetch(db, &q, &l)) != ORMC_OK) {
                reader_error(&rs, db, rc, "fetch");
            } else {
                for (size_t i = 0; i < l.count; i++) {
                    check_blog(&rs, &l.items[i], true, true, true);
                    if (l.items[i].id > max_id)
                        max_id = l.items[i].id;
                }
                blog_list_free(&l);
            }
        } else if (mode == 2) { /* get a random id: gone, or whole */
            Blog *b = NULL;
            int64_t id = 1 + (int64_t)rnd((unsigned)max_id);
            rc = blog_get(db, id, &b);
            if (rc == ORMC_OK) {
                int w, v, k;
                long long s;
                rs.objects++;
                check_title(&rs, b, &w, &s, &v, &k);
                blog_free(b);
            } else if (rc != ORMC_NOT_FOUND) {
                reader_error(&rs, db, rc, "get");
            }
        } else if (mode == 3) { /* annotate only: count vs title, 1 statement */
            blog_where_id(&q, ORMC_GE, 1 + (int64_t)rnd((unsigned)max_id));
            blog_limit(&q, 5);
            blog_count_comments(&q);
            if ((rc = blog_fetch(db, &q, &l)) != ORMC_OK) {
                reader_error(&rs, db, rc, "count fetch");
            } else {
                for (size_t i = 0; i < l.count; i++)
                    check_blog(&rs, &l.items[i], false, true, false);
                blog_list_free(&l);
            }
        } else { /* comments with their blog (select_related, 1 statement) */
            CommentQuery cq;
            comment_query_init(&cq);
            comment_order_by(&cq, COMMENT_ID.path, ORMC_DESC);
            comment_limit(&cq, 50);
            comment_with_blog(&cq);
            CommentList cl;
            if ((rc = comment_fetch(db, &cq, &cl)) != ORMC_OK) {
                reader_error(&rs, db, rc, "comment fetch");
            } else {
                for (size_t i = 0; i < cl.count; i++) {
                    const Comment *c = &cl.items[i];
                    int w, v, k, ci, ck;
                    long long s;
                    rs.objects++;
                    if (!c->blog) {
                        torn(&rs, "comment %" PRId64 " without its blog", c->id);
                    } else if (check_title(&rs, c->blog, &w, &s, &v, &k)) {
                        if (sscanf(c->content, "w%*d s%*d v%*d c%d/%d", &ci,
                                   &ck) != 2 || ck != k || ci < 0 || ci >= k)
                            torn(&rs, "comment %" PRId64 " does not belong "
                                      "to its blog's version", c->id);
                        else
                            check_comment(&rs, c, c->blog->id, w, s, v, k, ci);
                    }
                }
                comment_list_free(&cl);
            }
        }
        rs.iterations++;
    }
    fprintf(rlog, "S %ld %ld %ld %ld %ld\n", rs.iterations, rs.objects,
            rs.torn, rs.busy, rs.errors);
    fclose(rlog);
    ormc_close(db);
    return 0;
}

/* ---- parent: setup, fork, verify ---- */

static int npass, nfail;

static void check(bool ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", ok ? "PASS" : "FAIL");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    ok ? npass++ : nfail++;
}

typedef struct expect {   /* what the logs say blog (w, s) must be */
    int state;            /* 0 never committed, 1 alive, 2 deleted */
    int v, k;
    int seen;             /* times found in the database */
} expect;

typedef struct wresult {
    expect *e;
    long long n;          /* highest s + 1 seen in the log */
    long attempted, committed, busy, errors, logged_errors;
    long lost, duplicated, phantom;
    long deadlocks, lock_timeouts; /* PostgreSQL: the causes of busy */
    bool summary;
} wresult;

static expect *expect_at(wresult *wr, long long s)
{
    if (s < 0 || s > 100000000)
        return NULL;
    if (s >= wr->n) {
        expect *ne = realloc(wr->e, (size_t)(s + 1) * sizeof *ne);
        if (!ne)
            return NULL;
        memset(ne + wr->n, 0, (size_t)(s + 1 - wr->n) * sizeof *ne);
        wr->e = ne;
        wr->n = s + 1;
    }
    return &wr->e[s];
}

/* Replays writer w's log into wr. */
static bool read_writer_log(int w, wresult *wr)
{
    char lp[512], line[1024];
    FILE *f = fopen(log_path(lp, sizeof lp, 'w', w), "r");
    if (!f)
        return false;
    bool ok = true;
    while (fgets(line, sizeof line, f)) {
        long long s;
        int v, k;
        char op;
        expect *e;
        if (sscanf(line, "C I %lld %d", &s, &k) == 2 && (e = expect_at(wr, s))) {
            ok &= e->state == 0;
            *e = (expect){1, 0, k, 0};
        } else if (sscanf(line, "C U %lld %d %d", &s, &v, &k) == 3 &&
                   (e = expect_at(wr, s))) {
            ok &= e->state == 1 && e->v + 1 == v;
            e->v = v;
            e->k = k;
        } else if (sscanf(line, "C D %lld", &s) == 1 && (e = expect_at(wr, s))) {
            ok &= e->state == 1;
            e->state = 2;
        } else if (sscanf(line, "B %c %lld", &op, &s) == 2) {
            expect_at(wr, s);
            wr->deadlocks += strstr(line, "deadlock detected") != NULL;
            wr->lock_timeouts += strstr(line, "lock timeout") != NULL;
        } else if (line[0] == 'E' || line[0] == 'X') {
            fprintf(stderr, "writer %d: %s", w, line);
            wr->logged_errors++;
        } else if (sscanf(line, "S %ld %ld %ld %ld", &wr->attempted,
                          &wr->committed, &wr->busy, &wr->errors) == 4) {
            wr->summary = true;
        } else {
            fprintf(stderr, "writer %d: bad log line: %s", w, line);
            ok = false;
        }
    }
    fclose(f);
    return ok;
}

/* Checks the final database against the replayed logs. */
static void verify_db(const char *path, int nw, wresult *wr, bool *db_ok)
{
    ormc_db *db;
    *db_ok = false;
    if (ormc_open(path, &db) != ORMC_OK) {
        fprintf(stderr, "verify: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return;
    }
    BlogQuery q;
    blog_query_init(&q);
    blog_count_comments(&q);
    blog_prefetch_comments(&q);
    BlogList l;
    int rc = blog_fetch(db, &q, &l);
    if (rc != ORMC_OK) {
        fprintf(stderr, "verify: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return;
    }
    rstats rs = {0};
    rlog = stderr;
    long long comments = 0;
    for (size_t i = 0; i < l.count; i++) {
        const Blog *b = &l.items[i];
        int w, v, k;
        long long s;
        check_blog(&rs, b, false, true, true);
        comments += (long long)b->rel->comments.count;
        if (sscanf(b->title, "w%d s%lld v%d k%d", &w, &s, &v, &k) != 4 ||
            w < 0 || w >= nw) {
            fprintf(stderr, "verify: blog %" PRId64 " '%s' written by nobody\n",
                    b->id, b->title);
            continue;
        }
        expect *e = s >= 0 && s < wr[w].n ? &wr[w].e[s] : NULL;
        if (!e || e->state == 0) { /* an insert that never committed */
            fprintf(stderr, "verify: w%d s%lld present, never committed\n",
                    w, s);
            wr[w].phantom++;
        } else if (e->state == 2) { /* a committed delete is missing */
            fprintf(stderr, "verify: w%d s%lld present, but deleted\n", w, s);
            wr[w].lost++;
        } else if (++e->seen > 1) {
            wr[w].duplicated++;
        } else if (e->v != v || e->k != k) {
            fprintf(stderr, "verify: w%d s%lld is v%d k%d, log says v%d k%d\n",
                    w, s, v, k, e->v, e->k);
            if (v > e->v) /* an update that never committed */
                wr[w].phantom++;
            else /* a committed update is missing */
                wr[w].lost++;
        }
    }
    blog_list_free(&l);
    for (int w = 0; w < nw; w++)
        for (long long s = 0; s < wr[w].n; s++)
            if (wr[w].e[s].state == 1 && wr[w].e[s].seen == 0) {
                fprintf(stderr, "verify: w%d s%lld committed but missing\n", w,
                        s);
                wr[w].lost++;
            }
    int64_t all_comments = -1;
    rc = comment_count(db, NULL, &all_comments);
    check(rc == ORMC_OK && all_comments == comments,
          "final db: %" PRId64 " comments, all under a live blog (%lld)",
          all_comments, comments);
    check(rs.torn == 0, "final db: %ld blogs checked, %ld torn", rs.objects,
          rs.torn);
    ormc_close(db);
    *db_ok = true;
}

/* The journal mode and PRAGMA integrity_check, straight from SQLite. */
static void sqlite_witness(const char *path)
{
    sqlite3 *db;
    char mode[16] = "", integrity[64] = "";
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(mode, sizeof mode, "%s", sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            snprintf(integrity, sizeof integrity, "%s",
                     sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    check(strcmp(mode, "wal") == 0, "journal_mode is '%s' (want 'wal')", mode);
    check(strcmp(integrity, "ok") == 0, "integrity_check: '%s'", integrity);
}

#ifdef ORMC_HAVE_PG
/* The first value of one statement's result into buf ("" on an error,
 * whose message goes to stderr). */
static void pg_value(PGconn *c, const char *sql, char *buf, size_t n)
{
    PGresult *r = PQexec(c, sql);
    buf[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        snprintf(buf, n, "%s", PQgetvalue(r, 0, 0));
    else
        fprintf(stderr, "witness: %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
}
#endif

/* The isolation level the writers ran at, orphan comments counted in plain
 * SQL, and amcheck's bt_index_check (with heapallindexed: every row is in
 * every index) on each btree index of the schema, straight from libpq. */
static void pg_witness(const char *conninfo)
{
#ifdef ORMC_HAVE_PG
    char iso[32] = "", orphans[32] = "", indexes[32] = "";
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, quiet_notice, NULL);
        pg_value(c, "SHOW transaction_isolation", iso, sizeof iso);
        pg_value(c,
                 "SELECT count(*) FROM comment c WHERE NOT EXISTS "
                 "(SELECT 1 FROM blog b WHERE b.id = c.blog_id)",
                 orphans, sizeof orphans);
        PQclear(PQexec(c, "CREATE EXTENSION IF NOT EXISTS amcheck"));
        pg_value(c,
                 "SELECT count(*) FROM (SELECT bt_index_check(i.oid, true) "
                 "FROM pg_class i JOIN pg_am a ON a.oid = i.relam "
                 "WHERE i.relkind = 'i' AND a.amname = 'btree' AND "
                 "i.relnamespace = 'public'::regnamespace) x",
                 indexes, sizeof indexes);
    } else {
        fprintf(stderr, "witness: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    check(strcmp(iso, "read committed") == 0,
          "transaction_isolation is '%s' (want 'read committed')", iso);
    check(strcmp(orphans, "0") == 0, "orphan comments in plain SQL: '%s'",
          orphans);
    check(atoi(indexes) > 0, "amcheck bt_index_check on %s btree indexes: ok",
          indexes[0] ? indexes : "(failed)");
#else
    (void)conninfo;
    check(false, "PostgreSQL witness: built without libpq");
#endif
}

/* Before the crowd: one connection holds the write lock with an uncommitted
 * blog.  A reader on another connection is not blocked and does not see the
 * blog (WAL: readers never wait for writers); a second writer's ormc_begin
 * waits out the busy timeout, then fails with ORMC_BUSY and a clear message,
 * neither at once nor forever.
 * On PostgreSQL BEGIN takes no lock: the holder also updates the hot row
 * hot0, and the second writer's update of it waits out its lock_timeout
 * (1 s), then fails with ORMC_BUSY; its transaction is then aborted (the
 * next statement fails) until ormc_rollback. */
static void busy_bound(const char *path, int64_t author_id)
{
    ormc_db *a = NULL, *b = NULL;
    int rc = ormc_open(path, &a);
    if (rc == ORMC_OK)
        rc = ormc_open(path, &b);
    if (rc == ORMC_OK)
        rc = ormc_begin(a);
    Blog blog;
    blog_init(&blog);
    blog.title = "uncommitted";
    blog.author_id = author_id;
    if (rc == ORMC_OK)
        rc = blog_insert(a, &blog);
    if (rc == ORMC_OK && on_pg)
        rc = lock_hot(a, 0);
    check(rc == ORMC_OK, "lock holder: begin + insert (%s)",
          rc == ORMC_OK ? "ok" : ormc_errmsg(a ? a : b));
    if (rc != ORMC_OK) {
        ormc_close(a);
        ormc_close(b);
        return;
    }
    BlogQuery q;
    blog_query_init(&q);
    blog_where_title(&q, ORMC_EQ, "uncommitted");
    int64_t seen = -1, total = -1;
    double t0 = now_sec();
    rc = blog_count(b, &q, &seen);
    if (rc == ORMC_OK)
        rc = blog_count(b, NULL, &total);
    double waited = now_sec() - t0;
    check(rc == ORMC_OK && seen == 0 && total == 0 && waited < 1.0,
          "reader during a write transaction: not blocked (%.3f s), sees "
          "nothing uncommitted (%" PRId64 " rows)",
          waited, total);
    if (on_pg) {
        rc = ormc_begin(b);
        if (rc == ORMC_OK)
            rc = ormc_exec(b, "SET LOCAL lock_timeout = '1s'");
        t0 = now_sec();
        if (rc == ORMC_OK)
            rc = lock_hot(b, 0);
        waited = now_sec() - t0;
        check(rc == ORMC_BUSY && strstr(ormc_errmsg(b), "lock timeout") &&
                  waited >= 0.95 && waited < 3.0,
              "second writer of the same row: %s after %.2f s (want "
              "ORMC_BUSY after the 1 s lock_timeout), errmsg '%s'",
              ormc_status_name(rc), waited, ormc_errmsg(b));
        rc = blog_count(b, NULL, &total);
        check(rc == ORMC_ERROR && ormc_in_transaction(b) &&
                  strstr(ormc_errmsg(b), "current transaction is aborted"),
              "after ORMC_BUSY the transaction is aborted: %s, '%s'",
              ormc_status_name(rc), ormc_errmsg(b));
        rc = ormc_rollback(b);
        check(rc == ORMC_OK, "the second writer rolls back (%s)",
              rc == ORMC_OK ? "ok" : ormc_errmsg(b));
    } else {
        t0 = now_sec();
        rc = ormc_begin(b);
        waited = now_sec() - t0;
        check(rc == ORMC_BUSY &&
                  strcmp(ormc_errmsg(b), "begin: database is locked") == 0 &&
                  waited >= 4.9 && waited < 7.0,
              "second writer: %s after %.2f s (want ORMC_BUSY after the 5 s "
              "timeout), errmsg '%s'",
              ormc_status_name(rc), waited, ormc_errmsg(b));
    }
    check(!ormc_in_transaction(b) && ormc_rollback(a) == ORMC_OK &&
              blog_count(b, NULL, &total) == ORMC_OK && total == 0,
          "after ORMC_BUSY: no transaction left open, rollback leaves 0 blogs");
    ormc_close(a);
    ormc_close(b);
}

static int setup_db(const char *path, int nw, int64_t *authors)
{
    const char *suffix[] = {"", "-wal", "-shm"};
    char p[512], lp[512];
    for (int i = 0; !on_pg && i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffix[i]);
        if (unlink(p) != 0 && errno != ENOENT) {
            perror(p);
            return 1;
        }
    }
    for (int i = 0; i < MAX_PROCS; i++) {
        unlink(log_path(lp, sizeof lp, 'w', i));
        unlink(log_path(lp, sizeof lp, 'r', i));
    }
    ormc_db *db;
    int rc = ormc_open(path, &db);
    if (rc == ORMC_OK && on_pg) { /* a fresh schema */
        rc = ormc_exec(db, "DROP SCHEMA IF EXISTS public CASCADE");
        if (rc == ORMC_OK)
            rc = ormc_exec(db, "CREATE SCHEMA public");
    } else if (rc == ORMC_OK) {
        rc = ormc_exec(db, "PRAGMA journal_mode = WAL");
    }
    if (rc == ORMC_OK)
        rc = blog_schema_create(db);
    for (int i = 0; rc == ORMC_OK && on_pg && i < 2; i++) {
        char name[8];
        snprintf(name, sizeof name, "hot%d", i);
        Tag t;
        tag_init(&t);
        t.name = name;
        rc = tag_insert(db, &t);
        hot_tags[i] = t.id;
    }
    for (int w = 0; rc == ORMC_OK && w < nw; w++) {
        char name[32], email[32];
        snprintf(name, sizeof name, "writer %d", w);
        snprintf(email, sizeof email, "w%d@stress", w);
        Author a;
        author_init(&a);
        a.name = name;
        a.email = email;
        rc = author_insert(db, &a);
        authors[w] = a.id;
    }
    if (rc != ORMC_OK)
        fprintf(stderr, "setup: %s\n", ormc_errmsg(db));
    ormc_close(db);
    return rc != ORMC_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: stress DB_PATH|CONNINFO [SECONDS [WRITERS "
                        "[READERS]]]\n");
        return 2;
    }
    const char *path = argv[1];
    double secs = argc > 2 ? atof(argv[2]) : 10;
    int nw = argc > 3 ? atoi(argv[3]) : 4, nr = argc > 4 ? atoi(argv[4]) : 4;
    if (secs <= 0 || nw < 1 || nr < 0 || nw + nr > MAX_PROCS) {
        fprintf(stderr, "stress: bad arguments\n");
        return 2;
    }
    on_pg = is_conninfo(path);
    if (!on_pg) {
        snprintf(log_base, sizeof log_base, "%s", path);
    } else { /* the logs in a directory of their own */
        const char *tmp = getenv("TMPDIR");
        if (snprintf(log_dir, sizeof log_dir, "%s/ormc-stress-XXXXXX",
                     tmp && *tmp ? tmp : "/tmp") >= (int)sizeof log_dir ||
            !mkdtemp(log_dir)) {
            perror("stress: log directory");
            return 1;
        }
        snprintf(log_base, sizeof log_base, "%s/stress", log_dir);
    }
    int64_t authors[MAX_PROCS];
    if (setup_db(path, nw, authors))
        return 1;
    busy_bound(path, authors[0]);
    if (on_pg) /* not the connection string: it may hold a password */
        printf("stress: PostgreSQL, READ COMMITTED, %d writers + %d readers "
               "for %.0f s (1 transaction in 4 updates 2 hot rows; "
               "deadlock_timeout 10 ms; writer %d: lock_timeout 1 ms)\n",
               nw, nr, secs, nw - 1);
    else
        printf("stress: %s, WAL, %d writers + %d readers for %.0f s "
               "(writer %d: busy_timeout 1 ms, others 5000 ms)\n",
               path, nw, nr, secs, nw - 1);
    fflush(stdout);
    fflush(stderr);

    double start = now_sec(), deadline = start + secs;
    pid_t pids[MAX_PROCS];
    for (int i = 0; i < nw + nr; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            rng_state = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(i + 1) << 32) ^
                        (uint64_t)getpid();
            int rc = i < nw ? run_writer(path, i, authors[i], deadline,
                                         i == nw - 1)
                            : run_reader(path, i - nw, authors, nw, deadline);
            exit(rc);
        }
        pids[i] = pid;
    }
    for (int i = 0; i < nw + nr; i++) {
        int status;
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        check(ok, "%s %d exited %s %d", i < nw ? "writer" : "reader",
              i < nw ? i : i - nw,
              WIFSIGNALED(status) ? "on signal" : "with status",
              WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    }
    double elapsed = now_sec() - start;

    /* writers: replay the logs, then compare with the database */
    wresult wr[MAX_PROCS];
    memset(wr, 0, sizeof wr);
    for (int w = 0; w < nw; w++)
        check(read_writer_log(w, &wr[w]) && wr[w].summary,
              "writer %d log is complete and consistent", w);
    bool db_ok;
    verify_db(path, nw, wr, &db_ok);
    check(db_ok, "final db readable through ormc");
    if (on_pg)
        pg_witness(path);
    else
        sqlite_witness(path);

    printf("\n%-8s %10s %10s %6s %7s %5s %11s %8s\n", "writer", "attempted",
           "committed", "busy", "errors", "lost", "duplicated", "phantom");
    wresult tot = {0};
    for (int w = 0; w < nw; w++) {
        wresult *x = &wr[w];
        printf("%-8d %10ld %10ld %6ld %7ld %5ld %11ld %8ld\n", w, x->attempted,
               x->committed, x->busy, x->errors, x->lost, x->duplicated,
               x->phantom);
        tot.attempted += x->attempted, tot.committed += x->committed;
        tot.busy += x->busy, tot.errors += x->errors, tot.lost += x->lost;
        tot.duplicated += x->duplicated, tot.phantom += x->phantom;
        tot.deadlocks += x->deadlocks, tot.lock_timeouts += x->lock_timeouts;
        check(x->attempted == x->committed + x->busy + x->errors,
              "writer %d: every attempt has an outcome", w);
        check(x->errors == 0 && x->logged_errors == 0, "writer %d: no errors",
              w);
        check(x->lost == 0 && x->duplicated == 0 && x->phantom == 0,
              "writer %d: 0 lost, 0 duplicated, 0 phantom writes", w);
        check(x->committed > 0, "writer %d: %ld commits (not starved)", w,
              x->committed);
        free(x->e);
    }
    printf("%-8s %10ld %10ld %6ld %7ld %5ld %11ld %8ld\n", "total",
           tot.attempted, tot.committed, tot.busy, tot.errors, tot.lost,
           tot.duplicated, tot.phantom);
    check(tot.committed > 0, "writers committed something");
    if (on_pg)
        printf("busy: %ld deadlocks (40P01), %ld lock timeouts (55P03), %ld "
               "other; each rolled back and retried\n",
               tot.deadlocks, tot.lock_timeouts,
               tot.busy - tot.deadlocks - tot.lock_timeouts);

    printf("\n%-8s %10s %10s %6s %6s %7s\n", "reader", "iterations",
           "objects", "torn", "busy", "errors");
    rstats rt = {0};
    for (int r = 0; r < nr; r++) {
        char lp[512], line[1024];
        rstats rs = {-1, -1, -1, -1, -1};
        FILE *f = fopen(log_path(lp, sizeof lp, 'r', r), "r");
        while (f && fgets(line, sizeof line, f)) {
            if (sscanf(line, "S %ld %ld %ld %ld %ld", &rs.iterations,
                       &rs.objects, &rs.torn, &rs.busy, &rs.errors) != 5)
                fprintf(stderr, "reader %d: %s", r, line);
        }
        if (f)
            fclose(f);
        printf("%-8d %10ld %10ld %6ld %6ld %7ld\n", r, rs.iterations,
               rs.objects, rs.torn, rs.busy, rs.errors);
        check(rs.iterations > 0 && rs.torn == 0 && rs.errors == 0,
              "reader %d: %ld iterations, 0 torn objects, 0 errors", r,
              rs.iterations);
        rt.iterations += rs.iterations, rt.objects += rs.objects;
        rt.torn += rs.torn, rt.busy += rs.busy, rt.errors += rs.errors;
    }
    printf("%-8s %10ld %10ld %6ld %6ld %7ld\n", "total", rt.iterations,
           rt.objects, rt.torn, rt.busy, rt.errors);
    printf("\nstress: %.1f s; writes %ld attempted, %ld committed, %ld busy, "
           "%ld lost, %ld duplicated; reads %ld iterations, %ld torn\n",
           elapsed, tot.attempted, tot.committed, tot.busy, tot.lost,
           tot.duplicated, rt.iterations, rt.torn);
    if (on_pg && nfail == 0) { /* the logs only matter when a check fails */
        for (int i = 0; i < MAX_PROCS; i++) {
            char lp[512];
            unlink(log_path(lp, sizeof lp, 'w', i));
            unlink(log_path(lp, sizeof lp, 'r', i));
        }
        rmdir(log_dir);
    } else if (on_pg) {
        printf("stress: the logs are in %s\n", log_dir);
    }
    printf("%d passed, %d failed\n", npass, nfail);
    return nfail != 0;
}
