/* A SET of Comment's field on a Blog update. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_set_add_int(&q, COMMENT_SCORE, 1); /* WRONG */
}
