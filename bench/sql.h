/*
 * sql.h — the hand-written SQL of hand_bench.c, which floor_bench.c runs too
 * (same statements, nothing kept), so the two differ only in what is done
 * with the columns.  Table and column names are those of the generated DDL
 * (blog_schema in $(B)/gen/blog.orm.c).
 */
#ifndef BENCH_SQL_H
#define BENCH_SQL_H

#define BLOG_COLS "b.id, b.title, b.author_id, b.editor_id, b.created, b.rating"
#define AUTHOR_COLS "a.id, a.name, a.email"
#define BOOK_COLS "b.id, b.title, b.author_id, b.price, b.pages"

/* W0: the first N books, then one author per book. */
#define SQL_W0_BOOKS "SELECT " BOOK_COLS " FROM book b ORDER BY b.id LIMIT ?"
#define SQL_W0_AUTHOR "SELECT " AUTHOR_COLS " FROM author a WHERE a.id = ?"
/* W0sr: the same books joined with their authors. */
#define SQL_W0SR                                                          \
    "SELECT " BOOK_COLS ", " AUTHOR_COLS " FROM book b JOIN author a ON " \
    "a.id = b.author_id ORDER BY b.id LIMIT ?"
/* W1 */
#define SQL_W1                                                            \
    "SELECT " BLOG_COLS ", " AUTHOR_COLS " FROM blog b JOIN author a ON " \
    "a.id = b.author_id ORDER BY b.id"
/* W2: blogs, then every comment in table (id) order, grouped by blog in
 * memory.  (ORDER BY c.blog_id, c.id would arrive grouped through
 * comment_blog_id_idx, but then each row is a random probe into the table:
 * 2.5x slower at S=1 than the scan.)  Every comment belongs to a fetched
 * blog, as all blogs are fetched. */
#define SQL_W2_BLOGS "SELECT " BLOG_COLS " FROM blog b ORDER BY b.id"
#define SQL_W2_COMMENTS                                                   \
    "SELECT c.id, c.blog_id, c.content, c.score FROM comment c ORDER BY c.id"
/* W3 */
#define SQL_W3                                                            \
    "SELECT " BLOG_COLS ", (SELECT COUNT(*) FROM comment c WHERE "       \
    "c.blog_id = b.id) FROM blog b ORDER BY b.id"
/* W4 */
#define SQL_W4                                                            \
    "SELECT COUNT(score), SUM(score), AVG(score), MIN(score), MAX(score) " \
    "FROM comment"
/* W5: "IN (?, ...)" with BENCH_W5_AUTHORS parameters is appended at run
 * time between the two halves. */
#define SQL_W5_HEAD                                                       \
    "SELECT " BLOG_COLS ", " AUTHOR_COLS " FROM blog b JOIN author a ON " \
    "a.id = b.author_id WHERE b.author_id IN ("
#define SQL_W5_TAIL ") ORDER BY b.created DESC, b.id LIMIT ?"
/* W6 */
#define SQL_W6_INSERT                                                     \
    "INSERT INTO comment (blog_id, content, score) VALUES (?, ?, ?)"
#define SQL_W6_CHECK                                                      \
    "SELECT id, blog_id, content, score FROM comment WHERE id > ? ORDER BY id"
#define SQL_MAX_COMMENT "SELECT COALESCE(MAX(id), 0) FROM comment"
#define SQL_COUNTS "SELECT (SELECT COUNT(*) FROM author), (SELECT COUNT(*) FROM blog)"

#endif /* BENCH_SQL_H */
