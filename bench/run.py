#!/usr/bin/python3
"""bench/run.py — the benchmark runner behind `make bench` and
`make bench-smoke` (python3 standard library only).

  run.py --build DIR [--scales 1,10] [--runs R] [--out FILE] [--plot PNG]
         [--smoke] [--contestants ormc,hand,django,floor]

DIR is the bench build directory ($(B)/bench): DIR/bin holds gen and the C
contestants, DIR/ormc the -O2 compiler, DIR/data the databases (one per S,
made by DIR/bin/gen when missing or older than gen).  For each S, each
workload and each contestant it starts one process (so peak RSS is per
workload), which runs 1 warm-up and R timed runs and prints one BENCH line
(bench/harness.h).  Then it cross-checks: every contestant's checksum must
equal ormc's, and the statement counts must be the expected ones (W1..W4:
1/2/1/1 for ormc at every S).  A mismatch is printed with both values and
makes the exit status 1; a Django failure that is Django's own limit (its
prefetch binds one SQL variable per parent) is reported in the table
instead.  Finally it writes the markdown report (machine, command, tables),
appends bench/compiler_scale.sh's table when that script exists, and draws
time against S with gnuplot (--plot).  --instr S (default 1) adds the
instructions of ormc and hand C per workload at S, counted by callgrind.

--smoke: S=0.1, R=1, everything cross-checked, report to DIR/smoke.md, no
plot; asserts no times.  This is what CI runs.
"""
import argparse
import concurrent.futures
import hashlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = "/usr/bin/python3"  # Debian's, where python3-django lives

WORKLOADS = ["W0", "W0sr", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8",
             "W9", "W9n", "W10", "W11", "W12", "W13",
             "W14"]
DESCRIBE = {
    "W0": "naive N+1: 1,000 books, author fetched per book",
    "W0sr": "the same 1,000 books with select_related",
    "W1": "select_related: all blogs with their author",
    "W2": "prefetch_related: all blogs with their comments",
    "W3": "annotate(Count): all blogs with their comment count",
    "W4": "aggregate: count/sum/avg/min/max of comment.score",
    "W5": "page: blogs of 50 authors, newest first, 100 rows, with author",
    "W6": "insert 100,000 comments in one transaction",
    "W7": "relation filter: blogs whose author's name starts with \"m\", "
          "with their author",
    "W8": "OR/NOT: blogs where (rating >= 4 OR title contains \"zz\") AND "
          "NOT (editor IS NULL)",
    "W9": "bulk update: rating + 0.5 on the blogs of the first tenth of the "
          "authors (~10% of blogs), one UPDATE, rolled back",
    "W9n": "the same update as a naive loop: fetch, then one full-row UPDATE "
           "per blog (1 + N statements), rolled back",
    "W10": "IN list: the comments whose id is in a list of 100,000 ids",
    "W10p": "the W10 probe: an IN list of 300,000 ids",
    "W11": "filtered prefetch: blogs created in a 109-day range (10%) with "
           "their comments",
    "W12": "nested prefetch: all authors, their blogs, each blog's comments",
    "W13": "per-parent limit: every blog with its 3 newest comments",
    "W14": "many-to-many prefetch: all blogs with their tags",
}
# Statements one run must execute.  Django's bulk_create batches by its
# SQLite parameter limit, so its W6 count is reported, not asserted.
# W9n's is 1 + the number of blogs it updates, read from the database
# (expected_count).
EXPECTED = {"W0": 1001, "W0sr": 1, "W1": 1, "W2": 2, "W3": 1, "W4": 1,
            "W5": 1, "W6": 100000, "W7": 1, "W8": 1, "W9": 1, "W9n": None,
            "W10": 1, "W10p": 1, "W11": 2, "W12": 3, "W13": 2,
            "W14": 2}
W9N_ROWS = {}  # S -> blogs W9/W9n update (ensure_db fills it)
LIGHT = {"W0sr", "W4", "W5", "W7", "W8", "W9"}  # a few ms or less: 3x the runs
# Seconds per run above S=1 (W13 at S=10: ~5 s, SQLite's two sorts of a
# million comments): 1 run per process there, as Django's.
HEAVY = {"W13"}
CONTESTANTS = ["ormc", "hand", "hand-thp", "django", "floor"]
TITLE = {"ormc": "ormc", "hand": "hand C", "hand-thp": "hand C THP",
         "django": "Django", "floor": "floor"}
