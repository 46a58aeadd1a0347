/*
 * app.c — a tiny program built outside the ormc tree from store.orm, with
 * only the installed ormc and `pkg-config ormc` (see Makefile and
 * CMakeLists.txt beside it).  Prints the items under 10.00 with their
 * shop, cheapest first, then the number of items per shop.
 */
#include "store.orm.h"

#include <stdio.h>

static int add(ormc_db *db, Shop *shop, const char *title, double price)
{
    Item it;
    item_init(&it);
    it.shop_id = shop->id;
    it.title = title;
    it.price = price;
    return item_insert(db, &it);
}

int main(void)
{
    ormc_db *db;
    int rc = ormc_open(":memory:", &db);
    if (rc == ORMC_OK)
        rc = store_schema_create(db);
    Shop a, b;
    shop_init(&a);
    shop_init(&b);
    a.name = "Corner";
    b.name = "Market";
    if (rc == ORMC_OK)
        rc = shop_insert(db, &a);
    if (rc == ORMC_OK)
        rc = shop_insert(db, &b);
    if (rc == ORMC_OK)
        rc = add(db, &a, "tea", 4.5);
    if (rc == ORMC_OK)
        rc = add(db, &b, "bread", 2.25);
    if (rc == ORMC_OK)
        rc = add(db, &b, "cheese", 12.0);
    if (rc != ORMC_OK) {
        fprintf(stderr, "app: %s\n", ormc_errmsg(db));
        ormc_close(db);
        return 1;
    }

    ItemQuery q; /* Item.objects.filter(price__lt=10).select_related("shop")
                  *     .order_by("price") */
    item_query_init(&q);
    item_filter_real(&q, ITEM_PRICE, ORMC_LT, 10.0);
    item_with_shop(&q);
    item_order_by(&q, ITEM_PRICE.path, ORMC_ASC);
    ItemList items;
    rc = item_fetch(db, &q, &items); /* 1 statement */
    item_query_free(&q);
    if (rc == ORMC_OK) {
        for (size_t i = 0; i < items.count; i++)
            printf("%s %.2f at %s\n", items.items[i].title,
                   items.items[i].price, items.items[i].shop->name);
        item_list_free(&items);
    }

    ShopQuery sq; /* Shop.objects.annotate(Count("items")).order_by("name") */
    shop_query_init(&sq);
    shop_count_items(&sq);
    shop_order_by(&sq, SHOP_NAME.path, ORMC_ASC);
    ShopList shops;
    if (rc == ORMC_OK)
        rc = shop_fetch(db, &sq, &shops); /* 1 statement */
    shop_query_free(&sq);
    if (rc == ORMC_OK) {
        for (size_t i = 0; i < shops.count; i++)
            printf("%s: %lld items\n", shops.items[i].name,
                   (long long)shops.items[i].rel->items_count);
        shop_list_free(&shops);
    }
    if (rc != ORMC_OK)
        fprintf(stderr, "app: %s\n", ormc_errmsg(db));
    ormc_close(db);
    return rc != ORMC_OK;
}
