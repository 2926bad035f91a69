/* The documentation where D-Bus users look: Introspect of a live object of
 * each kind (what `gdbus introspect` shows) carries the doc comment
 * of every interface, member and argument as org.gtk.GDBus.DocString
 * annotations, for org.virtbus.Virt1 and for the org.libvirt front end,
 * exactly as the interface files built from introspection/ say
 * (introspection/annotate-docs.py), and the rest of the answer (child nodes,
 * the standard interfaces, the authorization annotations) is still there. */
#include "vb-test-libvirt.h"

#define DOC "org.gtk.GDBus.DocString"
#define DOC_SHORT "org.gtk.GDBus.DocString.Short"
#define AUTHORIZATION "org.virtbus.Virt1.Authorization"
#define UUID1 "9d7c1f3a-5b2e-4c6d-8e0f-1a2b3c4d5e01"

typedef struct {
  VbTestEnv *env;
  /* interface name -> GDBusInterfaceInfo of the built interface files */
  GHashTable *expected;
} Fixture;

/* The interface files as the build annotated them: the documentation the
 * service must serve. */
static GHashTable *
load_expected (void)
{
  GHashTable *expected = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                (GDestroyNotify) g_dbus_interface_info_unref);
  g_autofree char *dir_path = g_build_filename (g_getenv ("VB_BUILD_ROOT"), "introspection", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, &error);
  const char *name;

  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *text = NULL;
      g_autoptr (GDBusNodeInfo) node = NULL;

      if (!g_str_has_prefix (name, "org.") || !g_str_has_suffix (name, ".xml"))
        continue;
      g_assert_true (g_file_get_contents (path, &text, NULL, &error));
      node = g_dbus_node_info_new_for_xml (text, &error);
      g_assert_no_error (error);
      for (guint i = 0; node->interfaces[i]; i++)
        g_hash_table_insert (expected, node->interfaces[i]->name,
                             g_dbus_interface_info_ref (node->interfaces[i]));
    }
  g_assert_cmpuint (g_hash_table_size (expected), ==, 17);
  return expected;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = lv_start_env (VB_TEST_ENV_NONE);
  f->expected = load_expected ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_hash_table_unref (f->expected);
  vb_test_env_free (f->env);
}

static GDBusNodeInfo *
introspect (VbTestEnv *env, const char *bus_name, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_sync (env->client, bus_name, path, "org.freedesktop.DBus.Introspectable",
                                 "Introspect", NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE,
                                 30000, NULL, &error);
  const char *xml;
  GDBusNodeInfo *node;

  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);
  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  return node;
}

static const char *
doc_of (GDBusAnnotationInfo **annotations)
{
  return g_dbus_annotation_info_lookup (annotations, DOC);
}

/* @text with each run of white space as one space. GDBus writes the
 * newlines between a DocString's paragraphs into the XML as they are, and
 * XML readers (GDBus's too) read a newline in an attribute as a space. */
static char *
words (const char *text)
{
  g_auto (GStrv) parts = g_strsplit_set (text ? text : "", " \n\t", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; parts[i]; i++)
    if (*parts[i])
      g_string_append_printf (out, "%s%s", out->len ? " " : "", parts[i]);
  return g_string_free (out, FALSE);
}

/* @what's annotations @key as the service served them equal the files'. */
static void
assert_same (const char *what, const char *key, GDBusAnnotationInfo **served,
             GDBusAnnotationInfo **expected)
{
  const char *want = g_dbus_annotation_info_lookup (expected, key);
  const char *got = g_dbus_annotation_info_lookup (served, key);
  g_autofree char *want_words = words (want);
  g_autofree char *got_words = words (got);

  if ((want == NULL) != (got == NULL) || !g_str_equal (want_words, got_words))
    g_error ("%s: %s served as \"%s\", the interface file says \"%s\"", what, key,
             got ? got : "(none)", want ? want : "(none)");
}

static void
assert_args_documented (const char *what, GDBusArgInfo **served, GDBusArgInfo **expected)
{
  for (guint i = 0; expected && expected[i]; i++)
    {
      g_autofree char *arg = g_strdup_printf ("%s(%s)", what, expected[i]->name);

      g_assert_true (served && served[i]);
      g_assert_cmpstr (served[i]->name, ==, expected[i]->name);
      assert_same (arg, DOC, served[i]->annotations, expected[i]->annotations);
    }
}

/* Every member of @served (an interface of a reply) has its documentation,
 * the same as its interface file; returns the number of members. */
