# ormc — schema compiler + runtime.  `make demo` and `make test` are all a
# newcomer needs; both install missing build dependencies first.
# `make help` lists every target.
#
#   make            build the compiler (build/ormc) and runtime (build/libormc.a,
#                   build/libormc.so)
#   make demo       generate examples/blog.orm and library.orm, seed SQLite
#                   files, run both demos (relations in depth in the second)
#   make test       golden, error, CLI, symbol, install and execution tests;
#                   ends "N passed, N failed"
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make test VALGRIND=1   the execution tests under valgrind
#   make golden-update     regenerate tests/golden/*/expected files (read the diff!)
#   make stress     4 writer + 4 reader processes on one WAL file (STRESS_SECONDS=10)
#   make stress-pg  the same on a throwaway PostgreSQL server
#   make install    PREFIX=/usr/local DESTDIR= (make uninstall undoes it)
#   make clean

CC      ?= cc
LD      ?= ld
OBJCOPY ?= objcopy
# the version is ORMC_VERSION of include/ormc.h; the soname's is its major
VERSION := $(shell sed -n 's/^\#define ORMC_VERSION "\(.*\)"/\1/p' include/ormc.h)
SOMAJOR := $(firstword $(subst ., ,$(VERSION)))
SANITIZE ?=
VALGRIND ?= 0
OPT     ?= -O2
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
CFLAGS  := $(WARN) $(OPT) -g
LDLIBS  := -lsqlite3 -lm -lpthread
# PostgreSQL (runtime/ormc_pg.c) when libpq's headers are there (make deps
# installs libpq-dev); without them ormc_open of a connection string fails
# with a message saying so.  The runtime loads libpq itself (dlopen) on the
# first PostgreSQL connection, so programs link no libpq (PQLIBS is for the
# tests that call libpq directly).
HAVE_PG := $(shell pkg-config --exists libpq 2>/dev/null && echo 1)
ifeq ($(HAVE_PG),1)
PG_CFLAGS := -DORMC_HAVE_PG $(shell pkg-config --cflags libpq)
PG_LIBS := -ldl
LDLIBS  += $(PG_LIBS)
PQLIBS  := -lpq
endif

ifeq ($(SANITIZE),1)
B       ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
CFLAGS  += $(SANFLAGS)
LDFLAGS += -fsanitize=address,undefined
else
B       ?= build
endif

COMPILER_SRC := compiler/arena.c compiler/diag.c compiler/build.c compiler/names.c \
                compiler/cnames.c \
                compiler/paths.c \
                compiler/sema.c compiler/buf.c compiler/gen_header.c \
                compiler/gen_source.c compiler/compile.c compiler/udiff.c \
                compiler/migrate.c
RUNTIME_SRC  := runtime/arena.c runtime/sbuf.c runtime/db.c runtime/object.c \
                runtime/query.c runtime/sql.c runtime/dialect_sqlite.c \
                runtime/dialect_pg.c runtime/ormc_pg.c \
                runtime/rows.c runtime/stitch.c runtime/fetch.c runtime/writes.c \
                runtime/raw.c runtime/schema.c \
                runtime/ormc_sqlite.c runtime/sqlite_array.c

COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/%.o) $(B)/grammar/orm.tab.o $(B)/grammar/orm.lex.o
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(B)/%.o)

.PHONY: all deps demo demo-pg test golden-update cnames clean fuzz fuzz-regress fuzz-huge \
        fuzz-query help
# generated sources are kept (they are worth reading), never auto-deleted
.SECONDARY:
all: $(B)/ormc $(B)/libormc.a $(B)/libormc.so

deps:
	@sh .ci/deps

# ---- compiler ----
$(B)/grammar/orm.tab.c $(B)/grammar/orm.tab.h &: grammar/orm.y
	@mkdir -p $(@D)
	bison -Wall -Werror -d -o $(B)/grammar/orm.tab.c grammar/orm.y

