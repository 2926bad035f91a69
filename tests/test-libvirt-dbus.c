/* The org.libvirt front end (docs/libvirt-dbus.md) as a client of
 * libvirt-dbus sees it: the Connect objects, the domains and snapshots of the
 * test driver, the wire quirks clients depend on (GetAll's values are
 * variants holding variants, Get's are wrapped once; typed parameters
 * double-wrapped; libvirt's numbers, paths, flags and error texts), the
 * DomainEvent signal, authorization, and the name appearing only once the
 * autostarted domains run. */
#include "vb-test-libvirt.h"

#include <string.h>

#define CONNECT "org.libvirt.Connect"
#define DOMAIN "org.libvirt.Domain"
#define SNAPSHOT "org.libvirt.DomainSnapshot"
#define PROPERTIES "org.freedesktop.DBus.Properties"
#define TEST_PATH "/org/libvirt/Test"
#define QEMU_PATH "/org/libvirt/QEMU"

#define UUID "5a3c1e2d-0b4f-4c6a-8e9d-1f2a3b4c5d01"
#define UUID_PATH TEST_PATH "/domain/_5a3c1e2d_0b4f_4c6a_8e9d_1f2a3b4c5d01"
#define UUID2 "5a3c1e2d-0b4f-4c6a-8e9d-1f2a3b4c5d02"

/* ---- calling org.libvirt (the rest is tests/vb-test-libvirt.h's) ---- */

static char *
define (VbTestEnv *env, const char *name, const char *uuid)
{
  g_autofree char *xml = vb_test_domain_xml (name, uuid);

  return lv_path (env, TEST_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
}

static void
get_state (VbTestEnv *env, const char *path, int *state, int *reason)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, DOMAIN, "GetState", g_variant_new ("(u)", 0));

  g_variant_get (reply, "((ii))", state, reason);
}

/* @key of lv_get_all's answer (which asserted the double wrapping); it must be there. */
static GVariant *
property (GVariant *all, const char *key)
{
  GVariant *value = g_variant_lookup_value (all, key, NULL);

  if (!value)
    g_error ("GetAll has no %s", key);
  return value;
}

/* The value of @key in a double-wrapped a{sv} of typed parameters: asserts the wrapping. */
static GVariant *
unwrap_twice (GVariant *dict, const char *key)
{
  g_autoptr (GVariant) outer = g_variant_lookup_value (dict, key, G_VARIANT_TYPE_VARIANT);

  if (!outer)
    g_error ("%s is not a variant holding a variant", key);
  return g_variant_get_variant (outer);
}

/* ---- the Connect object ---- */

static void
test_connect (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GVariant) version = NULL;
  g_autoptr (GVariant) inner = NULL;
  g_autoptr (GVariant) all = NULL;
  g_autoptr (GVariant) lib = NULL;
  g_autoptr (GVariant) stats = NULL;
  g_autoptr (GVariant) caps = NULL;
  guint64 total = 0;
  const char *xml;

  /* Cockpit's probe: Get wraps once, LibVersion is t and opens its feature gates. */
  version =
    lv_ok (env, QEMU_PATH, PROPERTIES, "Get", g_variant_new ("(ss)", CONNECT, "LibVersion"));
  g_assert_cmpstr (g_variant_get_type_string (version), ==, "(v)");
  g_variant_get (version, "(v)", &inner);
  g_assert_cmpstr (g_variant_get_type_string (inner), ==, "t");
  g_assert_cmpuint (g_variant_get_uint64 (inner), >=, 6008000);

  all = lv_get_all (env, TEST_PATH, CONNECT);
  lib = property (all, "LibVersion");
  g_assert_cmpuint (g_variant_get_uint64 (lib), ==, g_variant_get_uint64 (inner));
  for (const char *const *key =
         (const char *const[]){ "Encrypted", "Hostname", "Secure", "Version", NULL };
       *key; key++)
    g_variant_unref (property (all, *key));

  stats = lv_ok (env, QEMU_PATH, CONNECT, "NodeGetMemoryStats", g_variant_new ("(iu)", -1, 0));
  {
    g_autoptr (GVariant) dict = g_variant_get_child_value (stats, 0);

    g_assert_true (g_variant_lookup (dict, "total", "t", &total));
    g_assert_cmpuint (total, >, 0);
  }
  caps = lv_ok (env, TEST_PATH, CONNECT, "GetCapabilities", NULL);
  g_variant_get (caps, "(&s)", &xml);
  g_assert_nonnull (strstr (xml, "<capabilities>"));

  /* Members virtbus does not have: libvirt's text naming libvirt's function. */
  lv_expect_error (env, QEMU_PATH, CONNECT, "NodeGetCPUStats", g_variant_new ("(iu)", -1, 0),
                   "this function is not supported by the connection driver: virNodeGetCPUStats");
  lv_expect_error (env, QEMU_PATH, CONNECT, "GetSysinfo", g_variant_new ("(u)", 0),
                   "this function is not supported by the connection driver: virConnectGetSysinfo");
}