# hand-thp is hand_bench again with glibc asked to back its large blocks
# with transparent huge pages, as ormc's runtime does for its own (the same
# page-fault saving, got without writing an allocator).
THP = {"GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}
ENV = {"hand-thp": THP, "hand-pg-thp": THP}
BINARY = {"hand-thp": "hand"}
# Ratio columns of the time tables: (title, numerator, denominator).
# ormc/C THP first: the ratio with the page-fault policy equal on both sides.
RATIOS = [("ormc/C THP", "ormc", "hand-thp"), ("ormc/C", "ormc", "hand"),
          ("ormc/floor", "ormc", "floor"), ("Django/ormc", "django", "ormc")]
DJANGO_LIMIT = "too many SQL variables"
# The PostgreSQL columns (bench/pg.py's server, the same rows): ormc's
# own program given a connection string, hand-written libpq C, Django's
# postgresql backend.  No W6 yet (hand_pg_bench.c says why).  hand-pg-thp
# is hand_pg_bench with glibc's blocks on transparent huge pages, as
# hand-thp is for SQLite: the same page policy as ormc's runtime, whose
# big blocks are huge pages (a huge page's fault zeroes 2 MiB: at S=10
# the page policy alone moves a result-heavy run's system time ~2x).
PG_CONTESTANTS = ["ormc-pg", "hand-pg", "hand-pg-thp", "django-pg"]
PG_BINARY = {"ormc-pg": "ormc_bench", "hand-pg": "hand_pg_bench",
             "hand-pg-thp": "hand_pg_bench", "django-pg": None}
PG_TITLE = {"ormc-pg": "ormc", "hand-pg": "hand libpq C",
            "hand-pg-thp": "hand libpq C THP", "django-pg": "Django"}
PG_WORKLOADS = ["W0", "W0sr", "W1", "W2", "W3", "W4", "W5", "W7", "W8",
                "W9", "W9n", "W10", "W11", "W12", "W13", "W14"]
# ormc/libpq C THP first, as on SQLite: the page policy equal on both sides.
PG_RATIOS = [("ormc/libpq C THP", "ormc-pg", "hand-pg-thp"),
             ("ormc/libpq C", "ormc-pg", "hand-pg"),
             ("Django/ormc", "django-pg", "ormc-pg")]
PG_CPU_RATIOS = [("ormc/libpq C THP CPU", "ormc-pg", "hand-pg-thp"),
                 ("ormc/libpq C CPU", "ormc-pg", "hand-pg")]
# Concurrent client processes of the scaling table, and its workload.
PG_CLIENTS = [1, 4, 16]
PG_SCALE_WORKLOAD = "W5"


def log(msg):
    print(msg, flush=True)


def sh(cmd):
    """First line of a command's output, or '?'."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def scale_name(s):
    return ("%g" % s).replace(".", "_")


def data_stamp(build):
    """What the data depends on: the generator's source and the generated
    DDL (not the gen binary, which is relinked whenever the runtime
    changes)."""
    h = hashlib.sha256()
    for path in (os.path.join(ROOT, "bench", "gen.c"),
                 os.path.join(build, "gen", "blog.orm.c")):
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def w9n_rows(db):
    """The number of blogs W9 and W9n update (bench_w9_max_author)."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    try:
        return con.execute("SELECT COUNT(*) FROM blog WHERE author_id <= "
                           "(SELECT COUNT(*) FROM author) / 10").fetchone()[0]
    finally:
        con.close()


def expected_count(s, w):
    n = EXPECTED[w]
    return 1 + W9N_ROWS[s] if n is None else n


def ensure_db(build, s):
    """DIR/data/sS.db, made by gen unless it exists with the same stamp."""
    gen = os.path.join(build, "bin", "gen")
    data = os.path.join(build, "data")
    os.makedirs(data, exist_ok=True)
    db = os.path.join(data, "s%s.db" % scale_name(s))
    stamp = data_stamp(build)
    try:
        with open(db + ".stamp") as f:
            if os.path.exists(db) and f.read() == stamp:
                W9N_ROWS[s] = w9n_rows(db)
                return db, None
    except OSError:
        pass
    t0 = time.perf_counter()
    subprocess.run([gen, db, "%g" % s], check=True)
    with open(db + ".stamp", "w") as f:
        f.write(stamp)
    W9N_ROWS[s] = w9n_rows(db)
    return db, time.perf_counter() - t0


def command(build, contestant, db, workload, runs):
    if contestant in PG_BINARY:  # the PostgreSQL columns: db is a conninfo
        if contestant == "django-pg":
            return [PYTHON, os.path.join(ROOT, "bench", "django_bench.py"),
                    db, workload, str(runs)]
        return [os.path.join(build, "bin", PG_BINARY[contestant]), db,
                workload, str(runs)]
    if contestant == "django":
        return [PYTHON, os.path.join(ROOT, "bench", "django_bench.py"), db,
                workload, str(runs)]
    return [os.path.join(build, "bin",
                         BINARY.get(contestant, contestant) + "_bench"),
            db, workload, str(runs)]


def run_one(build, contestant, db, workload, runs):
    """Runs one process; returns the parsed BENCH line (a dict)."""
    cmd = command(build, contestant, db, workload, runs)
    t0 = time.perf_counter_ns()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                           env=dict(os.environ, **ENV.get(contestant, {})))
    except subprocess.TimeoutExpired:
        return {"status": "error", "error": "timed out after 1800 s"}
    return parse(p.stdout, p.stderr, p.returncode,
                 time.perf_counter_ns() - t0)


def parse(stdout, stderr, returncode, wall):
    """The BENCH line of one process's output, as a dict."""
    p = types.SimpleNamespace(stdout=stdout, stderr=stderr,
                              returncode=returncode)
    for line in p.stdout.splitlines():
        if line.startswith("BENCH\t"):
            r = dict(kv.split("=", 1) for kv in line.split("\t")[1:])
            r["wall_ns"] = wall
            if r.get("status") == "ok" and p.returncode != 0:
                r = {"status": "error", "error": "exit status %d after a "
                     "result line" % p.returncode}
            return r
    tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "error",
            "error": "exit status %d: %s" % (p.returncode, tail)}


def keep(prev, r):
    """Of two rounds of one contestant and workload: a failure wins (so it
    is reported), rounds that disagree are a failure, else the lower
    median wins (called once per extra round)."""
    if prev is None:
        return r
    if prev.get("status") != "ok":
        return prev
    if r.get("status") != "ok":
        return r
    for k in ("checksum", "statements"):
        if r[k] != prev[k]:
            return {"status": "error", "error": "rounds disagree: %s "
                    "%s vs %s" % (k, prev[k], r[k])}
    return r if int(r["median_ns"]) < int(prev["median_ns"]) else prev


def runs_for(contestant, workload, s, base, smoke):
    if smoke:
        return 1
    if contestant == "django" and workload not in LIGHT:
        # seconds per run at S=1, W2 alone ~a minute per run at S=10
        return 1 if s > 1 else min(base, 3)
    if workload in HEAVY and s > 1:
        return 1
    return base * 3 if workload in LIGHT else base


def fmt_ms(ns):
    ms = ns / 1e6
    if ms >= 100:
        return "%.0f" % ms
    if ms >= 10:
        return "%.1f" % ms
    return "%.2f" % ms


