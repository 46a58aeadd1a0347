/*
 * ast.h — the schema AST built by the parser (grammar/) and completed by the
 * semantic pass (sema.c).  Every node and string lives in one arena owned by
 * the compile context; nothing is freed node by node.
 */
#ifndef ORMC_AST_H
#define ORMC_AST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Loc {
    int line, col; /* 1-based; col counts bytes */
} Loc;

/* ---- arena ---- */
typedef struct Arena Arena;
Arena *arena_create(void);
void arena_destroy(Arena *a);
/* Zeroed memory; aborts the process when the machine is out of memory. */
void *arena_zalloc(Arena *a, size_t n);
char *arena_strdup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* arena_printf with a va_list (formatted by buf.c's printf). */
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);
/* A zeroed block of n bytes that arena_big_free may release before the
 * arena is destroyed (for tables that grow); arena_destroy frees the rest. */
void *arena_big_zalloc(Arena *a, size_t n);
void arena_big_free(Arena *a, void *p); /* NULL-safe */

typedef enum TypeKind {
    TY_UNRESOLVED,
    TY_INT,
    TY_REAL,
    TY_BOOL,
    TY_TEXT,
    TY_BLOB,
    TY_DATETIME,
    TY_MODEL, /* foreign key */
    TY_MANY   /* many-to-many: `tags Tag[]`; not in Model.fv (no column) */
} TypeKind;

typedef enum DefaultKind {
    DEF_NONE,
    DEF_INT,
    DEF_REAL,
    DEF_STRING,
    DEF_BOOL,
    DEF_NOW,
    DEF_NULL
} DefaultKind;

typedef enum OnDelete { OD_NONE, OD_CASCADE, OD_SET_NULL, OD_RESTRICT } OnDelete;

typedef struct Default {
    DefaultKind kind;
    Loc loc;
    int64_t i;
    double r;
    const char *s; /* DEF_STRING: unescaped value */
    const char *spelling; /* DEF_REAL: the literal as written */
} Default;

typedef struct Model Model;
typedef struct ManyToMany ManyToMany;

typedef struct Field {
    const char *name;
    Loc loc;
    const char *type_name;
    Loc type_loc;
    bool has_size;
    int64_t size;
    Loc size_loc;
    bool nullable;
    Loc nullable_loc;
    bool many;           /* written `Model[]` */
    const char *through; /* `through NAME`, or NULL */
    Loc through_loc;
    bool unique, index;
    Loc unique_loc, index_loc;
    Default def;
    const char *related;
    Loc related_loc;
    OnDelete on_delete;
    Loc on_delete_loc;
    const char *column_opt; /* `@column("Name")` on the field, or NULL */
    Loc column_loc;
    struct Field *next;

    /* resolved by sema */
    TypeKind kind;
    Model *target;       /* TY_MODEL, TY_MANY */
    ManyToMany *m2m;     /* TY_MANY */
    const char *member;  /* C member: name, or name_id for FKs */
    const char *column;  /* SQL column: column_opt, else member */
    int index_no;        /* position in the model's field table (id = 0) */
    const char *fconst;  /* field_const() once computed: "BLOG_FIELD_TITLE" */
} Field;

typedef struct OptArg {
    const char *name; /* identifier, or string value */
    Loc loc;
    bool desc;        /* -name */
    bool is_string;
    struct OptArg *next;
} OptArg;

typedef struct Option {
    const char *name; /* without '@' */
    Loc loc;
    OptArg *args;
    struct Option *next;
} Option;

/* A to-many relation of a model: the other side of a child's foreign key
 * (mm NULL), or a many-to-many relation from either side. */
typedef struct Reverse {
    const char *name;
    Loc loc;
    Model *child;          /* the model of the rows in the list */
    Field *fk;             /* the child's foreign key (not for m2m) */
    ManyToMany *mm;        /* a many-to-many relation, or NULL */
    bool backward;         /* mm seen from its target (the reverse name) */
} Reverse;

/* A many-to-many relation, `tags Tag[]` in Post (implicit join table) or
 * `members Person[] through Membership` (the rows of a model).  Listed on
 * both models: Model.m2ms of the source, Model.m2m_revs of the target.
 * Filled by sema; a relation whose target did not resolve has target
 * NULL and is in neither list. */