static void
test_lookups_and_lists (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-one", UUID);
  g_autofree char *by_name = NULL;
  g_autofree char *by_uuid = NULL;
  g_autofree char *by_id = NULL;
  g_autofree char *transient = NULL;
  g_autofree char *xml2 = vb_test_domain_xml ("lv-two", UUID2);
  g_autoptr (GVariant) all = NULL;
  g_autoptr (GVariant) id = NULL;

  /* The path scheme: _ and the UUID with '_' for '-'. */
  g_assert_cmpstr (path, ==, UUID_PATH);
  by_name =
    lv_path (env, TEST_PATH, CONNECT, "DomainLookupByName", g_variant_new ("(s)", "lv-one"));
  by_uuid = lv_path (env, TEST_PATH, CONNECT, "DomainLookupByUUID", g_variant_new ("(s)", UUID));
  g_assert_cmpstr (by_name, ==, path);
  g_assert_cmpstr (by_uuid, ==, path);
  lv_expect_error (env, TEST_PATH, CONNECT, "DomainLookupByName", g_variant_new ("(s)", "nope"),
                   "Domain not found: no domain with matching name 'nope'");
  lv_expect_error (env, TEST_PATH, CONNECT, "DomainLookupByUUID", g_variant_new ("(s)", UUID2),
                   "Domain not found: no domain with matching uuid '" UUID2 "'");
  /* A test-driver domain is not one of the QEMU connection's. */
  lv_expect_error (env, QEMU_PATH, CONNECT, "DomainLookupByName", g_variant_new ("(s)", "lv-one"),
                   "Domain not found: no domain with matching name 'lv-one'");
  lv_expect_error (env, QEMU_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml2),
                   "unsupported configuration: ...");

  transient = lv_path (env, TEST_PATH, CONNECT, "DomainCreateXML", g_variant_new ("(su)", xml2, 0));
  all = lv_get_all (env, transient, DOMAIN);
  id = property (all, "Id");
  by_id = lv_path (env, TEST_PATH, CONNECT, "DomainLookupByID",
                   g_variant_new ("(i)", (int) g_variant_get_uint32 (id)));
  g_assert_cmpstr (by_id, ==, transient);
  lv_expect_error (env, TEST_PATH, CONNECT, "DomainLookupByID", g_variant_new ("(i)", 999),
                   "Domain not found: no domain with matching id 999");

  /* libvirt's filters: ACTIVE 1, INACTIVE 2, PERSISTENT 4, TRANSIENT 8,
   * HAS_SNAPSHOT 4096, NO_SNAPSHOT 8192, NO_MANAGEDSAVE 512. */
  {
    static const struct {
      guint flags;
      const char *expected; /* "one", "two", "both", "none" */
    } cases[] = {
      { 0, "both" },
      { 1, "two" },
      { 2, "one" },
      { 4, "one" },
      { 8, "two" },
      { 4096, "none" },
      { 8192, "both" },
      { 512, "both" },
      { 256, "none" },
      { 1 | 2, "both" },
      { 16 /* RUNNING */, "two" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autoptr (GVariant) reply =
          lv_ok (env, TEST_PATH, CONNECT, "ListDomains", g_variant_new ("(u)", cases[i].flags));
        g_autofree char *text = g_variant_print (reply, FALSE);
        gboolean has_one = strstr (text, path) != NULL;
        gboolean has_two = strstr (text, transient) != NULL;
        const char *got = has_one && has_two ? "both" : has_one ? "one" : has_two ? "two" : "none";

        if (strcmp (got, cases[i].expected) != 0)
          g_error ("ListDomains(%u): %s, expected %s", cases[i].flags, text, cases[i].expected);
      }
  }
  {
    g_autoptr (GVariant) qemu =
      lv_ok (env, QEMU_PATH, CONNECT, "ListDomains", g_variant_new ("(u)", 0));
    g_autoptr (GVariant) list = g_variant_get_child_value (qemu, 0);

    g_assert_cmpuint (g_variant_n_children (list), ==, 0);
  }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* The names in ListDomains(0) of the test connection, sorted, joined by ",". */
static char *
listed_names (VbTestEnv *env)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, TEST_PATH, CONNECT, "ListDomains", g_variant_new ("(u)", 0));
  g_autoptr (GVariantIter) iter = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *path;

  g_variant_get (reply, "(ao)", &iter);
  while (g_variant_iter_next (iter, "&o", &path))
    {
      g_autoptr (GVariant) name = lv_ok (env, path, "org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", DOMAIN, "Name"));
      g_autoptr (GVariant) boxed = g_variant_get_child_value (name, 0);
      g_autoptr (GVariant) value = g_variant_get_variant (boxed);

      g_ptr_array_add (names, g_variant_dup_string (value, NULL));
    }
  g_ptr_array_sort (names, compare_strings);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

/* ListDomains(0) is answered from the last list while no domain came or
 * went: each change must show in the next answer. */
