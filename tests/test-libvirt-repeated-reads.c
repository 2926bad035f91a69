/* The org.libvirt front end sends repeated reads again from GDBus's worker
 * thread (objects/common/reply-cache.h). Each read here is asked twice before
 * a change, so that the second answer is the remembered one, and once after:
 * the answer after must show the change, for every kind of change the
 * remembered reads depend on. */
#include "vb-test-libvirt.h"

#define DOMAIN "org.libvirt.Domain"
#define UUID "6e1f3b7c-0c51-4b7e-9d5e-3a2f4c6d8e01"
#define OTHER_UUID "6e1f3b7c-0c51-4b7e-9d5e-3a2f4c6d8e02"
#define POOL_UUID "6e1f3b7c-0c51-4b7e-9d5e-3a2f4c6d8e03"

static gboolean
active_in_get_all (VbTestEnv *env, const char *path, const char *iface)
{
  g_autoptr (GVariant) all = lv_get_all (env, path, iface);
  gboolean active = FALSE;

  g_assert_true (g_variant_lookup (all, "Active", "b", &active));
  return active;
}

/* Asked twice: the second may be the remembered answer. */
static gboolean
domain_active (VbTestEnv *env, const char *path)
{
  g_assert_cmpint (active_in_get_all (env, path, DOMAIN), ==,
                   active_in_get_all (env, path, DOMAIN));
  g_assert_cmpint (lv_get_bool (env, path, DOMAIN, "Active"), ==,
                   lv_get_bool (env, path, DOMAIN, "Active"));
  return lv_get_bool (env, path, DOMAIN, "Active");
}

static char *
xml_twice (VbTestEnv *env, const char *path, guint flags)
{
  g_autofree char *first =
    lv_string (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", flags));
  char *second = lv_string (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", flags));

  g_assert_cmpstr (first, ==, second);
  return second;
}

static int
state_twice (VbTestEnv *env, const char *path)
{
  int state[2], reason;

  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GVariant) reply = lv_ok (env, path, DOMAIN, "GetState", g_variant_new ("(u)", 0));

      g_variant_get (reply, "((ii))", &state[i], &reason);
    }
  g_assert_cmpint (state[0], ==, state[1]);
  return state[1];
}

static guint
count_domains_twice (VbTestEnv *env)
{
  g_auto (GStrv) first =
    lv_paths (env, LV_TEST, LV_CONNECT, "ListDomains", g_variant_new ("(u)", 0));
  g_auto (GStrv) second =
    lv_paths (env, LV_TEST, LV_CONNECT, "ListDomains", g_variant_new ("(u)", 0));

  g_assert_cmpuint (g_strv_length (first), ==, g_strv_length (second));
  return g_strv_length (second);
}

