/* The org.virtbus.Virt1 front end sends repeated reads again from GDBus's
 * worker thread (objects/virt1/virt1-replies.h): Properties.Get and GetAll,
 * Domain.GetXMLDesc without SECURE, Manager.ListDomains,
 * ListDomainSummaries and the lookups. Each read here is asked twice before a change, so
 * that the second answer is the remembered one, and after it: the answer
 * after must show the change. A caller who is refused a member is refused it
 * also after another caller's answers were remembered. */
#include "vb-test-libvirt.h"

#define PROPERTIES "org.freedesktop.DBus.Properties"
#define UUID "7d2e4c8a-1b62-4c8f-8e6f-4b3a5d7e9f01"
#define OTHER_UUID "7d2e4c8a-1b62-4c8f-8e6f-4b3a5d7e9f02"
#define NOT_AUTHORIZED "org.virtbus.Virt1.Error.NotAuthorized"

/* Asks @method twice and asserts both answers are the same; returns one. */
static GVariant *
twice (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GVariant) held = args ? g_variant_ref_sink (args) : NULL;
  g_autoptr (GVariant) first = vb_test_call_ok (env, path, iface, method, held);
  GVariant *second = vb_test_call_ok (env, path, iface, method, held);

  g_assert_true (g_variant_equal (first, second));
  return second;
}

static char *
state_from_get (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    twice (env, path, PROPERTIES, "Get", g_variant_new ("(ss)", IFACE_DOMAIN, "State"));
  g_autoptr (GVariant) value = NULL;

  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

/* A property from GetAll of the domain. */
static GVariant *
from_get_all (VbTestEnv *env, const char *path, const char *property)
{
  g_autoptr (GVariant) reply =
    twice (env, path, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN));
  g_autoptr (GVariant) all = g_variant_get_child_value (reply, 0);
  GVariant *value = g_variant_lookup_value (all, property, NULL);

  g_assert_nonnull (value);
  return value;
}

static char *
state_from_get_all (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) value = from_get_all (env, path, "State");

  return g_variant_dup_string (value, NULL);
}

static guint
count_listed (VbTestEnv *env, guint flags)
{
  g_autoptr (GVariant) reply =
    twice (env, MANAGER, IFACE_MANAGER, "ListDomains", g_variant_new ("(u)", flags));
  g_autoptr (GVariant) paths = g_variant_get_child_value (reply, 0);

  return (guint) g_variant_n_children (paths);
}

/* The summaries, each checked against the domain's own properties. */
static GVariant *
summaries (VbTestEnv *env, guint flags)
{
  GVariant *reply =
    twice (env, MANAGER, IFACE_MANAGER, "ListDomainSummaries", g_variant_new ("(u)", flags));
  g_autoptr (GVariant) list = NULL;
  GVariantIter iter;
  const char *path, *name, *state, *previous = "";
  guint32 vcpus;
  guint64 memory;
  gboolean autostart;

  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(a(ossutb))");
  list = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, list);
  while (
    g_variant_iter_next (&iter, "(&o&s&sutb)", &path, &name, &state, &vcpus, &memory, &autostart))
    {
      g_autofree char *real_name = vb_test_get_string (env, path, IFACE_DOMAIN, "Name");
      g_autofree char *real_state = vb_test_get_string (env, path, IFACE_DOMAIN, "State");
      g_autoptr (GVariant) real_vcpus = vb_test_get_property (env, path, IFACE_DOMAIN, "Vcpus");

      g_assert_cmpstr (name, ==, real_name);
      g_assert_cmpstr (state, ==, real_state);
      g_assert_cmpuint (vcpus, ==, g_variant_get_uint32 (real_vcpus));
      g_assert_cmpuint (memory, ==, vb_test_get_u64 (env, path, IFACE_DOMAIN, "MemoryKiB"));
      g_assert_cmpint (autostart, ==, vb_test_get_bool (env, path, IFACE_DOMAIN, "Autostart"));
      g_assert_cmpint (strcmp (previous, name), <, 0); /* sorted by name */
      previous = name;
    }
  return reply;
}

