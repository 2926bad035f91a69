/* A bare GDBus service with org.libvirt's read shapes: see bench-bare.h. */
#include "bench-bare.h"

#define CONNECT_PATH "/org/libvirt/Test"

struct _BenchBare {
  char *address;
  char *domain_path;
  GVariant *properties; /* a{sv}, values variants of variants */
  char *xml;
  GMutex lock;
  GVariant *list;    /* (ao), under @lock */
  GVariant *managed; /* GetManagedObjects' reply, under @lock; NULL: none */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GMutex ready_lock;
  GCond ready;
  gboolean owned;
};

static const char interfaces_xml[] = "<node>"
                                     "<interface name='org.libvirt.Connect'>"
                                     "<method name='ListDomains'><arg type='u' "
                                     "direction='in'/><arg type='ao' direction='out'/></method>"
                                     "</interface>"
                                     "<interface name='org.freedesktop.DBus.ObjectManager'>"
                                     "<method name='GetManagedObjects'><arg "
                                     "type='a{oa{sa{sv}}}' direction='out'/></method>"
                                     "</interface>"
                                     "</node>";

static void
method_call (GDBusConnection *connection, const char *sender, const char *path,
             const char *interface, const char *method, GVariant *parameters,
             GDBusMethodInvocation *invocation, gpointer user_data)
{
  BenchBare *bare = user_data;

  if (g_str_equal (method, "ListDomains"))
    {
      g_autoptr (GVariant) list = NULL;

      g_mutex_lock (&bare->lock);
      list = g_variant_ref (bare->list);
      g_mutex_unlock (&bare->lock);
      g_dbus_method_invocation_return_value (invocation, list);
    }
  else if (g_str_equal (method, "GetManagedObjects"))
    {
      g_autoptr (GVariant) managed = NULL;

      g_mutex_lock (&bare->lock);
      managed = bare->managed ? g_variant_ref (bare->managed) : NULL;
      g_mutex_unlock (&bare->lock);
      if (managed)
        g_dbus_method_invocation_return_value (invocation, managed);
      else
        g_dbus_method_invocation_return_dbus_error (invocation, "org.libvirt.Error", method);
    }
  else if (g_str_equal (method, "GetXMLDesc"))
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(s)", bare->xml));
  else if (g_str_equal (method, "GetAll"))
    g_dbus_method_invocation_return_value (invocation,
                                           g_variant_new ("(@a{sv})", bare->properties));
  else if (g_str_equal (method, "Get"))
    {
      const char *name;
      g_autoptr (GVariant) twice = NULL;
      g_autoptr (GVariant) once = NULL;

      g_variant_get (parameters, "(&s&s)", NULL, &name);
      twice = g_variant_lookup_value (bare->properties, name, G_VARIANT_TYPE_VARIANT);
      if (!twice)
        {
          g_dbus_method_invocation_return_dbus_error (invocation, "org.libvirt.Error", name);
          return;
        }
      once = g_variant_get_variant (twice);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(v)", once));
    }
  else
    g_dbus_method_invocation_return_dbus_error (invocation, "org.libvirt.Error", method);
}

/* No property handlers: GDBus hands Properties calls to method_call, as the
 * front end has them. The Domain interface declares the properties of
 * @properties so that GDBus lets Get and GetAll through. */
static GDBusInterfaceInfo *
domain_interface (BenchBare *bare, GDBusNodeInfo *node)
{
  g_autoptr (GString) xml = g_string_new ("<node><interface name='org.libvirt.Domain'>"
                                          "<method name='GetXMLDesc'><arg type='u' direction='in'/>"
                                          "<arg type='s' direction='out'/></method>");
  g_autoptr (GDBusNodeInfo) info = NULL;
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init (&iter, bare->properties);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    {
      /* A value may come boxed once more (what Get answers) or not (GetAll's). */
      g_autoptr (GVariant) inner = g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)
                                     ? g_variant_get_variant (value)
                                     : g_variant_ref (value);

      g_string_append_printf (xml, "<property name='%s' type='%s' access='read'/>", name,
                              g_variant_get_type_string (inner));
      g_variant_unref (value);
    }
  g_string_append (xml, "</interface></node>");
  info = g_dbus_node_info_new_for_xml (xml->str, NULL);
  g_assert_nonnull (info);
  return g_dbus_interface_info_ref (info->interfaces[0]);
}

