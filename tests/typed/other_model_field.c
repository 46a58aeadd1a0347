/* A field of Comment passed to a filter of Blog. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, COMMENT_CONTENT, ORMC_EQ, "x"); /* WRONG */
}
