#!/usr/bin/env python3
"""bench/genschema.py N [SEED] -- writes a deterministic .orm schema of N
models to standard output, for the compiler-scaling benchmark
(bench/compiler_scale.sh).  Python 3 standard library only.

The same N and SEED always give byte-identical output (random.Random with a
fixed seed; no hash-order dependence).  The schema compiles without errors
and looks like a real application's:

  * models M00001 .. M<N>, each with 5 to 10 fields of mixed types: text,
    text(N), int, real, bool, datetime, blob; about a quarter nullable,
    about a third with a default (default null on some nullable ones);
  * 0 to 3 relations per model, always to an earlier model (so the schema
    is a DAG like most real ones); 30% of them go to one of the first ten
    models, the "hubs" (User, Account, ... of a real app), which thus
    collect hundreds of reverse relations at N = 10,000; nullable relations
    use `on delete set null`, the others `cascade` or the default restrict;
    most name their reverse with `related`, others keep the default
    `<child>_set`;
  * `unique` and `index` modifiers, and @index(a, b), @unique(a, b),
    @order(-a, b) and @table("...") options on some models.

Names never collide with ormc's generated names: fields are f<k>_<word>,
reverse relations <child prefix>_f<k>_<word>s, tables tbl_<prefix>.
"""
import random
import sys

WORDS = {
    "text": ["title", "name", "note", "code", "slug", "label", "summary"],
    "int": ["count", "rank", "qty", "level", "views", "stock"],
    "real": ["price", "score", "weight", "ratio", "lat", "lon"],
    "bool": ["active", "visible", "flag", "locked", "public"],
    "datetime": ["created", "updated", "seen", "due", "closed"],
    "blob": ["payload", "data", "thumb", "sig"],
}
# type -> weight: text is the most common column type in real schemas
TYPES = [("text", 30), ("int", 20), ("real", 12), ("bool", 12),
         ("datetime", 16), ("blob", 5)]
REL_WORDS = ["owner", "parent", "author", "account", "project", "group",
             "source", "target", "site", "org"]
HUBS = 10


def pick_type(rng):
    total = sum(w for _, w in TYPES)
    r = rng.randrange(total)
    for t, w in TYPES:
        if r < w:
            return t
        r -= w
    raise AssertionError


def default_for(rng, ty, size):
    """A literal valid for a non-null field of type ty (text(size))."""
    if ty == "int":
        return str(rng.choice([0, 1, 10, -1, 100]))
    if ty == "real":
        return rng.choice(["0.0", "1.5", "-2.25", "1e3", "0.5"])
    if ty == "bool":
        return rng.choice(["true", "false"])
    if ty == "datetime":
        return rng.choice(["now", "0", "86400"])
    if ty == "text":
        s = rng.choice(["", "draft", "n/a", "it's", "x"])
        if size is not None:
            s = s[:size]
        return '"' + s + '"'
    return None  # blob: no default


def model_name(i):
    return "M%05d" % i


def gen_model(rng, i, out):
    name = model_name(i)
    prefix = name.lower()
    nfields = rng.randint(5, 10)
    nrel = 0 if i == 1 else min(rng.choice([0, 1, 1, 1, 2, 2, 3]), nfields - 3)
    rel_slots = set(rng.sample(range(1, nfields + 1), nrel))
    lines = []
    fields = []  # (name, type) for options; type "rel" for relations
    default_set = set()  # targets already used by a relation without related
    for k in range(1, nfields + 1):
        if k in rel_slots:
            word = rng.choice(REL_WORDS)
            fname = "f%d_%s" % (k, word)
            if rng.random() < 0.3:
                target = rng.randint(1, min(HUBS, i - 1))
            else:
                target = rng.randint(max(1, i - 500), i - 1)
            nullable = rng.random() < 0.3
            parts = [fname, model_name(target) + ("?" if nullable else "")]
            if rng.random() < 0.1:
                parts.append("index")
            if rng.random() < 0.75 or target in default_set:
                parts.append("related %s_%ss" % (prefix, fname))
            else:
                default_set.add(target)
            if nullable:
                parts.append("on delete set null")
            elif rng.random() < 0.6:
                parts.append("on delete cascade")
            lines.append("    " + "  ".join(parts))
            fields.append((fname, "rel"))
            continue
        ty = pick_type(rng)
        fname = "f%d_%s" % (k, rng.choice(WORDS[ty]))
        size = None
        tyname = ty
        if ty == "text" and rng.random() < 0.6:
            size = rng.choice([20, 50, 100, 200, 255])
            tyname = "text(%d)" % size
        nullable = rng.random() < 0.25
        parts = [fname, tyname + ("?" if nullable else "")]
        if ty in ("text", "int") and rng.random() < 0.06:
            parts.append("unique")
        elif ty != "blob" and rng.random() < 0.1:
            parts.append("index")
        if nullable and ty != "blob" and rng.random() < 0.15:
            parts.append("default null")
        elif rng.random() < 0.3:
            d = default_for(rng, ty, size)
            if d is not None:
                parts.append("default " + d)
        lines.append("    " + "  ".join(parts))
        fields.append((fname, ty))
    sortable = [f for f, t in fields if t != "blob"]
    if len(sortable) >= 2 and rng.random() < 0.3:
        a, b = rng.sample(sortable, 2)
        lines.append("    @index(%s, %s)" % (a, b))
    if len(sortable) >= 2 and rng.random() < 0.1:
        a, b = rng.sample(sortable, 2)
        lines.append("    @unique(%s, %s)" % (a, b))
    if sortable and rng.random() < 0.3:
        a = rng.choice(sortable)
        if rng.random() < 0.5:
            lines.append("    @order(-%s)" % a)
        else:
            b = rng.choice([f for f in sortable if f != a] or ["id"])
            lines.append("    @order(-%s, %s)" % (a, b))
    if rng.random() < 0.05:
        lines.append('    @table("tbl_%s")' % prefix)
    out.append("model %s {\n%s\n}\n" % (name, "\n".join(lines)))


def main(argv):
    if len(argv) not in (2, 3) or not argv[1].isdigit() or int(argv[1]) < 1:
        sys.stderr.write("usage: genschema.py N [SEED]  (N >= 1 models)\n")
        return 2
    n = int(argv[1])
    seed = int(argv[2]) if len(argv) == 3 else 1
    rng = random.Random(seed)
    out = ["// generated by bench/genschema.py %d %d -- do not edit\n\n"
           % (n, seed)]
    for i in range(1, n + 1):
        gen_model(rng, i, out)
        out.append("\n")
    sys.stdout.write("".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