def fmt_ratio(a, b):
    return "%.2f" % (a / b) if a and b else "—"


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            cpu = m.group(1) if m else "?"
    except OSError:
        pass
    django = sh([PYTHON, "-c", "import django; print(django.get_version())"])
    sqlite = sh([PYTHON, "-c", "import sqlite3; print(sqlite3.sqlite_version)"])
    return [
        ("date", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())),
        ("machine", "%d CPUs (nproc), %s" % (os.cpu_count() or 0, cpu)),
        ("kernel", platform.release()),
        ("load average at start", "%.2f %.2f %.2f" % os.getloadavg()),
        ("SQLite", sqlite),
        ("C compiler", sh(["cc", "--version"])),
        ("Django", "%s (python %s)" % (django, sh([PYTHON, "--version"]))),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3,
                    help="processes per C contestant and workload, run in "
                    "alternating order; the one with the lowest median is "
                    "kept (this machine's noise comes in bursts)")
    ap.add_argument("--out")
    ap.add_argument("--plot")
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--contestants", default=",".join(CONTESTANTS))
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="the SQLite workloads to run (e.g. to run again "
                    "the ones a noisy run put above 1.05)")
    ap.add_argument("--probe-in", type=float,
                    help="also run W10p (an IN list of 300,000 ids) once at "
                    "this S, to show where Django's id__in hits SQLite's "
                    "variable limit (--smoke: at S=0.1)")
    ap.add_argument("--probe", type=float,
                    help="also run W2 once at this S, to show where "
                    "Django's prefetch hits SQLite's variable limit")
    ap.add_argument("--instr", type=float, default=1,
                    help="S at which to count instructions under callgrind "
                         "(ormc and hand C, every workload; 0: off; never in "
                         "--smoke)")
    ap.add_argument("--pg", default="on", choices=["on", "off", "only"],
                    help="the PostgreSQL columns (bench/pg.py's throwaway "
                    "server): on (after SQLite), off, or only them")
    ap.add_argument("--pg-scales",
                    help="scales of the PostgreSQL columns (default: "
                    "--scales)")
    ap.add_argument("--pg-contestants", default=",".join(PG_CONTESTANTS))
    ap.add_argument("--pg-workloads", default=",".join(PG_WORKLOADS))
    ap.add_argument("--pg-clients", default=",".join(map(str, PG_CLIENTS)),
                    help="concurrent client processes of the scaling table "
                    "('' for none)")
    ap.add_argument("--pg-client-runs", type=int, default=300,
                    help="timed runs of each client process in the scaling "
                    "table")
    a = ap.parse_args()
    build = a.build
    unknown = set(a.workloads.split(",")) - set(WORKLOADS)
    if unknown:
        sys.exit("run.py: unknown workload(s) %s" % ",".join(sorted(unknown)))
    WORKLOADS[:] = [w for w in WORKLOADS if w in a.workloads.split(",")]
    if a.smoke:
        a.scales, a.runs = "0.1", 1
        a.pg_scales, a.pg_clients, a.pg_client_runs = "0.1", "1,4", 5
        a.out = a.out or os.path.join(build, "smoke.md")
    a.out = a.out or os.path.join(ROOT, "bench", "results", "latest.md")
    scales = [float(x) for x in a.scales.split(",")]
    contestants = [c for c in CONTESTANTS if c in a.contestants.split(",")]
    if "ormc" not in contestants:
        sys.exit("run.py: ormc is the reference contestant; keep it")
    started = time.time()
    info = machine()
    failures = []
    results = {}   # (s, workload, contestant) -> dict
    gen_times = {}
    startup = {}   # contestant -> (median wall ns, median init ns)

    for s in scales if a.pg != "only" else []:
        db, gen_s = ensure_db(build, s)
        if gen_s is not None:
            gen_times[s] = gen_s
            log("generated %s in %.1f s" % (db, gen_s))
        if not startup:
            for c in contestants:
                rs = [run_one(build, c, db, "none", 1)
                      for _ in range(1 if a.smoke else 5)]
                bad = [r for r in rs if r.get("status") != "ok"]
                if bad:
                    failures.append("%s start-up: %s" % (c, bad[0]["error"]))
                    continue
                startup[c] = (statistics.median(r["wall_ns"] for r in rs),
                              statistics.median(int(r["init_ns"]) for r in rs))
        for w in WORKLOADS:
            kept = {}
            for rnd in range(1 if a.smoke else max(1, a.rounds)):
                seq = contestants if rnd % 2 == 0 else contestants[::-1]
                for c in seq:
                    if c == "django" and rnd > 0:
                        continue  # minutes per run; its noise is small
                    n = runs_for(c, w, s, a.runs, a.smoke)
                    kept[c] = keep(kept.get(c), run_one(build, c, db, w, n))
            for c in contestants:
                r = kept[c]
                results[(s, w, c)] = r
                if r["status"] == "ok":
                    log("S=%-4g %-5s %-7s %10s ms (min %s, cpu %s) %7s "
                        "statements %7.1f MB  %s" % (
                            s, w, c, fmt_ms(int(r["median_ns"])),
                            fmt_ms(int(r["min_ns"])), fmt_ms(int(r["cpu_ns"])),
                            r["statements"], int(r["rss_kb"]) / 1024,
                            r["checksum"]))
                else:
                    log("S=%-4g %-5s %-7s FAILED: %s" % (s, w, c, r["error"]))
            check(s, w, contestants, results, failures)

    pgr = None
    if a.pg != "off":
        pgr = run_pg(a, build, failures, results, gen_times)

    probe = None
    if a.probe and not a.smoke and a.pg != "only":
        db, gen_s = ensure_db(build, a.probe)
        if gen_s is not None:
            gen_times[a.probe] = gen_s
            log("generated %s in %.1f s" % (db, gen_s))
        probe = {"s": a.probe}
        for c in contestants:
            r = run_one(build, c, db, "W2", 1)
            probe[c] = r
            log("probe S=%g W2 %-7s %s" % (
                a.probe, c, fmt_ms(int(r["median_ns"])) + " ms"
                if r["status"] == "ok" else "FAILED: " + r["error"]))
            results[(a.probe, "W2", c)] = r
        check(a.probe, "W2", contestants, results, failures)

    probe_in = None
    s_in = 0.1 if a.smoke else a.probe_in
    if s_in and a.pg != "only":
        db, gen_s = ensure_db(build, s_in)
        if gen_s is not None:
            gen_times[s_in] = gen_s
            log("generated %s in %.1f s" % (db, gen_s))
        probe_in = {"s": s_in}
        for c in contestants:
            r = run_one(build, c, db, "W10p", 1)
            probe_in[c] = r
            log("probe S=%g W10p %-7s %s" % (
                s_in, c, fmt_ms(int(r["median_ns"])) + " ms"
                if r["status"] == "ok" else "FAILED: " + r["error"]))
            results[(s_in, "W10p", c)] = r
        check(s_in, "W10p", contestants, results, failures)

    instr = None
    if a.instr and not a.smoke and a.pg != "only":
        db, gen_s = ensure_db(build, a.instr)
        if gen_s is not None:
            gen_times[a.instr] = gen_s
        instr = instr_counts(build, db, a.instr, INSTR_CONTESTANTS,
                             WORKLOADS, failures)

    if a.smoke:
        failures += selftest_checker()
    scale_md = compiler_scale(build, a.smoke, failures) \
        if a.pg != "only" else None
    report = write_report(a, scales if a.pg != "only" else [], contestants,
                          results, startup, gen_times, info, failures,
                          started, scale_md, probe, probe_in, pgr, instr)
    if a.plot and not a.smoke:
        plot(a.plot, scales, contestants, results,
             a.probe if probe else None)
    log("\nwrote %s" % report)
    if failures:
        log("\nbench FAILED:")
        for f in failures:
            log("  " + f)
        return 1
    if pgr and pgr["skipped"]:
        log("bench: all checksums and statement counts agree; PostgreSQL "
            "SKIPPED: %s" % pgr["skipped"])
    else:
        log("bench: all checksums and statement counts agree%s" % (
            " (PostgreSQL included)" if pgr else ""))
    return 0


