/* Bad input gets its documented error, and the service keeps running with
 * every other object intact. */
#include <string.h>
#include <sys/stat.h>

#include "vb-test-env.h"

#define KEEP_UUID "22222222-3333-4444-8555-666666666601"

typedef struct {
  VbTestEnv *env;
  char *keep; /* a domain that must survive everything */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("keeper", KEEP_UUID);
  g_autoptr (GVariant) reply = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                           g_variant_new ("(su)", xml, 0));
  g_variant_get (reply, "(o)", &f->keep);
  g_variant_unref (vb_test_call_ok (f->env, f->keep, IFACE_DOMAIN, "Start",
                                    g_variant_new ("(u)", 0)));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GVariant) state = NULL;

  /* Whatever happened, the service and the other domain are still fine. */
  g_assert_true (vb_test_env_daemon_alive (f->env));
  state = vb_test_get_property (f->env, f->keep, IFACE_DOMAIN, "State");
  g_assert_cmpstr (g_variant_get_string (state, NULL), ==, "running");
  g_free (f->keep);
  vb_test_env_free (f->env);
}

/* Defines @xml and expects @error; returns the error message. */
static char *
define_expect (Fixture *f, const char *xml, const char *error_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = vb_test_call (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0), &error);
  g_autofree char *remote = NULL;

  g_assert_null (reply);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, error_name);
  g_dbus_error_strip_remote_error (error);
  return g_strdup (error->message);
}

static void
test_malformed_xml (Fixture *f, gconstpointer data)
{
  const char *cases[] = {
    "",
    "not xml at all",
    "<domain type='test'><name>x</name>",
    "<domain type='test'><name>x</nam></domain>",
    "<domain type='test'><name>bad&#1;name</name><memory>1</memory></domain>",
    "<network><name>wrong-root</name></network>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *message = define_expect (f, cases[i], ERROR_PREFIX "InvalidXML");
      g_assert_cmpstr (message, !=, "");
    }
}

static void
test_unknown_element (Fixture *f, gconstpointer data)
{
  const char *xml = "<domain type='test'>\n"
                    "  <name>odd</name>\n"
                    "  <memory>65536</memory>\n"
                    "  <devices>\n"
                    "    <frobnicator model='x'/>\n"
                    "  </devices>\n"
                    "</domain>\n";
  const char *attr = "<domain type='test' colour='blue'>\n  <name>odd</name>\n"
                     "  <memory>65536</memory>\n</domain>\n";
  g_autofree char *message = define_expect (f, xml, ERROR_PREFIX "InvalidXML");
  g_autofree char *attr_message = define_expect (f, attr, ERROR_PREFIX "InvalidXML");

  /* The message names the element and its line. */
  g_assert_nonnull (strstr (message, "frobnicator"));
  g_assert_nonnull (strstr (message, "5"));
  g_assert_nonnull (strstr (attr_message, "colour"));
}

static void
test_unknown_type (Fixture *f, gconstpointer data)
{
  const char *xml = "<domain type='xen'>\n  <name>x</name>\n  <memory>65536</memory>\n</domain>\n";
  /* The schema knows the hypervisor types: one it does not know is invalid XML. */
  g_autofree char *message = define_expect (f, xml, ERROR_PREFIX "InvalidXML");

  g_assert_nonnull (strstr (message, "xen"));
}

static void
test_duplicates (Fixture *f, gconstpointer data)
{
  g_autofree char *same_name = vb_test_domain_xml ("keeper", "22222222-3333-4444-8555-666666666602");
  g_autofree char *same_uuid = vb_test_domain_xml ("other-name", KEEP_UUID);
  g_autofree char *m1 = define_expect (f, same_name, ERROR_PREFIX "OperationInvalid");
  g_autofree char *m2 = define_expect (f, same_uuid, ERROR_PREFIX "OperationInvalid");

  g_assert_nonnull (strstr (m1, "keeper"));
  g_assert_nonnull (strstr (m2, KEEP_UUID));
  /* Creating a transient twin is refused too. */
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "CreateDomain",
                             g_variant_new ("(su)", same_name, 0), ERROR_PREFIX "OperationInvalid");
}

