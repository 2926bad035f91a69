/* Every method of every interface, read from the introspection XML files, called
 * with boundary arguments built from its signature (empty and very long
 * strings, control characters, object paths that lead nowhere, 0, 1 and the
 * largest integers, odd a{sv}), on a live object of its interface and on a
 * path where none lives. Every answer is a success or one of the service's
 * own errors, within seconds, and the service stays up. The org.libvirt
 * front end's interfaces too (served with --libvirt-dbus), whose only error
 * is org.libvirt.Error. */
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "vb-chaos.h"
#include "vb-test-env.h"

#define CALL_TIMEOUT_MS 5000
#define DOM_UUID "b0b0da00-0000-4000-8000-000000000001"
#define NET_UUID "b0b0da00-0000-4000-8000-000000000002"
#define POOL_UUID "b0b0da00-0000-4000-8000-000000000003"
#define DIR_POOL_UUID "b0b0da00-0000-4000-8000-000000000004"
#define SECRET_UUID "b0b0da00-0000-4000-8000-000000000005"
#define MISSING_UUID "b0b0da00_0000_4000_8000_0000000000ff"
#define SNAPSHOT_XML "<domainsnapshot><name>bsnap</name></domainsnapshot>"
#define VOLUME_XML "<volume><name>bvol</name><capacity>1048576</capacity></volume>"
#define LV_NAME "org.libvirt"
#define LV_ERROR "org.libvirt.Error"
#define LV_TEST "/org/libvirt/Test"
#define LV_QEMU "/org/libvirt/QEMU"
#define LV_DOM_NODE "_b0b0da00_0000_4000_8000_000000000001"
#define DIR_VOLUME_XML                                        \
  "<volume><name>dvol.img</name><capacity>1048576</capacity>" \
  "<target><format type='raw'/></target></volume>"

typedef struct {
  VbTestEnv *env;
  GRand *rand;
  char *pool_dir;
  char *domain, *network, *pool, *volume, *snapshot, *dir_pool, *dir_volume, *job, *secret;
  guint calls, methods, failures;
  gboolean libvirt; /* calling org.libvirt, not org.virtbus.Virt1 */
} Boundary;

static const char *const daemon_args[] = { "--libvirt-dbus", NULL };

static void failure (Boundary *b, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
failure (Boundary *b, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  b->failures++;
  g_printerr ("chaos-boundary FAILURE: %s\n", message);
}

/* A call with a /dev/null in its fd list, for the 'h' arguments. */
static GVariant *
call (Boundary *b, const char *path, const char *interface, const char *method, GVariant *args,
      GError **error)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  int fd = open ("/dev/null", O_RDWR | O_CLOEXEC);

  g_assert_cmpint (g_unix_fd_list_append (fds, fd, NULL), ==, 0);
  close (fd);
  return g_dbus_connection_call_with_unix_fd_list_sync (
    b->env->client, b->libvirt ? LV_NAME : BUS_NAME, path, interface, method, args, NULL,
    G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, fds, NULL, NULL, error);
}

/* A call whose failure only matters to the fixture: TRUE when it worked. */
static gboolean
call_quiet (Boundary *b, const char *path, const char *interface, const char *method,
            GVariant *args, GVariant **out)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = call (b, path, interface, method, args, &error);

  if (out)
    *out = reply;
  else if (reply)
    g_variant_unref (reply);
  return reply != NULL;
}

static char *
get_string (Boundary *b, const char *path, const char *interface, const char *property)
{
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;

  if (!call_quiet (b, path, "org.freedesktop.DBus.Properties", "Get",
                   g_variant_new ("(ss)", interface, property), &reply))
    return NULL;
  g_variant_get (reply, "(v)", &value);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? "true" : "false");
  return g_variant_dup_string (value, NULL);
}

static void
define (Boundary *b, const char *method, const char *xml)
{
  call_quiet (b, MANAGER, IFACE_MANAGER, method, g_variant_new ("(su)", xml, 0), NULL);
}

/* Brings every live object back to what the calls expect: defined, active,
 * with its volume, snapshot and job. Cheap when nothing changed. */
static void ensure_virt1_fixtures (Boundary *b);