static void
test_list_follows_changes (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *one = define (env, "lv-list-one", UUID);
  g_autofree char *first = listed_names (env);
  g_autofree char *two = define (env, "lv-list-two", UUID2);
  g_autofree char *second = listed_names (env);
  g_autofree char *xml = vb_test_domain_xml ("lv-list-three", NULL);
  g_autofree char *three =
    lv_path (env, TEST_PATH, CONNECT, "DomainCreateXML", g_variant_new ("(su)", xml, 0));
  g_autofree char *third = listed_names (env);
  g_autofree char *fourth = NULL;
  g_autofree char *fifth = NULL;

  g_assert_cmpstr (first, ==, "lv-list-one");
  g_assert_cmpstr (second, ==, "lv-list-one,lv-list-two");
  g_assert_cmpstr (third, ==, "lv-list-one,lv-list-three,lv-list-two");
  lv_void (env, one, DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  fourth = listed_names (env);
  g_assert_cmpstr (fourth, ==, "lv-list-three,lv-list-two");
  /* A transient domain is gone once it stops. */
  lv_void (env, three, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  fifth = listed_names (env);
  g_assert_cmpstr (fifth, ==, "lv-list-two");
}

/* ---- domains ---- */

static void
test_domain_properties (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-props", UUID);
  g_autoptr (GVariant) all = lv_get_all (env, path, DOMAIN);
  g_autoptr (GVariant) name = property (all, "Name");
  g_autoptr (GVariant) uuid = property (all, "UUID");
  g_autoptr (GVariant) id = property (all, "Id");
  g_autoptr (GVariant) active = property (all, "Active");
  g_autoptr (GVariant) persistent = property (all, "Persistent");
  g_autoptr (GVariant) autostart = property (all, "Autostart");
  g_autoptr (GVariant) sched = property (all, "SchedulerType");
  g_autoptr (GVariant) os = property (all, "OSType");
  g_autoptr (GVariant) updated = property (all, "Updated");
  g_autoptr (GVariant) got = NULL;
  g_autoptr (GVariant) value = NULL;

  g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "lv-props");
  g_assert_cmpstr (g_variant_get_string (uuid, NULL), ==, UUID);
  /* Id is u: libvirt's (unsigned) -1 while shut off. */
  g_assert_cmpuint (g_variant_get_uint32 (id), ==, G_MAXUINT32);
  g_assert_false (g_variant_get_boolean (active));
  g_assert_true (g_variant_get_boolean (persistent));
  g_assert_false (g_variant_get_boolean (autostart));
  g_assert_cmpstr (g_variant_get_type_string (sched), ==, "(si)");
  g_assert_cmpstr (g_variant_get_string (os, NULL), ==, "hvm");
  g_assert_false (g_variant_get_boolean (updated));

  /* Set Autostart, then Get: wrapped once. */
  lv_void (env, path, PROPERTIES, "Set",
           g_variant_new ("(ssv)", DOMAIN, "Autostart", g_variant_new_boolean (TRUE)));
  got = lv_ok (env, path, PROPERTIES, "Get", g_variant_new ("(ss)", DOMAIN, "Autostart"));
  g_variant_get (got, "(v)", &value);
  g_assert_true (g_variant_get_boolean (value));
  g_assert_true (
    vb_test_get_bool (env, vb_test_domain_path (UUID), "org.virtbus.Virt1.Domain", "Autostart"));
}

static void
test_domain_lifecycle (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-life", UUID);
  g_autoptr (GVariant) stats = NULL;
  g_autoptr (GVariant) dict = NULL;
  g_autoptr (GVariant) xml = NULL;
  int state, reason;
  const char *text;

  /* GetState: libvirt's numbers (SHUTOFF 5 / UNKNOWN 0, RUNNING 1 / BOOTED 1, ...). */
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 5);
  g_assert_cmpint (reason, ==, 0);
  /* A shut-off domain has its state in GetStats, double-wrapped. */
  stats = lv_ok (env, path, DOMAIN, "GetStats", g_variant_new ("(uu)", 45, 0));
  dict = g_variant_get_child_value (stats, 0);
  {
    g_autoptr (GVariant) s = unwrap_twice (dict, "state.state");

    g_assert_cmpint (g_variant_get_int32 (s), ==, 5);
  }
  g_clear_pointer (&stats, g_variant_unref);
  g_clear_pointer (&dict, g_variant_unref);

  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 1);
  g_assert_cmpint (reason, ==, 1);
  stats = lv_ok (env, path, DOMAIN, "GetStats", g_variant_new ("(uu)", 45, 0));
  dict = g_variant_get_child_value (stats, 0);
  {
    g_autoptr (GVariant) s = unwrap_twice (dict, "state.state");
    g_autoptr (GVariant) b = unwrap_twice (dict, "balloon.maximum");

    g_assert_cmpint (g_variant_get_int32 (s), ==, 1);
    g_assert_cmpuint (g_variant_get_uint64 (b), >, 0);
  }
  /* Only the groups asked for: STATE (1) alone has no balloon. */
  g_clear_pointer (&stats, g_variant_unref);
  g_clear_pointer (&dict, g_variant_unref);
  stats = lv_ok (env, path, DOMAIN, "GetStats", g_variant_new ("(uu)", 1, 0));
  dict = g_variant_get_child_value (stats, 0);
  g_assert_false (g_variant_lookup (dict, "balloon.maximum", "v", NULL));

  lv_void (env, path, DOMAIN, "Suspend", NULL);
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 3); /* PAUSED / USER */
  g_assert_cmpint (reason, ==, 1);
  lv_expect_error (env, path, DOMAIN, "Suspend", NULL, "Requested operation is not valid: ...");
  lv_void (env, path, DOMAIN, "Resume", NULL);
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 1); /* RUNNING / UNPAUSED */
  g_assert_cmpint (reason, ==, 5);
  lv_void (env, path, DOMAIN, "Reboot", g_variant_new ("(u)", 0));

  xml = lv_ok (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  g_variant_get (xml, "(&s)", &text);
  g_assert_nonnull (strstr (text, "<name>lv-life</name>"));
  {
    g_autoptr (GVariant) vcpus = lv_ok (env, path, DOMAIN, "GetVcpus", g_variant_new ("(u)", 0));
    guint n;

    g_variant_get (vcpus, "(u)", &n);
    g_assert_cmpuint (n, >=, 1);
  }

  lv_void (env, path, DOMAIN, "Shutdown", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (env, vb_test_domain_path (UUID), "org.virtbus.Virt1.Domain",
                                        "State", g_variant_new_string ("shutoff"), 5000));
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 5); /* SHUTOFF / SHUTDOWN */
  g_assert_cmpint (reason, ==, 1);
  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 5); /* SHUTOFF / DESTROYED */
  g_assert_cmpint (reason, ==, 2);

  /* MigrateToURI3: qemu+ssh://host/system or a virtbus address; no storage copy. */
  lv_expect_error (env, path, DOMAIN, "MigrateToURI3",
                   g_variant_new ("(s@a{sv}u)", "xen://elsewhere/", g_variant_new ("a{sv}", NULL),
                                  1),
                   "invalid argument: migration URI 'xen://elsewhere/': ...");
  lv_expect_error (
    env, path, DOMAIN, "MigrateToURI3",
    g_variant_new ("(s@a{sv}u)", "qemu+ssh://elsewhere/system", g_variant_new ("a{sv}", NULL),
                   1 | 2 | 64),
    "Operation not supported: virtbus does not copy non-shared disks during a migration");

  /* Members virtbus does not have yet. */
  lv_expect_error (env, path, DOMAIN, "GetTime", g_variant_new ("(u)", 0),
                   "this function is not supported by the connection driver: virDomainGetTime");
  /* The test driver does not save. */
  lv_expect_error (env, path, DOMAIN, "ManagedSave", g_variant_new ("(u)", 0),
                   "Operation not supported: ...");
  {
    g_autoptr (GVariant) has =
      lv_ok (env, path, DOMAIN, "HasManagedSaveImage", g_variant_new ("(u)", 0));
    gboolean b;

    g_variant_get (has, "(b)", &b);
    g_assert_false (b);
  }
}