static void
test_bad_names (Fixture *f, gconstpointer data)
{
  const char *names[] = { "a/b", ".hidden", "tab\there", "", "nel\xc2\x85x", "zw\xe2\x80\x8bsp" };
  g_autofree char *long_name = g_strnfill (300, 'n');

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *xml = vb_test_domain_xml (names[i], NULL);
      g_autofree char *message = define_expect (f, xml, ERROR_PREFIX "InvalidXML");
      g_assert_nonnull (strstr (message, "name"));
    }
  {
    g_autofree char *xml = vb_test_domain_xml (long_name, NULL);
    g_autofree char *message = define_expect (f, xml, ERROR_PREFIX "InvalidXML");
  }
  /* Valid UTF-8 that is not ASCII is a fine name. */
  {
    g_autofree char *xml = vb_test_domain_xml ("café-☃", NULL);
    g_autoptr (GVariant) reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                  g_variant_new ("(su)", xml, 0));
  }
}

static void
test_large_xml (Fixture *f, gconstpointer data)
{
  /* Several MiB inside a supported element: accepted, and the service stays responsive. */
  g_autofree char *filler = g_strnfill (6 * 1024 * 1024, 'x');
  g_autofree char *big = g_strdup_printf ("<domain type='test'>\n  <name>big</name>\n"
                                          "  <description>%s</description>\n"
                                          "  <memory>65536</memory>\n</domain>\n",
                                          filler);
  g_autofree char *huge_filler = g_strnfill (20 * 1024 * 1024, 'y');
  g_autofree char *huge = g_strdup_printf ("<domain type='test'>\n  <name>huge</name>\n"
                                           "  <description>%s</description>\n"
                                           "  <memory>65536</memory>\n</domain>\n",
                                           huge_filler);
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                g_variant_new ("(su)", big, 0));
  g_autofree char *message = define_expect (f, huge, ERROR_PREFIX "InvalidXML");

  g_assert_nonnull (strstr (message, "MiB"));
  /* Many thousands of elements of an unsupported kind: refused quickly. */
  {
    g_autoptr (GString) many =
      g_string_new ("<domain type='test'><name>many</name><memory>1</memory><devices>");
    g_autofree char *m = NULL;

    /* (Within the bound of 100,000 elements per document.) */
    for (guint i = 0; i < 40000; i++)
      g_string_append (many, "<disk type='file' device='disk'/>");
    g_string_append (many, "<bogus/></devices></domain>");
    m = define_expect (f, many->str, ERROR_PREFIX "InvalidXML");
    g_assert_nonnull (strstr (m, "bogus"));
  }
}

static void
test_wrong_arguments (Fixture *f, gconstpointer data)
{
  /* GDBus checks signatures before our code runs. */
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(i)", 5), "org.freedesktop.DBus.Error.InvalidArgs");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "ListDomains", NULL,
                             "org.freedesktop.DBus.Error.InvalidArgs");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "NoSuchMethod", NULL,
                             "org.freedesktop.DBus.Error.UnknownMethod");
  /* Flags we do not know are refused, not ignored. */
  vb_test_call_expect_error (f->env, f->keep, IFACE_DOMAIN, "Shutdown",
                             g_variant_new ("(u)", 0x80), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "ListDomains",
                             g_variant_new ("(u)", 1u << 30), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByUUID",
                             g_variant_new ("(s)", "not-a-uuid"), ERROR_PREFIX "InvalidArgument");
}

