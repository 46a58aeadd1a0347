/* An annotation of Author given a path that starts at Blog: it does not
 * compile (author_annotate takes an AuthorPath). */
#include "blog.orm.h"

void use(void);

void use(void)
{
    AuthorQuery q;
    author_query_init(&q);
    author_annotate(&q, ORMC_SUM, blog_via_comments_int(COMMENT_SCORE).path); /* WRONG */
}
