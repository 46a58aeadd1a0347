/*
 * sema.c — the semantic pass.  Resolves field types and relations, builds
 * the reverse relations, checks every rule of docs/dsl.md and computes the
 * C and SQL names that codegen prints.  Reports every error it finds; one
 * error never hides another of a different model or field.
 */
#include "cnames.h"
#include "ctx.h"
#include "names.h"
#include "paths.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const BUILTINS[] = {"int",  "real", "bool",
                                       "text", "blob", "datetime"};
static const TypeKind BUILTIN_KINDS[] = {TY_INT,  TY_REAL, TY_BOOL,
                                         TY_TEXT, TY_BLOB, TY_DATETIME};
#define NBUILTINS 6

static const char *const OPTIONS[] = {"index", "unique", "order", "table",
                                      "id"};

/* Words a struct member or function-name part cannot be: C11 and C++
 * keywords, and the macros of the headers generated code includes. */
static const char *const RESERVED[] = {
    "_Alignas", "_Alignof", "_Atomic", "_Bool", "_Complex", "_Generic",
    "_Imaginary", "_Noreturn", "_Static_assert", "_Thread_local", "alignas",
    "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char",
    "class", "const", "const_cast", "constexpr", "continue", "decltype",
    "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "errno", "explicit", "export", "extern", "false", "float", "for",
    "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace",
    "new", "noexcept", "not", "nullptr", "operator", "or", "private",
    "protected", "public", "register", "reinterpret_cast", "restrict",
    "return", "short", "signed", "sizeof", "static", "static_assert",
    "static_cast", "struct", "switch", "template", "this", "thread_local",
    "throw", "true", "try", "typedef", "typeid", "typename", "union",
    "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while",
    "xor", "NULL",
    /* C++ alternative tokens, C++20 and C23 keywords */
    "and_eq", "bitand", "bitor", "compl", "not_eq", "or_eq", "xor_eq",
    "char8_t", "char16_t", "char32_t", "concept", "requires", "co_await",
    "co_return", "co_yield", "consteval", "constinit", "typeof",
    "typeof_unqual",
    /* types of <stddef.h> and <stdint.h>, which generated code uses */
    "size_t", "ptrdiff_t", "max_align_t", "offsetof", "int8_t", "int16_t",
    "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "intptr_t", "uintptr_t", "intmax_t", "uintmax_t",
    /* macros: predefined by gcc in GNU modes, or by <complex.h> and
     * <stdnoreturn.h> in the user's program */
    "unix", "linux", "i386", "complex", "imaginary", "I", "noreturn",
    /* object-like macros and the type FILE of the C11 standard headers
     * (those the _MIN/_MAX/_C and '_' rules do not already cover): a member
     * or type of that name breaks every program that includes the header
     * together with the generated one; NDEBUG is the user's, for <assert.h> */
    "FILE", "stdin", "stdout", "stderr", "EOF", "BUFSIZ", "L_tmpnam",
    "SEEK_SET", "SEEK_CUR", "SEEK_END", "EXIT_SUCCESS", "EXIT_FAILURE",
    "NDEBUG", "EDOM", "EILSEQ", "ERANGE", "CHAR_BIT", "WEOF",
    "CLOCKS_PER_SEC", "TIME_UTC", "LC_ALL", "LC_COLLATE", "LC_CTYPE",
    "LC_MONETARY", "LC_NUMERIC", "LC_TIME", "SIG_DFL", "SIG_ERR", "SIG_IGN",
    "SIGABRT", "SIGFPE", "SIGILL", "SIGINT", "SIGSEGV", "SIGTERM",
    "INFINITY", "NAN", "HUGE_VAL", "HUGE_VALF", "HUGE_VALL", "FP_INFINITE",
    "FP_NAN", "FP_NORMAL", "FP_SUBNORMAL", "FP_ZERO", "FP_FAST_FMA",
    "FP_FAST_FMAF", "FP_FAST_FMAL", "FP_ILOGB0", "FP_ILOGBNAN", "MATH_ERRNO",
    "MATH_ERREXCEPT", "math_errhandling", "FE_DIVBYZERO", "FE_INEXACT",
    "FE_INVALID", "FE_OVERFLOW", "FE_UNDERFLOW", "FE_ALL_EXCEPT",
    "FE_DOWNWARD", "FE_TONEAREST", "FE_TOWARDZERO", "FE_UPWARD", "FE_DFL_ENV",
    "FLT_RADIX", "FLT_ROUNDS", "FLT_EVAL_METHOD", "DECIMAL_DIG",
    "FLT_DECIMAL_DIG", "DBL_DECIMAL_DIG", "LDBL_DECIMAL_DIG", "FLT_MANT_DIG",
    "DBL_MANT_DIG", "LDBL_MANT_DIG", "FLT_DIG", "DBL_DIG", "LDBL_DIG",
    "FLT_EPSILON", "DBL_EPSILON", "LDBL_EPSILON", "FLT_HAS_SUBNORM",
    "DBL_HAS_SUBNORM", "LDBL_HAS_SUBNORM", "FLT_MIN_EXP", "DBL_MIN_EXP",
    "LDBL_MIN_EXP", "FLT_MIN_10_EXP", "DBL_MIN_10_EXP", "LDBL_MIN_10_EXP",
    "FLT_MAX_EXP", "DBL_MAX_EXP", "LDBL_MAX_EXP", "FLT_MAX_10_EXP",
    "DBL_MAX_10_EXP", "LDBL_MAX_10_EXP", "ATOMIC_VAR_INIT",
    "ATOMIC_FLAG_INIT", "ATOMIC_BOOL_LOCK_FREE", "ATOMIC_CHAR_LOCK_FREE",
    "ATOMIC_CHAR16_T_LOCK_FREE", "ATOMIC_CHAR32_T_LOCK_FREE",
    "ATOMIC_WCHAR_T_LOCK_FREE", "ATOMIC_SHORT_LOCK_FREE",
    "ATOMIC_INT_LOCK_FREE", "ATOMIC_LONG_LOCK_FREE", "ATOMIC_LLONG_LOCK_FREE",
    "ATOMIC_POINTER_LOCK_FREE", "ONCE_FLAG_INIT", "TSS_DTOR_ITERATIONS"};

/* RESERVED as a map (names -> themselves), built once per compile:
 * every model, field and related name is looked up. */
static void reserved_init(NameMap *words, Arena *a)
{
    names_init(words, a);
    for (size_t i = 0; i < sizeof RESERVED / sizeof RESERVED[0]; i++)
        names_put(words, RESERVED[i], RESERVED[i]);
}

static bool is_reserved(const NameMap *words, const char *name)
{
    /* <inttypes.h>: PRI or SCN, then a lowercase letter or X (PRId64) */
    if ((strncmp(name, "PRI", 3) == 0 || strncmp(name, "SCN", 3) == 0) &&
        (islower((unsigned char)name[3]) || name[3] == 'X'))
        return true;
    return names_get(words, name) != NULL;
}

/* Names C reserves for the implementation: __x and _X. */
static bool is_impl_reserved(const char *name)
{
    return name[0] == '_' && (name[1] == '_' || isupper((unsigned char)name[1]));
}

/* The limit macros of <stdint.h> (INT64_MAX, SIZE_MAX, UINT8_C...):
 * upper case, ending in _MIN, _MAX or _C. */