static void
test_unknown_objects (Fixture *f, gconstpointer data)
{
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "nope"), ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByUUID",
                             g_variant_new ("(s)", "22222222-3333-4444-8555-666666666699"),
                             ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                             g_variant_new ("(s)", "nope"), ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupStoragePoolByName",
                             g_variant_new ("(s)", "nope"), ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env,
                             "/org/virtbus/Virt1/domain/22222222_3333_4444_8555_666666666699",
                             IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, "/org/virtbus/Virt1/network/nonexistent",
                             "org.virtbus.Virt1.Network", "Start", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, "/org/virtbus/Virt1/job/12345", "org.virtbus.Virt1.Job",
                             "Cancel", NULL, ERROR_PREFIX "NotFound");
}

static void
test_invalid_transitions (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("idle", NULL);
  g_autoptr (GVariant) reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                g_variant_new ("(su)", xml, 0));
  const char *idle;

  g_variant_get (reply, "(&o)", &idle);
  vb_test_call_expect_error (f->env, f->keep, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_expect_error (f->env, f->keep, IFACE_DOMAIN, "Resume", NULL,
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_expect_error (f->env, idle, IFACE_DOMAIN, "Shutdown", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_expect_error (f->env, idle, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_expect_error (f->env, idle, IFACE_DOMAIN, "Suspend", NULL,
                             ERROR_PREFIX "OperationInvalid");
  g_variant_unref (vb_test_call_ok (f->env, f->keep, IFACE_DOMAIN, "Suspend", NULL));
  vb_test_call_expect_error (f->env, f->keep, IFACE_DOMAIN, "Suspend", NULL,
                             ERROR_PREFIX "OperationInvalid");
  g_variant_unref (vb_test_call_ok (f->env, f->keep, IFACE_DOMAIN, "Resume", NULL));
}

/* Migrate connects as the service (root) to the destination it is given:
 * only to a named socket, never through a transport that reads a file for
 * the peer (nonce-tcp sent a root-only file to a user's listener), runs a
 * program, or hands ssh an option. Refused before any connection. */
static void
test_migrate_destinations (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocket) listener =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *nonce = NULL;
  g_autofree char *nonce_tcp = NULL;
  guint16 port;

  g_assert_true (g_socket_bind (listener, any, TRUE, NULL));
  g_assert_true (g_socket_listen (listener, NULL));
  bound = g_socket_get_local_address (listener, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  nonce = g_strdup_printf ("nonce-tcp:host=127.0.0.1,port=%u,noncefile=/etc/shadow", port);
  nonce_tcp = g_strdup_printf ("tcp:host=127.0.0.1,port=%u,noncefile=/etc/shadow", port);
  {
    const char *refused[] = {
      nonce,
      nonce_tcp,
      "unixexec:path=/bin/sh,argv1=-c,argv2=touch%20/tmp/vb-pwned",
      "autolaunch:",
      "unix:abstract=virtbus-dst",
      "unix:tmpdir=/tmp",
      "ssh://-oProxyCommand=x",
      "ssh://-oProxyCommand=touch%20/tmp/vb-pwned@host",
      "ssh://root@-oProxyCommand=x",
      "ssh://host;reboot",
    };

    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_autofree char *message = NULL;

        g_test_message ("Migrate to %s", refused[i]);
        message = g_strdup_printf ("Destination '%s'", refused[i]);
        vb_test_call_expect_error_saying (f->env, f->keep, IFACE_DOMAIN, "Migrate",
                                          g_variant_new ("(sa{sv}u)", refused[i], NULL, 1),
                                          ERROR_PREFIX "InvalidArgument", message);
      }
  }
  /* Nothing knocked at the listener, even a moment later. */
  g_usleep (200 * 1000);
  g_assert_cmpuint (g_socket_condition_check (listener, G_IO_IN), ==, 0);
}

static void
test_concurrent_calls (Fixture *f, gconstpointer data)
{
  /* Many modifying calls at once on one domain: each is serialized by the
   * domain's lock, so exactly the valid ones succeed and the state is whole. */
  g_autoptr (GPtrArray) pending = g_ptr_array_new ();
  guint ok = 0, invalid = 0;

  for (guint i = 0; i < 20; i++)
    {
      GDBusMessage *message = g_dbus_message_new_method_call (
        "org.virtbus.Virt1", f->keep, IFACE_DOMAIN, i % 2 ? "Resume" : "Suspend");
      g_ptr_array_add (pending, message);
    }
  for (guint i = 0; i < pending->len; i++)
    {
      g_autoptr (GDBusMessage) reply = g_dbus_connection_send_message_with_reply_sync (
        f->env->client, pending->pdata[i], G_DBUS_SEND_MESSAGE_FLAGS_NONE, 10000, NULL, NULL,
        NULL);
      g_assert_nonnull (reply);
      if (g_dbus_message_get_message_type (reply) == G_DBUS_MESSAGE_TYPE_ERROR)
        invalid++;
      else
        ok++;
      g_object_unref (pending->pdata[i]);
    }
  g_assert_cmpuint (ok + invalid, ==, 20);
  g_assert_cmpuint (ok, ==, 20);
}

/* A FIFO (or a device) given as a save image: refused at once, naming it,
 * instead of a worker thread waiting in open() for a writer that never
 * comes -- enough of those and every call that needs a worker times out. */
static void
test_restore_fifo (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->env->tmpdir, "image.fifo", NULL);
  g_autofree char *message = NULL;
  gint64 started;

  g_assert_no_errno (mkfifo (fifo, 0600));
  for (guint i = 0; i < 20; i++)
    {
      started = g_get_monotonic_time ();
      g_clear_pointer (&message, g_free);
      message = vb_test_call_error_message (f->env, MANAGER, IFACE_MANAGER, "Restore",
                                            g_variant_new ("(su)", fifo, 0),
                                            ERROR_PREFIX "InvalidArgument");
      g_assert_cmpint (g_get_monotonic_time () - started, <, G_USEC_PER_SEC);
      g_assert_nonnull (strstr (message, fifo));
      g_assert_nonnull (strstr (message, "not a regular file"));
    }
  /* The device node too, and the service still answers. */
  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "Restore",
                                    g_variant_new ("(su)", "/dev/zero", 0),
                                    ERROR_PREFIX "InvalidArgument", "not a regular file");
  g_variant_unref (vb_test_call_ok (f->env, f->keep, IFACE_DOMAIN, "GetXMLDesc",
                                    g_variant_new ("(u)", 0)));
}

