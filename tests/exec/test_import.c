/*
 * test_import.c — a schema that imports another: tests/exec/shop.orm
 * imports tests/exec/catalog.orm.  The two generated files are linked
 * together; each schema creates its own tables (the imported one first)
 * and keeps its own fingerprint.  Across the files: insert, select_related
 * of the imported model, prefetch of a many-to-many relation to it, and
 * on delete cascade / set null from a row of the imported model.
 */
#include "testutil.h"
#include "shop.orm.h" /* includes catalog.orm.h */

/* The imported schema first: shop's tables refer to catalog's. */
static int create_both(ormc_db *db)
{
    int rc = catalog_schema_create(db);
    return rc != ORMC_OK ? rc : shop_schema_create(db);
}

static int setup(void **state) { return fixture_setup(state, create_both); }
static int teardown(void **state) { return fixture_teardown(state); }

static const char *const PRODUCTS[3] = {"apple", "bread", "cheese"};

typedef struct shop {
    int64_t product[3], tag[3], order[3], gift;
} shop;

static void make_shop(ormc_db *db, shop *w)
{
    static const char *const tags[3] = {"fresh", "local", "sale"};
    for (int i = 0; i < 3; i++) {
        Product p;
        product_init(&p);
        p.name = PRODUCTS[i];
        p.price = 10 * (i + 1);
        assert_ok(db, product_insert(db, &p));
        w->product[i] = p.id;
        Tag t;
        tag_init(&t);
        t.name = tags[2 - i]; /* ids not in name order */
        assert_ok(db, tag_insert(db, &t));
        w->tag[2 - i] = t.id;
    }
    /* order i: product i, quantity i + 1, tags 0..i */
    for (int i = 0; i < 3; i++) {
        Order o;
        order_init(&o);
        o.product_id = w->product[i];
        o.quantity = i + 1;
        assert_ok(db, order_insert(db, &o));
        w->order[i] = o.id;
        assert_ok(db, order_add_tags(db, o.id, w->tag, (size_t)i + 1));
    }
    Gift g;
    gift_init(&g);
    g.order_id = w->order[1];
    g.wrapping_id = w->product[2];
    g.wrapping_null = false;
    assert_ok(db, gift_insert(db, &g));
    w->gift = g.id;
}

/* Both schemas are in the database, each with its fingerprint. */
static void test_both_schemas_check(void **state)
{
    fixture *f = *state;
    assert_ok(f->db, ormc_schema_check(f->db, &catalog_schema));
    assert_ok(f->db, ormc_schema_check(f->db, &shop_schema));
}

/* orders with their product: one statement, a join to the imported
 * model's table. */
static void test_select_related_imported(void **state)
{
    fixture *f = *state;
    shop w;
    make_shop(f->db, &w);
    OrderQuery q;
    order_query_init(&q);
    order_with_product(&q);
    OrderList l;
    counts_reset(f);
    assert_ok(f->db, order_fetch(f->db, &q, &l));
    assert_queries(f, 1);
    assert_int_equal(l.count, 3);
    for (size_t i = 0; i < l.count; i++) {
        const Order *o = &l.items[i];
        assert_int_equal(o->id, w.order[i]);
        assert_non_null(o->product);
        assert_int_equal(o->product->id, w.product[i]);
        assert_string_equal(o->product->name, PRODUCTS[i]);
        assert_int_equal(o->product->price, 10 * ((int64_t)i + 1));
    }
    order_list_free(&l);
    order_query_free(&q);

    /* two relations to the same imported model, one nullable, and one
     * of this file's own (gift -> order -> product) */
    GiftQuery gq;
    gift_query_init(&gq);
    gift_with_wrapping(&gq);
    OrderQuery sub;
    order_query_init(&sub);
    order_with_product(&sub);
    gift_with_order_from(&gq, &sub);
    GiftList gl;
    counts_reset(f);
    assert_ok(f->db, gift_fetch(f->db, &gq, &gl));
    assert_queries(f, 1);
    assert_int_equal(gl.count, 1);
    assert_string_equal(gl.items[0].wrapping->name, "cheese");
    assert_int_equal(gl.items[0].order->id, w.order[1]);
    assert_string_equal(gl.items[0].order->product->name, "bread");
    gift_list_free(&gl);
    order_query_free(&sub);
    gift_query_free(&gq);
}

/* orders with their tags (a many-to-many relation to an imported model):
 * two statements, each tag one object, in Tag's order (by name). */
static void test_prefetch_imported(void **state)
{
    fixture *f = *state;
    shop w;
    make_shop(f->db, &w);
    OrderQuery q;
    order_query_init(&q);
    order_prefetch_tags(&q);
    order_with_product(&q);
    OrderList l;
    counts_reset(f);
    assert_ok(f->db, order_fetch(f->db, &q, &l));
    assert_queries(f, 2);
    assert_int_equal(l.count, 3);
    static const char *const tags[3] = {"fresh", "local", "sale"};
    for (size_t i = 0; i < l.count; i++) {
        const Order *o = &l.items[i];
        assert_non_null(o->rel);
        assert_int_equal(o->rel->tags.count, i + 1);
        for (size_t k = 0; k <= i; k++) {
            assert_int_equal(o->rel->tags.items[k]->id, w.tag[k]);
            assert_string_equal(o->rel->tags.items[k]->name, tags[k]);
        }
        assert_string_equal(o->product->name, PRODUCTS[i]);
    }
    /* "fresh" is one Tag, shared by every order */
    assert_ptr_equal(l.items[0].rel->tags.items[0],
                     l.items[2].rel->tags.items[0]);
    order_list_free(&l);
    order_query_free(&q);
}

/* Deleting a row of the imported model acts on the importer's rows as
 * their relations say: cascade (Order.product, then Gift.order) and set
 * null (Gift.wrapping). */
static void test_on_delete_across_files(void **state)
{
    fixture *f = *state;
    shop w;
    make_shop(f->db, &w);
    assert_ok(f->db, product_delete(f->db, w.product[2]));
    Gift *g = NULL;
    assert_ok(f->db, gift_get(f->db, w.gift, &g));
    assert_true(g->wrapping_null);
    gift_free(g);
    assert_ok(f->db, product_delete(f->db, w.product[1]));
    int64_t n = -1;
    assert_ok(f->db, order_count(f->db, NULL, &n));
    assert_int_equal(n, 1);
    assert_status(f->db, gift_get(f->db, w.gift, &g), ORMC_NOT_FOUND);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_both_schemas_check),
        T(test_select_related_imported),
        T(test_prefetch_imported),
        T(test_on_delete_across_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
