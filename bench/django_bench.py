#!/usr/bin/python3
"""django_bench.py — contestant 3: Django's ORM on the same database file.

Usage: /usr/bin/python3 bench/django_bench.py DBFILE WORKLOAD RUNS
       /usr/bin/python3 bench/django_bench.py "host=... dbname=..." WORKLOAD RUNS
The second form runs on PostgreSQL (Django's postgresql backend over
Debian's python3-psycopg2), on the database bench/pg.py loaded.

Runs with Debian's python3-django (hence /usr/bin/python3, not a pyenv
python).  Django is configured standalone below; the models are unmanaged and
mapped onto the tables and columns of the DDL ormc generates from
examples/blog.orm ($(B)/gen/blog.orm.c): db_table, the <name>_id foreign
key columns, `created` as the integer Unix seconds ormc stores.

It mirrors bench/harness.c (warm-up, RUNS timed runs, one BENCH line with the
same keys) and bench/checksum.h (ck, ck_text, ck_real); the workload inputs
mirror bench_w5_author_id and bench_w6_row of bench/harness.h.  Statements
are counted with connection.execute_wrapper.
"""
import time

T_START = time.perf_counter_ns()

import os  # noqa: E402
import resource  # noqa: E402
import struct  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if len(sys.argv) != 4 or not sys.argv[3].isdigit() or int(sys.argv[3]) < 1:
    sys.stderr.write("usage: django_bench.py DBFILE WORKLOAD RUNS\n")
    sys.exit(2)
DBFILE, WORKLOAD, RUNS = sys.argv[1], sys.argv[2], int(sys.argv[3])
# A libpq keyword=value string (what run.py passes for the PostgreSQL
# columns: "host=DIR port=N user=U dbname=D") selects Django's postgresql
# backend (Debian's python3-psycopg2); anything else is a SQLite file.
PG = "=" in DBFILE and not os.path.exists(DBFILE)
if PG:
    _kw = dict(kv.split("=", 1) for kv in DBFILE.split())
    DATABASE = {"ENGINE": "django.db.backends.postgresql",
                "NAME": _kw.get("dbname", ""), "USER": _kw.get("user", ""),
                "HOST": _kw.get("host", ""), "PORT": _kw.get("port", "")}
elif not os.path.exists(DBFILE):
    sys.stderr.write("django_bench.py: no such file: %s\n" % DBFILE)
    sys.exit(2)
else:
    DATABASE = {"ENGINE": "django.db.backends.sqlite3", "NAME": DBFILE}

# The models live in this script; an app module registered in sys.modules
# lets Django install them, so reverse relations (Count("comments")) resolve.
_app = types.ModuleType("ormc_bench_app")
_app.__file__ = os.path.abspath(__file__)
sys.modules["ormc_bench_app"] = _app
settings.configure(
    DEBUG=False,
    DATABASES={"default": DATABASE},
    INSTALLED_APPS=["ormc_bench_app"],
    USE_TZ=False,
)
django.setup()

from django.db import connection, models, transaction  # noqa: E402
from django.db.models import (Avg, Count, F, Max, Min, OuterRef,  # noqa: E402
                              Prefetch, Q, Subquery, Sum)


class Author(models.Model):
    name = models.CharField(max_length=100)
    email = models.TextField(unique=True)

    class Meta:
        app_label = "ormc_bench_app"
        db_table = "author"
        managed = False


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.DO_NOTHING, related_name="books")
    price = models.FloatField()
    pages = models.IntegerField()

    class Meta:
        app_label = "ormc_bench_app"
        db_table = "book"
        managed = False


class Blog(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.DO_NOTHING, related_name="blogs")
    editor = models.ForeignKey(Author, models.DO_NOTHING, null=True,
                               related_name="edited_blogs")
    created = models.BigIntegerField()  # Unix seconds, as ormc stores it
    rating = models.FloatField(null=True)
    # ormc's implicit join table: blog_tags (blog_id, tag_id)
    tags = models.ManyToManyField("Tag", related_name="blogs",
                                  db_table="blog_tags")

    class Meta:
        app_label = "ormc_bench_app"
        db_table = "blog"
        managed = False