/* The migration speed a domain keeps (MigrateSetMaxSpeed, MigrateGetMaxSpeed),
 * through both front ends, set while no migration runs, as libvirt allows:
 * libvirt's "no limit" is its largest speed, 8796093022207 MiB/s. */
#define QEMU_XML                                                      \
  "<domain type='qemu'><name>%s</name><memory unit='MiB'>64</memory>" \
  "<os><type arch='x86_64'>hvm</type></os></domain>"
#define NO_LIMIT G_GUINT64_CONSTANT (8796093022207)

static guint64
lv_max_speed (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, DOMAIN, "MigrateGetMaxSpeed", g_variant_new ("(u)", 0));
  guint64 bandwidth;

  g_variant_get (reply, "(t)", &bandwidth);
  return bandwidth;
}

static guint64
virt1_max_speed (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, path, IFACE_DOMAIN, "MigrateGetMaxSpeed", g_variant_new ("(u)", 0));
  guint64 bandwidth;

  g_variant_get (reply, "(t)", &bandwidth);
  return bandwidth;
}

static void
test_migrate_max_speed (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *one_xml = g_strdup_printf (QEMU_XML, "lv-speed-one");
  g_autofree char *two_xml = g_strdup_printf (QEMU_XML, "lv-speed-two");
  g_autofree char *one =
    lv_path (env, QEMU_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", one_xml));
  g_autofree char *two =
    lv_path (env, QEMU_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", two_xml));
  g_autofree char *one_uuid = NULL;
  g_autofree char *one_virt1 = NULL;
  g_autofree char *test_domain = define (env, "lv-speed-test", UUID);

  {
    g_autoptr (GVariant) all = lv_get_all (env, one, DOMAIN);
    g_autoptr (GVariant) uuid = property (all, "UUID");

    one_uuid = g_variant_dup_string (uuid, NULL);
    one_virt1 = vb_test_domain_path (one_uuid);
  }
  /* Until set: no limit. */
  g_assert_cmpuint (lv_max_speed (env, one), ==, NO_LIMIT);
  g_assert_cmpuint (virt1_max_speed (env, one_virt1), ==, 0);

  /* Set on a shut-off domain, read back from both front ends; the other
   * domain keeps its own. */
  lv_void (env, one, DOMAIN, "MigrateSetMaxSpeed", g_variant_new ("(tu)", (guint64) 100, 0));
  g_assert_cmpuint (lv_max_speed (env, one), ==, 100);
  g_assert_cmpuint (virt1_max_speed (env, one_virt1), ==, 100);
  g_assert_cmpuint (lv_max_speed (env, two), ==, NO_LIMIT);
  vb_test_call_void (env, one_virt1, IFACE_DOMAIN, "MigrateSetMaxSpeed",
                     g_variant_new ("(tu)", (guint64) 7, 0));
  g_assert_cmpuint (lv_max_speed (env, one), ==, 7);
  /* 0 is no limit again; libvirt's largest speed is accepted as it is. */
  vb_test_call_void (env, one_virt1, IFACE_DOMAIN, "MigrateSetMaxSpeed",
                     g_variant_new ("(tu)", (guint64) 0, 0));
  g_assert_cmpuint (lv_max_speed (env, one), ==, NO_LIMIT);
  lv_void (env, one, DOMAIN, "MigrateSetMaxSpeed", g_variant_new ("(tu)", NO_LIMIT, 0));
  g_assert_cmpuint (lv_max_speed (env, one), ==, NO_LIMIT);
  g_assert_cmpuint (virt1_max_speed (env, one_virt1), ==, NO_LIMIT);

  /* Past it the bytes would not fit QEMU's 64 bits. */
  lv_expect_error (env, one, DOMAIN, "MigrateSetMaxSpeed", g_variant_new ("(tu)", NO_LIMIT + 1, 0),
                   "invalid argument: ...");
  vb_test_call_expect_error (env, one_virt1, IFACE_DOMAIN, "MigrateSetMaxSpeed",
                             g_variant_new ("(tu)", G_MAXUINT64, 0),
                             ERROR_PREFIX "InvalidArgument");
  g_assert_cmpuint (lv_max_speed (env, one), ==, NO_LIMIT);
  lv_expect_error (env, one, DOMAIN, "MigrateGetMaxSpeed", g_variant_new ("(u)", 1),
                   "invalid argument: ...");
  lv_expect_error (env, one, DOMAIN, "MigrateSetMaxSpeed", g_variant_new ("(tu)", (guint64) 1, 1),
                   "invalid argument: ...");
  /* The test driver does not migrate. */
  lv_expect_error (env, test_domain, DOMAIN, "MigrateGetMaxSpeed", g_variant_new ("(u)", 0),
                   "Operation not supported: ...");
  lv_expect_error (env, test_domain, DOMAIN, "MigrateSetMaxSpeed",
                   g_variant_new ("(tu)", (guint64) 1, 0), "Operation not supported: ...");
}

static void
test_devices (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-dev", UUID);
  g_autofree char *image = g_build_filename (env->tmpdir, "disk.img", NULL);
  g_autofree char *disk = g_strdup_printf ("<disk type='file' device='disk'><source file='%s'/>"
                                           "<target dev='vdb' bus='virtio'/></disk>",
                                           image);
  g_autoptr (GVariant) xml = NULL;
  const char *text;

  g_assert_true (g_file_set_contents (image, "", 0, NULL));
  /* AFFECT_CONFIG (2), as libvirt numbers it. */
  lv_void (env, path, DOMAIN, "AttachDevice", g_variant_new ("(su)", disk, 2));
  xml = lv_ok (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 2));
  g_variant_get (xml, "(&s)", &text);
  g_assert_nonnull (strstr (text, "vdb"));
  lv_void (env, path, DOMAIN, "DetachDevice", g_variant_new ("(su)", disk, 2));
  g_clear_pointer (&xml, g_variant_unref);
  xml = lv_ok (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 2));
  g_variant_get (xml, "(&s)", &text);
  g_assert_null (strstr (text, "vdb"));
}

