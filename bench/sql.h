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
/* W7: the author table first (CROSS JOIN fixes the join order), then each
 * matching author's blogs through blog_author_id_created_idx, sorted by id:
 * without statistics (no ANALYZE) SQLite's planner otherwise scans every
 * blog and probes its author.  GLOB 'm*' is
 * case-sensitive like ormc's STARTSWITH (LIKE is not), and as fast as
 * substr(a.name, 1, 1) = ? or a range.  (4-6x: bench/README.md.) */
#define SQL_W7                                                            \
    "SELECT " BLOG_COLS ", " AUTHOR_COLS " FROM author a CROSS JOIN blog b " \
    "ON b.author_id = a.id WHERE a.name GLOB ?1 ORDER BY b.id"
/* W8: the cheap test first. */
#define SQL_W8                                                            \
    "SELECT " BLOG_COLS " FROM blog b WHERE b.editor_id IS NOT NULL AND "  \
    "(b.rating >= ?1 OR b.title GLOB ?2) ORDER BY b.id"
/* W9: the ids through the index first, then the rows in id order: faster
 * (0.7x at S=1, 0.3-0.5x at S=10) than "WHERE author_id <= ?1", which
 * updates them in index (author) order. */
#define SQL_W9                                                            \
    "UPDATE blog SET rating = rating + ?2 WHERE id IN (SELECT id FROM blog " \
    "WHERE author_id <= ?1)"
/* W9n: the naive loop, as an ORM's fetch + save writes it: every column. */
#define SQL_W9N_FETCH "SELECT " BLOG_COLS " FROM blog b WHERE b.author_id <= ?1 ORDER BY b.id"
#define SQL_W9N_UPDATE                                                    \
    "UPDATE blog SET title = ?1, author_id = ?2, editor_id = ?3, created = " \
    "?4, rating = ?5 WHERE id = ?6"
/* W9 and W9n's check: COUNT and SUM of rating over the updated blogs and
 * over all blogs. */
#define SQL_W9_CHECK                                                      \
    "SELECT (SELECT COUNT(rating) FROM blog WHERE author_id <= ?1), "      \
    "(SELECT TOTAL(rating) FROM blog WHERE author_id <= ?1), "            \
    "(SELECT COUNT(rating) FROM blog), (SELECT TOTAL(rating) FROM blog)"
/* W10: "IN (?, ?, ...)" with one parameter per id, prepared once (untimed,
 * as W5's) and the ids bound one by one: at S=1 about 20% faster than one
 * JSON array parameter read by json_each (Debian's SQLite has no carray).
 * It needs a parameter per id: beyond the variable limit (Debian: 250,000;
 * W10p has 300,000) the list goes as one JSON array, SQL_W10_JSON, as ormc
 * sends every list.  rawdb_prepare_w10 writes the statement. */
#define SQL_W10_HEAD                                                      \
    "SELECT c.id, c.blog_id, c.content, c.score FROM comment c WHERE c.id IN ("
#define SQL_W10_TAIL ") ORDER BY c.id"
#define SQL_W10_JSON                                                      \
    "SELECT c.id, c.blog_id, c.content, c.score FROM comment c WHERE c.id " \
    "IN (SELECT value FROM json_each(?1)) ORDER BY c.id"
/* W11: the blogs of the range, then their comments through
 * comment_blog_id_idx (10% of the comments: probing the index beats W2's
 * full scan here).  The ORDER BY costs no sort: the IN list is walked in
 * blog id order and the index holds each blog's comments in id order, so
 * they arrive grouped by blog and are stitched in one merge pass. */
#define SQL_W11_BLOGS                                                     \
    "SELECT " BLOG_COLS " FROM blog b WHERE b.created BETWEEN ?1 AND ?2 "  \
    "ORDER BY b.id"
#define SQL_W11_COMMENTS                                                  \
    "SELECT c.id, c.blog_id, c.content, c.score FROM comment c WHERE "    \
    "c.blog_id IN (SELECT b.id FROM blog b WHERE b.created BETWEEN ?1 AND " \
    "?2) ORDER BY c.blog_id, c.id"
/* W12: the three statements ormc sends for authors -> blogs -> comments
 * over every row (tests/sql/shapes.md, "nested prefetch, all rows"): each
 * table in id order, no parameter, no per-parent IN list; the blogs and
 * the comments are grouped under their parents in memory. */
#define SQL_W12_AUTHORS "SELECT " AUTHOR_COLS " FROM author a ORDER BY a.id"
#define SQL_W12_BLOGS SQL_W2_BLOGS
#define SQL_W12_COMMENTS SQL_W2_COMMENTS
/* W13: every blog, then the newest ?1 comments of each with ormc's
 * per-parent statement (tests/sql/shapes.md, "prefetch per parent"): a
 * correlated LIMIT subquery per blog, which walks
 * comment_blog_id_idx backwards and reads just the rows it keeps.  The
 * rows arrive grouped by blog in blog id order, newest first within
 * each, so one merge pass stitches them. */
#define SQL_W13_BLOGS SQL_W2_BLOGS
#define SQL_W13_COMMENTS                                                  \
    "SELECT c.id, c.blog_id, c.content, c.score FROM blog AS tp JOIN "     \
    "comment AS c ON c.id IN (SELECT c2.id FROM comment AS c2 WHERE "      \
    "c2.blog_id = tp.id ORDER BY c2.id DESC LIMIT ?1) ORDER BY "          \
    "tp.id, c.id DESC"
/* W14: every blog, then each link of blog_tags with its tag, ormc's
 * statement for a many-to-many prefetch of every row (tests/sql/shapes.md,
 * "many-to-many prefetch, all rows"): the tags in id order, each one's
 * links through the covering index blog_tags_tag_id_blog_id_idx, so the
 * rows arrive grouped by tag and each tag's columns are read once.
 * Driving from the join table instead (FROM blog_tags bt JOIN tag t ...
 * ORDER BY bt.blog_id, bt.tag_id: its primary key order, one tag probe
 * per link, rows grouped by blog for a merge pass) took the same time or
 * more in the sqlite3 shell at S=1 (13-14 ms against 12-13). */
#define SQL_W14_BLOGS SQL_W2_BLOGS
#define SQL_W14_TAGS                                                      \
    "SELECT t.id, t.name, bt.blog_id FROM tag t JOIN blog_tags bt ON "    \
    "bt.tag_id = t.id ORDER BY t.id"
#define SQL_NCOMMENTS "SELECT COUNT(*) FROM comment"
#define SQL_COUNTS "SELECT (SELECT COUNT(*) FROM author), (SELECT COUNT(*) FROM blog)"

#endif /* BENCH_SQL_H */