static char *
define (VbTestEnv *env, const char *name, const char *uuid)
{
  g_autofree char *xml = vb_test_domain_xml (name, uuid);

  return lv_path (env, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
}

static void
test_domain_reads_follow_changes (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-repeat", UUID);
  g_autofree char *other = NULL;

  /* State: GetAll, Get, GetState and the live XML. */
  g_assert_false (domain_active (env, path));
  g_assert_cmpint (state_twice (env, path), ==, 5); /* shut off */
  {
    g_autofree char *xml = xml_twice (env, path, 0);

    g_assert_null (strstr (xml, " id='"));
  }
  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  g_assert_true (domain_active (env, path));
  g_assert_cmpint (state_twice (env, path), ==, 1); /* running */
  {
    g_autofree char *xml = xml_twice (env, path, 0);

    g_assert_nonnull (strstr (xml, " id='"));
  }
  lv_void (env, path, DOMAIN, "Suspend", NULL);
  g_assert_cmpint (state_twice (env, path), ==, 3); /* paused */
  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_false (domain_active (env, path));
  g_assert_cmpint (state_twice (env, path), ==, 5);

  /* A property written through Properties.Set. */
  g_assert_false (lv_get_bool (env, path, DOMAIN, "Autostart"));
  g_assert_false (lv_get_bool (env, path, DOMAIN, "Autostart"));
  lv_set (env, path, DOMAIN, "Autostart", g_variant_new_boolean (TRUE));
  g_assert_true (lv_get_bool (env, path, DOMAIN, "Autostart"));
  {
    g_autoptr (GVariant) all = lv_get_all (env, path, DOMAIN);
    gboolean autostart = FALSE;

    g_assert_true (g_variant_lookup (all, "Autostart", "b", &autostart));
    g_assert_true (autostart);
  }

  /* The list and the lookups: define, rename, undefine. */
  g_assert_cmpuint (count_domains_twice (env), ==, 1);
  other = define (env, "lv-repeat-2", OTHER_UUID);
  g_assert_cmpuint (count_domains_twice (env), ==, 2);
  {
    g_autofree char *found = lv_path (env, LV_TEST, LV_CONNECT, "DomainLookupByName",
                                      g_variant_new ("(s)", "lv-repeat-2"));
    g_autofree char *again = lv_path (env, LV_TEST, LV_CONNECT, "DomainLookupByName",
                                      g_variant_new ("(s)", "lv-repeat-2"));
    g_autoptr (GVariant) name = NULL;

    g_assert_cmpstr (found, ==, other);
    g_assert_cmpstr (again, ==, other);
    lv_void (env, other, DOMAIN, "Rename", g_variant_new ("(su)", "lv-renamed", 0));
    lv_expect_error (env, LV_TEST, LV_CONNECT, "DomainLookupByName",
                     g_variant_new ("(s)", "lv-repeat-2"),
                     "Domain not found: no domain with matching name 'lv-repeat-2'");
    name = lv_get (env, other, DOMAIN, "Name");
    g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "lv-renamed");
  }
  lv_void (env, other, DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_cmpuint (count_domains_twice (env), ==, 1);
  lv_expect_error (env, other, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0),
                   "Domain not found: ...");
}

static void
test_pool_reads_follow_changes (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *dir = g_build_filename (env->tmpdir, "repeat-pool", NULL);
  g_autofree char *xml =
    g_strdup_printf ("<pool type='dir'><name>repeat</name><uuid>" POOL_UUID "</uuid>"
                     "<target><path>%s</path></target></pool>",
                     dir);
  g_autofree char *path =
    lv_path (env, LV_QEMU, LV_CONNECT, "StoragePoolDefineXML", g_variant_new ("(su)", xml, 0));

  g_assert_false (active_in_get_all (env, path, LV_POOL));
  g_assert_false (active_in_get_all (env, path, LV_POOL));
  g_assert_false (lv_get_bool (env, path, LV_POOL, "Active"));
  lv_void (env, path, LV_POOL, "Build", g_variant_new ("(u)", 0));
  lv_void (env, path, LV_POOL, "Create", g_variant_new ("(u)", 0));
  g_assert_true (active_in_get_all (env, path, LV_POOL));
  g_assert_true (lv_get_bool (env, path, LV_POOL, "Active"));
  {
    g_auto (GStrv) pools =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 2));

    g_assert_cmpuint (g_strv_length (pools), ==, 1); /* ACTIVE */
  }
  lv_void (env, path, LV_POOL, "Destroy", NULL);
  g_assert_false (lv_get_bool (env, path, LV_POOL, "Active"));
  {
    g_auto (GStrv) pools =
      lv_paths (env, LV_QEMU, LV_CONNECT, "ListStoragePools", g_variant_new ("(u)", 2));

    g_assert_cmpuint (g_strv_length (pools), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt/repeated-reads/domain", test_domain_reads_follow_changes);
  g_test_add_func ("/libvirt/repeated-reads/pool", test_pool_reads_follow_changes);
  return g_test_run ();
}