static char *
summary_state (VbTestEnv *env, const char *want)
{
  g_autoptr (GVariant) reply = summaries (env, 0);
  g_autoptr (GVariant) list = g_variant_get_child_value (reply, 0);
  GVariantIter iter;
  const char *path, *name, *state;

  g_variant_iter_init (&iter, list);
  while (g_variant_iter_next (&iter, "(&o&s&sutb)", &path, &name, &state, NULL, NULL, NULL))
    if (g_str_equal (path, want))
      return g_strdup (state);
  return NULL;
}

static char *
define (VbTestEnv *env, const char *name, const char *uuid)
{
  g_autofree char *xml = vb_test_domain_xml (name, uuid);

  return vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

static char *
xml_twice (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    twice (env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  char *xml;

  g_variant_get (reply, "(s)", &xml);
  return xml;
}

static void
assert_state (VbTestEnv *env, const char *path, const char *expected)
{
  g_autofree char *from_get = state_from_get (env, path);
  g_autofree char *from_all = state_from_get_all (env, path);
  g_autofree char *from_summary = summary_state (env, path);

  g_assert_cmpstr (from_get, ==, expected);
  g_assert_cmpstr (from_all, ==, expected);
  g_assert_cmpstr (from_summary, ==, expected);
}

static void
test_domain_reads_follow_changes (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *path = NULL;
  g_autofree char *other = NULL;

  vb_test_env_start_daemon (env, NULL);
  path = define (env, "v1-repeat", UUID);

  /* State: Get, GetAll, the summaries, the live XML and the filtered list. */
  assert_state (env, path, "shutoff");
  g_assert_cmpuint (count_listed (env, 1), ==, 0); /* ACTIVE */
  {
    g_autofree char *xml = xml_twice (env, path);

    g_assert_null (strstr (xml, " id='"));
  }
  vb_test_call_void (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  assert_state (env, path, "running");
  g_assert_cmpuint (count_listed (env, 1), ==, 1);
  {
    g_autofree char *xml = xml_twice (env, path);

    g_assert_nonnull (strstr (xml, " id='"));
  }
  vb_test_call_void (env, path, IFACE_DOMAIN, "Suspend", NULL);
  assert_state (env, path, "paused");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  assert_state (env, path, "shutoff");
  g_assert_cmpuint (count_listed (env, 1), ==, 0);

  /* A property written through Properties.Set. */
  {
    g_autoptr (GVariant) before = from_get_all (env, path, "Autostart");

    g_assert_false (g_variant_get_boolean (before));
  }
  vb_test_call_void (env, path, PROPERTIES, "Set",
                     g_variant_new ("(ssv)", IFACE_DOMAIN, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  {
    g_autoptr (GVariant) after = from_get_all (env, path, "Autostart");

    g_assert_true (g_variant_get_boolean (after));
    g_variant_unref (summaries (env, 0));               /* checks Autostart against the property */
    g_assert_cmpuint (count_listed (env, 1024), ==, 1); /* AUTOSTART */
  }

  /* The definition: a new <vcpu> shows in the XML, the properties and the list. */
  {
    g_autofree char *xml = vb_test_domain_xml ("v1-repeat", UUID);
    g_autoptr (GString) more = g_string_new (xml);
    g_autoptr (GVariant) vcpus = NULL;
    g_autofree char *defined = NULL;

    g_string_replace (more, "<vcpu>2</vcpu>", "<vcpu>3</vcpu>", 1);
    g_free (vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", more->str, 0)));
    defined = xml_twice (env, path);
    g_assert_nonnull (strstr (defined, ">3</vcpu>"));
    vcpus = from_get_all (env, path, "Vcpus");
    g_assert_cmpuint (g_variant_get_uint32 (vcpus), ==, 3);
    g_variant_unref (summaries (env, 0));
  }

  /* The list: define, rename, undefine. */
  g_assert_cmpuint (count_listed (env, 0), ==, 1);
  other = define (env, "v1-repeat-2", OTHER_UUID);
  g_assert_cmpuint (count_listed (env, 0), ==, 2);
  g_variant_unref (summaries (env, 0));
  {
    g_autoptr (GVariant) found = twice (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                                        g_variant_new ("(s)", "v1-repeat-2"));
    const char *found_path;

    g_variant_get (found, "(&o)", &found_path);
    g_assert_cmpstr (found_path, ==, other);
  }
  vb_test_call_void (env, other, IFACE_DOMAIN, "Rename", g_variant_new ("(su)", "a-first", 0));
  vb_test_call_expect_error (env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "v1-repeat-2"),
                             "org.virtbus.Virt1.Error.NotFound");
  {
    g_autoptr (GVariant) reply = summaries (env, 0); /* checks the order too */
    g_autoptr (GVariant) list = g_variant_get_child_value (reply, 0);
    const char *first;

    g_variant_get_child (list, 0, "(&o&ssutb)", NULL, &first, NULL, NULL, NULL, NULL);
    g_assert_cmpstr (first, ==, "a-first");
  }
  vb_test_call_void (env, other, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_cmpuint (count_listed (env, 0), ==, 1);
  vb_test_call_expect_error (env, other, PROPERTIES, "GetAll", g_variant_new ("(s)", IFACE_DOMAIN),
                             "org.virtbus.Virt1.Error.NotFound");
  vb_test_call_expect_error (env, other, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.NotFound");
}

/* ---- another caller ---- */

static void
child_refused_after_cached (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as_user ();
  g_autofree char *path = lv_handoff_get ("domain");
  g_autofree char *root_list = lv_handoff_get ("list");
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) list = NULL;
  g_autofree char *printed = NULL;

  /* Reads are open: the same list as root's, remembered or not; once one
   * of this caller's reads was answered, its read is allowed for good. */
  for (int i = 0; i < 2; i++)
    {
      g_clear_pointer (&list, g_variant_unref);
      list = g_dbus_connection_call_sync (bus, "org.virtbus.Virt1", MANAGER, IFACE_MANAGER,
                                          "ListDomainSummaries", g_variant_new ("(u)", 0), NULL,
                                          G_DBUS_CALL_FLAGS_NONE, 30000, NULL, &error);
      g_assert_no_error (error);
    }
  printed = g_variant_print (list, TRUE);
  g_assert_cmpstr (printed, ==, root_list);
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GVariant) reply =
        g_dbus_connection_call_sync (bus, "org.virtbus.Virt1", path, IFACE_DOMAIN, "GetXMLDesc",
                                     g_variant_new ("(u)", 1), NULL, G_DBUS_CALL_FLAGS_NONE, 30000,
                                     NULL, &error);
      g_autofree char *name = NULL;

      /* Allowed read, but root's SECURE answers were never kept: this caller
       * lacks the console action they also need. */
      g_assert_null (reply);
      name = g_dbus_error_get_remote_error (error);
      g_assert_cmpstr (name, ==, NOT_AUTHORIZED);
      g_clear_error (&error);
    }
}

static void
test_refused_caller_not_answered_from_cache (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  g_autofree char *path = NULL;
  g_autoptr (GVariant) list = NULL;
  g_autofree char *printed = NULL;

  vb_test_env_start_daemon (env, NULL);
  path = define (env, "v1-secure", UUID);
  /* root may: its answers to both are asked twice, so kept if ever kept */
  g_variant_unref (twice (env, path, IFACE_DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 1)));
  list = twice (env, MANAGER, IFACE_MANAGER, "ListDomainSummaries", g_variant_new ("(u)", 0));
  printed = g_variant_print (list, TRUE);
  lv_handoff_set ("address", env->bus_address);
  lv_handoff_set ("domain", path);
  lv_handoff_set ("list", printed);
  vb_test_env_run_child (env, "/virt1/repeated-reads/child/refused", 30 * G_USEC_PER_SEC);
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/virt1/repeated-reads/domain", test_domain_reads_follow_changes);
  g_test_add_func ("/virt1/repeated-reads/refused", test_refused_caller_not_answered_from_cache);
  g_test_add_data_func ("/virt1/repeated-reads/child/refused", child_refused_after_cached,
                        vb_test_run_as_child);
  return g_test_run ();
}
