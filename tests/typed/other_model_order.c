/* volume_order_by(&q, WRITER_FIELD_BORN, ...) of the issue: a path of
 * another model given to order_by. */
#include "blog.orm.h"

void use(void);

void use(void)
{
    BlogQuery q;
    blog_query_init(&q);
    blog_order_by(&q, AUTHOR_NAME.path, ORMC_ASC); /* WRONG */
}
