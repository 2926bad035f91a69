/* The inventory lists resources by name, and the list follows every add,
 * remove and rename (it keeps its order between changes). */
#include "domain-def.h"
#include "inventory.h"

static VbDomain *
domain (const char *name, int n)
{
  g_autofree char *xml = g_strdup_printf (
    "<domain type='test'><name>%s</name><uuid>6f3c1c4e-2b9a-4d8e-9a51-3e0f6b7c8d%02d</uuid>"
    "<memory unit='KiB'>65536</memory><vcpu>1</vcpu></domain>",
    name, n);
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return vb_domain_new (def, "test", TRUE);
}

/* The names of the listed domains, joined by spaces. */
static char *
listed (VbInventory *inventory)
{
  g_autoptr (GPtrArray) list = vb_inventory_list (inventory, VB_TYPE_DOMAIN);
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (names, "%s%s", i ? " " : "", vb_resource_get_name (list->pdata[i]));
  return g_string_free (g_steal_pointer (&names), FALSE);
}

static void
test_order_follows_changes (void)
{
  g_autoptr (VbInventory) inventory = vb_inventory_new ();
  g_autoptr (VbDomain) b = domain ("b", 1);
  g_autoptr (VbDomain) d = domain ("d", 2);
  g_autoptr (VbDomain) a = domain ("a", 3);
  g_autoptr (VbDomain) c = domain ("c", 4);
  g_autofree char *first = NULL, *again = NULL, *added = NULL, *removed = NULL, *renamed = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GError) error = NULL;
  VbDomainDef *def;

  vb_inventory_add (inventory, VB_RESOURCE (b));
  vb_inventory_add (inventory, VB_RESOURCE (d));
  vb_inventory_add (inventory, VB_RESOURCE (a));
  first = listed (inventory);
  g_assert_cmpstr (first, ==, "a b d");
  again = listed (inventory);
  g_assert_cmpstr (again, ==, "a b d");

  vb_inventory_add (inventory, VB_RESOURCE (c));
  added = listed (inventory);
  g_assert_cmpstr (added, ==, "a b c d");

  vb_inventory_remove (inventory, VB_RESOURCE (b));
  removed = listed (inventory);
  g_assert_cmpstr (removed, ==, "a c d");

  /* As Rename(): the definition changes, then the inventory is told. */
  xml = g_strdup_printf ("<domain type='test'><name>e</name><uuid>%s</uuid>"
                         "<memory unit='KiB'>65536</memory><vcpu>1</vcpu></domain>",
                         vb_resource_get_uuid (VB_RESOURCE (a)));
  def = vb_domain_def_parse (xml, &error);
  g_assert_no_error (error);
  vb_domain_set_def (a, def);
  vb_inventory_rename (inventory, VB_RESOURCE (a), "a");
  renamed = listed (inventory);
  g_assert_cmpstr (renamed, ==, "c d e");
  g_assert_true (vb_inventory_lookup_name (inventory, VB_TYPE_DOMAIN, "e") == VB_RESOURCE (a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/inventory/order-follows-changes", test_order_follows_changes);
  return g_test_run ();
}