static void
ensure_fixtures (Boundary *b)
{
  gboolean libvirt = b->libvirt;

  /* The fixtures are made through org.virtbus.Virt1. */
  b->libvirt = FALSE;
  ensure_virt1_fixtures (b);
  b->libvirt = libvirt;
}

static void
ensure_virt1_fixtures (Boundary *b)
{
  g_autofree char *persistent = get_string (b, b->domain, IFACE_DOMAIN, "Persistent");
  g_autofree char *state = NULL;
  g_autofree char *active = NULL;

  if (g_strcmp0 (persistent, "true") != 0)
    {
      g_autofree char *xml = vb_test_domain_xml ("boundary-dom", DOM_UUID);
      define (b, "DefineDomain", xml);
    }
  state = get_string (b, b->domain, IFACE_DOMAIN, "State");
  if (g_strcmp0 (state, "paused") == 0)
    call_quiet (b, b->domain, IFACE_DOMAIN, "Resume", NULL, NULL);
  else if (g_strcmp0 (state, "running") != 0)
    call_quiet (b, b->domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), NULL);
  if (!call_quiet (b, b->domain, IFACE_DOMAIN, "LookupSnapshotByName",
                   g_variant_new ("(s)", "bsnap"), NULL))
    call_quiet (b, b->domain, IFACE_DOMAIN, "CreateSnapshot",
                g_variant_new ("(su)", SNAPSHOT_XML, 0), NULL);

  /* Defining it again keeps its value: cheap, and back after an Undefine. */
  define (b, "DefineSecret",
          "<secret ephemeral='no' private='yes'><uuid>" SECRET_UUID "</uuid>"
          "<usage type='volume'><volume>/var/lib/boundary.img</volume></usage></secret>");

  g_clear_pointer (&persistent, g_free);
  persistent = get_string (b, b->network, IFACE_NETWORK, "Persistent");
  if (g_strcmp0 (persistent, "true") != 0)
    define (b, "DefineNetwork",
            "<network><name>boundary-net</name><uuid>" NET_UUID "</uuid></network>");
  active = get_string (b, b->network, IFACE_NETWORK, "Active");
  if (g_strcmp0 (active, "true") != 0)
    call_quiet (b, b->network, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0), NULL);

  for (guint i = 0; i < 2; i++)
    {
      const char *pool = i == 0 ? b->pool : b->dir_pool;
      const char *volume = i == 0 ? "bvol" : "dvol.img";
      g_autofree char *pool_persistent = get_string (b, pool, IFACE_POOL, "Persistent");
      g_autofree char *pool_active = NULL;

      if (g_strcmp0 (pool_persistent, "true") != 0)
        {
          g_autofree char *xml =
            i == 0
              ? g_strdup ("<pool type='test'><name>boundary-pool</name><uuid>" POOL_UUID
                          "</uuid></pool>")
              : g_strdup_printf ("<pool type='dir'><name>boundary-dir</name><uuid>" DIR_POOL_UUID
                                 "</uuid><target><path>%s</path></target></pool>",
                                 b->pool_dir);
          define (b, "DefineStoragePool", xml);
        }
      g_mkdir_with_parents (b->pool_dir, 0700);
      pool_active = get_string (b, pool, IFACE_POOL, "Active");
      if (g_strcmp0 (pool_active, "true") != 0)
        call_quiet (b, pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0), NULL);
      if (!call_quiet (b, pool, IFACE_POOL, "LookupVolumeByName", g_variant_new ("(s)", volume),
                       NULL))
        call_quiet (b, pool, IFACE_POOL, "CreateVolume",
                    g_variant_new ("(su)", i == 0 ? VOLUME_XML : DIR_VOLUME_XML, 0), NULL);
    }

  /* A finished upload's Job lingers for minutes: a Job to call. */
  {
    g_autofree char *operation = b->job ? get_string (b, b->job, IFACE_JOB, "Operation") : NULL;
    g_autoptr (GVariant) reply = NULL;

    if (!operation
        && call_quiet (b, b->dir_volume, IFACE_VOLUME, "Upload",
                       g_variant_new ("(httu)", 0, (guint64) 0, (guint64) 0, 0), &reply))
      {
        g_free (b->job);
        g_variant_get (reply, "(o)", &b->job);
      }
  }
}