def selftest_checker():
    """The cross-check must be able to fail: a wrong count and a wrong
    checksum must each be reported, Django's variable limit must not."""
    ok = {"status": "ok", "statements": "2", "checksum": "00000000000000aa"}
    results = {
        (0, "W2", "ormc"): dict(ok, statements="3"),
        (0, "W2", "hand"): dict(ok, checksum="00000000000000ab"),
        (0, "W2", "hand-thp"): dict(ok),
        (0, "W2", "floor"): dict(ok),
        (0, "W2", "django"): {"status": "error", "error": "run: "
                              "OperationalError: " + DJANGO_LIMIT},
    }
    got = []
    check(0, "W2", CONTESTANTS, results, got)
    want = ["S=0 W2 ormc: 3 statements, expected 2",
            "S=0 W2 hand: checksum MISMATCH: 00000000000000ab, ormc has "
            "00000000000000aa"]
    if got != want:
        return ["the cross-check itself is broken: got %r" % got]
    return []


def known_django_limit(r):
    return DJANGO_LIMIT in r.get("error", "")


def check(s, w, contestants, results, failures, ref_name="ormc"):
    """Cross-checks one workload at one scale; appends to failures."""
    ref = results[(s, w, ref_name)]
    for c in contestants:
        r = results[(s, w, c)]
        where = "S=%g %s %s" % (s, w, c)
        if r["status"] != "ok":
            if not (c.startswith("django") and known_django_limit(r)):
                failures.append("%s failed: %s" % (where, r["error"]))
            continue
        n = int(r["statements"])
        if (not c.startswith("django") or w != "W6") and \
                n != expected_count(s, w):
            failures.append("%s: %d statements, expected %d"
                            % (where, n, expected_count(s, w)))
        if c != ref_name and ref["status"] == "ok" and \
                r["checksum"] != ref["checksum"]:
            failures.append("%s: checksum MISMATCH: %s, %s has %s"
                            % (where, r["checksum"], ref_name,
                               ref["checksum"]))


def cell(r, key="median_ns"):
    if r is None:
        return "—"
    if r["status"] != "ok":
        return "FAILED" if not known_django_limit(r) else \
            "FAILED: %s" % DJANGO_LIMIT
    return fmt_ms(int(r[key]))


def t(r):
    return int(r["median_ns"]) if r and r["status"] == "ok" else 0


def cpu(r):
    return int(r["cpu_ns"]) if r and r["status"] == "ok" else 0


INSTR_CONTESTANTS = ["ormc", "hand"]


INSTR_RUNS = 3


def instr_one(build, c, db, w):
    """Instructions of one timed run of workload w: what the process
    executes inside w's run function, counted by callgrind, which dumps
    its count after each call of it (--dump-after): the warm-up's (where
    ormc prepares its statements) is dropped, and the median of the
    INSTR_RUNS timed runs' is kept.  Each run is counted on its own, so a
    one-time cost that lands in a different run from one process to the
    next (glibc consolidating its free blocks) is not taken for a cost of
    every run, as a difference of two processes' totals took it.  The
    same on any machine and under any load.  A dict, or an error
    string."""
    fn = ("w10" if w == "W10p" else w.lower()) + "_run"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg")
        cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
               "--toggle-collect=" + fn, "--dump-after=" + fn] + \
            command(build, c, db, w, INSTR_RUNS)
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=3600)
        except (OSError, subprocess.SubprocessError) as e:
            return "callgrind: %s" % e
        r = parse(p.stdout, p.stderr, p.returncode, 0)
        if r.get("status") != "ok":
            return "callgrind: %s" % r.get("error", "no count")
        runs = []
        for k in range(1, INSTR_RUNS + 2):  # the warm-up, then the runs
            try:
                with open("%s.%d" % (out, k)) as f:
                    m = re.search(r"^summary: (\d+)", f.read(), re.M)
            except OSError:
                m = None
            if not m:
                return "callgrind: no count for call %d of %s" % (k, fn)
            runs.append(int(m.group(1)))
    return {"n": statistics.median(runs[1:]), "checksum": r["checksum"]}


def instr_counts(build, db, s, contestants, workloads, failures):
    """{"s": s, "c": contestants, "w": {workload: {contestant: dict}}}:
    instr_one of each, two processes at a time (instruction counts do not
    care about the load).  For PostgreSQL contestants db is the conninfo
    and the count is the client's alone (the server is not traced)."""
    if not shutil.which("valgrind"):
        failures.append("--instr: valgrind is not installed")
        return None
    # the workloads that write (W6, W9, W9n) run one at a time: two
    # writers on one database would wait for each other's locks
    writes = {"W6", "W9", "W9n"}
    reads = [(w, c) for w in workloads if w not in writes
             for c in contestants]
    jobs = reads + [(w, c) for w in workloads if w in writes
                    for c in contestants]
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        done = list(ex.map(lambda j: instr_one(build, j[1], db, j[0]),
                           reads))
    done += [instr_one(build, c, db, w) for w, c in jobs[len(reads):]]
    out = {"s": s, "c": contestants, "w": {}}
    for (w, c), r in zip(jobs, done):
        if isinstance(r, str):
            failures.append("S=%g %s %s %s" % (s, w, c, r))
            continue
        out["w"].setdefault(w, {})[c] = r
    for w, rs in out["w"].items():
        sums = {r["checksum"] for r in rs.values()}
        if len(sums) > 1:
            failures.append("S=%g %s under callgrind: checksums differ %s" %
                            (s, w, sorted(sums)))
        log("instructions S=%g %-5s %s" % (s, w, "  ".join(
            "%s %s" % (c, "{:,}".format(r["n"])) for c, r in rs.items())))
    return out