static void
name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  BenchBare *bare = user_data;

  g_mutex_lock (&bare->ready_lock);
  bare->owned = TRUE;
  g_cond_signal (&bare->ready);
  g_mutex_unlock (&bare->ready_lock);
}

static gpointer
serve (gpointer data)
{
  BenchBare *bare = data;
  static const GDBusInterfaceVTable vtable = { method_call, NULL, NULL, { 0 } };
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (interfaces_xml, NULL);
  GDBusInterfaceInfo *domain = NULL;
  guint owner;

  g_main_context_push_thread_default (bare->context);
  bus = g_dbus_connection_new_for_address_sync (bare->address,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                                  | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, &error);
  if (!bus)
    g_error ("bare service: %s", error->message);
  domain = domain_interface (bare, node);
  if (!g_dbus_connection_register_object (bus, CONNECT_PATH, node->interfaces[0], &vtable, bare,
                                          NULL, &error)
      || !g_dbus_connection_register_object (bus, CONNECT_PATH, node->interfaces[1], &vtable, bare,
                                             NULL, &error)
      || !g_dbus_connection_register_object (bus, bare->domain_path, domain, &vtable, bare, NULL,
                                             &error))
    g_error ("bare service: %s", error->message);
  owner = g_bus_own_name_on_connection (bus, "org.libvirt", G_BUS_NAME_OWNER_FLAGS_NONE,
                                        name_acquired, NULL, bare, NULL);
  g_main_loop_run (bare->loop);
  g_bus_unown_name (owner);
  g_dbus_interface_info_unref (domain);
  g_dbus_connection_flush_sync (bus, NULL, NULL);
  g_main_context_pop_thread_default (bare->context);
  return NULL;
}

BenchBare *
bench_bare_start (const char *address, const char *domain_path, GVariant *domain_properties,
                  const char *domain_xml)
{
  BenchBare *bare = g_new0 (BenchBare, 1);

  bare->address = g_strdup (address);
  bare->domain_path = g_strdup (domain_path);
  bare->properties = g_variant_ref_sink (domain_properties);
  bare->xml = g_strdup (domain_xml);
  g_mutex_init (&bare->lock);
  g_mutex_init (&bare->ready_lock);
  g_cond_init (&bare->ready);
  bench_bare_set_domains (bare, 1);
  bare->context = g_main_context_new ();
  bare->loop = g_main_loop_new (bare->context, FALSE);
  bare->thread = g_thread_new ("bare-service", serve, bare);
  g_mutex_lock (&bare->ready_lock);
  while (!bare->owned)
    g_cond_wait (&bare->ready, &bare->ready_lock);
  g_mutex_unlock (&bare->ready_lock);
  return bare;
}

void
bench_bare_set_domains (BenchBare *bare, guint count)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  GVariant *list;

  /* Paths of the front end's length: /org/libvirt/Test/domain/_ + a UUID. */
  for (guint i = 0; i < count; i++)
    g_ptr_array_add (paths,
                     g_strdup_printf (CONNECT_PATH "/domain/_6695eb01_f6a4_8304_79aa_%012u", i));
  list = g_variant_ref_sink (
    g_variant_new ("(@ao)", g_variant_new_objv ((const char *const *) paths->pdata, paths->len)));
  g_mutex_lock (&bare->lock);
  g_clear_pointer (&bare->list, g_variant_unref);
  bare->list = list;
  g_mutex_unlock (&bare->lock);
}

void
bench_bare_set_managed_objects (BenchBare *bare, GVariant *reply)
{
  GVariant *held = g_variant_ref_sink (reply);

  /* Serialized now, as a front end's prebuilt reply would be. */
  g_variant_get_data (held);
  g_mutex_lock (&bare->lock);
  g_clear_pointer (&bare->managed, g_variant_unref);
  bare->managed = held;
  g_mutex_unlock (&bare->lock);
}

void
bench_bare_stop (BenchBare *bare)
{
  g_main_loop_quit (bare->loop);
  g_thread_join (bare->thread);
  g_main_loop_unref (bare->loop);
  g_main_context_unref (bare->context);
  g_clear_pointer (&bare->list, g_variant_unref);
  g_clear_pointer (&bare->managed, g_variant_unref);
  g_variant_unref (bare->properties);
  g_mutex_clear (&bare->lock);
  g_mutex_clear (&bare->ready_lock);
  g_cond_clear (&bare->ready);
  g_free (bare->xml);
  g_free (bare->domain_path);
  g_free (bare->address);
  g_free (bare);
}