/* The boundary values of one argument type; NULL when we have none. */
static GPtrArray *
values_for (Boundary *b, const char *type)
{
  GPtrArray *values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

#define ADD(v) g_ptr_array_add (values, g_variant_ref_sink (v))
  if (g_str_equal (type, "s"))
    {
      g_autofree char *long_text = g_strnfill (256 * 1024, 'a');
      g_autofree char *long_name = g_strnfill (4096, 'n');

      ADD (g_variant_new_string (""));
      ADD (g_variant_new_string (long_text));
      ADD (g_variant_new_string (long_name));
      ADD (g_variant_new_string ("\x01\x02\x03\t\n\r\x1b[31m\x7f"));
      ADD (g_variant_new_string ("\xc2\x85\xe2\x80\x8f\xe2\x80\xae\xef\xbb\xbf"));
      ADD (g_variant_new_string ("../../../../etc/passwd"));
      ADD (g_variant_new_string ("/"));
      ADD (g_variant_new_string ("/dev/null"));
      ADD (g_variant_new_string ("%s%s%n%x"));
      ADD (g_variant_new_string ("<domain type='test'/>"));
      ADD (g_variant_new_string (DOM_UUID));
      ADD (g_variant_new_string ("qemu+tcp://127.0.0.1:1/system"));
    }
  else if (g_str_equal (type, "o"))
    {
      g_autoptr (GString) deep = g_string_new (NULL);

      for (guint i = 0; i < 500; i++)
        g_string_append (deep, "/a");
      ADD (g_variant_new_object_path ("/"));
      ADD (g_variant_new_object_path (MANAGER));
      ADD (g_variant_new_object_path ("/org/virtbus/Virt1/domain/" MISSING_UUID));
      ADD (g_variant_new_object_path (b->domain));
      ADD (g_variant_new_object_path (b->volume));
      ADD (g_variant_new_object_path (deep->str));
    }
  else if (g_str_equal (type, "u"))
    {
      guint32 us[] = { 0, 1, 2, 4, 16, 1024, 0x80000000u, G_MAXUINT32 };
      for (guint i = 0; i < G_N_ELEMENTS (us); i++)
        ADD (g_variant_new_uint32 (us[i]));
    }
  else if (g_str_equal (type, "i"))
    {
      gint32 is[] = { 0, 1, -1, G_MININT32, G_MAXINT32 };
      for (guint i = 0; i < G_N_ELEMENTS (is); i++)
        ADD (g_variant_new_int32 (is[i]));
    }
  else if (g_str_equal (type, "t"))
    {
      guint64 ts[] = { 0, 1, 4096, (guint64) G_MAXINT64 + 1, G_MAXUINT64 };
      for (guint i = 0; i < G_N_ELEMENTS (ts); i++)
        ADD (g_variant_new_uint64 (ts[i]));
    }
  else if (g_str_equal (type, "b"))
    {
      ADD (g_variant_new_boolean (FALSE));
      ADD (g_variant_new_boolean (TRUE));
    }
  else if (g_str_equal (type, "h"))
    {
      /* 0 is the /dev/null every call carries; the others point nowhere. */
      ADD (g_variant_new_handle (0));
      ADD (g_variant_new_handle (1));
      ADD (g_variant_new_handle (-1));
      ADD (g_variant_new_handle (G_MAXINT32));
    }
  else if (g_str_equal (type, "ay"))
    {
      /* A secret's value: empty, a NUL inside, bytes that are not UTF-8, 1 MiB. */
      g_autofree guint8 *big = g_malloc0 (1024 * 1024);

      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, NULL, 0, 1));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "a\0b", 3, 1));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, "\xff\xfe\x80", 3, 1));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, big, 1024 * 1024, 1));
    }
  else if (g_str_equal (type, "a{sv}"))
    {
      static const char *const keys[] = { "bandwidth",   "granularity", "buf-size",   "",
                                          "destination", "uri",         "persistent", "unknown" };
      GVariantBuilder builder;

      ADD (g_variant_new ("a{sv}", NULL));
      /* Known keys with the wrong types, unknown keys, odd values. */
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
          g_variant_builder_add (&builder, "{sv}", keys[i], g_variant_new_string ("x"));
          ADD (g_variant_builder_end (&builder));
          g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
          g_variant_builder_add (&builder, "{sv}", keys[i], g_variant_new_uint64 (G_MAXUINT64));
          ADD (g_variant_builder_end (&builder));
        }
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      g_variant_builder_add (&builder, "{sv}", "bandwidth",
                             g_variant_new_variant (
                               g_variant_new_variant (g_variant_new_int32 (-1))));
      g_variant_builder_add (&builder, "{sv}", "granularity", g_variant_new_uint32 (0));
      g_variant_builder_add (&builder, "{sv}", "buf-size", g_variant_new ("as", NULL));
      ADD (g_variant_builder_end (&builder));
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sv}"));
      for (guint i = 0; i < 1000; i++)
        {
          g_autofree char *key = g_strdup_printf ("k%u", i);
          g_variant_builder_add (&builder, "{sv}", key, g_variant_new_uint32 (i));
        }
      ADD (g_variant_builder_end (&builder));
    }
  else if (g_str_equal (type, "x"))
    {
      gint64 xs[] = { 0, 1, -1, G_MININT64, G_MAXINT64 };
      for (guint i = 0; i < G_N_ELEMENTS (xs); i++)
        ADD (g_variant_new_int64 (xs[i]));
    }
  else if (g_str_equal (type, "au"))
    {
      guint32 us[] = { 0, 1, G_MAXUINT32 };
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, NULL, 0, sizeof (guint32)));
      ADD (
        g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, us, G_N_ELEMENTS (us), sizeof (guint32)));
    }
  else if (g_str_equal (type, "ab"))
    {
      gboolean bs[] = { TRUE, FALSE, TRUE };
      GVariantBuilder builder;

      ADD (g_variant_new_array (G_VARIANT_TYPE_BOOLEAN, NULL, 0));
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("ab"));
      for (guint i = 0; i < G_N_ELEMENTS (bs); i++)
        g_variant_builder_add (&builder, "b", bs[i]);
      ADD (g_variant_builder_end (&builder));
    }
  else if (g_str_equal (type, "ah"))
    {
      /* Index 0 is the call's /dev/null; the others point nowhere. */
      gint32 hs[] = { 0, 1, -1 };
      GVariantBuilder builder;

      ADD (g_variant_new_array (G_VARIANT_TYPE_HANDLE, NULL, 0));
      g_variant_builder_init (&builder, G_VARIANT_TYPE ("ah"));
      for (guint i = 0; i < G_N_ELEMENTS (hs); i++)
        g_variant_builder_add (&builder, "h", hs[i]);
      ADD (g_variant_builder_end (&builder));
    }
  else if (g_str_equal (type, "as"))
    {
      const char *strv[] = { "", "\x01", NULL };
      ADD (g_variant_new_strv (NULL, 0));
      ADD (g_variant_new_strv (strv, -1));
    }
  else if (g_str_equal (type, "au"))
    {
      /* Domain.SendKey's keys: none, the most allowed and one more, codes
       * no key has, and a long array. */
      static const guint32 odd[] = { 0, 0xffff, 0x10000, G_MAXUINT32 };
      g_autofree guint32 *many = g_new0 (guint32, 100000);

      for (guint n = 0; n <= 17; n += 16)
        ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, many, n, sizeof (guint32)));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, many, 17, sizeof (guint32)));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, odd, G_N_ELEMENTS (odd),
                                      sizeof (guint32)));
      ADD (g_variant_new_fixed_array (G_VARIANT_TYPE_UINT32, many, 100000, sizeof (guint32)));
    }
  else
    {
      g_ptr_array_unref (values);
      return NULL;
    }