/* Save never replaces what is at its destination: a FIFO or device node
 * there is refused by the call itself, and so is a regular file, and each
 * is left as it was. */
static void
test_save_to_fifo (Fixture *f, gconstpointer data)
{
  g_autofree char *fifo = g_build_filename (f->env->tmpdir, "save.fifo", NULL);
  g_autofree char *file = g_build_filename (f->env->tmpdir, "precious", NULL);
  g_autofree char *message = NULL;
  g_autofree char *contents = NULL;

  g_assert_no_errno (mkfifo (fifo, 0600));
  message = vb_test_call_error_message (f->env, f->keep, IFACE_DOMAIN, "Save",
                                        g_variant_new ("(su)", fifo, 0),
                                        ERROR_PREFIX "InvalidArgument");
  g_assert_nonnull (strstr (message, fifo));
  g_assert_nonnull (strstr (message, "exists: a save does not replace a file"));
  vb_test_call_expect_error_saying (f->env, f->keep, IFACE_DOMAIN, "Save",
                                    g_variant_new ("(su)", "/dev/null", 0),
                                    ERROR_PREFIX "InvalidArgument", "exists");
  g_assert_true (g_file_test (fifo, G_FILE_TEST_EXISTS) &&
                 !g_file_test (fifo, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_set_contents (file, "precious", -1, NULL));
  vb_test_call_expect_error_saying (f->env, f->keep, IFACE_DOMAIN, "Save",
                                    g_variant_new ("(su)", file, 0),
                                    ERROR_PREFIX "InvalidArgument", "exists");
  g_assert_true (g_file_get_contents (file, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "precious");
}

/* 200,000 attributes on one element used to pin a core for minutes (libxml2
 * checks them pairwise) where no Cancel reaches: now refused at once,
 * naming the element, and the service answers the next call. */
static void
test_many_attributes (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) xml = g_string_new ("<domain type='test'>\n  <name>attrs</name>\n"
                                          "  <memory>65536</memory>\n  <description");
  g_autofree char *message = NULL;
  gint64 started;

  for (guint i = 0; i < 200000; i++)
    g_string_append_printf (xml, " a%u='x'", i);
  g_string_append (xml, "/>\n</domain>\n");
  started = g_get_monotonic_time ();
  message = define_expect (f, xml->str, ERROR_PREFIX "InvalidXML");
  g_assert_cmpint (g_get_monotonic_time () - started, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpstr (message, ==, "too many attributes on <description> at line 4: the limit is 256");
  g_variant_unref (vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "ListDomains",
                                    g_variant_new ("(u)", 0)));
}

#define RACE_UUID "22222222-3333-4444-8555-666666666677"
#define RACE_ROUNDS 300

typedef struct {
  VbTestEnv *env;
  const char *path;
  gint stop;
  GHashTable *outcomes; /* error name (or "ok") -> count */
} Racer;

/* Calls a method and reads a property of the domain at racer->path over
 * and over, counting what comes back. */
static gpointer
call_while_removed (gpointer data)
{
  Racer *racer = data;

  while (!g_atomic_int_get (&racer->stop))
    {
      for (guint i = 0; i < 2; i++)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (GVariant) reply = NULL;
          g_autofree char *name = NULL;
          const char *key;

          if (i == 0)
            reply = vb_test_call (racer->env, racer->path, IFACE_DOMAIN, "GetXMLDesc",
                                  g_variant_new ("(u)", 0), &error);
          else
            reply = vb_test_call (racer->env, racer->path, "org.freedesktop.DBus.Properties", "Get",
                                  g_variant_new ("(ss)", IFACE_DOMAIN, "Name"), &error);
          name = error ? g_dbus_error_get_remote_error (error) : NULL;
          key = reply ? "ok" : name ? name : "(no name)";
          g_hash_table_insert (racer->outcomes, g_strdup (key),
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (
                                 g_hash_table_lookup (racer->outcomes, key)) + 1));
        }
    }
  return NULL;
}

