/* A text value given to an int path's filter. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_int(&q, BLOG_AUTHOR_ID, ORMC_EQ, "3"); /* WRONG */
}