#undef ADD
  return values;
}

typedef enum { PATH_LIVE, PATH_MISSING, PATH_MISSING_UNEXPORTED } PathKind;

static gboolean
answer_allowed (Boundary *b, const GError *error, PathKind kind)
{
  g_autofree char *name = NULL;

  /* org.libvirt answers with its one error name, never Virt1's. */
  if (b->libvirt && error)
    {
      name = vb_chaos_error_name (error);
      if (g_str_equal (name, LV_ERROR))
        return TRUE;
      if (vb_chaos_classify (error) == VB_CHAOS_REFUSED)
        return FALSE;
      g_clear_pointer (&name, g_free);
    }
  switch (vb_chaos_classify (error))
    {
    case VB_CHAOS_OK:
      /* Nothing lives there: success would be a call served by a ghost. */
      return kind == PATH_LIVE;
    case VB_CHAOS_REFUSED:
      return TRUE;
    case VB_CHAOS_FOREIGN:
      /* Documented (api.md): below a pool, and off the service's subtrees,
       * GDBus answers for the service. */
      name = vb_chaos_error_name (error);
      return kind == PATH_MISSING_UNEXPORTED
             && (g_str_equal (name, "org.freedesktop.DBus.Error.UnknownMethod")
                 || g_str_equal (name, "org.freedesktop.DBus.Error.UnknownObject"));
    default:
      return FALSE;
    }
}