/* ---- snapshots ---- */

static char *
snapshot (VbTestEnv *env, const char *domain, const char *name)
{
  g_autofree char *xml = g_strdup_printf ("<domainsnapshot><name>%s</name></domainsnapshot>", name);

  return lv_path (env, domain, DOMAIN, "SnapshotCreateXML", g_variant_new ("(su)", xml, 0));
}

static gboolean
is_current (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, SNAPSHOT, "IsCurrent", g_variant_new ("(u)", 0));
  gboolean current;

  g_variant_get (reply, "(b)", &current);
  return current;
}

static void
test_snapshots (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-snap", UUID);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *found = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *current = NULL;
  g_autoptr (GVariant) list = NULL;
  g_autoptr (GVariant) xml = NULL;
  const char *text;
  int state, reason;

  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  /* The name escaped byte by byte: '-' is _2d, ' ' _20, 'ü' (c3 bc) _c3_bc. */
  first = snapshot (env, path, "before-up grade ü");
  g_assert_cmpstr (first, ==,
                   TEST_PATH "/domainsnapshot/_5a3c1e2d_0b4f_4c6a_8e9d_1f2a3b4c5d01_"
                             "before_2dup_20grade_20_c3_bc");
  second = snapshot (env, path, "second");
  found = lv_path (env, path, DOMAIN, "SnapshotLookupByName",
                   g_variant_new ("(su)", "before-up grade ü", 0));
  g_assert_cmpstr (found, ==, first);
  lv_expect_error (env, path, DOMAIN, "SnapshotLookupByName", g_variant_new ("(su)", "nope", 0),
                   "Domain snapshot not found: no domain snapshot with matching name 'nope'");
  list = lv_ok (env, path, DOMAIN, "ListDomainSnapshots", g_variant_new ("(u)", 0));
  {
    g_autoptr (GVariant) paths = g_variant_get_child_value (list, 0);

    g_assert_cmpuint (g_variant_n_children (paths), ==, 2);
  }
  current = lv_path (env, path, DOMAIN, "SnapshotCurrent", g_variant_new ("(u)", 0));
  g_assert_cmpstr (current, ==, second);
  g_assert_true (is_current (env, second));
  g_assert_false (is_current (env, first));
  parent = lv_path (env, second, SNAPSHOT, "GetParent", g_variant_new ("(u)", 0));
  g_assert_cmpstr (parent, ==, first);
  lv_expect_error (
    env, first, SNAPSHOT, "GetParent", g_variant_new ("(u)", 0),
    "Domain snapshot not found: snapshot 'before-up grade ü' does not have a parent");
  {
    g_autoptr (GVariant) children =
      lv_ok (env, first, SNAPSHOT, "ListChildren", g_variant_new ("(u)", 0));
    g_autofree char *printed = g_variant_print (children, FALSE);

    g_assert_nonnull (strstr (printed, second));
  }
  xml = lv_ok (env, first, SNAPSHOT, "GetXMLDesc", g_variant_new ("(u)", 0));
  g_variant_get (xml, "(&s)", &text);
  g_assert_nonnull (strstr (text, "<name>before-up grade ü</name>"));

  lv_void (env, path, DOMAIN, "Suspend", NULL);
  lv_void (env, first, SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 1); /* RUNNING / FROM_SNAPSHOT */
  g_assert_cmpint (reason, ==, 4);
  g_assert_true (is_current (env, first));

  lv_void (env, second, SNAPSHOT, "Delete", g_variant_new ("(u)", 0));
  lv_expect_error (env, second, SNAPSHOT, "IsCurrent", g_variant_new ("(u)", 0),
                   "Domain snapshot not found: no domain snapshot with matching name 'second'");

  /* Cockpit deletes with MANAGED_SAVE | SNAPSHOTS_METADATA | NVRAM (7). */
  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "Undefine", g_variant_new ("(u)", 7));
  lv_expect_error (env, path, DOMAIN, "GetState", g_variant_new ("(u)", 0),
                   "Domain not found: no domain with matching uuid '" UUID "'");
}

/* ---- events ---- */

static void
record_event (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
              const char *member, GVariant *args, gpointer user_data)
{
  g_ptr_array_add (user_data, g_variant_print (args, FALSE));
}