class Comment(models.Model):
    blog = models.ForeignKey(Blog, models.DO_NOTHING, related_name="comments")
    content = models.TextField()
    score = models.IntegerField(default=0)

    class Meta:
        app_label = "ormc_bench_app"
        db_table = "comment"
        managed = False
        ordering = ["id"]  # @order(id) in blog.orm


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        app_label = "ormc_bench_app"
        db_table = "tag"
        managed = False
        ordering = ["id"]  # ormc's default order: each blog's tags by id


# ---- checksum.h, mirrored ----
CK_SEED = 0xcbf29ce484222325
CK_PRIME = 0x100000001b3
CK_NULL = 0xffffffffffffffff
MASK = 0xffffffffffffffff


def ck(h, v):
    return ((h ^ (v & MASK)) * CK_PRIME) & MASK


def ck_text(h, s):
    b = s.encode()
    return ck(h, (len(b) << 8) | (b[0] if b else 0))


def ck_child(parent_id, i, s, score):
    return ck(ck_text(ck(ck(CK_SEED, parent_id), i), s), score)


def ck_real(h, x):
    return ck(h, struct.unpack("<Q", struct.pack("<d", x))[0])


def ck_author(h, a):
    return ck_text(ck_text(ck(h, a.id), a.name), a.email)


def ck_book(h, b):
    h = ck_text(ck(h, b.id), b.title)
    h = ck(h, b.author_id)
    h = ck_real(h, b.price)
    return ck(h, b.pages)


def ck_blog(h, b):
    h = ck_text(ck(h, b.id), b.title)
    h = ck(h, b.author_id)
    h = ck(h, CK_NULL if b.editor_id is None else b.editor_id)
    h = ck(h, b.created)
    return ck(h, CK_NULL) if b.rating is None else ck_real(h, b.rating)


# ---- harness.h inputs, mirrored ----
W0_BOOKS = 1000
W5_AUTHORS = 50
W5_LIMIT = 100
W6_ROWS = 100000
W7_LETTER = "m"
W8_RATING = 4.0
W8_TITLE = "zz"
W9_DELTA = 0.5
W10_IDS = 100000
W10P_IDS = 300000
W11_LO = 1609459200
W11_HI = 1609459200 + 109 * 86400 - 1
W13_PER_BLOG = 3
_ALPHABET = "abcdefghijklmnopqrstuvwxyz .,"
_W6_TEXT = "".join(_ALPHABET[(p * 7 + (p >> 3)) % 29] for p in range(260))