def instr_table(instr, workloads, titles):
    """The rows of an instruction table: the first contestant over the
    second."""
    a, b = instr["c"]
    L = ["| workload | %s | %s | %s/%s |" % (titles[a], titles[b],
                                            titles[a], titles[b]),
         "|---|---:|---:|---:|"]
    for w in workloads:
        rs = instr["w"].get(w, {})
        if a in rs and b in rs:
            L.append("| %s | %s | %s | %.3f |" % (
                w, "{:,}".format(rs[a]["n"]), "{:,}".format(rs[b]["n"]),
                rs[a]["n"] / rs[b]["n"]))
    return L + [""]


def instr_report(instr):
    return ["## Instructions at S = %g (callgrind)" % instr["s"], "",
            "Instructions of one timed run of each workload: those executed "
            "inside its run function, counted by `valgrind --tool=callgrind "
            "--toggle-collect=wN_run --dump-after=wN_run`, which counts each "
            "call on its own: the median of %d timed runs, the warm-up "
            "(where ormc prepares its statements and hand C has prepared "
            "them before) left out.  Exact and repeatable, unlike time on a "
            "shared machine, but blind to cache misses and page faults (the "
            "tables above have those).  SQLite's own instructions are "
            "included: ormc/C is the whole cost ratio of the run." %
            INSTR_RUNS, ""] + instr_table(instr, WORKLOADS, TITLE)


def compiler_scale(build, smoke, failures):
    """bench/compiler_scale.sh's markdown (another helper's script), or
    None when the script is not there."""
    scale_sh = os.path.join(ROOT, "bench", "compiler_scale.sh")
    if not os.path.exists(scale_sh):
        return None
    cmd = ["sh", scale_sh] + (["--smoke"] if smoke else []) + \
        [os.path.join(build, "ormc")]
    log("running %s" % " ".join(cmd))
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    out = p.stdout.rstrip()
    if p.returncode != 0:
        out += "\n\ncompiler_scale.sh failed (exit status %d): %s" % (
            p.returncode, p.stderr.strip()[-500:])
        failures.append("compiler_scale.sh exit status %d" % p.returncode)
    log(out)
    return out