static guint
assert_documented (Fixture *f, GDBusInterfaceInfo *served)
{
  GDBusInterfaceInfo *expected = g_hash_table_lookup (f->expected, served->name);
  guint members = 0;

  g_assert_nonnull (expected);
  g_assert_nonnull (doc_of (served->annotations));
  assert_same (served->name, DOC, served->annotations, expected->annotations);
  assert_same (served->name, DOC_SHORT, served->annotations, expected->annotations);
  for (guint i = 0; expected->methods && expected->methods[i]; i++, members++)
    {
      GDBusMethodInfo *want = expected->methods[i];
      GDBusMethodInfo *got = g_dbus_interface_info_lookup_method (served, want->name);
      g_autofree char *what = g_strdup_printf ("%s.%s", served->name, want->name);

      g_assert_nonnull (got);
      g_assert_nonnull (doc_of (got->annotations));
      assert_same (what, DOC, got->annotations, want->annotations);
      /* Added to, not replaced: the action is still declared. */
      assert_same (what, AUTHORIZATION, got->annotations, want->annotations);
      assert_args_documented (what, got->in_args, want->in_args);
      assert_args_documented (what, got->out_args, want->out_args);
    }
  for (guint i = 0; expected->signals && expected->signals[i]; i++, members++)
    {
      GDBusSignalInfo *want = expected->signals[i];
      GDBusSignalInfo *got = g_dbus_interface_info_lookup_signal (served, want->name);
      g_autofree char *what = g_strdup_printf ("%s::%s", served->name, want->name);

      g_assert_nonnull (got);
      g_assert_nonnull (doc_of (got->annotations));
      assert_same (what, DOC, got->annotations, want->annotations);
      assert_args_documented (what, got->args, want->args);
    }
  for (guint i = 0; expected->properties && expected->properties[i]; i++, members++)
    {
      GDBusPropertyInfo *want = expected->properties[i];
      GDBusPropertyInfo *got = g_dbus_interface_info_lookup_property (served, want->name);
      g_autofree char *what = g_strdup_printf ("%s:%s", served->name, want->name);

      g_assert_nonnull (got);
      g_assert_nonnull (doc_of (got->annotations));
      assert_same (what, DOC, got->annotations, want->annotations);
    }
  return members;
}

/* Introspects @path and checks the documentation of each of @interfaces
 * there (and that it serves them). */
static GDBusNodeInfo *
assert_path_documented (Fixture *f, const char *bus_name, const char *path,
                        const char *const *interfaces)
{
  GDBusNodeInfo *node = introspect (f->env, bus_name, path);

  for (guint i = 0; interfaces[i]; i++)
    {
      GDBusInterfaceInfo *served = g_dbus_node_info_lookup_interface (node, interfaces[i]);

      if (!served)
        g_error ("%s does not serve %s", path, interfaces[i]);
      g_assert_cmpuint (assert_documented (f, served), >, 0);
    }
  /* GDBus's own parts of the answer are still there. */
  g_assert_nonnull (g_dbus_node_info_lookup_interface (node, "org.freedesktop.DBus.Properties"));
  return node;
}

static char *
create (VbTestEnv *env, const char *path, const char *iface, const char *method, const char *xml)
{
  return vb_test_call_path (env, path, iface, method, g_variant_new ("(su)", xml, 0));
}

static gboolean
has_child (GDBusNodeInfo *node, const char *name)
{
  for (guint i = 0; node->nodes && node->nodes[i]; i++)
    if (g_strcmp0 (node->nodes[i]->path, name) == 0)
      return TRUE;
  return FALSE;
}

/* What a user reads in `gdbus introspect` for two members, word for word
 * from the comments in introspection/. */