/* A client calling a domain while another undefines it: a call that loses
 * the race hears NotFound, as the API documents, never GDBus's
 * UnknownMethod (it was 4-6% of such calls). */
static void
test_removal_race (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_domain_xml ("racer", RACE_UUID);
  g_autofree char *path = vb_test_domain_path (RACE_UUID);
  g_autoptr (GHashTable) outcomes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Racer racer = { f->env, path, 0, outcomes };
  GHashTableIter iter;
  gpointer key, value;
  guint total = 0;
  GThread *thread;

  thread = g_thread_new ("racer", call_while_removed, &racer);
  for (guint i = 0; i < RACE_ROUNDS; i++)
    {
      g_free (vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                 g_variant_new ("(su)", xml, 0)));
      vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
    }
  g_atomic_int_set (&racer.stop, 1);
  g_thread_join (thread);

  g_hash_table_iter_init (&iter, outcomes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_test_message ("%s: %u", (const char *) key, GPOINTER_TO_UINT (value));
      total += GPOINTER_TO_UINT (value);
      if (!g_str_equal (key, "ok") && !g_str_equal (key, ERROR_PREFIX "NotFound"))
        g_test_fail_printf ("%u of the calls failed with %s", GPOINTER_TO_UINT (value),
                            (const char *) key);
    }
  /* The race was run: both answers were seen. */
  g_assert_cmpuint (total, >, RACE_ROUNDS);
  g_assert_true (g_hash_table_contains (outcomes, "ok"));
  g_assert_true (g_hash_table_contains (outcomes, ERROR_PREFIX "NotFound"));

  /* Deeper paths with no object answer the same: below the domain that is
   * gone, a volume of a pool that never was. */
  {
    g_autofree char *below = g_strconcat (path, "/snapshot/_gone", NULL);

    vb_test_call_expect_error (f->env, below, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", 0),
                               ERROR_PREFIX "NotFound");
    vb_test_call_expect_error (f->env, MANAGER "/pool/_nope/volume/_x", IFACE_VOLUME, "Delete",
                               g_variant_new ("(u)", 0), ERROR_PREFIX "NotFound");
  }
}