def run_pg(a, build, failures, sqlite_results, gen_times):
    """The PostgreSQL columns: a throwaway server, each scale's SQLite
    rows loaded into it, every PostgreSQL contestant run and cross-checked
    (checksums against ormc's on PostgreSQL and on SQLite), then the
    scaling table.  Returns what write_report shows, with "skipped" set
    (and nothing run) when the server cannot run here."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import pg
    out = {"skipped": None, "results": {}, "scaling": [], "load": {},
           "scales": [float(x) for x in (a.pg_scales or a.scales).split(",")],
           "contestants": [c for c in PG_CONTESTANTS
                           if c in a.pg_contestants.split(",")],
           "workloads": [w for w in PG_WORKLOADS
                         if w in a.pg_workloads.split(",")],
           "clients": [int(x) for x in a.pg_clients.split(",") if x]}
    if "ormc-pg" not in out["contestants"]:
        sys.exit("run.py: ormc is the reference contestant; keep ormc-pg")
    try:
        server = pg.Server(build)
    except pg.Unavailable as e:
        out["skipped"] = str(e)
        log("PostgreSQL: SKIP: %s" % e)
        return out
    try:
        out["version"] = server.version()
        conns = {}
        res = out["results"]
        cs = out["contestants"]
        for s in out["scales"]:
            db, gen_s = ensure_db(build, s)
            if gen_s is not None:
                gen_times[s] = gen_s
            t0 = time.perf_counter()
            conns[s] = server.load(os.path.join(build, "ormc"), db,
                                   "s" + scale_name(s))
            out["load"][s] = time.perf_counter() - t0
            log("PostgreSQL: loaded S=%g in %.1f s" % (s, out["load"][s]))
            for w in out["workloads"]:
                kept = {}
                for rnd in range(1 if a.smoke else max(1, a.rounds)):
                    for c in (cs if rnd % 2 == 0 else cs[::-1]):
                        if c == "django-pg" and rnd > 0:
                            continue
                        n = runs_for(c[:-3], w, s, a.runs, a.smoke)
                        kept[c] = keep(kept.get(c),
                                       run_one(build, c, conns[s], w, n))
                for c in cs:
                    r = res[(s, w, c)] = kept[c]
                    if r["status"] == "ok":
                        log("pg S=%-4g %-5s %-9s %10s ms (min %s, cpu %s) "
                            "%7s statements  %s" % (
                                s, w, c, fmt_ms(int(r["median_ns"])),
                                fmt_ms(int(r["min_ns"])),
                                fmt_ms(int(r["cpu_ns"])), r["statements"],
                                r["checksum"]))
                    else:
                        log("pg S=%-4g %-5s %-9s FAILED: %s"
                            % (s, w, c, r["error"]))
                check(s, w, cs, res, failures, "ormc-pg")
                lite = sqlite_results.get((s, w, "ormc"))
                r = res[(s, w, "ormc-pg")]
                if lite and lite["status"] == "ok" and r["status"] == "ok" \
                        and lite["checksum"] != r["checksum"]:
                    failures.append("S=%g %s: checksum on PostgreSQL %s, on "
                                    "SQLite %s" % (s, w, r["checksum"],
                                                   lite["checksum"]))
        if out["clients"]:
            s = out["scales"][0]
            out["scaling_s"] = s
            out["scaling"] = pg_scaling(a, build, conns[s], s, res, failures,
                                        out["clients"])
        if a.instr and not a.smoke:
            s = out["scales"][0]
            out["instr"] = instr_counts(build, conns[s], s,
                                        ["ormc-pg", "hand-pg"],
                                        out["workloads"], failures)
    finally:
        server.stop()
    return out


def pg_scaling(a, build, conn, s, res, failures, clients):
    """N concurrent processes of ormc and of hand libpq C, each running
    PG_SCALE_WORKLOAD a.pg_client_runs times, for each N in clients.  Per
    (N, contestant): the total runs per second (the sum over processes of
    runs / their timed total), the median of the processes' median
    latencies and the client CPU per run; the best of the rounds (in
    alternating order) is kept."""
    w, runs = PG_SCALE_WORKLOAD, a.pg_client_runs
    cs = [c for c in ("ormc-pg", "hand-pg") if (s, w, c) in res]
    rows = []
    for n in clients:
        best = {}
        for rnd in range(1 if a.smoke else 2):
            for c in (cs if rnd % 2 == 0 else cs[::-1]):
                cmd = command(build, c, conn, w, runs)
                t0 = time.perf_counter_ns()
                procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True)
                         for _ in range(n)]
                outs = [(p,) + p.communicate() for p in procs]
                wall = time.perf_counter_ns() - t0
                rs = [parse(o, e, p.returncode, wall) for p, o, e in outs]
                bad = [r for r in rs if r.get("status") != "ok"]
                ref = res[(s, w, c)]
                for r in rs:
                    if r.get("status") == "ok" and ref["status"] == "ok" and (
                            r["checksum"] != ref["checksum"] or
                            r["statements"] != ref["statements"]):
                        bad.append({"error": "checksum %s / %s statements, "
                                    "the single run %s / %s" % (
                                        r["checksum"], r["statements"],
                                        ref["checksum"], ref["statements"])})
                if bad:
                    failures.append("pg scaling %s x%d: %s"
                                    % (c, n, bad[0]["error"]))
                    best[c] = None
                    continue
                tput = sum(int(r["runs"]) * 1e9 / int(r["total_ns"])
                           for r in rs)
                row = {"tput": tput,
                       "lat": statistics.median(int(r["median_ns"])
                                                for r in rs),
                       "cpu": sum(int(r["total_cpu_ns"]) for r in rs) /
                       sum(int(r["runs"]) for r in rs)}
                if c not in best or (best[c] and tput > best[c]["tput"]):
                    best[c] = row
                log("pg scaling %s x%-2d %9.0f runs/s  median %s ms  "
                    "cpu %s ms/run" % (c, n, tput, fmt_ms(row["lat"]),
                                       fmt_ms(row["cpu"])))
        rows.append((n, best))
    return rows


def pg_report(a, pgr, results_sqlite):
    """The report's PostgreSQL section (lines)."""
    L = ["## PostgreSQL", ""]
    if pgr["skipped"]:
        L += ["**SKIPPED**: the server could not run here: %s" %
              pgr["skipped"], ""]
        return L
    cs, res = pgr["contestants"], pgr["results"]
    L.append("PostgreSQL %s on this machine (bench/pg.py: a throwaway "
             "cluster from tests/pg/cluster.sh, a Unix socket, fsync off, "
             "JIT off), one database per S loaded with the rows of the "
             "SQLite file (%s).  The same program (ormc_bench) given the "
             "connection string; hand-written libpq C (hand_pg_bench: "
             "prepared statements, binary parameters and results), and the "
             "same with glibc's blocks on transparent huge pages (THP: "
             "ormc's page policy); Django's "
             "postgresql backend (psycopg2).  Client and server share the "
             "machine's CPUs; *CPU* is the client process's only." % (
                 pgr.get("version", "?"),
                 ", ".join("S=%g in %.1f s" % kv
                           for kv in sorted(pgr["load"].items()))))
    L.append("")
    for s in pgr["scales"]:
        L.append("### PostgreSQL, S = %g" % s)
        L.append("")
        head = ["workload"] + ["%s ms" % PG_TITLE[c] for c in cs] + \
            ["%s CPU" % PG_TITLE[c] for c in cs if c != "django-pg"] + \
            [r[0] for r in PG_RATIOS] + [r[0] for r in PG_CPU_RATIOS] + \
            ["statements", "checksum"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---" + "|---:" * (len(head) - 2) + "|---|")
        for w in pgr["workloads"]:
            rs = {c: res.get((s, w, c)) for c in cs}
            row = [w]
            for c in cs:
                v = cell(rs[c])
                if rs[c] and rs[c]["status"] == "ok":
                    v += " (%s)" % cell(rs[c], "min_ns")
                row.append(v)
            row += [fmt_ms(cpu(rs[c])) if cpu(rs[c]) else cell(rs[c])
                    for c in cs if c != "django-pg"]
            row += [fmt_ratio(t(rs.get(x)), t(rs.get(y)))
                    for _, x, y in PG_RATIOS]
            row += [fmt_ratio(cpu(rs.get(x)), cpu(rs.get(y)))
                    for _, x, y in PG_CPU_RATIOS]
            row.append(" / ".join(rs[c]["statements"] if rs[c] and
                                  rs[c]["status"] == "ok" else "—"
                                  for c in cs))
            sums = {r["checksum"] for r in rs.values()
                    if r and r["status"] == "ok"}
            lite = results_sqlite.get((s, w, "ormc"))
            same = " (= SQLite)" if lite and lite["status"] == "ok" and \
                sums == {lite["checksum"]} else ""
            row.append("`%s`%s" % (sums.pop(), same) if len(sums) == 1
                       else "**MISMATCH**")
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        failed = [(w, c, res[(s, w, c)]["error"]) for w in pgr["workloads"]
                  for c in cs if res[(s, w, c)]["status"] != "ok"]
        for w, c, e in failed:
            L.append("- %s %s failed: `%s`" % (w, PG_TITLE[c], e))
        if failed:
            L.append("")
    if pgr["scaling"]:
        L.append("### PostgreSQL: concurrent clients (%s at S = %g)" % (
            PG_SCALE_WORKLOAD, pgr["scaling_s"]))
        L.append("")
        L.append("N client processes started together, each running %s "
                 "%d times (after a warm-up) on its own connection; runs/s "
                 "is the sum over the processes of runs / their timed "
                 "total, latency the median of their median run, CPU the "
                 "client CPU per run.  %d cores for the clients and the "
                 "server together." % (PG_SCALE_WORKLOAD, a.pg_client_runs,
                                       os.cpu_count() or 0))
        L.append("")
        L.append("| clients | ormc runs/s | libpq C runs/s | ormc/libpq C "
                 "throughput | ormc ms | libpq C ms | ormc CPU ms | "
                 "libpq C CPU ms |")
        L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for n, best in pgr["scaling"]:
            o, h = best.get("ormc-pg"), best.get("hand-pg")

            def f(r, k, fmt):
                return fmt(r[k]) if r else "—"
            L.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
                n, f(o, "tput", lambda x: "%.0f" % x),
                f(h, "tput", lambda x: "%.0f" % x),
                "%.2f" % (o["tput"] / h["tput"]) if o and h else "—",
                f(o, "lat", fmt_ms), f(h, "lat", fmt_ms),
                f(o, "cpu", fmt_ms), f(h, "cpu", fmt_ms)))
        L.append("")
    if pgr.get("instr"):
        L.append("### PostgreSQL: client instructions at S = %g (callgrind)"
                 % pgr["instr"]["s"])
        L.append("")
        L.append("As on SQLite (the median of %d timed runs, each counted "
                 "on its own), of the " % INSTR_RUNS +
                 "client process alone: the server's work is the same for "
                 "both (the same statements), so this is what ormc adds "
                 "over hand-written libpq C.")
        L.append("")
        L += instr_table(pgr["instr"], pgr["workloads"], PG_TITLE)
    return L


