"""bench/pg.py — the PostgreSQL server of the bench (used by bench/run.py).

  server = Server(build)        a throwaway cluster (tests/pg/cluster.sh:
                                initdb in a temporary directory, a Unix
                                socket there, no TCP, durability off)
  conn = server.load(ormc, sqlite_file, name)
                                a database NAME holding exactly the rows of
                                the SQLite bench file; returns its libpq
                                connection string
  server.stop()

The tables are ormc's own PostgreSQL DDL for examples/blog.orm
(`ormc --emit-sql --dialect postgresql`, the DDL blog_schema_create runs);
the rows are copied from the SQLite file with COPY (ids as they are, so
every checksum is the SQLite one), then the indexes are built, each
identity sequence is moved past the largest id, and VACUUM ANALYZE gives
the planner its statistics (so plans do not change under the bench when
autovacuum gets to it); JIT is off for the database (see load).  Needs psycopg2 (Debian's python3-psycopg2).
"""
import io
import os
import sqlite3
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = 54377
TABLES = [("author", ["id", "name", "email"]),
          ("book", ["id", "title", "author_id", "price", "pages"]),
          ("blog", ["id", "title", "author_id", "editor_id", "created",
                    "rating"]),
          ("comment", ["id", "blog_id", "content", "score"]),
          ("tag", ["id", "name"]),
          ("blog_tags", ["blog_id", "tag_id"])]


class Unavailable(Exception):
    """The server cannot run here (no binaries, no psycopg2, failed
    start): the PostgreSQL part is skipped and says why."""


def _copy_value(v):
    if v is None:
        return "\\N"
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back to the same bits
    if isinstance(v, str):
        return (v.replace("\\", "\\\\").replace("\t", "\\t")
                .replace("\n", "\\n").replace("\r", "\\r"))
    return str(v)


class Server:
    def __init__(self, build):
        try:
            import psycopg2  # noqa: F401
        except ImportError as e:
            raise Unavailable("psycopg2 missing (%s): apt-get install "
                              "python3-psycopg2" % e)
        self.tmp = tempfile.mkdtemp(prefix="ormc-bench-pg.")
        self.dir = os.path.join(self.tmp, "pg")
        p = subprocess.run(["sh", os.path.join(ROOT, "tests", "pg",
                                               "cluster.sh"),
                            "start", self.dir, str(PORT)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            self.stop()
            why = "no server binaries" if p.returncode == 77 else \
                "the server did not start"
            raise Unavailable("%s: %s" % (why, p.stderr.strip()[-300:]))
        self.base = p.stdout.strip().splitlines()[-1].rsplit(" dbname=",
                                                                1)[0]

    def conninfo(self, name):
        return "%s dbname=%s" % (self.base, name)

    def version(self):
        import psycopg2
        con = psycopg2.connect(self.conninfo("postgres"))
        try:
            with con.cursor() as cur:
                cur.execute("SHOW server_version")
                return cur.fetchone()[0]
        finally:
            con.close()

    def load(self, ormc, db, name):
        """Database NAME with the rows of the SQLite file DB; its
        connection string."""
        import psycopg2
        ddl = subprocess.run([ormc, "--emit-sql", "--dialect", "postgresql",
                              os.path.join(ROOT, "examples", "blog.orm")],
                             capture_output=True, text=True, check=True).stdout
        stmts = [s.strip() for s in ddl.split(";") if s.strip()]
        tables = [s for s in stmts if not s.startswith("CREATE INDEX")]
        indexes = [s for s in stmts if s.startswith("CREATE INDEX")]
        admin = psycopg2.connect(self.conninfo("postgres"))
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "%s"' % name)
            cur.execute('CREATE DATABASE "%s"' % name)
            # PostgreSQL's JIT compiles every statement the planner costs
            # above jit_above_cost: W13's generic plan is costed at ~540,000
            # and spent ~1 s compiling per run at S=0.1 (the query itself
            # runs in ms).  Off, as OLTP servers usually run; for everyone.
            cur.execute('ALTER DATABASE "%s" SET jit = off' % name)
        admin.close()
        src = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
        con = psycopg2.connect(self.conninfo(name))
        try:
            with con.cursor() as cur:
                for s in tables:
                    cur.execute(s)
                # foreign keys are checked by their triggers: off for the
                # copy of rows that SQLite already checked
                cur.execute("SET session_replication_role = replica")
                for table, cols in TABLES:
                    buf = io.StringIO()
                    for row in src.execute('SELECT %s FROM "%s"' % (
                            ", ".join('"%s"' % c for c in cols), table)):
                        buf.write("\t".join(map(_copy_value, row)))
                        buf.write("\n")
                    buf.seek(0)
                    cur.copy_expert('COPY "%s" (%s) FROM STDIN' % (
                        table, ", ".join('"%s"' % c for c in cols)), buf)
                cur.execute("SET session_replication_role = origin")
                for s in indexes:
                    cur.execute(s)
                for table, cols in TABLES:
                    if cols[0] == "id":
                        cur.execute(
                            "SELECT setval(pg_get_serial_sequence('\"%s\"', "
                            "'id'), COALESCE(MAX(id), 0) + 1, false) FROM "
                            "\"%s\"" % (table, table))
            con.commit()
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("VACUUM ANALYZE")
        finally:
            con.close()
            src.close()
        return self.conninfo(name)

    def stop(self):
        subprocess.run(["sh", os.path.join(ROOT, "tests", "pg", "cluster.sh"),
                        "stop", self.dir], capture_output=True)
        subprocess.run(["rm", "-rf", self.tmp])
