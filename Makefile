# ormc — schema compiler + runtime.  `make demo` and `make test` are all a
# newcomer needs; both install missing build dependencies first.
#
#   make            build the compiler (build/ormc) and runtime (build/libormc.a)
#   make demo       generate examples/blog.orm, seed a SQLite file, run the demo
#   make test       golden, error and execution tests; ends "N passed, N failed"
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan
#   make test VALGRIND=1   the execution tests under valgrind
#   make golden-update     regenerate tests/golden/*/expected files (read the diff!)
#   make clean

CC      ?= cc
SANITIZE ?=
VALGRIND ?= 0
OPT     ?= -O2
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
CFLAGS  := $(WARN) $(OPT) -g
LDLIBS  := -lsqlite3 -lm

ifeq ($(SANITIZE),1)
B       ?= build/san
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
B       ?= build
endif

COMPILER_SRC := compiler/arena.c compiler/diag.c compiler/build.c compiler/names.c \
                compiler/sema.c compiler/buf.c compiler/gen_header.c \
                compiler/gen_source.c compiler/compile.c
RUNTIME_SRC  := runtime/arena.c runtime/db.c runtime/object.c runtime/query.c \
                runtime/ormc_sqlite.c

COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/%.o) $(B)/grammar/orm.tab.o $(B)/grammar/orm.lex.o
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(B)/%.o)

.PHONY: all deps demo test golden-update clean
# generated sources are kept (they are worth reading), never auto-deleted
.SECONDARY:
all: $(B)/ormc $(B)/libormc.a

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

$(B)/libormcc.a: $(COMPILER_OBJ)
	ar rcs $@ $^

$(B)/ormc: $(B)/compiler/main.o $(B)/libormcc.a
	$(CC) $(LDFLAGS) $^ -o $@

# ---- runtime ----
$(B)/runtime/%.o: runtime/%.c runtime/*.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -c $< -o $@

$(B)/libormc.a: $(RUNTIME_OBJ)
	ar rcs $@ $^

# ---- generated code: $(B)/gen/NAME.orm.{h,c} from any NAME.orm ----
$(B)/gen/%.orm.c $(B)/gen/%.orm.h: examples/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.c $(B)/gen/%.orm.h: tests/exec/%.orm $(B)/ormc
	@mkdir -p $(@D)
	$(B)/ormc -o $(B)/gen $<

$(B)/gen/%.orm.o: $(B)/gen/%.orm.c $(B)/gen/%.orm.h runtime/ormc.h
	$(CC) $(CFLAGS) -Iruntime -c $< -o $@

# ---- demo ----
$(B)/demo: examples/demo.c $(B)/gen/blog.orm.o $(B)/libormc.a
	$(CC) $(CFLAGS) -Iruntime -I$(B)/gen examples/demo.c $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -o $@

demo: deps
	@$(MAKE) --no-print-directory $(B)/demo
	$(B)/demo $(B)/demo.db

# ---- tests ----
EXEC_TESTS := test_blog test_types test_runtime

$(B)/tests/test_blog: tests/exec/test_blog.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_types: tests/exec/test_types.c tests/exec/testutil.h $(B)/gen/types.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/types.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

$(B)/tests/test_runtime: tests/exec/test_runtime.c tests/exec/testutil.h tests/exec/blogutil.h $(B)/gen/blog.orm.o $(B)/libormc.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -I$(B)/gen -Itests/exec $< $(B)/gen/blog.orm.o \
	    $(B)/libormc.a $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

test: deps
	@$(MAKE) --no-print-directory all $(EXEC_TESTS:%=$(B)/tests/%)
	@VALGRIND=$(VALGRIND) sh tests/run.sh $(B) $(EXEC_TESTS)

golden-update: $(B)/ormc
	@sh tests/golden-update.sh $(B)/ormc

clean:
	rm -rf build