def write_report(a, scales, contestants, results, startup, gen_times,
                 info, failures, started, scale_md, probe, probe_in=None,
                 pgr=None, instr=None):
    L = []
    L.append("# ormc benchmark%s" % (" (smoke run)" if a.smoke else ""))
    L.append("")
    L.append("Generated by `bench/run.py`; what each workload and contestant "
             "measures is in [bench/README.md](%s)." %
             ("../README.md" if not a.smoke else
              os.path.join(ROOT, "bench", "README.md")))
    L.append("")
    for k, v in info:
        L.append("- **%s**: %s" % (k, v))
    L.append("- **command**: `%s` (run by `make %s`)" % (
        " ".join([PYTHON] + [os.path.relpath(sys.argv[0], ROOT)] +
                 sys.argv[1:]), "bench-smoke" if a.smoke else "bench"))
    L.append("- **runs**: 1 warm-up, then R timed runs per process; R = %d "
             "(%d for %s; 1 for %s above S = 1); Django's other workloads: "
             "R = 3 at S <= 1, R = 1 above. Times "
             "are the median (min in the tables below) of the R runs, in "
             "milliseconds, of the timed part only (the queries and "
             "building the result; not the free). Each C contestant runs "
             "%d such processes per workload, in alternating order with the "
             "others, and the one with the lowest median is kept (their "
             "checksums must agree); Django runs one." %
             (a.runs, a.runs * 3, ", ".join(sorted(LIGHT)),
              ", ".join(sorted(HEAVY)), a.rounds)
             if not a.smoke else "- **runs**: 1 warm-up + 1 run (smoke)")
    L.append("- **total bench time**: %.0f s" % (time.time() - started))
    L.append("")
    status = "all checksums and statement counts agree" if not failures \
        else "**FAILED**: " + "; ".join(failures)
    L.append("**Cross-check:** %s." % status)
    L.append("")
    if startup:
        L.append("## Process start-up")
        L.append("")
        L.append("Workload `none`: start the process, open the database, "
                 "exit (median of %d). *init* is the in-process part "
                 "(main or script start to database open; for Django: "
                 "importing and setting up Django)." %
                 (1 if a.smoke else 5))
        L.append("")
        L.append("| contestant | start-up ms | init ms |")
        L.append("|---|---:|---:|")
        for c in contestants:
            if c in startup:
                L.append("| %s | %s | %s |" % (TITLE[c], fmt_ms(startup[c][0]),
                                               fmt_ms(startup[c][1])))
        L.append("")
    for s in scales:
        L.append("## S = %g: %s authors, %s books, %s blogs, %s comments" % (
            s, *["{:,}".format(int(s * n + 0.5))
                 for n in (1000, 10000, 10000, 100000)]))
        L.append("")
        if s in gen_times:
            L.append("(database generated in %.1f s)" % gen_times[s])
            L.append("")
        L.append("Median ms (min ms) per run.  Ratios are of medians; "
                 "below 1 means the first is faster.")
        L.append("")
        head = ["workload"] + ["%s ms" % TITLE[c] for c in contestants]
        head += [r[0] for r in RATIOS]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---" + "|---:" * (len(head) - 1) + "|")
        for w in WORKLOADS:
            row = [w]
            for c in contestants:
                r = results.get((s, w, c))
                v = cell(r)
                if r and r["status"] == "ok":
                    v += " (%s)" % cell(r, "min_ns")
                row.append(v)
            get = lambda c: t(results.get((s, w, c)))  # noqa: E731
            row += [fmt_ratio(get(a), get(b)) for _, a, b in RATIOS]
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        L.append("CPU ms per run (median; user + system time of the process "
                 "during the timed part — less disturbed than wall time by "
                 "other load on the machine, but it leaves out waiting):")
        L.append("")
        head = ["workload"] + ["%s CPU" % TITLE[c] for c in contestants]
        head += [r[0] for r in RATIOS]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---" + "|---:" * (len(head) - 1) + "|")
        for w in WORKLOADS:
            get = lambda c: cpu(results.get((s, w, c)))  # noqa: E731
            row = [w] + [fmt_ms(get(c)) if get(c) else
                         cell(results.get((s, w, c))) for c in contestants]
            row += [fmt_ratio(get(a), get(b)) for _, a, b in RATIOS]
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        L.append("Statements per run, peak RSS (MB) of the process, checksum:")
        L.append("")
        head = ["workload"] + ["%s stmts" % TITLE[c] for c in contestants] + \
            ["%s MB" % TITLE[c] for c in contestants] + ["checksum"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---" + "|---:" * (len(head) - 2) + "|---|")
        for w in WORKLOADS:
            rs = [results.get((s, w, c)) for c in contestants]
            row = [w]
            row += [r["statements"] if r and r["status"] == "ok" else "—"
                    for r in rs]
            row += ["%.1f" % (int(r["rss_kb"]) / 1024)
                    if r and r["status"] == "ok" else "—" for r in rs]
            sums = {r["checksum"] for r in rs if r and r["status"] == "ok"}
            row.append("`%s`" % sums.pop() if len(sums) == 1 else
                       "**MISMATCH**")
            L.append("| " + " | ".join(row) + " |")
        L.append("")
        failed = [(w, c, results[(s, w, c)]["error"]) for w in WORKLOADS
                  for c in contestants
                  if results[(s, w, c)]["status"] != "ok"]
        for w, c, e in failed:
            L.append("- %s %s failed: `%s`" % (w, TITLE[c], e))
        if failed:
            L.append("")
    if len(scales) > 1:
        L.append("## How cost grows with S")
        L.append("")
        L.append("Median ms at each S, and the growth factor from the "
                 "smallest to the largest S (the data grows %gx; W0, W0sr, "
                 "W5 and W6 do the same amount of work at every S, W10 about "
                 "the same: ~50,000 rows)." %
                 (scales[-1] / scales[0]))
        L.append("")
        head = ["workload", "contestant"] + ["S=%g" % s for s in scales] + \
            ["growth"]
        L.append("| " + " | ".join(head) + " |")
        L.append("|---|---" + "|---:" * (len(head) - 2) + "|")
        for w in WORKLOADS:
            for c in contestants:
                rs = [results.get((s, w, c)) for s in scales]
                row = [w, TITLE[c]] + [cell(r) for r in rs]
                row.append(fmt_ratio(t(rs[-1]), t(rs[0])) + "x"
                           if t(rs[-1]) and t(rs[0]) else "—")
                L.append("| " + " | ".join(row) + " |")
        L.append("")
    if probe:
        s = probe["s"]
        L.append("## Where Django stops: W2 at S = %g (%s blogs)" % (
            s, "{:,}".format(int(s * 10000 + 0.5))))
        L.append("")
        L.append("Django's prefetch_related sends `WHERE blog_id IN (?, ?, "
                 "...)` with one variable per blog; Debian's SQLite allows "
                 "250,000 (SQLITE_MAX_VARIABLE_NUMBER), so above 250,000 "
                 "blogs it fails.  ormc's prefetch binds no variable per "
                 "parent.  One run after a warm-up; the database is "
                 "generated for this probe%s." % (
                     " in %.1f s" % gen_times[s] if s in gen_times else ""))
        L.append("")
        L.append("| contestant | W2 ms | statements | peak RSS MB |")
        L.append("|---|---:|---:|---:|")
        for c in contestants:
            r = probe[c]
            if r["status"] == "ok":
                L.append("| %s | %s | %s | %.1f |" % (
                    TITLE[c], fmt_ms(int(r["median_ns"])), r["statements"],
                    int(r["rss_kb"]) / 1024))
            else:
                L.append("| %s | FAILED: `%s` | — | — |" % (TITLE[c],
                                                          r["error"]))
        L.append("")
    if probe_in:
        s = probe_in["s"]
        L.append("## Where Django stops: an IN list of 300,000 ids (W10p) "
                 "at S = %g" % s)
        L.append("")
        L.append("Django's `filter(id__in=ids)` binds one SQL variable per "
                 "id; Debian's SQLite allows 250,000, so W10 (100,000 ids) "
                 "runs and this fails.  ormc (and hand C and the floor) send "
                 "the list as one JSON array parameter (`IN (SELECT value "
                 "FROM json_each(?1))`), the same statement for any length.  "
                 "One run after a warm-up.")
        L.append("")
        L.append("| contestant | W10p ms | rows' checksum | statements | "
                 "peak RSS MB |")
        L.append("|---|---:|---|---:|---:|")
        for c in contestants:
            r = probe_in[c]
            if r["status"] == "ok":
                L.append("| %s | %s | `%s` | %s | %.1f |" % (
                    TITLE[c], fmt_ms(int(r["median_ns"])), r["checksum"],
                    r["statements"], int(r["rss_kb"]) / 1024))
            else:
                L.append("| %s | FAILED: `%s` | — | — | — |" % (
                    TITLE[c], r["error"]))
        L.append("")
    if instr:
        L += instr_report(instr)
    if pgr:
        L += pg_report(a, pgr, results)
    L.append("## Workloads")
    L.append("")
    for w in WORKLOADS + ["W10p"]:
        L.append("- **%s**: %s" % (w, DESCRIBE[w]))
    L.append("")
    if a.plot and not a.smoke:
        L.append("![time against S](%s)" % os.path.basename(a.plot))
        L.append("")
    if scale_md is not None:
        L.append("## Compiler scaling (bench/compiler_scale.sh)")
        L.append("")
        L.append(scale_md)
        L.append("")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(L))
    return a.out


