/* Lists virtbus's domains, or starts one, with libvirtbus
 * (docs/client-library.md):
 *
 *   list-domains              a table: name, state, vCPUs, memory
 *   list-domains NAME|UUID    starts that domain and waits until it runs
 *
 * It talks to the virtbusd at $VB_ADDRESS (`sudo ./dev.sh run` prints it),
 * else to the one on the system bus. Build it against an installed virtbus:
 *
 *   cc -o list-domains list-domains.c $(pkg-config --cflags --libs virtbus-1)
 *
 * (tests/test-client-install.c builds and runs it so.) */
#include <virtbus/virtbus.h>

static int
fail (const GError *error)
{
  /* The service's text, without GDBus's "GDBus.Error:org.virtbus...: ". */
  g_autofree char *message = virtbus_error_get_message (error);

  g_printerr ("list-domains: %s\n", message);
  return 1;
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  VirtbusDomain *x = *(VirtbusDomain *const *) a;
  VirtbusDomain *y = *(VirtbusDomain *const *) b;

  return g_strcmp0 (virtbus_domain_get_name (x), virtbus_domain_get_name (y));
}

/* Every domain is already in the client: one GetManagedObjects when it
 * connected, no call now. */
static int
list (VirtbusClient *client)
{
  GDBusObjectManager *manager = virtbus_client_get_object_manager (client);
  g_autolist (GDBusObject) objects = g_dbus_object_manager_get_objects (manager);
  g_autoptr (GPtrArray) domains = g_ptr_array_new ();

  for (GList *l = objects; l; l = l->next)
    {
      VirtbusDomain *domain = virtbus_object_peek_domain (VIRTBUS_OBJECT (l->data));

      if (domain)
        g_ptr_array_add (domains, domain);
    }
  g_ptr_array_sort (domains, by_name);
  g_print ("%-20s %-10s %5s %10s\n", "NAME", "STATE", "VCPUS", "MEMORY");
  for (guint i = 0; i < domains->len; i++)
    {
      VirtbusDomain *domain = domains->pdata[i];

      g_print ("%-20s %-10s %5u %6" G_GUINT64_FORMAT " MiB\n", virtbus_domain_get_name (domain),
               virtbus_domain_get_state (domain), virtbus_domain_get_vcpus (domain),
               virtbus_domain_get_memory_ki_b (domain) / 1024);
    }
  return 0;
}

static void
state_changed (GObject *domain, GParamSpec *pspec, gpointer loop)
{
  if (g_strcmp0 (virtbus_domain_get_state (VIRTBUS_DOMAIN (domain)), "running") == 0)
    g_main_loop_quit (loop);
}

static gboolean
give_up (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static int
start (VirtbusClient *client, const char *name_or_uuid)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusDomain) domain = virtbus_client_lookup_domain (client, name_or_uuid, &error);
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint timeout;

  if (!domain || !virtbus_domain_call_start_sync (domain, 0, NULL, &error))
    return fail (error);
  /* The proxy's State follows the service's PropertiesChanged, which the
   * main loop takes in. */
  g_signal_connect (domain, "notify::state", G_CALLBACK (state_changed), loop);
  timeout = g_timeout_add_seconds (30, give_up, loop);
  if (g_strcmp0 (virtbus_domain_get_state (domain), "running") != 0)
    g_main_loop_run (loop);
  g_source_remove (timeout);
  g_print ("%s: %s\n", virtbus_domain_get_name (domain), virtbus_domain_get_state (domain));
  return g_strcmp0 (virtbus_domain_get_state (domain), "running") == 0 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  const char *address = g_getenv ("VB_ADDRESS");
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusClient) client = NULL;

  if (argc > 2)
    {
      g_printerr ("usage: list-domains [NAME|UUID]\n");
      return 2;
    }
  client = address ? virtbus_client_new_for_address_sync (address, NULL, &error)
                   : virtbus_client_new_sync (NULL, &error);
  if (!client)
    return fail (error);
  return argc == 2 ? start (client, argv[1]) : list (client);
}