/* org.libvirt is owned once the autostarted objects run. */
static void
wait_for_libvirt (Boundary *b)
{
  gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end)
    {
      g_autoptr (GVariant) reply = g_dbus_connection_call_sync (
        b->env->client, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "NameHasOwner", g_variant_new ("(s)", LV_NAME), G_VARIANT_TYPE ("(b)"),
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
      gboolean has = FALSE;

      if (reply)
        g_variant_get (reply, "(b)", &has);
      if (has)
        return;
      g_usleep (10000);
    }
  g_error ("%s did not appear", LV_NAME);
}

static void
restart_if_dead (Boundary *b, const char *what)
{
  if (vb_test_env_daemon_alive (b->env))
    return;
  {
    g_autofree char *log = vb_test_env_daemon_log (b->env);
    failure (b, "virtbusd died after %s; its log ends:\n%s", what, log);
  }
  vb_test_env_stop_daemon (b->env, TRUE);
  vb_test_env_start_daemon (b->env, daemon_args);
  wait_for_libvirt (b);
  g_clear_pointer (&b->job, g_free);
  ensure_fixtures (b);
}

static void
check_call (Boundary *b, const char *path, PathKind kind, const char *interface,
            GDBusMethodInfo *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *printed = NULL;
  gint64 start = g_get_monotonic_time ();

  g_variant_ref_sink (args);
  reply = call (b, path, interface, method->name, args, &error);
  b->calls++;
  if (g_getenv ("VB_CHAOS_VERBOSE"))
    {
      g_autofree char *name = vb_chaos_error_name (error);
      g_printerr ("call %s.%s %s: %s\n", interface, method->name, path, error ? name : "ok");
    }
  if (!answer_allowed (b, error, kind))
    {
      g_autofree char *name = vb_chaos_error_name (error);
      g_autofree char *shown = g_variant_print (args, FALSE);

      failure (b, "%s.%s on %s (%" G_GINT64_FORMAT " ms) with %.300s%s: %s%s%s", interface,
               method->name, path, (g_get_monotonic_time () - start) / 1000, shown,
               strlen (shown) > 300 ? "..." : "", error ? name : "success", error ? " " : "",
               error ? error->message : "");
    }
  g_variant_unref (args);
  {
    g_autofree char *what = g_strdup_printf ("%s.%s on %s", interface, method->name, path);
    restart_if_dead (b, what);
  }
  if (reply && kind == PATH_LIVE && !g_str_has_prefix (method->name, "Get")
      && !g_str_has_prefix (method->name, "List") && !g_str_has_prefix (method->name, "Lookup"))
    ensure_fixtures (b);
}

/* The arguments of @method: each argument through its values with the
 * others at their first, then a few seeded mixes. */