static bool is_limit_macro(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (!isupper((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '_')
            return false;
    return (n > 4 && (strcmp(name + n - 4, "_MAX") == 0 ||
                      strcmp(name + n - 4, "_MIN") == 0)) ||
           (n > 2 && strcmp(name + n - 2, "_C") == 0);
}

/* Why `name` cannot name a C identifier part, or NULL if it can. */
static const char *reserved_why(const NameMap *words, const char *name)
{
    if (is_reserved(words, name))
        return "is a reserved word or standard name in C or C++";
    if (strncmp(name, "ormc_", 5) == 0 || strncmp(name, "ORMC_", 5) == 0)
        return "is reserved for the ormc runtime (names starting with "
               "'ormc_')";
    if (is_limit_macro(name))
        return "could be a macro of <stdint.h> (upper case ending in _MIN, "
               "_MAX or _C)";
    if (is_impl_reserved(name))
        return "is reserved in C (names starting with '__', or '_' and an "
               "uppercase letter)";
    return NULL;
}

/* BlogPost -> blog_post, HTTPRequest -> http_request. */
static const char *snake(Arena *a, const char *name)
{
    size_t n = strlen(name);
    char *out = arena_zalloc(a, 2 * n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (isupper(ch) && i > 0) {
            unsigned char prev = (unsigned char)name[i - 1];
            unsigned char next = (unsigned char)name[i + 1];
            if (islower(prev) || isdigit(prev) ||
                (isupper(prev) && islower(next)))
                if (o[-1] != '_')
                    *o++ = '_';
        }
        *o++ = (char)tolower(ch);
    }
    return out;
}


/* ", did you mean 'x'?" or "" — formatted into buf. */
static const char *hint(char *buf, size_t size, const char *name,
                        const char *const *cands, int n)
{
    const char *s = diag_suggest(name, cands, n);
    if (s)
        snprintf(buf, size, "; did you mean '%s'?", s);
    else
        buf[0] = '\0';
    return buf;
}

static const char *type_word(TypeKind k)
{
    switch (k) {
    case TY_INT: return "int";
    case TY_REAL: return "real";
    case TY_BOOL: return "bool";
    case TY_TEXT: return "text";
    case TY_BLOB: return "blob";
    case TY_DATETIME: return "datetime";
    case TY_MANY: return "many-to-many relation";
    default: return "relation";
    }
}

static const char *default_word(DefaultKind k)
{
    switch (k) {
    case DEF_INT: return "an int";
    case DEF_REAL: return "a real";
    case DEF_STRING: return "a string";
    case DEF_BOOL: return "a bool";
    case DEF_NOW: return "'now'";
    default: return "'null'";
    }
}

typedef struct Sema {
    Ctx *c;
    NameMap models; /* name -> Model */
    const char **model_names; /* own models, then the direct imports' */
    int nmodel_names;
    NameMap reserved; /* RESERVED */
    NameMap all; /* name -> Model: own models and those of every file
                  * imported, directly or not (add_imported) */
} Sema;

/* ---- models ---- */

static void check_models(Sema *s)
{
    Ctx *c = s->c;
    int n = 0;
    for (Model *m = c->models; m; m = m->next)
        n++;
    c->schema.nmodels = n;
    c->schema.mv = arena_zalloc(c->arena, (size_t)(n ? n : 1) * sizeof(Model *));
    s->model_names = arena_zalloc(c->arena, (size_t)(n ? n : 1) * sizeof(char *));
    s->nmodel_names = n;
    n = 0;
    NameMap prefixes;
    names_init(&prefixes, c->arena);
    for (Model *m = c->models; m; m = m->next) {
        c->schema.mv[n] = m;
        s->model_names[n++] = m->name;
        const Model *first = names_put(&s->models, m->name, m);
        if (first) {
            diag_error(c, m->loc, "duplicate model '%s'", m->name);
            diag_note(c, first->loc, "'%s' first defined here", m->name);
            continue;
        }
        if (!isupper((unsigned char)m->name[0])) {
            if (islower((unsigned char)m->name[0]))
                diag_error(c, m->loc,
                           "model name '%s' must start with an uppercase "
                           "letter (e.g. '%c%s')",
                           m->name, toupper((unsigned char)m->name[0]),
                           m->name + 1);
            else
                diag_error(c, m->loc,
                           "model name '%s' must start with an uppercase "
                           "letter",
                           m->name);
            continue;
        }
        if (reserved_why(&s->reserved, m->name)) {
            diag_error(c, m->loc, "model name '%s' %s; choose another name",
                       m->name, reserved_why(&s->reserved, m->name));
            continue;
        }
        const char *prefix = snake(c->arena, m->name);
        if (strcmp(prefix, "ormc") == 0 || strncmp(prefix, "ormc_", 5) == 0) {
            diag_error(c, m->loc,
                       "model name '%s' would give C names starting with "
                       "'%s_', and 'ormc_' names are the runtime's; choose "
                       "another name",
                       m->name, prefix);
            continue;
        }
        m->prefix = prefix;
        m->upper = name_upper(c->arena, m->prefix);
        m->table = m->prefix;
        const Model *other = names_put(&prefixes, m->prefix, m);
        if (other)
            diag_error(c, m->loc,
                       "model '%s' and model '%s' both get the C prefix '%s_'",
                       m->name, other->name, m->prefix);
    }
}

/* ---- imports ---- */

/* Adds the Ctx of every file c imports, directly or not, to v[*n] once
 * (v holds up to cap), with the direct import that leads to it. */
static void collect_imports(Ctx *c, Ctx **v, Import **via, int *n, int cap,
                            Import *through)
{
    for (Import *im = c->imports; im; im = im->next) {
        Ctx *k = im->unit;
        if (!k)
            continue;
        int i = 0;
        while (i < *n && v[i] != k)
            i++;
        if (i < *n || *n == cap)
            continue;
        v[*n] = k;
        via[(*n)++] = through ? through : im;
        collect_imports(k, v, via, n, cap, through ? through : im);
    }
}

/* Makes the models of c's direct imports known by name (relations may
 * point to them), and refuses a model name or a schema name that an
 * imported file, directly or not, also uses: both files' generated C
 * meets in one translation unit (the importer's header includes the
 * imported one), where the names would clash. */
static void add_imported(Sema *s)
{
    Ctx *c = s->c;
    names_init(&s->all, c->arena);
    for (int i = 0; i < c->schema.nmodels; i++)
        if (!names_get(&s->all, c->schema.mv[i]->name))
            names_put(&s->all, c->schema.mv[i]->name, c->schema.mv[i]);
    enum { CAP = 256 };
    Ctx *v[CAP];
    Import *via[CAP];
    int n = 0;
    collect_imports(c, v, via, &n, CAP, NULL);
    s->nmodel_names = c->schema.nmodels;
    int total = c->schema.nmodels;
    for (const Import *im = c->imports; im; im = im->next)
        total += im->unit ? im->unit->schema.nmodels : 0;
    if (total > s->nmodel_names) { /* "did you mean" also names these */
        const char **names = arena_zalloc(c->arena, (size_t)total * sizeof *names);
        memcpy(names, s->model_names,
               (size_t)s->nmodel_names * sizeof *names);
        s->model_names = names;
    }
    for (int i = 0; i < n; i++) {
        Ctx *k = v[i];
        bool direct = false;
        for (Import *im = c->imports; im; im = im->next)
            direct |= im->unit == k;
        if (strcmp(k->schema.name, c->schema.name) == 0)
            diag_error(c, via[i]->loc,
                       "imported file '%s' has the same schema name '%s' as "
                       "this file: the generated names would clash; rename "
                       "one of them",
                       k->file, c->schema.name);
        for (int j = 0; j < k->schema.nmodels; j++) {
            Model *t = k->schema.mv[j];
            const Model *prev = names_put(&s->all, t->name, t);
            if (prev && prev->file == c->file)
                diag_error(c, prev->loc,
                           "model '%s' is also defined in imported file "
                           "'%s': model names must be unique across the "
                           "files of a schema",
                           t->name, k->file);
            else if (prev)
                diag_error(c, via[i]->loc,
                           "model '%s' is defined both in '%s' and in '%s', "
                           "which this file imports: model names must be "
                           "unique across the files of a schema",
                           t->name, prev->file, t->file);
            else if (direct) {
                names_put(&s->models, t->name, t);
                s->model_names[s->nmodel_names++] = t->name;
            }
        }
    }
}

/* ---- fields ---- */

/* The field of m called `name` (after check_fields), or NULL.  O(1). */
static Field *find_field(Model *m, const char *name)
{
    return m->fields_by_name ? (Field *)names_get(m->fields_by_name, name)
                             : NULL;
}

/* Well-formed UTF-8: no overlong forms, surrogates or values past U+10FFFF. */
static bool valid_utf8(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        unsigned c = *s, len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2
                                          : (c & 0xf0) == 0xe0   ? 3
                                          : (c & 0xf8) == 0xf0   ? 4
                                                                 : 0;
        if (!len)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7f >> len);
        for (unsigned k = 1; k < len; k++) {
            if ((s[k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        s += len;
    }
    return true;
}

static void check_default(Ctx *c, Model *m, Field *f)
{
    Default *d = &f->def;
    if (d->kind == DEF_NONE)
        return;
    if (d->kind == DEF_NULL && f->nullable)
        return; /* what a nullable field does anyway */
    if (f->kind == TY_MODEL) {
        diag_error(c, d->loc, "relation '%s.%s' cannot have a default",
                   m->name, f->name);
        return;
    }
    if (f->kind == TY_BLOB) {
        diag_error(c, d->loc, "blob field '%s.%s' cannot have a default",
                   m->name, f->name);
        return;
    }
    bool ok;
    switch (f->kind) {
    case TY_INT: ok = d->kind == DEF_INT; break;
    case TY_REAL: ok = d->kind == DEF_REAL || d->kind == DEF_INT; break;
    case TY_BOOL: ok = d->kind == DEF_BOOL; break;
    case TY_TEXT: ok = d->kind == DEF_STRING; break;
    case TY_DATETIME: ok = d->kind == DEF_NOW || d->kind == DEF_INT; break;
    default: ok = false;
    }
    if (d->kind == DEF_NULL) {
        if (!f->nullable && f->has_size)
            diag_error(c, d->loc,
                       "'default null' needs a nullable field, and '%s.%s' "
                       "is not; write '%s(%lld)?'",
                       m->name, f->name, f->type_name, (long long)f->size);
        else if (!f->nullable)
            diag_error(c, d->loc,
                       "'default null' needs a nullable field, and '%s.%s' "
                       "is not; write '%s?'",
                       m->name, f->name, f->type_name);
        return;
    }
    if (!ok) {
        diag_error(c, d->loc,
                   "default for %s field '%s.%s' must be %s, got %s",
                   type_word(f->kind), m->name, f->name,
                   f->kind == TY_DATETIME ? "'now' or an int (Unix seconds)"
                   : f->kind == TY_REAL   ? "a number"
                   : f->kind == TY_BOOL   ? "true or false"
                   : f->kind == TY_TEXT   ? "a string"
                                          : "an int",
                   default_word(d->kind));
        return;
    }
    if (f->kind == TY_TEXT && !valid_utf8(d->s)) {
        diag_error(c, d->loc, "default for '%s.%s' is not valid UTF-8",
                   m->name, f->name);
        return;
    }
    if (f->kind == TY_TEXT && f->has_size) {
        size_t chars = 0;
        for (const unsigned char *p = (const unsigned char *)d->s; *p; p++)
            chars += (*p & 0xc0) != 0x80;
        if ((int64_t)chars > f->size)
            diag_error(c, d->loc,
                       "default for '%s.%s' has %zu characters, more than "
                       "text(%lld) allows",
                       m->name, f->name, chars, (long long)f->size);
    }
}

/* Type names of SQL, C and other schema languages, for "did you mean". */
static const char *alias_of(const char *name)
{
    static const char *const aliases[][2] = {
        {"integer", "int"},     {"bigint", "int"},     {"smallint", "int"},
        {"long", "int"},        {"int64", "int"},      {"int64_t", "int"},
        {"float", "real"},      {"double", "real"},    {"decimal", "real"},
        {"numeric", "real"},    {"boolean", "bool"},   {"string", "text"},
        {"str", "text"},        {"varchar", "text"},   {"char", "text"},
        {"timestamp", "datetime"}, {"date", "datetime"}, {"time", "datetime"},
        {"bytes", "blob"},      {"binary", "blob"},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i][0], name) == 0)
            return aliases[i][1];
    return NULL;
}

static void resolve_type(Sema *s, Model *m, Field *f)
{
    Ctx *c = s->c;
    char buf[128];
    if (isupper((unsigned char)f->type_name[0])) {
        Model *t = (Model *)names_get(&s->models, f->type_name);
        const Model *far = t ? NULL : names_get(&s->all, f->type_name);
        if (far) {
            diag_error(c, f->type_loc,
                       "relation '%s.%s' names model '%s' of '%s', which "
                       "this file does not import itself: add an import of "
                       "that file",
                       m->name, f->name, f->type_name, far->file);
            return;
        }
        if (!t) {
            const char *h = hint(buf, sizeof buf, f->type_name,
                                 s->model_names,
                                 c->stopped ? 0 : s->nmodel_names);
            if (!*h && c->imports)
                h = " (neither declared in this file nor in a file it "
                    "imports)";
            diag_error(c, f->type_loc, "relation '%s.%s' names unknown model '%s'%s",
                       m->name, f->name, f->type_name, h);
            return;
        }
        f->kind = f->many ? TY_MANY : TY_MODEL;
        f->target = t;
        return;
    }
    for (int i = 0; i < NBUILTINS; i++)
        if (strcmp(BUILTINS[i], f->type_name) == 0)
            f->kind = BUILTIN_KINDS[i];
    if (f->kind != TY_UNRESOLVED && f->many)
        diag_error(c, f->type_loc,
                   "'%s[]' is not a type: '[]' makes a many-to-many relation, "
                   "which needs a model (e.g. 'Tag[]')",
                   f->type_name);
    if (f->kind == TY_UNRESOLVED) {
        const char *s2 = alias_of(f->type_name);
        if (!s2)
            s2 = diag_suggest(f->type_name, BUILTINS, NBUILTINS);
        if (!s2)
            /* O(models): not once errors are no longer printed */
            s2 = diag_suggest(f->type_name, s->model_names,
                              c->stopped ? 0 : s->nmodel_names);
        if (s2)
            snprintf(buf, sizeof buf, "; did you mean '%s'?", s2);
        else
            snprintf(buf, sizeof buf,
                     " (types: int, real, bool, text, text(N), blob, "
                     "datetime, or a model name)");
        diag_error(c, f->type_loc, "unknown type '%s'%s", f->type_name, buf);
    }
}

/* The modifiers a many-to-many relation refuses: it has no column of its
 * own, only rows of a join table. */
static void check_many_mods(Ctx *c, Model *m, Field *f)
{
    static const char what[] = "does not apply to many-to-many relation";
    if (f->nullable)
        diag_error(c, f->nullable_loc,
                   "'?' %s '%s.%s': it is a set, which may be empty", what,
                   m->name, f->name);
    if (f->unique)
        diag_error(c, f->unique_loc,
                   "'unique' %s '%s.%s': each pair is stored once", what,
                   m->name, f->name);
    if (f->index)
        diag_error(c, f->index_loc,
                   "'index' %s '%s.%s': its join table is indexed both ways",
                   what, m->name, f->name);
    if (f->def.kind != DEF_NONE)
        diag_error(c, f->def.loc, "'default' %s '%s.%s'", what, m->name,
                   f->name);
    if (f->on_delete != OD_NONE && f->through)
        diag_error(c, f->on_delete_loc,
                   "'on delete' %s '%s.%s': set it on the foreign keys of "
                   "'%s'",
                   what, m->name, f->name, f->through);
    else if (f->on_delete != OD_NONE)
        diag_error(c, f->on_delete_loc,
                   "'on delete' %s '%s.%s': its join rows are deleted with "
                   "either side",
                   what, m->name, f->name);
}

static void check_field(Sema *s, Model *m, Field *f)
{
    Ctx *c = s->c;
    if (strcmp(f->name, "id") == 0) {
        diag_error(c, f->loc,
                   "field 'id' is implicit: every model has an int64 primary "
                   "key 'id'");
        return;
    }
    if (reserved_why(&s->reserved, f->name)) {
        diag_error(c, f->loc, "field name '%s' %s; choose another name",
                   f->name, reserved_why(&s->reserved, f->name));
        return;
    }
    resolve_type(s, m, f);
    if (f->has_size) {
        if (f->kind != TY_TEXT && f->kind != TY_UNRESOLVED)
            diag_error(c, f->size_loc, "only text takes a length, not %s",
                       type_word(f->kind));
        else if (f->size < 1 || f->size > 2147483647)
            diag_error(c, f->size_loc,
                       "text length must be between 1 and 2147483647, got "
                       "%s",
                       f->size > 2147483647 ? "a larger number" : "0");
    }
    if (f->through && f->kind == TY_MODEL)
        diag_error(c, f->through_loc,
                   "'through' is only for many-to-many relations; write "
                   "'%s[]' to make '%s.%s' one",
                   f->type_name, m->name, f->name);
    else if (f->through && f->kind != TY_MANY && f->kind != TY_UNRESOLVED)
        diag_error(c, f->through_loc,
                   "'through' is only for many-to-many relations, and '%s.%s' "
                   "is %s",
                   m->name, f->name, type_word(f->kind));
    if (f->kind == TY_MODEL) {
        f->member = arena_printf(c->arena, "%s_id", f->name);
        if (f->on_delete == OD_SET_NULL && !f->nullable)
            diag_error(c, f->on_delete_loc,
                       "'on delete set null' needs a nullable relation; "
                       "write '%s?'",
                       f->type_name);
    } else if (f->kind == TY_MANY) {
        f->member = f->name;
        check_many_mods(c, m, f);
    } else {
        f->member = f->name;
        if (f->related && f->kind != TY_UNRESOLVED)
            diag_error(c, f->related_loc,
                       "'related' is only for relations, and '%s.%s' is %s",
                       m->name, f->name, type_word(f->kind));
        if (f->on_delete != OD_NONE && f->kind != TY_UNRESOLVED)
            diag_error(c, f->on_delete_loc,
                       "'on delete' is only for relations, and '%s.%s' is %s",
                       m->name, f->name, type_word(f->kind));
    }
    if (f->kind != TY_UNRESOLVED && f->kind != TY_MANY)
        check_default(c, m, f);
    if (f->column_opt && f->kind == TY_MANY)
        diag_error(c, f->column_loc,
                   "'@column' does not apply to many-to-many relation "
                   "'%s.%s': it has no column",
                   m->name, f->name);
    f->column = f->column_opt && f->kind != TY_MANY ? f->column_opt
                                                    : f->member;
    if (f->related && reserved_why(&s->reserved, f->related))
        diag_error(c, f->related_loc,
                   "related name '%s' %s; choose another name", f->related,
                   reserved_why(&s->reserved, f->related));
}

static void check_fields(Sema *s, Model *m)
{
    Ctx *c = s->c;
    int n = 0;
    for (Field *f = m->fields; f; f = f->next)
        n++;
    m->fv = arena_zalloc(c->arena, (size_t)(n ? n : 1) * sizeof(Field *));
    m->fks = arena_zalloc(c->arena, (size_t)(n ? n : 1) * sizeof(Field *));
    m->m2ms = arena_zalloc(c->arena,
                           (size_t)(n ? n : 1) * sizeof(ManyToMany *));
    /* the first field of each name: exactly those kept in m->fv and
     * m->m2ms */
    NameMap *seen = arena_zalloc(c->arena, sizeof *seen);
    names_init(seen, c->arena);
    m->fields_by_name = seen;
    for (Field *f = m->fields; f; f = f->next) {
        const Field *first = names_put(seen, f->name, f);
        if (first) {
            /* a field broken by a syntax error has been reported */
            if (!f->type_name || !first->type_name)
                continue;
            diag_error(c, f->loc, "duplicate field '%s' in model '%s'",
                       f->name, m->name);
            diag_note(c, first->loc, "'%s' first declared here", f->name);
            continue;
        }
        if (f->type_name) /* NULL: a syntax error, already reported */
            check_field(s, m, f);
        if (f->kind == TY_MANY) { /* no column: kept out of fv */
            ManyToMany *mm = arena_zalloc(c->arena, sizeof *mm);
            mm->field = f;
            mm->source = m;
            mm->target = f->target;
            f->m2m = mm;
            m->m2ms[m->nm2ms++] = mm;
            continue;
        }
        f->index_no = m->nf + 1;
        m->fv[m->nf++] = f;
        if (f->kind == TY_MODEL)
            m->fks[m->nfks++] = f;
    }
}

/* ---- many-to-many relations ---- */

/* "'M.a' and 'M.b'", "'M.a', 'M.b' and 'M.c'": the first n (at most 3) of
 * `total` fields of model m, for a message. */
static const char *field_list(Ctx *c, const Model *m, Field *const *v,
                              int total)
{
    int n = total < 3 ? total : 3;
    const char *out = "";
    for (int i = 0; i < n; i++)
        out = arena_printf(c->arena, "%s%s'%s.%s'", out,
                           i == 0 ? "" : i == n - 1 && n == total ? " and "
                                                                  : ", ",
                           m->name, v[i]->name);
    if (total > n)
        out = arena_printf(c->arena, "%s and %d more", out, total - n);
    return out;
}

/* Reports that `th` lacks the foreign key to `to` that mm needs;
 * `nullable` is a nullable one it has instead, or NULL. */
static void through_missing(Ctx *c, const ManyToMany *mm, const Model *th,
                            const Model *to, const Field *nullable)
{
    const Field *f = mm->field;
    if (nullable) {
        diag_error(c, f->through_loc,
                   "through model '%s' of '%s.%s' needs a non-nullable "
                   "foreign key to '%s', and '%s.%s' is nullable",
                   th->name, mm->source->name, f->name, to->name, th->name,
                   nullable->name);
        diag_note(c, nullable->loc, "'%s.%s' declared here", th->name,
                  nullable->name);
        return;
    }
    diag_error(c, f->through_loc,
               "through model '%s' of '%s.%s' has no foreign key to '%s' "
               "(add one, e.g. '%s %s')",
               th->name, mm->source->name, f->name, to->name, to->prefix,
               to->name);
}

/* Reports that `th` has `n` non-nullable foreign keys to `to` (v: the
 * first three), where mm needs exactly one. */
static void through_ambiguous(Ctx *c, const ManyToMany *mm, const Model *th,
                              const Model *to, Field *const *v, int n)
{
    const Field *f = mm->field;
    diag_error(c, f->through_loc,
               "through model '%s' of '%s.%s' is ambiguous: %s are %s "
               "non-nullable foreign keys to '%s', and it needs exactly one",
               th->name, mm->source->name, f->name,
               field_list(c, th, v, n), n == 2 ? "both" : "all", to->name);
    diag_note(c, v[1]->loc, "'%s.%s' declared here", th->name, v[1]->name);
}

/* Resolves `through M` of mm: M must be another model, with exactly one
 * non-nullable foreign key to the source and one to the target; when they
 * are the same model, exactly two, the first for the source side and the
 * second for the target side.  Cost: O(fields of M). */
static void resolve_through(Sema *s, ManyToMany *mm)
{
    Ctx *c = s->c;
    Field *f = mm->field;
    Model *m = mm->source, *t = mm->target;
    char buf[128];
    Model *th = (Model *)names_get(&s->models, f->through);
    if (!th) {
        diag_error(c, f->through_loc,
                   "relation '%s.%s' names unknown through model '%s'%s",
                   m->name, f->name, f->through,
                   hint(buf, sizeof buf, f->through, s->model_names,
                        c->stopped ? 0 : s->nmodel_names));
        return;
    }
    if (th == m || th == t) {
        diag_error(c, f->through_loc,
                   "'%s.%s' cannot go through '%s', a model it joins; "
                   "declare a model of its own for the pairs",
                   m->name, f->name, th->name);
        return;
    }
    if (!th->prefix || !m->prefix || !t->prefix)
        return; /* a bad model name, reported */
    Field *src[3], *dst[3], *src_null = NULL, *dst_null = NULL;
    int ns = 0, nd = 0;
    for (int k = 0; k < th->nfks; k++) {
        Field *fk = th->fks[k];
        if (fk->target == m) {
            if (fk->nullable && !src_null)
                src_null = fk;
            else if (!fk->nullable && ns++ < 3)
                src[ns - 1] = fk;
        } else if (fk->target == t) {
            if (fk->nullable && !dst_null)
                dst_null = fk;
            else if (!fk->nullable && nd++ < 3)
                dst[nd - 1] = fk;
        }
    }
    if (m == t) {
        if (ns < 2)
            diag_error(c, f->through_loc,
                       "through model '%s' of '%s.%s' needs two non-nullable "
                       "foreign keys to '%s' (the first for the source side, "
                       "the second for the target side), and has %d",
                       th->name, m->name, f->name, m->name, ns);
        else if (ns > 2) {
            diag_error(c, f->through_loc,
                       "through model '%s' of '%s.%s' is ambiguous: %s are "
                       "all non-nullable foreign keys to '%s', and a relation "
                       "of a model to itself needs exactly two (the first "
                       "for the source side, the second for the target side)",
                       th->name, m->name, f->name, field_list(c, th, src, ns),
                       m->name);
            diag_note(c, src[2]->loc, "'%s.%s' declared here", th->name,
                      src[2]->name);
        } else {
            mm->through = th;
            mm->through_source = src[0];
            mm->through_target = src[1];
        }
        return;
    }
    if (ns == 0)
        through_missing(c, mm, th, m, src_null);
    else if (ns > 1)
        through_ambiguous(c, mm, th, m, src, ns);
    if (nd == 0)
        through_missing(c, mm, th, t, dst_null);
    else if (nd > 1)
        through_ambiguous(c, mm, th, t, dst, nd);
    if (ns == 1 && nd == 1) {
        mm->through = th;
        mm->through_source = src[0];
        mm->through_target = dst[0];
    }
}

/* Names the join table and columns of each many-to-many relation of m:
 * after check_options, as @table renames tables. */
static void name_joins(Ctx *c, Model *m)
{
    for (int k = 0; k < m->nm2ms; k++) {
        ManyToMany *mm = m->m2ms[k];
        Model *t = mm->target;
        if (!m->prefix || !t->prefix)
            continue;
        if (mm->field->through) {
            if (!mm->through_source)
                continue; /* not resolved: reported */
            mm->table = mm->through->table;
            mm->source_col = mm->through_source->column;
            mm->target_col = mm->through_target->column;
        } else {
            mm->table = arena_printf(c->arena, "%s_%s", m->table,
                                     mm->field->name);
            const char *from = m == t ? "from_" : "", *to = m == t ? "to_" : "";
            mm->source_col = arena_printf(c->arena, "%s%s_id", from, m->prefix);
            mm->target_col = arena_printf(c->arena, "%s%s_id", to, t->prefix);
        }
    }
}

/* ---- reverse relations ---- */

/* Appends *r to the growing array *v (n used, cap allocated). */
static void push_reverse(Ctx *c, Reverse **v, int *n, int *cap,
                         const Reverse *r)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 4;
        Reverse *nv = arena_zalloc(c->arena, (size_t)nc * sizeof *nv);
        if (*n)
            memcpy(nv, *v, (size_t)*n * sizeof *nv);
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = *r;
}

/* Adds the reverse of relation fk of m (a foreign key or a many-to-many)
 * to its target: to target->revs or target->m2m_revs, and to the names
 * both share. */
static void add_reverse(Ctx *c, Model *m, Field *fk)
{
    Model *t = fk->target;
    if (t->file != c->file) {
        /* t's descriptor and struct are generated with its own file,
         * which cannot know the relations that point to it from here */
        if (fk->related)
            diag_error(c, fk->related_loc,
                       "relation '%s.%s' points to model '%s' of imported "
                       "file '%s', which cannot have reverse relations "
                       "declared in another file: remove 'related %s' "
                       "(the relation is followed from %s only)",
                       m->name, fk->name, t->name, t->file, fk->related,
                       m->name);
        return;
    }
    if (t == m && !fk->related) {
        /* "node_set" would not say which side of the relation it is */
        diag_error(c, fk->type_loc,
                   "relation '%s.%s' points to its own model: give it a "
                   "'related' name (e.g. 'related %s_of')",
                   m->name, fk->name, fk->name);
        return;
    }
    if (!fk->related && !m->prefix)
        return; /* no default name: m's name is refused, reported */
    const char *name = fk->related
                           ? fk->related
                           : arena_printf(c->arena, "%s_set", m->prefix);
    Loc loc = fk->related ? fk->related_loc : fk->type_loc;
    if (!t->revs_by_name) {
        t->revs_by_name = arena_zalloc(c->arena, sizeof *t->revs_by_name);
        names_init(t->revs_by_name, c->arena);
    }
    const Reverse *prev = names_get(t->revs_by_name, name);
    if (prev) {
        diag_error(c, loc,
                   "reverse relation '%s' on model '%s' is already defined "
                   "by '%s.%s'; give this one another 'related' name",
                   name, t->name, prev->child->name, prev->fk->name);
        diag_note(c, prev->loc, "'%s.%s' defined here", prev->child->name,
                  prev->fk->name);
        return;
    }
    Field *clash = find_field(t, name);
    if (clash || strcmp(name, "id") == 0) {
        diag_error(c, loc,
                   "reverse relation '%s' on model '%s' clashes with field "
                   "'%s.%s'; give it another 'related' name",
                   name, t->name, t->name, name);
        if (clash)
            diag_note(c, clash->loc, "field '%s.%s' declared here", t->name,
                      name);
        return;
    }
    Reverse *copy = arena_zalloc(c->arena, sizeof *copy);
    *copy = (Reverse){name, loc, m, fk, NULL, false};
    /* t->revs moves as it grows: the map keeps a copy */
    names_put(t->revs_by_name, name, copy);
    if (fk->kind == TY_MANY) {
        if (t->nm2m_revs == t->capm2m_revs) {
            int cap = t->capm2m_revs ? t->capm2m_revs * 2 : 4;
            ManyToMany **v = arena_zalloc(c->arena, (size_t)cap * sizeof *v);
            if (t->nm2m_revs)
                memcpy(v, t->m2m_revs, (size_t)t->nm2m_revs * sizeof *v);
            t->m2m_revs = v;
            t->capm2m_revs = cap;
        }
        t->m2m_revs[t->nm2m_revs++] = fk->m2m;
        fk->m2m->related = name;
        fk->m2m->related_loc = loc;
        return;
    }
    if (fk->unique) /* one-to-one: at most one row points here */
        push_reverse(c, &t->ones, &t->nones, &t->capones, copy);
    else
        push_reverse(c, &t->revs, &t->nrevs, &t->caprevs, copy);
}

static bool loc_before(Loc a, Loc b)
{
    return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* The reverse relations of m's relations, in declaration order (foreign
 * keys and many-to-many interleaved), so a clash is reported on the later
 * declaration. */
static void add_reverses(Ctx *c, Model *m)
{
    int i = 0, k = 0;
    while (i < m->nfks || k < m->nm2ms) {
        Field *fk = i < m->nfks ? m->fks[i] : NULL;
        Field *mf = k < m->nm2ms ? m->m2ms[k]->field : NULL;
        Field *f = fk && (!mf || loc_before(fk->loc, mf->loc)) ? fk : mf;
        i += f == fk;
        k += f == mf;
        if (f->target)
            add_reverse(c, m, f);
    }
}

/* ---- options ---- */

static const char **field_names(Ctx *c, Model *m)
{
    const char **v = arena_zalloc(c->arena, (size_t)(m->nf + 1) * sizeof *v);
    v[0] = "id";
    for (int i = 0; i < m->nf; i++)
        v[i + 1] = m->fv[i]->name;
    return v;
}

/* Resolves an option's field argument; *out is NULL for id.  false if the
 * argument is not a field of m (after reporting it). */
static bool option_field(Ctx *c, Model *m, Option *o, OptArg *a, Field **out)
{
    char buf[128];
    if (a->is_string) {
        diag_error(c, a->loc, "@%s takes field names, not strings", o->name);
        return false;
    }
    if (a->desc && strcmp(o->name, "order") != 0) {
        diag_error(c, a->loc, "'-' (descending) is only allowed in @order");
        return false;
    }
    if (strcmp(a->name, "id") == 0) {
        *out = NULL;
        return true;
    }
    *out = find_field(m, a->name);
    if (*out && (*out)->kind == TY_MANY) {
        diag_error(c, a->loc,
                   "@%s cannot name many-to-many relation '%s' (it has no "
                   "column)",
                   o->name, a->name);
        return false;
    }
    if (!*out) {
        if (c->stopped) /* nothing is printed: skip the O(fields) hint */
            return false;
        diag_error(c, a->loc, "@%s names unknown field '%s' in model '%s'%s",
                   o->name, a->name, m->name,
                   hint(buf, sizeof buf, a->name, field_names(c, m),
                        m->nf + 1));
        return false;
    }
    return true;
}

/* Adds @index/@unique `o` to m->indexes (check_options sized it).
 * stamp[field number] == mark: the field is already in this index. */
static void option_index(Ctx *c, Model *m, Option *o, bool unique, int *stamp,
                         int mark)
{
    int n = 0;
    for (OptArg *a = o->args; a; a = a->next)
        n++;
    if (n == 0) {
        diag_error(c, o->loc, "@%s needs at least one field, e.g. @%s(a, b)",
                   o->name, o->name);
        return;
    }
    Index ix = {.unique = unique,
                .fields = arena_zalloc(c->arena, (size_t)n * sizeof(Field *))};
    bool ok = true;
    for (OptArg *a = o->args; a; a = a->next) {
        Field *f;
        if (!option_field(c, m, o, a, &f)) {
            ok = false;
            continue;
        }
        if (f && f->kind == TY_BLOB) {
            diag_error(c, a->loc, "@%s cannot include blob field '%s'",
                       o->name, f->name);
            ok = false;
        }
        int no = f ? f->index_no : 0;
        if (stamp[no] == mark) {
            diag_error(c, a->loc, "@%s names '%s' twice", o->name, a->name);
            ok = false;
        }
        stamp[no] = mark;
        ix.fields[ix.nfields++] = f;
    }
    if (ok)
        m->indexes[m->nindexes++] = ix;
}

/* Reports a second @order or @table; *first is the first one. */
static bool option_twice(Ctx *c, Model *m, Option *o, Option **first)
{
    if (!*first) {
        *first = o;
        return false;
    }
    diag_error(c, o->loc, "@%s given twice in model '%s'", o->name, m->name);
    diag_note(c, (*first)->loc, "first @%s here", o->name);
    return true;
}

static void option_order(Ctx *c, Model *m, Option *o, Option **seen)
{
    if (option_twice(c, m, o, seen))
        return;
    int n = 0;
    for (OptArg *a = o->args; a; a = a->next)
        n++;
    if (n == 0) {
        diag_error(c, o->loc, "@order needs at least one field, e.g. @order(-created)");
        return;
    }
    OrderTerm *t = arena_zalloc(c->arena, (size_t)n * sizeof *t);
    int k = 0;
    for (OptArg *a = o->args; a; a = a->next) {
        Field *f;
        if (!option_field(c, m, o, a, &f))
            return;
        if (f && f->kind == TY_BLOB) {
            diag_error(c, a->loc, "@order cannot sort by blob field '%s'",
                       f->name);
            return;
        }
        t[k].field = f;
        t[k++].desc = a->desc;
    }
    m->order = t;
    m->norder = k;
}

static bool valid_sql_name(const char *s)
{
    if (!(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static void option_table(Ctx *c, Model *m, Option *o, Option **seen)
{
    if (option_twice(c, m, o, seen))
        return;
    OptArg *a = o->args;
    if (!a || !a->is_string || a->next) {
        diag_error(c, o->loc, "@table takes one string, e.g. @table(\"books\")");
        return;
    }
    if (strcmp(name_lower(c->arena, a->name), "sqlite") == 0) {
        diag_error(c, a->loc,
                   "table name \"%s\" is not allowed: its index and join "
                   "table names would start with 'sqlite_', which SQLite "
                   "reserves",
                   a->name);
        return;
    }
    if (!valid_sql_name(a->name) || strlen(a->name) > 128 ||
        strncmp(name_lower(c->arena, a->name), "sqlite_", 7) == 0) {
        diag_error(c, a->loc,
                   "table name \"%s\" is not allowed: use at most 128 "
                   "letters, digits and '_', not starting with a digit or "
                   "'sqlite_'",
                   a->name);
        return;
    }
    m->table = a->name;
}

/* @id("ArtistId"): the SQL column of m's primary key (its C member stays
 * `id`); the name is checked with the other columns (check_columns). */
static void option_id(Ctx *c, Model *m, Option *o, Option **seen)
{
    if (option_twice(c, m, o, seen))
        return;
    OptArg *a = o->args;
    if (!a || !a->is_string || a->next) {
        diag_error(c, o->loc, "@id takes one string, e.g. @id(\"ArtistId\")");
        return;
    }
    m->id_column = a->name;
}

/* The SQL column names of m (its id and every field with a column):
 * valid names, no two the same without regard to case (as SQLite compares
 * them).  After check_options (@id).  Linear. */
static void check_columns(Ctx *c, Model *m, Loc id_loc)
{
    NameMap cols;
    names_init(&cols, c->arena);
    if (!m->id_column)
        m->id_column = "id";
    for (int i = -1; i < m->nf; i++) {
        Field *f = i < 0 ? NULL : m->fv[i];
        const char *col = f ? f->column : m->id_column;
        if (!col)
            continue; /* a field broken earlier: reported */
        Loc at = f ? (f->column_opt ? f->column_loc : f->loc) : id_loc;
        if ((f ? f->column_opt != NULL : strcmp(col, "id") != 0) &&
            (!valid_sql_name(col) || strlen(col) > 128 ||
             strncmp(name_lower(c->arena, col), "sqlite_", 7) == 0)) {
            diag_error(c, at,
                       "column name \"%s\" is not allowed: use at most 128 "
                       "letters, digits and '_', not starting with a digit "
                       "or 'sqlite_'",
                       col);
            continue;
        }
        const Field *first = NULL;
        const void *prev = names_put(&cols, name_lower(c->arena, col),
                                     f ? (const void *)f : (const void *)m);
        if (!prev)
            continue;
        first = prev == (const void *)m ? NULL : prev;
        /* two derived names are the same C member too: that check
         * (check_generated_names) says it in C terms */
        bool named = (f && f->column_opt) ||
                     (first ? first->column_opt != NULL
                            : strcmp(m->id_column, "id") != 0);
        if (!named)
            continue;
        diag_error(c, at,
                   "column '%s' of table '%s' is used both by field '%s.%s' "
                   "and by %s%s%s%s; give one another name with "
                   "@column(\"...\")",
                   col, m->table, m->name, f ? f->name : "id",
                   first ? "field '" : "the primary key '", m->name, ".",
                   first ? arena_printf(c->arena, "%s'", first->name) : "id'");
        if (first)
            diag_note(c, first->column_opt ? first->column_loc : first->loc,
                      "'%s.%s' declared here", m->name, first->name);
    }
}

static void check_options(Ctx *c, Model *m)
{
    Option *order_seen = NULL, *table_seen = NULL, *id_seen = NULL;
    /* room for every @index and @unique, and a mark per field (and id)
     * to find one named twice: linear however many there are */
    int nix = 0, mark = 0;
    for (Option *o = m->options; o; o = o->next)
        nix += strcmp(o->name, "index") == 0 || strcmp(o->name, "unique") == 0;
    int *stamp = NULL;
    if (nix) {
        m->indexes = arena_zalloc(c->arena, (size_t)nix * sizeof *m->indexes);
        stamp = arena_zalloc(c->arena, (size_t)(m->nf + 1) * sizeof *stamp);
    }
    for (Option *o = m->options; o; o = o->next) {
        if (strcmp(o->name, "index") == 0)
            option_index(c, m, o, false, stamp, ++mark);
        else if (strcmp(o->name, "unique") == 0)
            option_index(c, m, o, true, stamp, ++mark);
        else if (strcmp(o->name, "order") == 0)
            option_order(c, m, o, &order_seen);
        else if (strcmp(o->name, "table") == 0)
            option_table(c, m, o, &table_seen);
        else if (strcmp(o->name, "id") == 0)
            option_id(c, m, o, &id_seen);
        else if (strcmp(o->name, "column") == 0)
            diag_error(c, o->loc,
                       "@column goes after a field's type, e.g. 'name text "
                       "@column(\"Name\")'");
        else if (diag_suggest(o->name, OPTIONS, 5))
            diag_error(c, o->loc,
                       "unknown model option '@%s'; did you mean '@%s'?",
                       o->name, diag_suggest(o->name, OPTIONS, 5));
        else
            diag_error(c, o->loc,
                       "unknown model option '@%s' (options: @index, "
                       "@unique, @order, @table, @id)",
                       o->name);
    }
    check_columns(c, m, id_seen && id_seen->args ? id_seen->args->loc
                                                 : m->loc);
    if (!m->norder) {
        m->order = arena_zalloc(c->arena, sizeof *m->order);
        m->norder = 1; /* by id */
    }
    if (!table_seen && m->table && strcmp(m->table, "sqlite") == 0)
        diag_error(c, m->loc,
                   "model '%s' would use table 'sqlite', whose index and join "
                   "table names would start with 'sqlite_', which SQLite "
                   "reserves; rename the model or give it @table(\"...\")",
                   m->name);
    else if (!table_seen && m->table && strncmp(m->table, "sqlite_", 7) == 0)
        diag_error(c, m->loc,
                   "model '%s' would use table '%s', but SQLite reserves "
                   "names starting with 'sqlite_'; rename the model or give "
                   "it @table(\"...\")",
                   m->name, m->table);
}

/* An index is redundant when the primary key or a UNIQUE column already
 * provides it, when another index has the same columns (a unique one wins),
 * or, for a single column, when a longer index starts with that column.
 * Linear: kept indexes are found by their column list, and the fields that
 * lead a longer index are marked first (one always stays unskipped). */
static void mark_redundant_indexes(Ctx *c, Model *m)
{
    bool *leads = arena_zalloc(c->arena, (size_t)(m->nf + 1) * sizeof *leads);
    for (int k = 0; k < m->nindexes; k++)
        if (m->indexes[k].nfields > 1)
            leads[m->indexes[k].fields[0] ? m->indexes[k].fields[0]->index_no
                                          : 0] = true;
    NameMap kept; /* "3,1," (field numbers) -> the index kept for them */
    names_init(&kept, c->arena);
    for (int k = 0; k < m->nindexes; k++) {
        Index *ix = &m->indexes[k];
        Field *first = ix->fields[0];
        if (ix->nfields == 1 && (!first || first->unique)) {
            ix->skip = true;
            continue;
        }
        char *key = arena_zalloc(c->arena, (size_t)ix->nfields * 12 + 1);
        for (int f = 0, at = 0; f < ix->nfields; f++)
            at += sprintf(key + at, "%d,",
                          ix->fields[f] ? ix->fields[f]->index_no : 0);
        Index *same = (Index *)names_get(&kept, key);
        if (same) {
            same->unique |= ix->unique;
            ix->skip = true;
        } else if (!ix->unique && ix->nfields == 1 && leads[first->index_no]) {
            ix->skip = true;
        } else {
            names_put(&kept, key, ix);
        }
    }
}

/* Single-column indexes: `index` fields, and every relation not already
 * led by another index (a composite index on (fk, x) serves fk too). */
static void add_implied_indexes(Ctx *c, Model *m)
{
    int extra = 0;
    for (int i = 0; i < m->nf; i++)
        extra += m->fv[i]->index || m->fv[i]->kind == TY_MODEL;
    Index *v = arena_zalloc(c->arena,
                            (size_t)(m->nindexes + extra + 1) * sizeof *v);
    int n = 0;
    for (int i = 0; i < m->nf; i++) {
        Field *f = m->fv[i];
        if (!f->index && f->kind != TY_MODEL)
            continue;
        Field **one = arena_zalloc(c->arena, sizeof *one);
        one[0] = f;
        v[n++] = (Index){.fields = one, .nfields = 1};
    }
    if (m->nindexes)
        memcpy(v + n, m->indexes, (size_t)m->nindexes * sizeof *v);
    m->indexes = v;
    m->nindexes += n;
    mark_redundant_indexes(c, m);
}

/* The unique keys of m: each `unique` field, then each kept @unique group
 * without id, in declaration order. */
static void collect_keys(Ctx *c, Model *m)
{
    int n = 0;
    for (int i = 0; i < m->nf; i++)
        n += m->fv[i]->unique;
    for (int k = 0; k < m->nindexes; k++)
        n += m->indexes[k].unique && !m->indexes[k].skip;
    if (!n)
        return;
    m->keys = arena_zalloc(c->arena, (size_t)n * sizeof *m->keys);
    for (int i = 0; i < m->nf; i++)
        if (m->fv[i]->unique)
            m->keys[m->nkeys++] = (Key){&m->fv[i], 1, m->fv[i]->member,
                                        m->fv[i]->nullable};
    for (int k = 0; k < m->nindexes; k++) {
        Index *ix = &m->indexes[k];
        bool has_id = false, nullable = false;
        for (int f = 0; f < ix->nfields; f++) {
            has_id |= !ix->fields[f];
            nullable |= ix->fields[f] && ix->fields[f]->nullable;
        }
        if (!ix->unique || ix->skip || has_id)
            continue;
        const char *name = ix->fields[0]->member;
        for (int f = 1; f < ix->nfields; f++)
            name = arena_printf(c->arena, "%s_and_%s", name,
                                ix->fields[f]->member);
        m->keys[m->nkeys++] = (Key){ix->fields, ix->nfields, name, nullable};
    }
}

/* ---- generated names ---- */

/* What a generated name is for, to report a clash with it.  The text
 * ("field 'Book.title'") is only formatted for a message: a large schema
 * has hundreds of thousands of owners and, usually, no clash. */
typedef struct Owner {
    const char *kind;  /* "field", "relation", "model", "the schema", ... */
    const char *a, *b; /* named 'a', or 'a.b' when b is not NULL */
    const char *role;  /* "" or " (its foreign key)" */
    Loc loc;           /* line 0: the schema itself */
} Owner;

typedef struct Gen {
    Ctx *c;
    NameMap names;  /* generated C name -> Owner */
    NameMap types;  /* generated type name -> Owner */
    const Model *model; /* the model being checked: where its implicit
                           owners (the primary key) are reported */
} Gen;

static const Owner *owner(Ctx *c, Loc loc, const char *role,
                          const char *kind, const char *a, const char *b)
{
    Owner *o = arena_zalloc(c->arena, sizeof *o);
    *o = (Owner){kind, a, b, role, loc};
    return o;
}

/* "field 'Book.title'": the owner, for a message. */
static const char *what(Ctx *c, const Owner *o)
{
    return o->b ? arena_printf(c->arena, "%s '%s.%s'", o->kind, o->a, o->b)
                : arena_printf(c->arena, "%s '%s'", o->kind, o->a);
}

/* `subject` is "generated name 'x'" or "member 'x' of struct M". */
static void clash(Ctx *c, const char *subject, const Owner *now,
                  const Owner *prev)
{
    if (!prev->loc.line) { /* implicit: only `now` can be renamed */
        diag_error(c, now->loc,
                   "%s is needed both for %s%s and for %s%s; rename %s",
                   subject, what(c, now), now->role, what(c, prev),
                   prev->role, what(c, now));
        return;
    }
    diag_error(c, now->loc,
               "%s is needed both for %s%s and for %s%s; rename one of them",
               subject, what(c, now), now->role, what(c, prev), prev->role);
    diag_note(c, prev->loc, "%s declared here", what(c, prev));
}

/* Why the generated `name` cannot be used: a header of C11, POSIX or
 * SQLite has it (cnames.inc), or C reserves its spelling; NULL when it is
 * free.  A struct member (`member`) only clashes with an object-like
 * macro: a function or a type of that name does not reach inside a
 * struct. */
static const char *taken(Ctx *c, const char *name, bool member)
{
    if (is_impl_reserved(name))
        return "C reserves (names starting with '__', or '_' and an "
               "uppercase letter)";
    const CName *n = cname_find(name);
    if (!n || (member && !(n->kind & CN_MACRO)))
        return NULL;
    return arena_printf(c->arena, "<%s> %s", n->header,
                        n->kind & CN_DECL    ? "declares"
                        : n->kind & CN_MACRO ? "defines as a macro"
                                             : "defines as a function-like "
                                               "macro");
}

/* Reports that `o` would generate `subject` ("the C name 'x'"), which
 * `why` (taken) makes unusable; an implicit owner is reported at its
 * model. */
static void refuse(Gen *g, const Owner *o, const char *subject,
                   const char *why)
{
    Ctx *c = g->c;
    bool implicit = !o->loc.line;
    bool schema = strcmp(o->kind, "the schema") == 0;
    Loc at = implicit && !schema && g->model ? g->model->loc : o->loc;
    if (!at.line)
        at = (Loc){1, 1};
    diag_error(c, at, "%s%s would generate %s, which %s; rename %s%s",
               what(c, o), o->role, subject, why,
               schema ? "the file" : implicit ? "the model" : "the ",
               schema || implicit ? "" : o->kind);
}

/* Claims a generated function, type or constant name for `o`; false (after
 * reporting it) when another part of the schema already has it, or when a
 * C11, POSIX or SQLite header has it or C reserves it. */
static bool claim(Gen *g, const Owner *o, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static bool claim(Gen *g, const Owner *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *name = arena_vprintf(g->c->arena, fmt, ap);
    va_end(ap);
    const Owner *prev = names_put(&g->names, name, o);
    if (prev) {
        char subject[600];
        snprintf(subject, sizeof subject, "generated name '%s'", name);
        clash(g->c, subject, o, prev);
        return false;
    }
    const char *why = taken(g->c, name, false);
    if (why)
        refuse(g, o, arena_printf(g->c->arena, "the C name '%s'", name),
               why);
    return !why;
}

/* Claims a member of struct m; false (after reporting it) on a clash. */
static bool member(Gen *g, NameMap *members, const char *sname,
                   const char *name, const Owner *o)
{
    Ctx *c = g->c;
    const Owner *type = names_get(&g->types, name);
    if (type) {
        /* C++ would take the member for the type in the rest of the
         * struct (a List or Query type, or a relation's pointer) */
        diag_error(c, o->loc,
                   "member '%s' of struct %s, for %s%s, has the name of a "
                   "type generated for %s; C++ does not allow that, rename "
                   "it",
                   name, sname, what(c, o), o->role, what(c, type));
        diag_note(c, type->loc, "%s declared here", what(c, type));
        return false;
    }
    const Owner *prev = names_put(members, name, o);
    if (prev) {
        char *subject = arena_printf(c->arena, "member '%s' of struct %s",
                                     name, sname);
        clash(c, subject, o, prev);
        return false;
    }
    const char *why = taken(c, name, true);
    if (why)
        refuse(g, o,
               arena_printf(c->arena, "the member '%s' of struct %s", name,
                            sname),
               why);
    return !why;
}

/* The implicit join tables share SQLite's one namespace of tables (without
 * case) with the models' tables, in `tables`, and with each other. */
static void check_join_tables(Ctx *c, const NameMap *tables)
{
    Schema *s = &c->schema;
    NameMap joins;
    names_init(&joins, c->arena);
    for (int i = 0; i < s->nmodels; i++) {
        for (int k = 0; k < s->mv[i]->nm2ms; k++) {
            ManyToMany *mm = s->mv[i]->m2ms[k];
            if (mm->through || !mm->table)
                continue;
            const char *key = name_lower(c->arena, mm->table);
            const Model *t = names_get(tables, key);
            const ManyToMany *j = t ? NULL : names_put(&joins, key, mm);
            if (t) {
                diag_error(c, mm->field->loc,
                           "join table '%s' of many-to-many relation '%s.%s' "
                           "clashes with table '%s' of model '%s'; rename the "
                           "field or give the model another table with "
                           "@table(\"...\")",
                           mm->table, mm->source->name, mm->field->name,
                           t->table, t->name);
                diag_note(c, t->loc, "model '%s' declared here", t->name);
            } else if (j) {
                diag_error(c, mm->field->loc,
                           "join table '%s' of many-to-many relation '%s.%s' "
                           "clashes with the join table '%s' of '%s.%s'; "
                           "rename one of the fields",
                           mm->table, mm->source->name, mm->field->name,
                           j->table, j->source->name, j->field->name);
                diag_note(c, j->field->loc, "'%s.%s' declared here",
                          j->source->name, j->field->name);
            }
        }
    }
}

/* Every struct member, function, type and constant ormc will emit must be
 * unique, or the generated code would not compile.  One clash is reported
 * per model, field and reverse relation: the names derived from a clashing
 * one would clash too. */
static void check_generated_names(Ctx *c)
{
    Gen g = {c, {0}, {0}, NULL};
    Schema *s = &c->schema;
    /* sized up front (about 60 names per model, 13 per field, 9 per reverse
     * relation), so that the table of a large schema is never rehashed */
    size_t expected = 8;
    for (int i = 0; i < s->nmodels; i++)
        expected += 60 + 13 * (size_t)s->mv[i]->nf + 9 * (size_t)s->mv[i]->nrevs +
                    (size_t)s->mv[i]->nm2ms + (size_t)s->mv[i]->nm2m_revs;
    names_init_for(&g.names, c->arena, expected);
    names_init_for(&g.types, c->arena, 10 * (size_t)s->nmodels);
    for (int i = 0; i < s->nmodels; i++) {
        Model *m = s->mv[i];
        if (!m->prefix)
            continue;
        const Owner *mo = owner(c, m->loc, "", "model", m->name, NULL);
        names_put(&g.types, m->name, mo);
        names_put(&g.types, arena_printf(c->arena, "%sList", m->name), mo);
        names_put(&g.types, arena_printf(c->arena, "%sRefs", m->name), mo);
        if (m->nmany)
            names_put(&g.types, arena_printf(c->arena, "%sRel", m->name), mo);
        names_put(&g.types, arena_printf(c->arena, "%sQuery", m->name), mo);
        for (int k = 0; k < NPATH_KINDS; k++)
            names_put(&g.types, path_type(c->arena, m, &PATH_KINDS[k]), mo);
    }
    const Owner *schema = owner(c, (Loc){0, 0}, "", "the schema", s->base,
                                NULL);
    claim(&g, schema, "%s_schema", s->name);
    claim(&g, schema, "%s_schema_create", s->name);
    claim(&g, schema, "%s_schema_check", s->name);
    claim(&g, schema, "%s_schema_open", s->name);
    claim(&g, schema, "%s_ddl", s->name);
    claim(&g, schema, "%s_pg_ddl", s->name);
    claim(&g, schema, "%s_models", s->name);
    /* the functions, and the descriptor tables of the .c file */
    static const char *const per_model[] = {
        "init", "insert", "insert_many", "update", "delete", "get", "free", "list_free",
        "query_init", "query_free", "fetch", "first", "exists", "count",
        "order_by", "limit", "offset", "model", "fields", "relations", "read", "bind",
        "reverses", "order", "and", "or", "not", "end", "filter_null",
        "filter_int", "filter_int_in", "filter_int_range", "filter_real",
        "filter_real_in", "filter_real_range", "filter_bool", "filter_text",
        "filter_text_in", "filter_time", "filter_time_in", "filter_time_range",
        "filter_year", "filter_month", "filter_day", "set_int", "set_real",
        "set_bool", "set_text", "set_time", "set_blob", "set_null",
        "set_add_int", "set_add_real", "set_add_time", "set_mul_real",
        "update_where", "delete_where", "update_fields", "get_where"};
    NameMap tables, members, rel_members;
    names_init_for(&tables, c->arena, (size_t)s->nmodels);
    names_init(&members, c->arena); /* cleared for each model */
    names_init(&rel_members, c->arena);
    for (int i = 0; i < s->nmodels; i++) {
        Model *m = s->mv[i];
        if (!m->prefix)
            continue;
        g.model = m;
        const Owner *mo = owner(c, m->loc, "", "model", m->name, NULL);
        /* SQLite compares table names without regard to case */
        const Model *t = names_put(&tables, name_lower(c->arena, m->table), m);
        if (t) {
            diag_error(c, m->loc,
                       strcmp(t->table, m->table) == 0
                           ? "models '%s' and '%s' both use table '%s'; give "
                             "one another name with @table(\"...\")%s"
                           : "models '%s' and '%s' use tables '%s' and '%s', "
                             "the same name to SQLite (it ignores case); give "
                             "one another name with @table(\"...\")",
                       t->name, m->name, t->table,
                       strcmp(t->table, m->table) == 0 ? "" : m->table);
            diag_note(c, t->loc, "model '%s' declared here", t->name);
        }
        bool ok = claim(&g, mo, "%s", m->name) &&
                  claim(&g, mo, "%sList", m->name) &&
                  claim(&g, mo, "%sRefs", m->name) &&
                  claim(&g, mo, "%sQuery", m->name) &&
                  (!m->nmany || claim(&g, mo, "%sRel", m->name));
        for (size_t k = 0; ok && k < sizeof per_model / sizeof *per_model; k++)
            ok = claim(&g, mo, "%s_%s", m->prefix, per_model[k]);
        ok = ok && claim(&g, mo, "%s", field_const(c->arena, m, NULL));
        for (int k = 0; ok && k < NPATH_KINDS; k++)
            ok = claim(&g, mo, "%s", path_type(c->arena, m, &PATH_KINDS[k]));
        ok = ok && claim(&g, mo, "%s", path_const(c->arena, m, NULL));
        if (ok && m->nmany) /* annotations live in the Rel block */
            ok = claim(&g, mo, "%s_annotate", m->prefix) &&
                 claim(&g, mo, "%s_annotations", m->prefix);
        /* the primary key's own query functions */
        const Owner *io = owner(c, (Loc){0, 0}, "", "the primary key",
                                m->name, "id");
        if (ok && claim(&g, io, "%s_where_id", m->prefix))
            claim(&g, io, "%s_where_id_in", m->prefix);

        names_clear(&members);
        names_clear(&rel_members);
        names_put(&members, "id",
                  owner(c, (Loc){0, 0}, "", "the primary key", "id", NULL));
        const char *rel_struct = arena_printf(c->arena, "%sRel", m->name);
        if (m->nmany)
            names_put(&members, "rel",
                      owner(c, (Loc){0, 0}, "", "the pointer to", rel_struct,
                            NULL));
        for (int k = 0; k < m->nf; k++) {
            Field *f = m->fv[k];
            bool rel = f->kind == TY_MODEL;
            const char *kind = rel ? "relation" : "field";
            const Owner *fo = owner(c, f->loc, "", kind, m->name, f->name);
            ok = true;
            if (rel) {
                const Owner *fk = owner(c, f->loc, " (its foreign key)",
                                        "relation", m->name, f->name);
                ok = member(&g, &members, m->name, f->member, fk) &&
                     member(&g, &members, m->name, f->name, fo);
            } else {
                ok = member(&g, &members, m->name, f->member, fo);
            }
            if (ok && f->nullable && f->kind != TY_TEXT && f->kind != TY_BLOB) {
                const Owner *nf = owner(c, f->loc, " (its null flag)", kind,
                                        m->name, f->name);
                ok = member(&g, &members, m->name,
                            arena_printf(c->arena, "%s_null", f->name), nf);
            }
            ok = ok && claim(&g, fo, "%s", field_const(c->arena, m, f));
            ok = ok && claim(&g, fo, "%s", path_const(c->arena, m, f));
            ok = ok && claim(&g, fo, "%s_where_%s", m->prefix, f->member);
            if (ok && f->nullable)
                ok = claim(&g, fo, "%s_where_%s_null", m->prefix, f->name);
            if (ok && (f->kind == TY_INT || f->kind == TY_TEXT ||
                       f->kind == TY_REAL || f->kind == TY_DATETIME || rel))
                ok = claim(&g, fo, "%s_where_%s_in", m->prefix, f->member);
            if (ok && (f->kind == TY_INT || f->kind == TY_REAL ||
                       f->kind == TY_DATETIME))
                ok = claim(&g, fo, "%s_aggregate_%s", m->prefix, f->name);
            if (ok && rel)
                ok = claim(&g, fo, "%s_with_%s", m->prefix, f->name) &&
                     claim(&g, fo, "%s_with_%s_from", m->prefix, f->name);
            for (int j = 0; ok && rel && j < NPATH_KINDS; j++)
                ok = claim(&g, fo, "%s",
                           path_step(c->arena, m, f->name, &PATH_KINDS[j]));
        }
        for (int k = 0; k < m->nones; k++) { /* a pointer, as for a FK */
            Reverse *r = &m->ones[k];
            const Owner *ro = owner(c, r->loc, "", "one-to-one relation",
                                    m->name, r->name);
            bool ok = member(&g, &members, m->name, r->name, ro) &&
                      claim(&g, ro, "%s_with_%s", m->prefix, r->name) &&
                      claim(&g, ro, "%s_with_%s_from", m->prefix, r->name);
            for (int j = 0; ok && j < NPATH_KINDS; j++)
                ok = claim(&g, ro, "%s",
                           path_step(c->arena, m, r->name, &PATH_KINDS[j]));
        }
        for (int k = 0; k < m->nkeys; k++) {
            Key *key = &m->keys[k];
            const Owner *ko = owner(c, key->fields[0]->loc, " (its unique key)",
                                    "field", m->name, key->fields[0]->name);
            if (claim(&g, ko, "%s_get_by_%s", m->prefix, key->name) &&
                !key->nullable &&
                claim(&g, ko, "%s_upsert_by_%s", m->prefix, key->name))
                claim(&g, ko, "%s_get_or_create_by_%s", m->prefix, key->name);
        }
        for (int k = 0; k < m->nmany; k++) {
            Reverse *r = &m->many[k];
            const char *kind = !r->mm       ? "reverse relation"
                               : r->backward ? "reverse many-to-many relation"
                                             : "many-to-many relation";
            const Owner *ro = owner(c, r->loc, "", kind, m->name, r->name);
            const Owner *rc = owner(c, r->loc, " (its count)", kind, m->name,
                                    r->name);
            bool ok = member(&g, &rel_members, rel_struct, r->name, ro) &&
                      member(&g, &rel_members, rel_struct,
                             arena_printf(c->arena, "%s_count", r->name), rc) &&
                      claim(&g, ro, "%s_prefetch_%s", m->prefix, r->name) &&
                      claim(&g, ro, "%s_prefetch_%s_from", m->prefix,
                            r->name) &&
                      claim(&g, ro, "%s_count_%s", m->prefix, r->name) &&
                      claim(&g, ro, "%s_count_%s_from", m->prefix, r->name);
            if (ok && r->mm) {
                ok = claim(&g, ro, "%s_remove_%s", m->prefix, r->name) &&
                     claim(&g, ro, "%s_clear_%s", m->prefix, r->name);
                if (ok && !r->mm->through)
                    ok = claim(&g, ro, "%s_add_%s", m->prefix, r->name) &&
                         claim(&g, ro, "%s_set_%s", m->prefix, r->name);
            }
            for (int j = 0; ok && j < NPATH_KINDS; j++)
                ok = claim(&g, ro, "%s",
                           path_step(c->arena, m, r->name, &PATH_KINDS[j]));
        }
    }
    check_join_tables(c, &tables);
}

/* "dir/my-app.orm" -> "my_app": the schema's C name. */
static void name_schema(Ctx *c)
{
    const char *base = c->file;
    for (const char *p = c->file; *p; p++)
        if (*p == '/')
            base = p + 1;
    c->schema.file = c->file;
    c->schema.base = base;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".orm") == 0)
        n -= 4;
    /* lower case letters and digits, other runs of bytes as one '_'; never
     * "_x" or "9x", which are not valid or reserved at file scope in C */
    char *name = arena_zalloc(c->arena, n + 5), *o = name;
    memcpy(o, "orm_", 4);
    o += 4;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)base[i];
        if (isalnum(ch) && ch < 0x80)
            *o++ = (char)tolower(ch);
        else if (o[-1] != '_')
            *o++ = '_';
    }
    while (o > name + 4 && o[-1] == '_')
        *--o = '\0';
    if (o == name + 4)
        name[3] = '\0'; /* nothing usable: "orm" */
    else if (isalpha((unsigned char)name[4]))
        name += 4;       /* "blog.orm" -> "blog" */
    c->schema.name = name;
}

/* `s` with '"', '\\' and control bytes written as C escapes, for a
 * message. */
static const char *escaped(Arena *a, const char *s)
{
    char *out = arena_zalloc(a, 4 * strlen(s) + 1), *o = out;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch == '\n') {
            o += sprintf(o, "\\n");
        } else if (ch < 0x20 || ch == 0x7f) {
            o += sprintf(o, "\\x%02x", ch);
        } else {
            *o++ = (char)ch;
        }
    }
    return out;
}