static void
test_named_members (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("docs", UUID1);
  g_autofree char *path = create (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", xml);
  g_autoptr (GDBusNodeInfo) manager = introspect (f->env, BUS_NAME, MANAGER);
  g_autoptr (GDBusNodeInfo) domain = introspect (f->env, BUS_NAME, path);
  GDBusInterfaceInfo *manager_iface = g_dbus_node_info_lookup_interface (manager, IFACE_MANAGER);
  GDBusInterfaceInfo *domain_iface = g_dbus_node_info_lookup_interface (domain, IFACE_DOMAIN);
  GDBusMethodInfo *define = g_dbus_interface_info_lookup_method (manager_iface, "DefineDomain");
  GDBusMethodInfo *start = g_dbus_interface_info_lookup_method (domain_iface, "Start");

  g_assert_true (g_str_has_prefix (doc_of (define->annotations),
                                   "Makes a persistent domain from @xml, or replaces the "
                                   "persistent configuration of the domain with the same UUID"));
  g_assert_cmpstr (doc_of (define->in_args[0]->annotations), ==,
                   "The domain configuration in libvirt's domain XML format.");
  g_assert_cmpstr (doc_of (define->out_args[0]->annotations), ==,
                   "The object path of the defined domain.");
  g_assert_true (g_str_has_prefix (doc_of (start->annotations),
                                   "Boots a defined domain. Errors: OperationInvalid when it is "
                                   "not shut off."));
  g_assert_cmpstr (doc_of (start->in_args[0]->annotations), ==,
                   "0, or 1 (PAUSED: start with the virtual CPUs stopped).");
  g_assert_cmpstr (g_dbus_annotation_info_lookup (domain_iface->annotations, DOC_SHORT), ==,
                   "A virtual machine");
  g_assert_nonnull (strstr (doc_of (domain_iface->annotations),
                            "Two modifying calls on one domain never interleave"));
}

/* Every org.virtbus.Virt1 interface a client can reach here, on a live
 * object of each kind: the Manager, a domain, its snapshot, a network, a
 * pool and its volume. */
static void
test_virt1_objects (Fixture *f, gconstpointer data)
{
  g_autofree char *domain_xml = vb_test_domain_xml ("docs", UUID1);
  g_autofree char *domain = create (f->env, MANAGER, IFACE_MANAGER, "DefineDomain", domain_xml);
  g_autofree char *snapshot = create (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                                      "<domainsnapshot><name>docs</name></domainsnapshot>");
  g_autofree char *network =
    create (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
            "<network><name>docs</name><forward mode='nat'/>"
            "<ip address='192.168.151.1' netmask='255.255.255.0'/></network>");
  g_autofree char *pool = create (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                                  "<pool type='test'><name>docs</name>"
                                  "<target><path>/virtbus-test/docs</path></target></pool>");
  g_autofree char *secret = create (f->env, MANAGER, IFACE_MANAGER, "DefineSecret",
                                    "<secret><usage type='ceph'><name>docs</name></usage>"
                                    "</secret>");
  g_autofree char *volume = NULL;
  g_autoptr (GDBusNodeInfo) root = NULL;

  vb_test_call_void (f->env, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  volume = create (f->env, pool, IFACE_POOL, "CreateVolume",
                   "<volume><name>docs.img</name><capacity unit='MiB'>1</capacity></volume>");

  root = assert_path_documented (f, BUS_NAME, MANAGER,
                                 (const char *const[]){
                                   IFACE_MANAGER, "org.virtbus.Virt1.MigrationTarget", NULL });
  g_assert_true (has_child (root, "domain"));
  g_assert_nonnull (g_dbus_node_info_lookup_interface (root, "org.freedesktop.DBus.ObjectManager"));
  g_dbus_node_info_unref (
    assert_path_documented (f, BUS_NAME, domain, (const char *const[]){ IFACE_DOMAIN, NULL }));
  g_dbus_node_info_unref (
    assert_path_documented (f, BUS_NAME, snapshot, (const char *const[]){ IFACE_SNAPSHOT, NULL }));
  g_dbus_node_info_unref (
    assert_path_documented (f, BUS_NAME, network, (const char *const[]){ IFACE_NETWORK, NULL }));
  g_dbus_node_info_unref (
    assert_path_documented (f, BUS_NAME, pool, (const char *const[]){ IFACE_POOL, NULL }));
  g_dbus_node_info_unref (
    assert_path_documented (f, BUS_NAME, volume, (const char *const[]){ IFACE_VOLUME, NULL }));
  g_dbus_node_info_unref (assert_path_documented (
    f, BUS_NAME, secret, (const char *const[]){ "org.virtbus.Virt1.Secret", NULL }));
}

/* The org.libvirt front end's objects, registered from the annotated files. */
static void
test_libvirt_objects (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("docs", UUID1);
  g_autofree char *domain =
    lv_path (f->env, LV_TEST, LV_CONNECT, "DomainDefineXML", g_variant_new ("(s)", xml));
  g_autofree char *network =
    lv_path (f->env, LV_TEST, LV_CONNECT, "NetworkDefineXML",
             g_variant_new ("(s)", "<network><name>docs</name></network>"));
  g_autoptr (GDBusNodeInfo) connect = NULL;
  GDBusMethodInfo *define;

  connect = assert_path_documented (f, LV_NAME, LV_TEST, (const char *const[]){ LV_CONNECT, NULL });
  define =
    g_dbus_interface_info_lookup_method (g_dbus_node_info_lookup_interface (connect, LV_CONNECT),
                                         "DomainDefineXML");
  g_assert_cmpstr (doc_of (define->annotations), ==, "Manager.DefineDomain");
  g_dbus_node_info_unref (assert_path_documented (
    f, LV_NAME, domain, (const char *const[]){ "org.libvirt.Domain", NULL }));
  g_dbus_node_info_unref (
    assert_path_documented (f, LV_NAME, network, (const char *const[]){ LV_NETWORK, NULL }));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/introspection-docs/named-members", Fixture, NULL, fixture_set_up,
              test_named_members, fixture_tear_down);
  g_test_add ("/introspection-docs/virt1-objects", Fixture, NULL, fixture_set_up,
              test_virt1_objects, fixture_tear_down);
  g_test_add ("/introspection-docs/libvirt-objects", Fixture, NULL, fixture_set_up,
              test_libvirt_objects, fixture_tear_down);
  return g_test_run ();
}