/* A driver's refusal names the line of the caller's document, not of
 * virtbus's re-formatted copy (a one-line document was refused "at line 8"). */
static void
test_driver_refusal_line (Fixture *f, gconstpointer data)
{
  const char *one_line = "<domain type='kvm'><name>armed</name><memory>65536</memory>"
                         "<os><type machine='bogus'>hvm</type></os></domain>";
  const char *spread = "<domain type='kvm'>\n\n\n  <name>armed</name>\n"
                       "  <memory>65536</memory>\n\n  <os>\n\n    <type machine='bogus'>hvm</type>\n"
                       "  </os>\n</domain>\n";
  g_autofree char *m1 = define_expect (f, one_line, ERROR_PREFIX "NotSupported");
  g_autofree char *m2 = define_expect (f, spread, ERROR_PREFIX "NotSupported");

  g_assert_true (g_str_has_prefix (m1, "<type> at line 1: machine type 'bogus' is not known"));
  g_assert_true (g_str_has_prefix (m2, "<type> at line 9: machine type 'bogus' is not known"));
}

/* A count that does not fit 64 bits is refused naming <vcpu>, not left
 * unanswered (the parser used to fail without an error). */
static void
test_huge_vcpus (Fixture *f, gconstpointer data)
{
  const char *cases[] = {
    "<vcpu>18446744073709551616</vcpu>",
    "<vcpu>99999999999999999999</vcpu>",
    "<vcpu current='18446744073709551616'>2</vcpu>",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml = g_strdup_printf ("<domain type='test'>\n  <name>many-cpus</name>\n"
                                              "  <memory>65536</memory>\n  %s\n</domain>\n",
                                              cases[i]);
      g_autofree char *message = define_expect (f, xml, ERROR_PREFIX "InvalidXML");

      g_assert_nonnull (strstr (message, "<vcpu>"));
    }
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                             g_variant_new ("(s)", "many-cpus"), ERROR_PREFIX "NotFound");
}

/* Whatever DefineDomain accepts comes back after a restart: memory sizes near
 * 2^64 bytes that cannot be stored in KiB are refused at define, naming the
 * element, and the largest that can be stored survives. */
static void
test_huge_memory_round_trips (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *element;
    const char *bytes;
    gboolean accepted;
  } cases[] = {
    { "memory", "18446744073709551615", FALSE }, /* 2^64 - 1 */
    { "memory", "18446744073709550593", FALSE }, /* 2^64 - 1023: rounds up to 2^54 KiB */
    { "memory", "18446744073709550592", TRUE },  /* 2^64 - 1024: (2^54 - 1) KiB */
    { "currentMemory", "18446744073709551615", FALSE },
  };
  g_autoptr (GPtrArray) defined = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("big-memory-%u", i);
      g_autofree char *memory =
        g_str_equal (cases[i].element, "memory")
          ? g_strdup_printf ("<memory unit='b'>%s</memory>", cases[i].bytes)
          : g_strdup_printf ("<memory unit='b'>18446744073709550592</memory>\n"
                             "  <currentMemory unit='b'>%s</currentMemory>",
                             cases[i].bytes);
      g_autofree char *xml = g_strdup_printf ("<domain type='test'>\n  <name>%s</name>\n  %s\n"
                                              "</domain>\n",
                                              name, memory);
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = vb_test_call (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", xml, 0), &error);

      if (cases[i].accepted)
        {
          g_assert_no_error (error);
          g_ptr_array_add (defined, g_steal_pointer (&name));
        }
      else
        {
          g_autofree char *remote = NULL;
          g_autofree char *element = g_strdup_printf ("<%s>", cases[i].element);

          g_assert_null (reply);
          remote = g_dbus_error_get_remote_error (error);
          g_assert_cmpstr (remote, ==, ERROR_PREFIX "InvalidXML");
          g_assert_nonnull (strstr (error->message, element));
        }
    }

  /* What was acknowledged is there after a restart, with its size. */
  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);
  g_variant_unref (
    vb_test_call_ok (f->env, f->keep, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  for (guint i = 0; i < defined->len; i++)
    {
      g_autoptr (GVariant) reply =
        vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "LookupDomainByName",
                         g_variant_new ("(s)", (const char *) defined->pdata[i]));
      const char *path;

      g_variant_get (reply, "(&o)", &path);
      g_assert_cmpuint (vb_test_get_u64 (f->env, path, IFACE_DOMAIN, "MemoryKiB"), ==,
                        G_GUINT64_CONSTANT (18014398509481983));
    }
}