struct ManyToMany {
    Field *field;          /* the declaring field (kind TY_MANY) */
    Model *source;         /* the declaring model */
    Model *target;
    Model *through;        /* the join model, or NULL: an implicit table */
    Field *through_source; /* through: its foreign key to source */
    Field *through_target; /* through: its foreign key to target */
    const char *table;     /* join table: "post_tags", or through->table */
    const char *source_col; /* "post_id", "from_person_id" (self), or
                             * through_source->member */
    const char *target_col; /* "tag_id", "to_person_id" (self), or
                             * through_target->member */
    const char *related;   /* reverse name on target: "post_set" */
    Loc related_loc;       /* `related` name, or the type */
};

typedef struct OrderTerm {
    Field *field; /* NULL = id */
    bool desc;
} OrderTerm;

typedef struct Index {
    bool unique;
    bool skip;      /* redundant: same columns as an earlier index, or id */
    Field **fields; /* NULL entry = id */
    int nfields;
} Index;

/* A unique key of a model: a `unique` field or a @unique group (without
 * id), for the generated get_by / upsert_by / get_or_create_by. */
typedef struct Key {
    Field **fields;
    int nfields;
    const char *name;  /* "email", "title_and_author_id" */
    bool nullable;     /* some field is nullable: no upsert/get_or_create */
} Key;

struct Model {
    const char *name;
    Loc loc;
    const char *file;     /* the schema file declaring it (its Ctx's file):
                           * another than the compile's for an imported
                           * model */
    Field *fields;
    Option *options;
    struct Model *next;

    /* resolved by sema */
    const char *prefix;   /* blog_post */
    const char *upper;    /* BLOG_POST */
    const char *table;    /* SQL table name */
    const char *id_column; /* SQL column of id: "id", or @id("...") */
    Field **fv;           /* fields in order (without id and m2m) */
    int nf;
    Field **fks;          /* relation fields in order */
    int nfks;
    Reverse *revs;        /* reverse relations in declaration order */
    int nrevs, caprevs;
    ManyToMany **m2ms;    /* many-to-many relations declared here, in order */
    int nm2ms;
    ManyToMany **m2m_revs; /* many-to-many relations to this model (their
                            * reverse names), in schema order */
    int nm2m_revs, capm2m_revs;
    Reverse *ones;        /* the reverse sides of one-to-one relations (a
                             unique foreign key to this model), in
                             declaration order; relations after fks */
    int nones, capones;
    Reverse *many;        /* every to-many relation, in the order of the
                             descriptor's reverses: revs, m2ms, then
                             m2m_revs (collect_many) */
    int nmany;
    struct NameMap *fields_by_name; /* fv and m2m fields by name, O(1) */
    struct NameMap *revs_by_name;   /* reverse names in use: revs and
                                     * m2m_revs (copies, as Reverse) */
    OrderTerm *order;
    int norder;
    Index *indexes;
    int nindexes;
    const char *id_const; /* field_const(id) once computed */
    Key *keys;            /* unique keys, by declaration (collect_keys) */
    int nkeys;
};

/* The to-one relations of m in the order of its descriptor's relations:
 * its foreign keys, then the reverse sides of one-to-one relations to it.
 * Relation i's name and the model it leads to. */
static inline int to_one_count(const Model *m) { return m->nfks + m->nones; }
static inline const char *to_one_name(const Model *m, int i)
{
    return i < m->nfks ? m->fks[i]->name : m->ones[i - m->nfks].name;
}
static inline Model *to_one_target(const Model *m, int i)
{
    return i < m->nfks ? m->fks[i]->target : m->ones[i - m->nfks].child;
}

/* The SQL column of m's primary key ("id" unless @id names another);
 * NULL-safe for a model sema has not seen. */
static inline const char *id_col(const Model *m)
{
    return m && m->id_column ? m->id_column : "id";
}

typedef struct Schema {
    Model *models;
    Model **mv;
    int nmodels;
    const char *name;     /* file base name: "blog" */
    const char *file;     /* as given: "examples/blog.orm" */
    const char *base;     /* "blog.orm" */
} Schema;

#endif