static void
wait_events (GPtrArray *events, guint count)
{
  gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (events->len < count && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static void
test_domain_events (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  guint id =
    g_dbus_connection_signal_subscribe (env->client, LV_NAME, CONNECT, "DomainEvent", TEST_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, record_event, events, NULL);
  g_autofree char *path = NULL;
  /* libvirt's numbers: (DEFINED 0, ADDED 0), (STARTED 2, BOOTED 0),
   * (SUSPENDED 3, PAUSED 0), (RESUMED 4, UNPAUSED 0), (STOPPED 5,
   * DESTROYED 1), (UNDEFINED 1, REMOVED 0). */
  static const char *const expected[] = {
    "0, 0", "2, 0", "3, 0", "4, 0", "5, 1", "1, 0",
  };

  g_dbus_connection_flush_sync (env->client, NULL, NULL);
  g_variant_unref (lv_ok (env, TEST_PATH, PROPERTIES, "GetAll", g_variant_new ("(s)", CONNECT)));
  path = define (env, "lv-events", UUID);
  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "Suspend", NULL);
  lv_void (env, path, DOMAIN, "Resume", NULL);
  lv_void (env, path, DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  wait_events (events, G_N_ELEMENTS (expected));
  g_dbus_connection_signal_unsubscribe (env->client, id);
  g_assert_cmpuint (events->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < events->len; i++)
    {
      g_autofree char *want = g_strdup_printf ("('%s', %s)", path, expected[i]);

      g_assert_cmpstr (events->pdata[i], ==, want);
    }
}

/* ---- the domain actions ---- */

static void
record_member (GDBusConnection *connection, const char *sender, const char *path, const char *iface,
               const char *member, GVariant *args, gpointer user_data)
{
  g_autofree char *printed = g_variant_print (args, FALSE);

  g_ptr_array_add (user_data, g_strdup_printf ("%s %s", member, printed));
}

#define ACTIONS_XML                                                              \
  "<domain type='test'><name>lv-actions</name><uuid>" UUID "</uuid>"             \
  "<memory unit='MiB'>256</memory><currentMemory unit='MiB'>256</currentMemory>" \
  "<vcpu current='1'>2</vcpu><os><type arch='x86_64'>hvm</type></os><devices>"   \
  "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>"            \
  "<source file='%s'/><target dev='hdc' bus='ide'/><readonly/></disk>"           \
  "</devices></domain>"

static char *
xml_of (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) reply = lv_ok (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  char *xml = NULL;

  g_variant_get (reply, "(s)", &xml);
  return xml;
}

/* Each action maps to its org.virtbus.Virt1 member, refusals answer with
 * libvirt's one error name, and the guest's events are the Domain signals. */
static void
test_domain_actions (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GPtrArray) signals = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *one = g_build_filename (env->tmpdir, "one.iso", NULL);
  g_autofree char *two = g_build_filename (env->tmpdir, "two.iso", NULL);
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *eject = g_strdup ("<disk type='file' device='cdrom'><driver name='qemu' "
                                     "type='raw'/><target dev='hdc' bus='ide'/><readonly/></disk>");
  g_autofree char *insert = g_strdup_printf (
    "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%s'/>"
    "<target dev='hdc' bus='ide'/><readonly/></disk>",
    two);
  /* Cockpit's "Send key" Ctrl+Alt+Delete: linux key codes 29, 56, 111. */
  const guint32 keys[] = { 29, 56, 111 };
  const guint32 too_many[17] = { 0 };
  g_autoptr (GVariant) all = NULL;
  g_autoptr (GVariant) name = NULL;
  g_autofree char *live = NULL;
  guint id;

  vb_test_sparse_file (one, 1 << 20);
  vb_test_sparse_file (two, 1 << 20);
  xml = g_strdup_printf (ACTIONS_XML, one);
  path = lv_path (env, TEST_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));

  /* Shut off: the live actions are refused, Rename and the CONFIG ones work. */
  lv_expect_error (
    env, path, DOMAIN, "Reset", g_variant_new ("(u)", 0),
    "Requested operation is not valid: Cannot reset domain 'lv-actions': it is not running...");
  lv_void (env, path, DOMAIN, "Rename", g_variant_new ("(su)", "lv-renamed", 0));
  all = lv_get_all (env, path, DOMAIN);
  name = property (all, "Name");
  g_assert_cmpstr (g_variant_get_string (name, NULL), ==, "lv-renamed");
  lv_void (env, path, DOMAIN, "SetMemory", g_variant_new ("(tu)", (guint64) 196608, 2));
  lv_void (env, path, DOMAIN, "SetVcpus", g_variant_new ("(uu)", 2, 2));
  live = xml_of (env, path);
  g_assert_nonnull (strstr (live, "<currentMemory unit='KiB'>196608</currentMemory>"));
  g_assert_nonnull (strstr (live, ">2</vcpu>"));
  g_assert_null (strstr (live, "current='1'"));

  id = g_dbus_connection_signal_subscribe (env->client, LV_NAME, DOMAIN, NULL, path, NULL,
                                           G_DBUS_SIGNAL_FLAGS_NONE, record_member, signals, NULL);
  g_dbus_connection_flush_sync (env->client, NULL, NULL);
  lv_void (env, path, DOMAIN, "Create", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "Reset", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "InjectNMI", g_variant_new ("(u)", 0));
  lv_void (env, path, DOMAIN, "SendKey",
           g_variant_new ("(uu@auu)", 0, 0,
                          g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, keys,
                                                     G_N_ELEMENTS (keys), sizeof (guint32)),
                          0));
  lv_expect_error (env, path, DOMAIN, "SendKey",
                   g_variant_new ("(uu@auu)", 0, 0,
                                  g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, too_many,
                                                             G_N_ELEMENTS (too_many),
                                                             sizeof (guint32)),
                                  0),
                   "invalid argument: SendKey takes 1 to 16 keys, not 17");
  lv_expect_error (
    env, path, DOMAIN, "Rename", g_variant_new ("(su)", "lv-again", 0),
    "Requested operation is not valid: Cannot rename domain 'lv-renamed': it is active...");
  lv_void (env, path, DOMAIN, "SetMemory", g_variant_new ("(tu)", (guint64) 131072, 1));
  lv_void (env, path, DOMAIN, "UpdateDevice", g_variant_new ("(su)", eject, 1));
  lv_void (env, path, DOMAIN, "UpdateDevice", g_variant_new ("(su)", insert, 1));
  g_free (live);
  live = xml_of (env, path);
  g_assert_nonnull (strstr (live, two));
  wait_events (signals, 5);
  g_dbus_connection_signal_unsubscribe (env->client, id);
  g_assert_cmpuint (signals->len, ==, 5);
  g_assert_cmpstr (signals->pdata[0], ==, "BalloonChange (131072,)");
  g_assert_cmpstr (signals->pdata[1], ==, "TrayChange ('hdc', 0)");
  g_assert_cmpstr (signals->pdata[2], ==, "TrayChange ('hdc', 1)");
  g_assert_cmpstr (signals->pdata[3], ==, "TrayChange ('hdc', 0)");
  g_assert_cmpstr (signals->pdata[4], ==, "TrayChange ('hdc', 1)");
}