/* The generated files name the schema file's base name in the source's
 * `#include "blog.orm.h"`, in strings and in comments: a '"', a '\\' (an
 * escape, and not a directory separator on POSIX), a control byte or a
 * trigraph (two '?' then '/' read as a '\\') would break them. */
static void check_file_name(Ctx *c)
{
    const char *base = c->schema.base, *why = NULL;
    for (const char *p = base; *p && !why; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '"')
            why = "a '\"' would end the string of the generated #include";
        else if (ch == '\\')
            why = "a '\\' is an escape in the generated #include (it is not "
                  "a directory separator: use '/')";
        else if (ch < 0x20 || ch == 0x7f)
            why = "a control character cannot be written in the generated "
                  "#include";
        else if (ch == '?' && p[1] == '?')
            why = "'?\?' starts a C trigraph ('?\?/' reads as '\\') in the "
                  "generated #include";
    }
    if (why)
        diag_error(c, (Loc){1, 1},
                   "the file name '%s' cannot name the generated files: %s; "
                   "rename the file",
                   escaped(c->arena, base), why);
}

/* m->many: the reverse relations, then the many-to-many relations
 * declared on m, then those to m (by their reverse names). */
static void collect_many(Ctx *c, Model *m)
{
    int n = m->nrevs + m->nm2ms + m->nm2m_revs;
    m->nmany = 0;
    m->many = n ? arena_zalloc(c->arena, (size_t)n * sizeof *m->many) : NULL;
    for (int k = 0; k < m->nrevs; k++)
        m->many[m->nmany++] = m->revs[k];
    for (int k = 0; k < m->nm2ms; k++) {
        ManyToMany *mm = m->m2ms[k];
        m->many[m->nmany++] = (Reverse){mm->field->name, mm->field->loc,
                                        mm->target, NULL, mm, false};
    }
    for (int k = 0; k < m->nm2m_revs; k++) {
        ManyToMany *mm = m->m2m_revs[k];
        m->many[m->nmany++] = (Reverse){mm->related, mm->related_loc,
                                        mm->source, NULL, mm, true};
    }
}