static void
call_method (Boundary *b, const char *interface, GDBusMethodInfo *method, const char *live,
             const char *const *missing, const PathKind *missing_kinds)
{
  guint n = 0;
  g_autoptr (GPtrArray) per_arg =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  while (method->in_args && method->in_args[n])
    n++;
  for (guint i = 0; i < n; i++)
    {
      GPtrArray *values = values_for (b, method->in_args[i]->signature);
      if (!values)
        {
          failure (b, "%s.%s: no boundary values for type %s", interface, method->name,
                   method->in_args[i]->signature);
          return;
        }
      g_ptr_array_add (per_arg, values);
    }
  b->methods++;

#define BUILD(choose)                                                                  \
  ({                                                                                   \
    GVariantBuilder builder;                                                           \
    g_variant_builder_init (&builder, G_VARIANT_TYPE_TUPLE);                           \
    for (guint a = 0; a < n; a++)                                                      \
      {                                                                                \
        GPtrArray *values = per_arg->pdata[a];                                         \
        g_variant_builder_add_value (&builder, values->pdata[(choose) % values->len]); \
      }                                                                                \
    g_variant_builder_end (&builder);                                                  \
  })

  if (n == 0)
    {
      check_call (b, live, PATH_LIVE, interface, method, g_variant_new ("()"));
      for (guint m = 0; missing[m]; m++)
        check_call (b, missing[m], missing_kinds[m], interface, method, g_variant_new ("()"));
      return;
    }
  for (guint i = 0; i < n; i++)
    {
      GPtrArray *values = per_arg->pdata[i];
      for (guint v = 0; v < values->len; v++)
        check_call (b, live, PATH_LIVE, interface, method, BUILD (a == i ? v : 0));
    }
  for (guint mix = 0; mix < 12; mix++)
    check_call (b, live, PATH_LIVE, interface, method,
                BUILD ((guint) g_rand_int_range (b->rand, 0, 1000)));
  for (guint m = 0; missing[m]; m++)
    for (guint mix = 0; mix < 4; mix++)
      check_call (b, missing[m], missing_kinds[m], interface, method,
                  BUILD (mix == 0 ? 0 : (guint) g_rand_int_range (b->rand, 0, 1000)));
#undef BUILD
}

/* Every property of @interface on @live can be read; the writable ones take
 * their own type back. */
static void
check_properties (Boundary *b, GDBusInterfaceInfo *info, const char *live)
{
  for (guint p = 0; info->properties && info->properties[p]; p++)
    {
      GDBusPropertyInfo *property = info->properties[p];
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply =
        call (b, live, "org.freedesktop.DBus.Properties", "Get",
              g_variant_new ("(ss)", info->name, property->name), &error);

      b->calls++;
      if (!reply)
        failure (b, "%s.%s on %s cannot be read: %s", info->name, property->name, live,
                 error->message);
      if (property->flags & G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE && reply)
        {
          g_autoptr (GVariant) value = NULL;
          g_autoptr (GVariant) set = NULL;
          g_autoptr (GError) set_error = NULL;

          g_variant_get (reply, "(v)", &value);
          set = call (b, live, "org.freedesktop.DBus.Properties", "Set",
                      g_variant_new ("(ssv)", info->name, property->name, value), &set_error);
          b->calls++;
          if (!answer_allowed (b, set_error, PATH_LIVE))
            failure (b, "setting %s.%s on %s to its own value: %s", info->name, property->name,
                     live, set_error->message);
        }
    }
}