def plot(png, scales, contestants, results, probe_s):
    """Time against S, one panel per workload, one line per contestant
    (W2 also at the probe's S)."""
    if not shutil.which("gnuplot"):
        log("gnuplot not found: no plot")
        return
    tmp = os.path.join(os.path.dirname(os.path.abspath(png)), ".plot")
    os.makedirs(tmp, exist_ok=True)
    script = ["set terminal pngcairo size 2000,1600 font ',9'",
              "set output '%s'" % os.path.abspath(png),
              "set multiplot layout 4,4 title 'ormc bench: median ms per "
              "run against scale S (log-log)'",
              "set logscale xy", "set key top left", "set grid",
              "set xlabel 'S'", "set ylabel 'ms'",
              "set xrange [%g:%g]" % (scales[0] / 1.5,
                                      max(scales + [probe_s or 0]) * 1.5)]
    for w in WORKLOADS:
        plots = []
        ss = sorted(scales + [probe_s]) if w == "W2" and probe_s else scales
        for c in contestants:
            pts = [(s, t(results.get((s, w, c))) / 1e6) for s in ss
                   if t(results.get((s, w, c)))]
            if not pts:
                continue
            path = os.path.join(tmp, "%s_%s.dat" % (w, c))
            with open(path, "w") as f:
                f.writelines("%g %g\n" % p for p in pts)
            plots.append("'%s' with linespoints title '%s'" %
                         (path, TITLE[c]))
        script.append("set title '%s'" % w)
        if plots:
            script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    p = subprocess.run(["gnuplot"], input="\n".join(script), text=True,
                       capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
    if p.returncode != 0:
        log("gnuplot failed: %s" % p.stderr.strip()[-300:])
    else:
        log("wrote %s" % png)


if __name__ == "__main__":
    sys.exit(main())