/* A revert is told as DEFINED / FROM_SNAPSHOT (0, 3), as libvirt does, also
 * for a shut-off domain whose state does not change: Cockpit re-reads the
 * domain's snapshots only on an event. */
static void
test_revert_event (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autoptr (GPtrArray) events = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = define (env, "lv-revert", UUID);
  g_autofree char *first = snapshot (env, path, "first");
  g_autofree char *second = snapshot (env, path, "second");
  g_autofree char *want = NULL;
  guint id =
    g_dbus_connection_signal_subscribe (env->client, LV_NAME, CONNECT, "DomainEvent", TEST_PATH,
                                        NULL, G_DBUS_SIGNAL_FLAGS_NONE, record_event, events, NULL);

  g_dbus_connection_flush_sync (env->client, NULL, NULL);
  g_variant_unref (lv_ok (env, TEST_PATH, PROPERTIES, "GetAll", g_variant_new ("(s)", CONNECT)));
  lv_void (env, first, SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  wait_events (events, 1);
  g_dbus_connection_signal_unsubscribe (env->client, id);
  g_assert_true (is_current (env, first));
  g_assert_cmpuint (events->len, ==, 1);
  want = g_strdup_printf ("('%s', 0, 3)", path);
  g_assert_cmpstr (events->pdata[0], ==, want);
}

/* ---- start-up: the name only once the autostarted domains run ---- */

static void
record_start_up (GDBusConnection *connection, const char *sender, const char *path,
                 const char *iface, const char *member, GVariant *args, gpointer user_data)
{
  g_autofree char *printed = g_variant_print (args, FALSE);

  g_ptr_array_add (user_data, g_strdup_printf ("%s %s", member, printed));
}

static int
index_of (GPtrArray *lines, const char *prefix)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_str_has_prefix (lines->pdata[i], prefix))
      return (int) i;
  return -1;
}

static void
test_name_after_autostart (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  g_autofree char *path = define (env, "lv-auto", UUID);
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  guint owner_id, started_id;
  int started, appeared, state, reason;

  lv_void (env, path, PROPERTIES, "Set",
           g_variant_new ("(ssv)", DOMAIN, "Autostart", g_variant_new_boolean (TRUE)));
  vb_test_env_stop_daemon (env, FALSE);
  /* What a client sees, in the order the bus delivers it: the autostarted
   * domain's start comes before org.libvirt appears (one D-Bus sender's
   * messages keep their order), so the first call a client of libvirt-dbus
   * makes finds it running. */
  owner_id =
    g_dbus_connection_signal_subscribe (env->client, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                        "NameOwnerChanged", NULL, LV_NAME, G_DBUS_SIGNAL_FLAGS_NONE,
                                        record_start_up, lines, NULL);
  started_id =
    g_dbus_connection_signal_subscribe (env->client, NULL, "org.virtbus.Virt1.Domain",
                                        "LifecycleEvent", NULL, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        record_start_up, lines, NULL);
  g_dbus_connection_flush_sync (env->client, NULL, NULL);
  vb_test_env_start_daemon (env, (const char *const[]){ "--libvirt-dbus", NULL });
  lv_wait_for_name (env);
  {
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (index_of (lines, "NameOwnerChanged ('org.libvirt', '', ") < 0
           && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  }
  g_dbus_connection_signal_unsubscribe (env->client, owner_id);
  g_dbus_connection_signal_unsubscribe (env->client, started_id);
  started = index_of (lines, "LifecycleEvent ('started', 'booted')");
  appeared = index_of (lines, "NameOwnerChanged ('org.libvirt', '', ");
  if (started < 0 || appeared < 0 || started > appeared)
    {
      for (guint i = 0; i < lines->len; i++)
        g_printerr ("%s\n", (char *) lines->pdata[i]);
      g_error ("org.libvirt appeared (line %d) before the autostart ended (line %d)", appeared,
               started);
    }
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 1);
}

/* ---- authorization ---- */

static void
child_unprivileged (void)
{
  g_autoptr (GDBusConnection) bus = lv_connect_as_user ();
  g_autofree char *path = lv_handoff_get ("domain");
  g_autoptr (GVariant) state = NULL;
  g_autoptr (GError) error = NULL;

  /* Reads are open to everyone (org.virtbus.Virt1.read)... */
  state = lv_call_on (bus, path, DOMAIN, "GetState", g_variant_new ("(u)", 0), &error);
  g_assert_no_error (error);
  /* ...changes are not: libvirt's "access denied" as org.libvirt.Error. */
  lv_expect_error_on (bus, path, DOMAIN, "Create", g_variant_new ("(u)", 0), "access denied: ...");
  lv_expect_error_on (bus, path, PROPERTIES, "Set",
                      g_variant_new ("(ssv)", DOMAIN, "Autostart", g_variant_new_boolean (TRUE)),
                      "access denied: ...");
  lv_expect_error_on (bus, TEST_PATH, CONNECT, "DomainDefineXML",
                      g_variant_new ("(s)", "<domain type='test'/>"), "access denied: ...");
  /* SECURE XML needs the console action too. */
  lv_expect_error_on (bus, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 1),
                      "access denied: ...");
  /* Even an unsupported member is authorized first. */
  lv_expect_error_on (bus, path, DOMAIN, "Reset", g_variant_new ("(u)", 0), "access denied: ...");
  /* The host's interfaces and devices: read by everyone, changed by nobody. */
  {
    g_autoptr (GVariant) lo = lv_call_on (bus, QEMU_PATH, CONNECT, "InterfaceLookupByName",
                                          g_variant_new ("(s)", "lo"), &error);
    const char *lo_path;
    g_autoptr (GVariant) xml = NULL;

    g_assert_no_error (error);
    g_variant_get (lo, "(&o)", &lo_path);
    xml = lv_call_on (bus, lo_path, "org.libvirt.Interface", "GetXMLDesc", g_variant_new ("(u)", 0),
                      &error);
    g_assert_no_error (error);
    lv_expect_error_on (bus, lo_path, "org.libvirt.Interface", "Destroy", g_variant_new ("(u)", 0),
                        "access denied: ...");
    lv_expect_error_on (bus, QEMU_PATH "/nodedev/computer", "org.libvirt.NodeDevice", "Reset", NULL,
                        "access denied: ...");
  }
}