def w5_author_id(k, nauthors):
    return 1 + (3 + k * (nauthors // W5_AUTHORS)) % nauthors


def w9_max_author(nauthors):
    return nauthors // 10


def w10_id(k, ncomments):
    return 1 + (k * 7919) % (2 * ncomments)


def w6_row(i, nblogs):
    off, n = i % 50, 50 + (i * 37) % 151
    return 1 + (i * 7919) % nblogs, _W6_TEXT[off:off + n], i % 21 - 5


# ---- workloads: prepare (untimed), run (timed), check, release ----
class State:
    result = None
    w5_ids = None
    w6_rows = None
    w6_before = 0
    atomic = None
    w9_max = 0
    w9_changed = 0
    w10_ids = None


S = State()


def w0_run():
    books = list(Book.objects.order_by("id")[:W0_BOOKS])
    for b in books:
        b.author  # the N+1: one query per book
    S.result = books


def w0sr_run():
    S.result = list(Book.objects.select_related("author")
                    .order_by("id")[:W0_BOOKS])


def books_check():
    h = CK_SEED
    for b in S.result:
        h = ck_author(ck(h, ck_book(CK_SEED, b)), b.author)
    return h


def w1_run():
    S.result = list(Blog.objects.select_related("author").order_by("id"))


def blogs_author_check():
    h = CK_SEED
    for b in S.result:
        h = ck_author(ck_blog(h, b), b.author)
    return h


def w2_run():
    S.result = list(Blog.objects.prefetch_related("comments").order_by("id"))


def w2_check():
    hb, hc = CK_SEED, 0
    for b in S.result:
        hb = ck_blog(hb, b)
        prev = None
        for m in b.comments.all():  # served from the prefetch cache
            if prev is not None and m.id <= prev:
                raise ValueError("blog %d: comments not in ascending id order"
                                 % b.id)
            prev = m.id
            hc += ck_child(b.id, m.id, m.content, m.score)
    return ck(hb, hc & MASK)


def w3_run():
    S.result = list(Blog.objects.annotate(n=Count("comments")).order_by("id"))


def w3_check():
    h = CK_SEED
    for b in S.result:
        h = ck(ck_blog(h, b), b.n)
    return h


def w4_run():
    S.result = Comment.objects.aggregate(
        count=Count("score"), sum=Sum("score"), avg=Avg("score"),
        min=Min("score"), max=Max("score"))


def w4_check():
    r = S.result
    h = ck(ck(CK_SEED, r["count"]), r["sum"])
    h = ck_real(h, r["avg"])
    return ck(ck(h, r["min"]), r["max"])


def w5_prepare():
    n = Author.objects.count()
    S.w5_ids = [w5_author_id(k, n) for k in range(W5_AUTHORS)]


def w5_run():
    S.result = list(Blog.objects.select_related("author")
                    .filter(author_id__in=S.w5_ids)
                    .order_by("-created", "id")[:W5_LIMIT])


def w6_prepare():
    n = Blog.objects.count()
    S.w6_rows = [w6_row(i, n) for i in range(W6_ROWS)]
    last = Comment.objects.order_by("-id").first()
    S.w6_before = last.id if last else 0


def w6_run():
    S.atomic = transaction.atomic()
    S.atomic.__enter__()
    Comment.objects.bulk_create(
        [Comment(blog_id=b, content=c, score=s) for b, c, s in S.w6_rows])


def w6_check():
    h = CK_SEED
    for i, b, c, s in (Comment.objects.filter(id__gt=S.w6_before)
                       .order_by("id")
                       .values_list("id", "blog_id", "content", "score")
                       .iterator()):  # streamed: keeps the run's peak RSS
        h = ck(ck(h, i), b)
        h = ck(ck_text(h, c), s)
    return h


def w6_release():
    if S.atomic is not None:
        transaction.set_rollback(True)
        S.atomic.__exit__(None, None, None)
        S.atomic = None


def w7_run():
    # Django's startswith is LIKE 'm%' on SQLite, case-insensitive for
    # ASCII (ormc's and hand C's GLOB are not); the names are lowercase, so
    # the rows are the same.
    S.result = list(Blog.objects.select_related("author")
                    .filter(author__name__startswith=W7_LETTER)
                    .order_by("id"))


def w8_run():
    S.result = list(Blog.objects
                    .filter(Q(rating__gte=W8_RATING) |
                            Q(title__contains=W8_TITLE))
                    .exclude(editor__isnull=True)
                    .order_by("id"))


def blogs_check():
    h = CK_SEED
    for b in S.result:
        h = ck_blog(h, b)
    return h


def w9_prepare():
    S.w9_max = w9_max_author(Author.objects.count())


def w9_begin():
    S.atomic = transaction.atomic()
    S.atomic.__enter__()


def w9_run():
    w9_begin()
    S.w9_changed = (Blog.objects.filter(author_id__lte=S.w9_max)
                    .update(rating=F("rating") + W9_DELTA))


def w9n_run():
    # The naive loop: fetch, change, save() (every field, one UPDATE each).
    w9_begin()
    blogs = list(Blog.objects.filter(author_id__lte=S.w9_max).order_by("id"))
    for b in blogs:
        if b.rating is not None:
            b.rating += W9_DELTA
        b.save()
    S.w9_changed = len(blogs)


def w9_check():
    some = Blog.objects.filter(author_id__lte=S.w9_max).aggregate(
        n=Count("rating"), s=Sum("rating"))
    every = Blog.objects.aggregate(n=Count("rating"), s=Sum("rating"))
    h = ck(ck(CK_SEED, S.w9_changed), some["n"])
    h = ck(ck_real(h, some["s"] or 0.0), every["n"])
    return ck_real(h, every["s"] or 0.0)


def w10_prepare_n(n):
    nc = Comment.objects.count()
    S.w10_ids = [w10_id(k, nc) for k in range(n)]


def w10_run():
    S.result = list(Comment.objects.filter(id__in=S.w10_ids))


def w10_check():
    h = CK_SEED
    for m in S.result:
        h = ck(ck(h, m.id), m.blog_id)
        h = ck(ck_text(h, m.content), m.score)
    return h


def w11_run():
    S.result = list(Blog.objects.filter(created__range=(W11_LO, W11_HI))
                    .prefetch_related("comments").order_by("id"))


def ck_comment(m):
    return ck(ck_text(ck(ck(CK_SEED, m.id), m.blog_id), m.content), m.score)


def ck_nth(parent_id, k, child):
    return ck(ck(ck(CK_SEED, parent_id), k), child)


def w12_run():
    # Blog has no Meta.ordering (ormc's default order is the id): without
    # the Prefetch queryset each author's blogs come in whatever order
    # SQLite's plan gives.  Comment's Meta.ordering is the id.
    S.result = list(Author.objects.order_by("id").prefetch_related(
        Prefetch("blogs", queryset=Blog.objects.order_by("id")),
        "blogs__comments"))


def w12_check():
    h, sb, sc = CK_SEED, 0, 0
    for a in S.result:
        h = ck_author(h, a)
        for k, b in enumerate(a.blogs.all()):  # the prefetch cache
            sb += ck_nth(a.id, k, ck_blog(CK_SEED, b))
            for j, m in enumerate(b.comments.all()):
                sc += ck_nth(b.id, j, ck_comment(m))
    return ck(ck(h, sb & MASK), sc & MASK)


def w13_run():
    # Prefetch(queryset=qs[:3]) needs Django 4.2 (a window function per
    # parent); before it, this was the idiom: keep the comments whose id is
    # among the 3 newest of their blog, a correlated subquery per row.
    newest = (Comment.objects.filter(blog_id=OuterRef("blog_id"))
              .order_by("-id").values("id")[:W13_PER_BLOG])
    S.result = list(Blog.objects.order_by("id").prefetch_related(
        Prefetch("comments", queryset=Comment.objects
                 .filter(id__in=Subquery(newest)).order_by("-id"))))


def w13_check():
    h, sc = CK_SEED, 0
    for b in S.result:
        h = ck_blog(h, b)
        for j, m in enumerate(b.comments.all()):
            sc += ck_nth(b.id, j, ck_comment(m))
    return ck(h, sc & MASK)


def w14_run():
    S.result = list(Blog.objects.order_by("id").prefetch_related("tags"))


def w14_check():
    h, st = CK_SEED, 0
    for b in S.result:
        h = ck_blog(h, b)
        for k, t in enumerate(b.tags.all()):  # the prefetch cache
            st += ck_nth(b.id, k, ck_text(ck(CK_SEED, t.id), t.name))
    return ck(h, st & MASK)


def release():
    S.result = None


WORKLOADS = {
    "W0": (None, w0_run, books_check, release),
    "W0sr": (None, w0sr_run, books_check, release),
    "W1": (None, w1_run, blogs_author_check, release),
    "W2": (None, w2_run, w2_check, release),
    "W3": (None, w3_run, w3_check, release),
    "W4": (None, w4_run, w4_check, release),
    "W5": (w5_prepare, w5_run, blogs_author_check, release),
    "W6": (w6_prepare, w6_run, w6_check, w6_release),
    "W7": (None, w7_run, blogs_author_check, release),
    "W8": (None, w8_run, blogs_check, release),
    "W9": (w9_prepare, w9_run, w9_check, w6_release),
    "W9n": (w9_prepare, w9n_run, w9_check, w6_release),
    "W10": (lambda: w10_prepare_n(W10_IDS), w10_run, w10_check, release),
    "W10p": (lambda: w10_prepare_n(W10P_IDS), w10_run, w10_check, release),
    "W11": (None, w11_run, w2_check, release),
    "W12": (None, w12_run, w12_check, release),
    "W13": (None, w13_run, w13_check, release),
    "W14": (None, w14_run, w14_check, release),
}


class Counter:
    """execute_wrapper: counts the statements Django executes, except
    transaction control, which ormc_query_count does not count either."""
    n = 0
    TX = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")

    def __call__(self, execute, sql, params, many, context):
        if not sql.lstrip().upper().startswith(self.TX):
            self.n += 1
        return execute(sql, params, many, context)


def line(**kv):
    print("\t".join(["BENCH", "contestant=django"] +
                    ["%s=%s" % (k, v) for k, v in kv.items()]), flush=True)


def fail(what, e):
    why = e if isinstance(e, str) else "%s: %s" % (type(e).__name__, e)
    msg = ("%s: %s" % (what, why)).replace("\t", " ")
    line(workload=WORKLOAD, status="error", error=msg.replace("\n", " "))
    return 1


def median(v):
    """Median of a sorted list, as harness.c computes it."""
    k = len(v)
    return v[k // 2] if k % 2 else (v[k // 2 - 1] + v[k // 2]) // 2


def peak_rss_kb():
    """VmHWM, as bench/harness.c (ru_maxrss survives exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main():
    counter = Counter()
    with connection.execute_wrapper(counter):
        try:
            connection.ensure_connection()
        except Exception as e:  # noqa: BLE001 - reported, not raised
            return fail("open", e)
        init_ns = time.perf_counter_ns() - T_START
        if WORKLOAD == "none":
            line(workload="none", runs=0, median_ns=0, min_ns=0, cpu_ns=0,
                 statements=0,
                 checksum=0, rss_kb=peak_rss_kb(), init_ns=init_ns,
                 status="ok")
            return 0
        if WORKLOAD not in WORKLOADS:
            sys.stderr.write("django_bench.py: unknown workload %s\n"
                             % WORKLOAD)
            return 2
        prepare, run, check, rel = WORKLOADS[WORKLOAD]
        try:
            if prepare:
                prepare()
        except Exception as e:  # noqa: BLE001
            return fail("prepare", e)
        times, cpu, stmts, checksum = [], [], None, 0
        for r in range(-1, RUNS):  # r == -1: the warm-up
            n0 = counter.n
            c0, t0 = time.process_time_ns(), time.perf_counter_ns()
            try:
                run()
            except Exception as e:  # noqa: BLE001 - e.g. too many SQL variables
                rel()
                return fail("warm-up run" if r < 0 else "run", e)
            t1, c1 = time.perf_counter_ns(), time.process_time_ns()
            n = counter.n - n0
            if r >= 0:
                times.append(t1 - t0)
                cpu.append(c1 - c0)
                if n != stmts:
                    rel()
                    return fail("statement count differs between runs",
                                "%d statements, the run before %d"
                                % (n, stmts))
            stmts = n
            if r == RUNS - 1:
                try:
                    checksum = check()
                except Exception as e:  # noqa: BLE001
                    rel()
                    return fail("check", e)
            rel()
        times.sort()
        line(workload=WORKLOAD, runs=RUNS, median_ns=median(times),
             min_ns=times[0], cpu_ns=median(sorted(cpu)),
             statements=stmts, checksum="%016x" % checksum,
             rss_kb=peak_rss_kb(), init_ns=init_ns, status="ok")
        return 0


if __name__ == "__main__":
    sys.exit(main())
