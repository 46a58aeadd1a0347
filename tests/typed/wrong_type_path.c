/* A datetime path given to the text filter. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_filter_text(&q, BLOG_CREATED, ORMC_EQ, "2024"); /* WRONG */
}