static void
test_boundary (void)
{
  guint32 seed = vb_chaos_seed ("chaos-boundary");
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *dir = g_build_filename (g_getenv ("VB_SOURCE_ROOT"), "introspection", NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  g_autofree char *missing_domain = g_strdup ("/org/virtbus/Virt1/domain/" MISSING_UUID);
  g_autofree char *missing_network = g_strdup ("/org/virtbus/Virt1/network/" MISSING_UUID);
  g_autofree char *missing_pool = g_strdup ("/org/virtbus/Virt1/pool/" MISSING_UUID);
  g_autofree char *missing_volume = NULL;
  g_autofree char *missing_snapshot = NULL;
  g_autofree char *lv_interface = NULL;
  g_autofree char *lv_volume = NULL;
  g_autofree char *lv_snapshot = g_strdup (LV_TEST "/domainsnapshot/" LV_DOM_NODE "_bsnap");
  Boundary b = { 0 };
  const char *entry;
  guint interfaces = 0;

  g_assert_nonnull (listing);
  b.env = env;
  b.rand = g_rand_new_with_seed (seed);
  b.pool_dir = g_build_filename (env->tmpdir, "dir-pool", NULL);
  b.domain = vb_test_domain_path (DOM_UUID);
  b.network = g_strdup ("/org/virtbus/Virt1/network/b0b0da00_0000_4000_8000_000000000002");
  b.pool = g_strdup ("/org/virtbus/Virt1/pool/b0b0da00_0000_4000_8000_000000000003");
  b.dir_pool = g_strdup ("/org/virtbus/Virt1/pool/b0b0da00_0000_4000_8000_000000000004");
  b.volume = g_strdup_printf ("%s/volume/bvol", b.pool);
  b.dir_volume = g_strdup_printf ("%s/volume/dvol_2eimg", b.dir_pool);
  b.snapshot = g_strdup_printf ("%s/snapshot/bsnap", b.domain);
  b.secret = g_strdup ("/org/virtbus/Virt1/secret/b0b0da00_0000_4000_8000_000000000005");
  missing_volume = g_strdup_printf ("%s/volume/missing", b.pool);
  missing_snapshot = g_strdup_printf ("%s/snapshot/missing", b.domain);

  vb_test_env_start_daemon (env, daemon_args);
  wait_for_libvirt (&b);
  ensure_fixtures (&b);
  g_assert_nonnull (b.job);
  /* The host's loopback interface, at whatever path libvirt-dbus's scheme gives it. */
  {
    g_autoptr (GVariant) reply = NULL;

    b.libvirt = TRUE;
    g_assert_true (call_quiet (&b, LV_QEMU, "org.libvirt.Connect", "InterfaceLookupByName",
                               g_variant_new ("(s)", "lo"), &reply));
    g_variant_get (reply, "(o)", &lv_interface);
    b.libvirt = FALSE;
  }
  /* The dir pool's volume: its path is its escaped key, the file's path. */
  {
    g_autoptr (GVariant) reply = NULL;
    g_autofree char *file = g_build_filename (b.pool_dir, "dvol.img", NULL);

    b.libvirt = TRUE;
    g_assert_true (call_quiet (&b, LV_QEMU, "org.libvirt.Connect", "StorageVolLookupByPath",
                               g_variant_new ("(s)", file), &reply));
    g_variant_get (reply, "(o)", &lv_volume);
    b.libvirt = FALSE;
  }

  while ((entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *xml = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GDBusNodeInfo) node = NULL;

      /* org.virtbus.Virt1's interfaces and the org.libvirt front end's. */
      if ((!g_str_has_prefix (entry, "org.virtbus.Virt1.")
           && !g_str_has_prefix (entry, "org.libvirt."))
          || !g_str_has_suffix (entry, ".xml"))
        continue;
      b.libvirt = g_str_has_prefix (entry, "org.libvirt.");
      g_assert_true (g_file_get_contents (path, &xml, NULL, &error));
      node = g_dbus_node_info_new_for_xml (xml, &error);
      g_assert_no_error (error);
      for (guint i = 0; node->interfaces && node->interfaces[i]; i++)
        {
          GDBusInterfaceInfo *info = node->interfaces[i];
          const char *live = NULL;
          const char *missing[3] = { NULL };
          PathKind kinds[3] = { PATH_MISSING, PATH_MISSING, PATH_MISSING };

          if (g_str_equal (info->name, IFACE_MANAGER)
              || g_str_equal (info->name, "org.virtbus.Virt1.MigrationTarget"))
            {
              live = MANAGER;
              missing[0] = "/org/virtbus/Virt1/nothing";
              kinds[0] = PATH_MISSING_UNEXPORTED;
            }
          else if (g_str_equal (info->name, IFACE_DOMAIN))
            live = b.domain, missing[0] = missing_domain;
          else if (g_str_equal (info->name, IFACE_NETWORK))
            live = b.network, missing[0] = missing_network;
          else if (g_str_equal (info->name, IFACE_POOL))
            live = b.pool, missing[0] = missing_pool;
          else if (g_str_equal (info->name, IFACE_VOLUME))
            {
              live = b.volume;
              missing[0] = missing_volume;
              kinds[0] = PATH_MISSING_UNEXPORTED;
            }
          else if (g_str_equal (info->name, IFACE_SNAPSHOT))
            live = b.snapshot, missing[0] = missing_snapshot;
          else if (g_str_equal (info->name, "org.virtbus.Virt1.Secret"))
            {
              live = b.secret;
              missing[0] = "/org/virtbus/Virt1/secret/nothing";
              kinds[0] = PATH_MISSING_UNEXPORTED;
            }
          else if (g_str_equal (info->name, IFACE_JOB))
            live = b.job, missing[0] = "/org/virtbus/Virt1/job/999999";
          else if (g_str_equal (info->name, "org.libvirt.Connect"))
            {
              live = LV_TEST;
              missing[0] = "/org/libvirt/Nothing";
              kinds[0] = PATH_MISSING_UNEXPORTED;
            }
          else if (g_str_equal (info->name, "org.libvirt.Domain"))
            {
              live = LV_TEST "/domain/" LV_DOM_NODE;
              missing[0] = LV_TEST "/domain/_" MISSING_UUID;
              missing[1] = LV_TEST "/domain/nonsense";
            }
          else if (g_str_equal (info->name, "org.libvirt.DomainSnapshot"))
            {
              live = lv_snapshot;
              missing[0] = LV_TEST "/domainsnapshot/" LV_DOM_NODE "_missing";
              missing[1] = LV_TEST "/domainsnapshot/_00";
            }
          else if (g_str_equal (info->name, "org.libvirt.Interface"))
            {
              live = lv_interface;
              missing[0] = LV_QEMU "/interface/nope";
              missing[1] = LV_QEMU "/interface/_2e_2e_2fnet_2flo";
            }
          else if (g_str_equal (info->name, "org.libvirt.Network"))
            {
              live = LV_QEMU "/network/_b0b0da00_0000_4000_8000_000000000002";
              missing[0] = LV_QEMU "/network/_" MISSING_UUID;
              missing[1] = LV_QEMU "/network/nonsense";
            }
          else if (g_str_equal (info->name, "org.libvirt.StoragePool"))
            {
              live = LV_QEMU "/storagepool/_b0b0da00_0000_4000_8000_000000000004";
              missing[0] = LV_QEMU "/storagepool/_" MISSING_UUID;
              missing[1] = LV_QEMU "/storagepool/nonsense";
            }
          else if (g_str_equal (info->name, "org.libvirt.StorageVol"))
            {
              live = lv_volume;
              missing[0] = LV_QEMU "/storagevol/_2fnowhere";
              missing[1] = LV_QEMU "/storagevol/_2e_2e_2fetc_2fshadow";
            }
          else if (g_str_equal (info->name, "org.libvirt.NodeDevice"))
            {
              live = LV_QEMU "/nodedev/computer";
              missing[0] = LV_QEMU "/nodedev/nope";
              missing[1] = LV_QEMU "/nodedev/_2e_2e_2fcomputer";
            }
          else
            {
              failure (&b, "no live object for the interface %s", info->name);
              continue;
            }
          interfaces++;
          for (guint m = 0; info->methods && info->methods[m]; m++)
            {
              call_method (&b, info->name, info->methods[m], live, missing, kinds);
              /* The Job, the volume: each method may have used them up. */
              if (g_str_equal (info->name, IFACE_JOB))
                live = b.job;
            }
          check_properties (&b, info, live);
          /* The dir pool's volume and Job too: they have methods the test
           * pool's lack (Upload, Download). */
          if (g_str_equal (info->name, IFACE_VOLUME))
            for (guint m = 0; info->methods && info->methods[m]; m++)
              {
                const char *none[] = { NULL };
                call_method (&b, info->name, info->methods[m], b.dir_volume, none, kinds);
              }
        }
    }
  g_assert_cmpuint (interfaces, >=, 12);
  g_assert_true (vb_test_env_daemon_alive (env));
  g_print ("chaos-boundary: %u calls on %u methods, %u failures\n", b.calls, b.methods, b.failures);
  g_assert_cmpuint (b.failures, ==, 0);

  g_rand_free (b.rand);
  g_free (b.pool_dir);
  g_free (b.domain);
  g_free (b.network);
  g_free (b.pool);
  g_free (b.dir_pool);
  g_free (b.volume);
  g_free (b.dir_volume);
  g_free (b.snapshot);
  g_free (b.job);
  g_free (b.secret);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chaos/boundary", test_boundary);
  return g_test_run ();
}