/* ---- required-relation cycles ---- */

/* The required foreign key of m that leads into the cycles' remainder
 * (left[target] > 0), or NULL. */
static Field *required_into(Model *m, const NameMap *index, const int *left)
{
    for (int k = 0; k < m->nfks; k++) {
        Field *f = m->fks[k];
        if (f->nullable || !f->target)
            continue;
        const int *t = names_get(index, f->target->name);
        if (t && left[*t] > 0)
            return f;
    }
    return NULL;
}

/* A cycle of required (non-nullable) foreign keys, A -> B -> A or a model
 * needing a row of itself, can never be inserted: the first row of any of
 * them would need a row of the next one first.  Warns once per cycle
 * found, at its first field: "Author.book -> Book.author -> Author".
 * Linear: models whose required keys all lead out of any cycle are peeled
 * off first (Kahn's algorithm, on the reversed edges); from each model
 * left, the required keys into what is left are followed until a model
 * repeats. */
static void check_required_cycles(Ctx *c)
{
    Schema *s = &c->schema;
    int n = s->nmodels;
    NameMap index;
    names_init_for(&index, c->arena, (size_t)n);
    int *pos = arena_zalloc(c->arena, (size_t)n * sizeof *pos);
    for (int i = 0; i < n; i++) {
        pos[i] = i;
        names_put(&index, s->mv[i]->name, &pos[i]);
    }
    /* left[i]: required keys of model i into models not yet peeled off;
     * the reversed edges in one array (from[], by target: first[t] to
     * first[t + 1]) */
    int *left = arena_zalloc(c->arena, (size_t)n * sizeof *left);
    int *first = arena_zalloc(c->arena, (size_t)(n + 1) * sizeof *first);
    int edges = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s->mv[i]->nfks; k++) {
            Field *f = s->mv[i]->fks[k];
            const int *t = f->nullable || !f->target
                               ? NULL : names_get(&index, f->target->name);
            if (t) {
                left[i]++;
                first[*t + 1]++;
                edges++;
            }
        }
    if (!edges)
        return;
    for (int i = 0; i < n; i++)
        first[i + 1] += first[i];
    int *from = arena_zalloc(c->arena, (size_t)edges * sizeof *from);
    int *fill = arena_zalloc(c->arena, (size_t)n * sizeof *fill);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < s->mv[i]->nfks; k++) {
            Field *f = s->mv[i]->fks[k];
            const int *t = f->nullable || !f->target
                               ? NULL : names_get(&index, f->target->name);
            if (t)
                from[first[*t] + fill[*t]++] = i;
        }
    int *queue = arena_zalloc(c->arena, (size_t)n * sizeof *queue);
    int head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        if (!left[i])
            queue[tail++] = i;
    while (head < tail) {
        int v = queue[head++];
        for (int e = first[v]; e < first[v + 1]; e++)
            if (--left[from[e]] == 0)
                queue[tail++] = from[e];
    }
    /* walk[i]: the walk that reached model i (0: none yet) */
    int *walk = arena_zalloc(c->arena, (size_t)n * sizeof *walk);
    Field **via = arena_zalloc(c->arena, (size_t)n * sizeof *via);
    for (int i = 0, w = 1; i < n; i++, w++) {
        if (left[i] <= 0 || walk[i])
            continue;
        int cur = i;
        while (!walk[cur]) {
            walk[cur] = w;
            via[cur] = required_into(s->mv[cur], &index, left);
            cur = *(const int *)names_get(&index, via[cur]->target->name);
        }
        if (walk[cur] != w)
            continue; /* into a cycle already reported */
        char path[700];
        size_t len = 0;
        int at = cur;
        do {
            Field *f = via[at];
            if (len < 600)
                len += (size_t)snprintf(path + len, sizeof path - len,
                                        "%s.%s -> ", s->mv[at]->name, f->name);
            at = *(const int *)names_get(&index, f->target->name);
        } while (at != cur);
        if (len < 600)
            snprintf(path + len, sizeof path - len, "%s", s->mv[cur]->name);
        else
            snprintf(path + 600, sizeof path - 600, "...");
        if (via[cur]->target == s->mv[cur])
            diag_warning(c, via[cur]->loc,
                         "required relation %s.%s leads back to %s: no row "
                         "of %s can ever be inserted, as each needs another "
                         "first; make it nullable with '?'",
                         s->mv[cur]->name, via[cur]->name, s->mv[cur]->name,
                         s->mv[cur]->name);
        else
            diag_warning(c, via[cur]->loc,
                         "required relations form a cycle (%s): no row of "
                         "these models can ever be inserted, as each needs a "
                         "row of the next first; make one of them nullable "
                         "with '?'",
                         path);
    }
}