/* Network strings that reach a command line, dnsmasq's files or an nft rule
 * (the injections): refused at define with the element and
 * attribute named, and nothing is defined. */
static void
test_network_names (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *xml;
    const char *words;
  } cases[] = {
    { "<bridge name='u*'/>", "invalid bridge name 'u*' on <bridge>" },
    { "<bridge name='vb+'/>", "invalid bridge name 'vb+' on <bridge>" },
    { "<forward dev='eth*'/>", "attribute 'dev' on <forward>" },
    { "<domain name='lan&#10;address=/#/10.0.0.1'/>", "attribute 'name' on <domain>" },
    { "<dns><host ip='10.0.0.1'><hostname>a&#10;10.0.0.1 evil</hostname></host></dns>",
      "in <hostname>" },
    { "<ip address='10.0.0.1' prefix='24'><dhcp><host mac='52:54:00:00:00:01' "
      "name='a&#10;52:54:00:00:00:02,10.0.0.6,evil'/></dhcp></ip>",
      "attribute 'name' on <host>" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *xml =
        g_strdup_printf ("<network><name>hostile%u</name>%s</network>", i, cases[i].xml);
      g_autofree char *name = g_strdup_printf ("hostile%u", i);

      vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                        g_variant_new ("(su)", xml, 0),
                                        ERROR_PREFIX "InvalidXML", cases[i].words);
      vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "LookupNetworkByName",
                                 g_variant_new ("(s)", name), ERROR_PREFIX "NotFound");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/bad-input/malformed-xml", test_malformed_xml);
  ADD ("/bad-input/unknown-element", test_unknown_element);
  ADD ("/bad-input/unknown-type", test_unknown_type);
  ADD ("/bad-input/duplicates", test_duplicates);
  ADD ("/bad-input/bad-names", test_bad_names);
  ADD ("/bad-input/large-xml", test_large_xml);
  ADD ("/bad-input/wrong-arguments", test_wrong_arguments);
  ADD ("/bad-input/unknown-objects", test_unknown_objects);
  ADD ("/bad-input/invalid-transitions", test_invalid_transitions);
  ADD ("/bad-input/serialized-calls", test_concurrent_calls);
  ADD ("/bad-input/migrate-destinations", test_migrate_destinations);
  ADD ("/bad-input/restore-fifo", test_restore_fifo);
  ADD ("/bad-input/save-to-fifo", test_save_to_fifo);
  ADD ("/bad-input/many-attributes", test_many_attributes);
  ADD ("/bad-input/removal-race", test_removal_race);
  ADD ("/bad-input/driver-refusal-line", test_driver_refusal_line);
  ADD ("/bad-input/huge-vcpus", test_huge_vcpus);
  ADD ("/bad-input/huge-memory-round-trips", test_huge_memory_round_trips);
  ADD ("/bad-input/network-names", test_network_names);
  return g_test_run ();
}