/* A definition naming a secret goes through the secret check (root: no
 * polkit) and on to the define, whose XML keeps the reference. */
static void
test_define_naming_secret (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_NONE);
  const char *xml = "<domain type='test'>\n  <name>lv-secret</name>\n"
                    "  <memory unit='MiB'>64</memory>\n  <os>\n    <type>hvm</type>\n  </os>\n"
                    "  <devices>\n    <disk type='network' device='disk'>\n"
                    "      <source protocol='iscsi' name='iqn.2000-01.org.x:t/0'>\n"
                    "        <host name='192.0.2.1'/>\n"
                    "        <auth username='u'>\n"
                    "          <secret type='iscsi' usage='lv-target'/>\n"
                    "        </auth>\n      </source>\n"
                    "      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n"
                    "</domain>\n";
  g_autofree char *path =
    lv_path (env, TEST_PATH, CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
  g_autoptr (GVariant) reply = lv_ok (env, path, DOMAIN, "GetXMLDesc", g_variant_new ("(u)", 0));
  const char *defined = NULL;

  g_variant_get (reply, "(&s)", &defined);
  g_assert_nonnull (strstr (defined, "usage='lv-target'"));
}

static void
test_unprivileged_refused (void)
{
  g_autoptr (VbTestEnv) env = lv_start_env (VB_TEST_ENV_POLKIT);
  g_autofree char *path = define (env, "lv-authz", UUID);
  int state, reason;

  lv_handoff_set ("address", env->bus_address);
  lv_handoff_set ("domain", path);
  vb_test_env_run_child (env, "/libvirt/child/unprivileged", 30 * G_USEC_PER_SEC);
  get_state (env, path, &state, &reason);
  g_assert_cmpint (state, ==, 5); /* nothing was started */
}

/* Every method and writable property of introspection/org.libvirt.*.xml
 * names an action the policy declares. */
static void
test_every_member_declares_an_action (void)
{
  g_autofree char *policy_path = vb_test_source_path ("../policy/org.virtbus.Virt1.policy");
  g_autofree char *policy = NULL;
  g_autofree char *dir_path = vb_test_source_path ("../introspection");
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *file;
  guint checked = 0, files = 0;

  g_assert_true (g_file_get_contents (policy_path, &policy, NULL, NULL));
  g_assert_nonnull (dir);
  /* Every file of the front end, those added later too. */
  while ((file = g_dir_read_name (dir)))
    {
      g_autofree char *relative = g_build_filename ("..", "introspection", file, NULL);
      g_autofree char *path = vb_test_source_path (relative);
      g_autofree char *xml = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GDBusNodeInfo) node = NULL;
      GDBusInterfaceInfo *iface;

      if (!g_str_has_prefix (file, "org.libvirt.") || !g_str_has_suffix (file, ".xml"))
        continue;
      files++;
      g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
      node = g_dbus_node_info_new_for_xml (xml, &error);
      g_assert_no_error (error);
      iface = node->interfaces[0];
      for (GDBusMethodInfo **m = iface->methods; m && *m; m++)
        {
          const char *action =
            g_dbus_annotation_info_lookup ((*m)->annotations, "org.virtbus.Virt1.Authorization");
          g_autofree char *declared = g_strdup_printf ("action id=\"%s\"", action);

          if (!action || !strstr (policy, declared))
            g_error ("%s.%s: no declared action (%s)", iface->name, (*m)->name, action);
          checked++;
        }
      for (GDBusPropertyInfo **p = iface->properties; p && *p; p++)
        if ((*p)->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE)
          g_assert_nonnull (
            g_dbus_annotation_info_lookup ((*p)->annotations, "org.virtbus.Virt1.Authorization"));
    }
  g_assert_cmpuint (files, >=, 5);
  g_assert_cmpuint (checked, >, 150);
}

int
main (int argc, char **argv)
{
  lv_test_init (&argc, &argv);
  g_test_add_func ("/libvirt/every-member-declares-an-action",
                   test_every_member_declares_an_action);
  g_test_add_func ("/libvirt/connect", test_connect);
  g_test_add_func ("/libvirt/define-naming-secret", test_define_naming_secret);
  g_test_add_func ("/libvirt/lookups-and-lists", test_lookups_and_lists);
  g_test_add_func ("/libvirt/list-follows-changes", test_list_follows_changes);
  g_test_add_func ("/libvirt/domain-actions", test_domain_actions);
  g_test_add_func ("/libvirt/domain-properties", test_domain_properties);
  g_test_add_func ("/libvirt/domain-lifecycle", test_domain_lifecycle);
  g_test_add_func ("/libvirt/migrate-max-speed", test_migrate_max_speed);
  g_test_add_func ("/libvirt/devices", test_devices);
  g_test_add_func ("/libvirt/snapshots", test_snapshots);
  g_test_add_func ("/libvirt/domain-events", test_domain_events);
  g_test_add_func ("/libvirt/revert-event", test_revert_event);
  g_test_add_func ("/libvirt/name-after-autostart", test_name_after_autostart);
  g_test_add_func ("/libvirt/unprivileged-refused", test_unprivileged_refused);
  g_test_add_data_func ("/libvirt/child/unprivileged", child_unprivileged, vb_test_run_as_child);
  return g_test_run ();
}