void sema_check(Ctx *c)
{
    Sema s = {c, {0}, NULL, 0, {0}, {0}};
    names_init(&s.models, c->arena);
    reserved_init(&s.reserved, c->arena);
    name_schema(c);
    check_file_name(c);
    const char *sn = c->schema.name;
    if (strcmp(sn, "ormc") == 0 || strncmp(sn, "ormc_", 5) == 0)
        diag_error(c, (Loc){1, 1},
                   "the file name '%s' would give C names starting with "
                   "'%s_', and 'ormc_' names are the runtime's; rename the "
                   "file",
                   c->schema.base, sn);
    check_models(&s);
    add_imported(&s);
    if (c->schema.nmodels == 0) {
        if (c->nerrors == 0)
            diag_error(c, (Loc){1, 1},
                       "schema defines no models (write 'model Name { ... }')");
        return;
    }
    for (int i = 0; i < c->schema.nmodels; i++)
        check_fields(&s, c->schema.mv[i]);
    for (int i = 0; i < c->schema.nmodels; i++) {
        Model *m = c->schema.mv[i];
        for (int k = 0; k < m->nm2ms; k++)
            if (m->m2ms[k]->field->through)
                resolve_through(&s, m->m2ms[k]);
    }
    for (int i = 0; i < c->schema.nmodels; i++)
        add_reverses(c, c->schema.mv[i]);
    for (int i = 0; i < c->schema.nmodels; i++) {
        check_options(c, c->schema.mv[i]);
        add_implied_indexes(c, c->schema.mv[i]);
        collect_keys(c, c->schema.mv[i]);
    }
    for (int i = 0; i < c->schema.nmodels; i++)
        name_joins(c, c->schema.mv[i]);
    for (int i = 0; i < c->schema.nmodels; i++)
        collect_many(c, c->schema.mv[i]);
    if (c->nerrors == 0)
        check_generated_names(c);
    if (c->nerrors == 0)
        check_required_cycles(c);
}
