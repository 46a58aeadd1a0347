/* A step through Blog's author given a path of Comment. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, blog_via_author_int(COMMENT_SCORE), ORMC_EQ, 3); /* WRONG */
}