$(B)/grammar/orm.lex.c: grammar/orm.l $(B)/grammar/orm.tab.h
	@mkdir -p $(@D)
	flex -o $@ grammar/orm.l

$(B)/grammar/%.o: $(B)/grammar/%.c compiler/build.h compiler/ctx.h compiler/ast.h
	$(CC) $(CFLAGS) -Icompiler -I$(B)/grammar -c $< -o $@

$(B)/compiler/%.o: compiler/%.c compiler/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler -c $< -o $@

$(B)/compiler/cnames.o: compiler/cnames.inc

# the identifiers of the C11, POSIX and SQLite headers, which generated names
# must not take: regenerated from this machine's headers (read the diff)
cnames:
	sh compiler/cnames.sh > compiler/cnames.inc.tmp && mv compiler/cnames.inc.tmp compiler/cnames.inc

$(B)/libormcc.a: $(COMPILER_OBJ)
	ar rcs $@ $^

# ormc inspect (inspect/): the only part of the compiler that reads a
# database, so only the command links SQLite, not libormcc.a
$(B)/inspect/%.o: inspect/%.c inspect/*.h compiler/buf.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler -c $< -o $@

# (-Iinspect in the recipe: a CFLAGS given on the command line, as make
# fuzz does, would override a target-specific one)
$(B)/compiler/main.o: compiler/main.c compiler/*.h inspect/inspect.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler -Iinspect -c $< -o $@

$(B)/ormc: $(B)/compiler/main.o $(B)/inspect/inspect.o $(B)/libormcc.a
	$(CC) $(LDFLAGS) $^ -lsqlite3 -o $@

# ---- runtime ----
# Built with -fvisibility=hidden: only what include/ormc.h declares (inside
# its `#pragma GCC visibility push(default)`) is exported.
#   libormc.a      the objects partially linked into one (ld -r), every
#                  global not named ormc_* made local (objcopy), so an
#                  application's own read_row or arena_new links beside it
#   libormc.so.$(VERSION)  from -fPIC objects in $(B)/pic, soname
#                  libormc.so.$(SOMAJOR), exporting only the ormc_ API
RUNTIME_CFLAGS = $(CFLAGS) -fvisibility=hidden -Iinclude -Iruntime $(PG_CFLAGS)
PIC_OBJ := $(RUNTIME_SRC:%.c=$(B)/pic/%.o)

$(B)/runtime/%.o: runtime/%.c runtime/*.h include/ormc.h
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) -c $< -o $@

$(B)/pic/runtime/%.o: runtime/%.c runtime/*.h include/ormc.h
	@mkdir -p $(@D)
	$(CC) $(RUNTIME_CFLAGS) -fPIC -c $< -o $@

# (objcopy keeps the hidden ormc_ seams of runtime/ormc_backend.h global
# in the archive: tests/faults links them; the .so does not export them)
$(B)/libormc.a: $(RUNTIME_OBJ)
	$(LD) -r -o $(B)/libormc.o $^
	$(OBJCOPY) --wildcard --keep-global-symbol='ormc_*' $(B)/libormc.o
	rm -f $@
	$(AR) rcs $@ $(B)/libormc.o
	rm -f $(B)/libormc.o

$(B)/libormc.so.$(VERSION): $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,libormc.so.$(SOMAJOR) $(LDFLAGS) $^ $(LDLIBS) -o $@

# the links an installed library has, so tests can link with -L$(B) -lormc
$(B)/libormc.so: $(B)/libormc.so.$(VERSION)
	ln -sf libormc.so.$(VERSION) $(B)/libormc.so.$(SOMAJOR)
	ln -sf libormc.so.$(SOMAJOR) $@

# ---- generated code: $(B)/gen/NAME.orm.{h,c} from any NAME.orm ----
$(B)/gen/%.orm.c $(B)/gen/%.orm.h: examples/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.c $(B)/gen/%.orm.h: tests/exec/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.c $(B)/gen/%.orm.h: tests/migrate/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.c $(B)/gen/%.orm.h: tests/inspect/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.o: $(B)/gen/%.orm.c $(B)/gen/%.orm.h include/ormc.h
	$(CC) $(CFLAGS) -Iinclude -c $< -o $@

# ---- demo ----
$(B)/demo: examples/demo.c $(B)/gen/blog.orm.o $(B)/libormc.a
	$(CC) $(CFLAGS) -Iinclude -I$(B)/gen examples/demo.c $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

$(B)/library_demo: examples/library_demo.c $(B)/gen/library.orm.o $(B)/libormc.a
	$(CC) $(CFLAGS) -Iinclude -I$(B)/gen examples/library_demo.c \
	    $(B)/gen/library.orm.o $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

demo: deps
	@$(MAKE) --no-print-directory $(B)/demo $(B)/library_demo
	$(B)/demo $(B)/demo.db
	$(B)/library_demo $(B)/library.db

# the same demos on a throwaway PostgreSQL server (examples/demo-pg.sh)
demo-pg: deps
	@$(MAKE) --no-print-directory $(B)/demo $(B)/library_demo
	sh examples/demo-pg.sh $(B)

# ---- tests ----
EXEC_TESTS := test_blog test_types test_runtime test_raw test_hostile test_compiler \
              test_query test_prefetch test_relations test_diff test_migrate \
              test_import test_inspect
# run again on a throwaway PostgreSQL server (tests/run.sh, tests/pg/)
PG_EXEC_TESTS := test_blog test_types test_hostile test_query test_prefetch \
                 test_relations test_runtime test_migrate test_import

# the compiler library (compiler/ormcc.h): streaming vs in-memory output,
# and its printf (compiler/buf.h)
$(B)/tests/test_compiler: tests/exec/test_compiler.c compiler/ormcc.h compiler/buf.h $(B)/libormcc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler $< $(B)/libormcc.a $(LDFLAGS) -lcmocka -o $@

# the unified diff of ormc --check (compiler/udiff.h)
$(B)/tests/test_diff: tests/exec/test_diff.c compiler/udiff.h $(B)/libormcc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler $< $(B)/libormcc.a $(LDFLAGS) -lcmocka -o $@

# schema checks and ormc diff (tests/migrate/*.orm): the generated code of
# every schema, the compiler library for the scripts, the runtime (and
# libpq, to run the PostgreSQL scripts whole)
MIG_SCHEMAS := base add rebuild drop rename alter index m2m retype
MIG_OBJ := $(MIG_SCHEMAS:%=$(B)/gen/mig_%.orm.o)
$(B)/tests/test_migrate: tests/exec/test_migrate.c tests/exec/testutil.h compiler/ormcc.h $(MIG_OBJ) $(B)/libormcc.a $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Iinclude -Iruntime -Icompiler -I$(B)/gen -Itests/exec \
	    -DMIG_DIR='"$(CURDIR)/tests/migrate"' $< $(MIG_OBJ) $(B)/libormcc.a \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) $(PQLIBS) -lcmocka -o $@

$(B)/tests/test_blog: tests/exec/test_blog.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_types: tests/exec/test_types.c tests/exec/testutil.h $(B)/gen/types.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/types.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_hostile: tests/exec/test_hostile.c tests/exec/testutil.h $(B)/gen/hostile.orm.o $(B)/gen/types.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/hostile.orm.o \
	    $(B)/gen/types.orm.o $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

# (white-box: it calls the runtime's internal arena, local in libormc.a,
# so it links the runtime's objects themselves)
$(B)/tests/test_runtime: tests/exec/test_runtime.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(RUNTIME_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(RUNTIME_OBJ) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_query: tests/exec/test_query.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_prefetch: tests/exec/test_prefetch.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_relations: tests/exec/test_relations.c tests/exec/testutil.h $(B)/gen/library.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/library.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

# shop.orm imports catalog.orm: its generated header includes catalog.orm.h,
# and ormc reads catalog.orm when it compiles shop.orm
$(B)/gen/shop.orm.c $(B)/gen/shop.orm.h: tests/exec/catalog.orm $(B)/gen/catalog.orm.h
$(B)/gen/shop.orm.o: $(B)/gen/catalog.orm.h

$(B)/tests/test_import: tests/exec/test_import.c tests/exec/testutil.h $(B)/gen/shop.orm.o $(B)/gen/catalog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/shop.orm.o \
	    $(B)/gen/catalog.orm.o $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

# ormc inspect on the Chinook layout (tests/inspect/): inspect_db itself,
# and the code generated from its golden output reading the database
$(B)/tests/test_inspect: tests/exec/test_inspect.c tests/exec/testutil.h inspect/inspect.h $(B)/gen/chinook.orm.o $(B)/gen/edge.orm.o $(B)/inspect/inspect.o $(B)/libormcc.a $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -Iinspect -I$(B)/gen -Itests/exec \
	    -DINSPECT_DIR='"$(CURDIR)/tests/inspect"' $< $(B)/gen/chinook.orm.o $(B)/gen/edge.orm.o \
	    $(B)/inspect/inspect.o $(B)/libormcc.a $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_raw: tests/exec/test_raw.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

# ormc_open_replicas on a real streaming replica (tests/run.sh starts it)
$(B)/tests/test_replica: tests/pg/test_replica.c $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Iinclude -I$(B)/gen $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) $(PQLIBS) -lcmocka -o $@

# the SQL of every query shape, against tests/sql/shapes.md
$(B)/tests/sql_shapes: tests/sql/shapes.c $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

test: deps
	@$(MAKE) --no-print-directory all $(EXEC_TESTS:%=$(B)/tests/%) $(B)/tests/fuzz_replay \
	    $(B)/tests/sql_shapes $(B)/tests/fuzz_query_replay \
	    $(if $(HAVE_PG),$(B)/tests/test_replica)
	@VALGRIND=$(VALGRIND) CC="$(CC)" SANITIZE="$(SANITIZE)" SANFLAGS="$(SANFLAGS)" \
	    PG_EXEC_TESTS="$(PG_EXEC_TESTS)" sh tests/run.sh $(B) $(EXEC_TESTS)

golden-update: $(B)/ormc $(B)/tests/sql_shapes
	@sh tests/golden-update.sh $(B)/ormc
	@$(B)/tests/sql_shapes > tests/sql/shapes.md && echo "updated tests/sql/shapes.md"
	@d=$$(mktemp -d) && c=$$(sh tests/pg/cluster.sh start $$d/pg 54399) && \
	    $(B)/tests/sql_shapes "$$(echo "$$c" | tail -1)" > tests/sql/shapes_pg.md; \
	    s=$$?; sh tests/pg/cluster.sh stop $$d/pg; rm -rf $$d; \
	    [ $$s -eq 0 ] && echo "updated tests/sql/shapes_pg.md"

# ---- fuzz ----
# make fuzz FUZZ_SECONDS=N   libFuzzer (clang -fsanitize=fuzzer,address,undefined)
#                            in build/fuzz, N seconds for each harness: the
#                            compiler library (fuzz_compile), then the query
#                            language against an independent evaluator
#                            (fuzz_query); fails on a crash, leak, timeout,
#                            broken invariant or differing rows
# make fuzz-query FUZZ_SECONDS=N   only the query harness
# make fuzz-regress          replays tests/fuzz/regress/* and
#                            tests/fuzz/regress_query/* (also part of make test)
# make fuzz-huge             huge inputs: bounded time and memory, no crash
FUZZ_SECONDS ?= 60
FUZZ_B := build/fuzz
FUZZ_CFLAGS := $(WARN) -O1 -g -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_MAKE = $(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang SANITIZE= \
	    CFLAGS="$(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link" \
	    LDFLAGS="-fsanitize=address,undefined"

fuzz: deps
	@ORMC_EXTRA_DEPS="clang libclang-rt-14-dev" sh .ci/deps
	@$(FUZZ_MAKE) $(FUZZ_B)/fuzz_compile $(FUZZ_B)/fuzz_query
	@sh tests/fuzz/fuzz.sh $(FUZZ_B) $(FUZZ_SECONDS)
	@sh tests/fuzz/fuzz_query.sh $(FUZZ_B) $(FUZZ_SECONDS)

fuzz-query: deps
	@ORMC_EXTRA_DEPS="clang libclang-rt-14-dev" sh .ci/deps
	@$(FUZZ_MAKE) $(FUZZ_B)/fuzz_query
	@sh tests/fuzz/fuzz_query.sh $(FUZZ_B) $(FUZZ_SECONDS)

$(FUZZ_B)/fuzz_compile: tests/fuzz/fuzz_compile.c $(FUZZ_B)/libormcc.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Icompiler $^ -o $@

$(FUZZ_B)/fuzz_query: tests/fuzz/fuzz_query.c $(FUZZ_B)/gen/blog.orm.o $(FUZZ_B)/libormc.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Iinclude -Iruntime -I$(FUZZ_B)/gen $^ $(LDLIBS) -o $@

$(B)/tests/fuzz_replay: tests/fuzz/replay.c tests/fuzz/fuzz_compile.c $(B)/libormcc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler $^ $(LDFLAGS) -o $@

$(B)/tests/fuzz_query_replay: tests/fuzz/replay.c tests/fuzz/fuzz_query.c $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen $^ $(LDFLAGS) $(LDLIBS) -o $@

fuzz-regress: $(B)/tests/fuzz_replay $(B)/tests/fuzz_query_replay
	$(B)/tests/fuzz_replay tests/fuzz/regress/*
	$(B)/tests/fuzz_query_replay tests/fuzz/seeds_query/* \
	    $$(ls tests/fuzz/regress_query/* 2>/dev/null)

fuzz-huge: $(B)/ormc
	@ORMC_EXTRA_DEPS=time sh .ci/deps
	@sh tests/fuzz/huge.sh $(B)/ormc

# ---- faults ----
# make faults   fault injection (tests/faults/faults.c): every scenario fails
#               at the 1st, 2nd, ... runtime malloc, SQLite malloc, exec,
#               prepare, bind, step and column read; built under ASan+UBSan
#               in $(B)/faults-san; ends "N passed, N failed"
.PHONY: faults
FAULTS_B = $(B)/faults-san

faults: deps
	@$(MAKE) --no-print-directory B=$(FAULTS_B) SANITIZE=1 $(FAULTS_B)/tests/faults
	$(FAULTS_B)/tests/faults

$(B)/tests/faults: tests/faults/faults.c $(B)/gen/blog.orm.o $(B)/gen/types.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen $< $(B)/gen/blog.orm.o \
	    $(B)/gen/types.orm.o $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

# ---- stress ----
# make stress STRESS_SECONDS=N   4 writer + 4 reader processes on one WAL file
#               ($(B)/stress.db) for N seconds (tests/stress/stress.c): no
#               torn object, 0 lost, 0 duplicated writes; ends "N passed, N failed"
# make stress-pg STRESS_SECONDS=N   the same program on a throwaway PostgreSQL
#               server (tests/stress/stress-pg.sh starts it with
#               tests/pg/cluster.sh and stops it at the end)
.PHONY: stress stress-pg
STRESS_SECONDS ?= 10

stress: deps
	@$(MAKE) --no-print-directory $(B)/tests/stress
	$(B)/tests/stress $(B)/stress.db $(STRESS_SECONDS)

stress-pg: deps
	@$(MAKE) --no-print-directory $(B)/tests/stress
	sh tests/stress/stress-pg.sh $(B) $(STRESS_SECONDS)

$(B)/tests/stress: tests/stress/stress.c $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PG_CFLAGS) -Iinclude -Iruntime -I$(B)/gen $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) $(PQLIBS) -o $@

# ---- bench ----
# make bench        the benchmark (bench/README.md): data at S=1 and S=10,
#                   ormc vs hand-written C vs Django vs the SQLite floor,
#                   W0..W14, plus W2 at S=30 where Django's prefetch fails
#                   and a 300,000-id IN list (W10p) at S=10 where its
#                   id__in fails; then ormc vs hand-written libpq C vs
#                   Django on a throwaway PostgreSQL server (bench/pg.py)
#                   with the same data, and 1/4/16 concurrent clients;
#                   report in bench/results/latest.md (~25 minutes; Django's W14 at S=10 alone ~100 s)
# make bench-smoke  a tiny run for CI (S=0.1, 1 run, W0..W14 and W10p, and
#                   the PostgreSQL columns, or SKIP without a server):
#                   cross-checks checksums and statement counts, asserts no
#                   times (< 60 s, ~25 s more for PostgreSQL)
# Both build with -O2 and without sanitizers in $(B)/bench and install their
# own dependencies (python3-django, python3-psycopg2, gnuplot-nox).
.PHONY: bench bench-smoke bench-bins
BENCH_B    := $(B)/bench
BENCH_PY   := /usr/bin/python3
BENCH_DEPS := python3-django python3-psycopg2 gnuplot-nox
BENCH_HDR  := bench/harness.h bench/checksum.h
BENCH_RAW  := bench/rawdb.c bench/rawdb.h bench/sql.h

bench: deps
	@ORMC_EXTRA_DEPS="$(BENCH_DEPS)" sh .ci/deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) SANITIZE= OPT=-O2 bench-bins
	$(BENCH_PY) bench/run.py --build $(BENCH_B) --scales 1,10 --probe 30 \
	    --probe-in 10 --out bench/results/latest.md \
	    --plot bench/results/scaling.png

bench-smoke: deps
	@ORMC_EXTRA_DEPS="$(BENCH_DEPS)" sh .ci/deps
	@$(MAKE) --no-print-directory B=$(BENCH_B) SANITIZE= OPT=-O2 bench-bins
	$(BENCH_PY) bench/run.py --build $(BENCH_B) --smoke

# (made inside $(BENCH_B) by the two targets above)
bench-bins: $(B)/bin/gen $(B)/bin/ormc_bench $(B)/bin/hand_bench \
            $(B)/bin/floor_bench $(B)/ormc $(if $(HAVE_PG),$(B)/bin/hand_pg_bench)

$(B)/bin/gen: bench/gen.c $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

$(B)/bin/ormc_bench: bench/ormc_bench.c bench/harness.c $(BENCH_HDR) \
                     $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iinclude -Iruntime -I$(B)/gen $< bench/harness.c \
	    $(B)/gen/blog.orm.o $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

# hand-written libpq C, the PostgreSQL bar (bench/README.md, "PostgreSQL")
$(B)/bin/hand_pg_bench: bench/hand_pg_bench.c bench/harness.c $(BENCH_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(PG_CFLAGS) $< bench/harness.c $(LDFLAGS) -lpq -o $@

$(B)/bin/%_bench: bench/%_bench.c bench/harness.c $(BENCH_HDR) $(BENCH_RAW)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< bench/harness.c bench/rawdb.c $(LDFLAGS) $(LDLIBS) -o $@

# ---- install ----
# make install [PREFIX=/usr/local] [DESTDIR=]   copies, under DESTDIR/PREFIX:
#   bin/ormc, lib/libormc.a, lib/libormc.so.$(VERSION) with the links
#   libormc.so.$(SOMAJOR) and libormc.so, include/ormc.h (the one public
#   header), lib/pkgconfig/ormc.pc and share/man/man1/ormc.1.
# make uninstall (same PREFIX and DESTDIR) removes exactly those files.
.PHONY: install uninstall
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR     ?= $(PREFIX)/share/man
PCDIR      ?= $(LIBDIR)/pkgconfig
INSTALL    ?= install

install: $(B)/ormc $(B)/libormc.a $(B)/libormc.so
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PCDIR) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(B)/ormc $(DESTDIR)$(BINDIR)/ormc
	$(INSTALL) -m 644 $(B)/libormc.a $(DESTDIR)$(LIBDIR)/libormc.a
	$(INSTALL) -m 755 $(B)/libormc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libormc.so.$(VERSION)
	ln -sf libormc.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libormc.so.$(SOMAJOR)
	ln -sf libormc.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libormc.so
	$(INSTALL) -m 644 include/ormc.h $(DESTDIR)$(INCLUDEDIR)/ormc.h
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@LIBDIR@|$(LIBDIR)|; s|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@PGLIBS@|$(if $(HAVE_PG), $(PG_LIBS))|' \
	    ormc.pc.in >$(DESTDIR)$(PCDIR)/ormc.pc
	chmod 644 $(DESTDIR)$(PCDIR)/ormc.pc
	$(INSTALL) -m 644 docs/ormc.1 $(DESTDIR)$(MANDIR)/man1/ormc.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/ormc $(DESTDIR)$(LIBDIR)/libormc.a \
	    $(DESTDIR)$(LIBDIR)/libormc.so.$(VERSION) \
	    $(DESTDIR)$(LIBDIR)/libormc.so.$(SOMAJOR) $(DESTDIR)$(LIBDIR)/libormc.so \
	    $(DESTDIR)$(INCLUDEDIR)/ormc.h $(DESTDIR)$(PCDIR)/ormc.pc \
	    $(DESTDIR)$(MANDIR)/man1/ormc.1

clean:
	rm -rf build

# every target, one line each (tests/install.sh checks that none is missing)
help:
	@echo 'make [TARGET] [B=build-dir] [SANITIZE=1] [CC=clang] ...; targets:'
	@echo '  all            build/ormc, build/libormc.a and build/libormc.so (the default)'
	@echo '  deps           install missing build dependencies (apt-get, through sudo)'
	@echo '  demo           generate examples/*.orm, seed build/demo.db and build/library.db, run both demos'
	@echo '  demo-pg        the same demos on a throwaway PostgreSQL server (same statement counts)'
	@echo '  test           every test; ends "N passed, N failed" (SANITIZE=1, VALGRIND=1)'
	@echo '  golden-update  regenerate tests/golden and tests/sql/shapes.md (read the diff)'
	@echo '  cnames         regenerate compiler/cnames.inc, the C11/POSIX/SQLite header names (read the diff)'
	@echo '  install        install under DESTDIR/PREFIX (default /usr/local): ormc, libormc, ormc.h, ormc.pc, ormc(1)'
	@echo '  uninstall      remove what install installed (same PREFIX and DESTDIR)'
	@echo '  fuzz           libFuzzer on the compiler and the query language (FUZZ_SECONDS=60 each)'
	@echo '  fuzz-query     libFuzzer on the query language only'
	@echo '  fuzz-regress   replay every past fuzz finding and seed'
	@echo '  fuzz-huge      huge inputs: bounded time and memory'
	@echo '  faults         fault injection at every allocation and backend call (ASan+UBSan)'
	@echo '  stress         4 writers + 4 readers on one WAL file (STRESS_SECONDS=10)'
	@echo '  stress-pg      the same on a throwaway PostgreSQL server (STRESS_SECONDS=10)'
	@echo '  bench          the benchmark (SQLite, then PostgreSQL), ~25 minutes: bench/results/latest.md'
	@echo '  bench-smoke    the benchmark at a tiny scale, PostgreSQL too: cross-checks only (~60-90 s)'
	@echo '  bench-bins     the benchmark programs (used by bench and bench-smoke)'
	@echo '  clean          remove build/'
	@echo '  help           this list'
