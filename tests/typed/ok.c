/* The control: every call is of the right model and type, so this
 * compiles without a diagnostic (-Wall -Wextra -Werror). */
#include "blog.orm.h"

int use(ormc_db *db);

int use(ormc_db *db)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, blog_via_author_text(AUTHOR_NAME), ORMC_STARTSWITH, "A");
    blog_filter_int(&q, blog_via_comments_int(COMMENT_SCORE), ORMC_GT, 3);
    blog_filter_time(&q, BLOG_CREATED, ORMC_GE, 0);
    blog_order_by(&q, blog_via_author(AUTHOR_NAME.path), ORMC_DESC);
    blog_set_add_real(&q, BLOG_RATING, 1.0);
    int64_t n;
    int rc = blog_update_where(db, &q, &n);
    blog_query_free(&q);
    AuthorQuery aq;
    author_query_init(&aq);
    size_t k = author_annotate(&aq, ORMC_SUM,
                               author_via_blogs_int(blog_via_comments_int(COMMENT_SCORE)).path);
    (void)k;
    author_query_free(&aq);
    return rc;
}
