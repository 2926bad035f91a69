/* virtbusd: loads the configuration, exports the objects, owns the bus name. */
#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authorized-dispatch.h"
#include "authz.h"
#include "autostart.h"
#include "documented-introspection.h"
#include "domain-api.h"
#include "drivers-ready.h"
#include "exit-summary.h"
#include "instance-lock.h"
#include "libvirt-front.h"
#include "manager-object.h"
#include "migration-target-object.h"
#include "missing-objects.h"
#include "network-api.h"
#include "network-driver.h"
#include "object-exporter.h"
#include "object-paths.h"
#include "snapshot-store.h"
#include "stdio-bridge.h"
#include "storage-api.h"
#include "storage-driver.h"
#include "qemu-driver.h"
#include "save-api.h"
#include "save-on-stop.h"
#include "test-driver.h"
#include "vb-config.h"
#include "vb-error.h"
#include "vb-log.h"
#include "virt1-replies.h"
#include "xml-schema.h"

typedef struct {
  gboolean system;
  gboolean session;
  char *address;
  char *state_dir;
  char *run_dir;
  char *cache_dir;
  char *network_driver;
  gboolean default_network;
  char *qemu_binary;
  char *qemu_user;
  char *qemu_binaries;
  char *spice_x509_dir;
  char *disk_x509_dir;
  gboolean verbose;
  gboolean version;
  gboolean stdio_bridge;
  int lock_timeout_ms;
  int job_linger_s;
  int unplug_timeout_s;
  gboolean save_on_stop;
  gboolean libvirt_dbus;
  gboolean no_libvirt_dbus;
} Options;

typedef struct {
  Options options;
  GMainLoop *loop;
  GDBusConnection *bus;
  VbConfigStore *store;
  VbInventory *inventory;
  VbDriverHost *host;
  VbAuthz *authz;
  VbBusContext context;
  VbObjectExporter *exporter;
  VbManagerObject *manager;
  VbMigrationTargetObject *migration_target;
  VbLibvirtFront *libvirt_front;
  int exit_code;
  int instance_lock; /* the state directory's, held until the process ends: see instance-lock.h */
  int run_lock;      /* the run directory's, likewise (-1 when it is the state directory) */
  gboolean stopping; /* --save-on-stop: saving the guests before the exit */
} Daemon;

static gboolean
parse_options (Options *options, int *argc, char ***argv, GError **error)
{
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &options->system,
      "Serve on the system bus (the default when run as root)", NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session,
      "Serve on the session bus (the default otherwise)", NULL },
    { "address", 0, 0, G_OPTION_ARG_STRING, &options->address,
      "Serve on the message bus at this D-Bus address", "ADDR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->state_dir,
      "Definitions, NVRAM, saves (default " VB_SYSTEM_STATE_DIR
      " with --system, else $XDG_CONFIG_HOME/virtbus)",
      "DIR" },
    { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->run_dir,
      "Runtime state (default " VB_SYSTEM_RUN_DIR " with --system, else $XDG_RUNTIME_DIR/virtbus)",
      "DIR" },
    { "cache-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->cache_dir,
      "Probed host capabilities (default " VB_SYSTEM_CACHE_DIR
      " with --system, else $XDG_CACHE_HOME/virtbus)",
      "DIR" },
    { "network-driver", 0, 0, G_OPTION_ARG_STRING, &options->network_driver,
      "The driver of virtual networks: bridge or test (default bridge with --system, else test)",
      "NAME" },
    { "default-network", 0, 0, G_OPTION_ARG_NONE, &options->default_network,
      "On first start, define and autostart a NAT network named 'default'", NULL },
    { "qemu-binary", 0, 0, G_OPTION_ARG_FILENAME, &options->qemu_binary,
      "QEMU to run when a domain names no <emulator> (default " VB_QEMU_BINARY ")", "PATH" },
    { "qemu-binaries", 0, 0, G_OPTION_ARG_STRING, &options->qemu_binaries,
      "Other QEMU binaries a domain's <emulator> may name, separated by ':' (default none)",
      "PATH:..." },
    { "spice-x509-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->spice_x509_dir,
      "SPICE TLS certificates (ca-cert.pem, server-cert.pem, server-key.pem) (default none: no "
      "SPICE TLS)",
      "DIR" },
    { "disk-x509-dir", 0, 0, G_OPTION_ARG_FILENAME, &options->disk_x509_dir,
      "TLS certificates QEMU uses as a client of network disks (ca-cert.pem, optionally "
      "client-cert.pem and client-key.pem) (default none: no disk TLS)",
      "DIR" },
    { "qemu-user", 0, 0, G_OPTION_ARG_STRING, &options->qemu_user,
      "User QEMU runs as in system mode (default " VB_QEMU_USER ")", "USER" },
    { "lock-timeout", 0, 0, G_OPTION_ARG_INT, &options->lock_timeout_ms,
      "How long a call waits for another on the same object before Busy (ms, default 30000)",
      "MS" },
    { "job-linger", 0, 0, G_OPTION_ARG_INT, &options->job_linger_s,
      "How long a finished Job stays visible (seconds, default 300)", "S" },
    { "unplug-timeout", 0, 0, G_OPTION_ARG_INT, &options->unplug_timeout_s,
      "How long DetachDevice waits for the guest to release a device (seconds, default 20)", "S" },
    { "save-on-stop", 0, 0, G_OPTION_ARG_NONE, &options->save_on_stop,
      "On SIGTERM/SIGINT, managed-save every running persistent guest before exiting, and "
      "restore them at the next start",
      NULL },
    { "libvirt-dbus", 0, 0, G_OPTION_ARG_NONE, &options->libvirt_dbus,
      "Also serve libvirt-dbus's API (bus name org.libvirt) when nothing else owns it (the "
      "default with --system)",
      NULL },
    { "no-libvirt-dbus", 0, 0, G_OPTION_ARG_NONE, &options->no_libvirt_dbus,
      "Do not serve libvirt-dbus's API", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose, "Log debug messages", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version, "Print the version", NULL },
    { "stdio-bridge", 0, 0, G_OPTION_ARG_NONE, &options->stdio_bridge,
      "Join stdin/stdout to the bus (--address, or the system bus), passing only calls "
      "to virtbus, and exit: what a migration source runs over ssh",
      NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- virtualization on D-Bus");

  options->lock_timeout_ms = 30000;
  options->job_linger_s = 300;
  options->unplug_timeout_s = 20;
  g_option_context_set_summary (context,
                                "Publishes virtual machines, networks and storage as D-Bus "
                                "objects under /org/virtbus/Virt1 (bus name org.virtbus.Virt1).");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (options->system + options->session + (options->address != NULL) > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--system, --session and --address exclude each other");
      return FALSE;
    }
  if (!options->session && !options->address)
    options->system = options->system || getuid () == 0;
  if (!options->system && !options->address)
    options->session = TRUE;
  if (options->libvirt_dbus && options->no_libvirt_dbus)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--libvirt-dbus and --no-libvirt-dbus exclude each other");
      return FALSE;
    }
  options->libvirt_dbus = !options->no_libvirt_dbus && (options->libvirt_dbus || options->system);
  /* System mode never runs QEMU as root: an empty user would mean just that. */
  if (options->system && options->qemu_user && !*options->qemu_user)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--qemu-user must name a user in system mode: QEMU never runs as root there");
      return FALSE;
    }
  if (options->lock_timeout_ms <= 0 || options->job_linger_s < 0
      || options->unplug_timeout_s <= 0 || options->unplug_timeout_s > 3600)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--lock-timeout must be positive, --job-linger not negative and "
                   "--unplug-timeout from 1 to 3600");
      return FALSE;
    }
  /* The system defaults are those tmpfiles.d creates and virtbusd.service
   * lets the service write (data/meson.build). */
  if (!options->state_dir)
    options->state_dir = options->system
                           ? g_strdup (VB_SYSTEM_STATE_DIR)
                           : g_build_filename (g_get_user_config_dir (), "virtbus", NULL);
  if (!options->run_dir)
    options->run_dir = options->system
                         ? g_strdup (VB_SYSTEM_RUN_DIR)
                         : g_build_filename (g_get_user_runtime_dir (), "virtbus", NULL);
  if (!options->cache_dir)
    options->cache_dir = options->system
                           ? g_strdup (VB_SYSTEM_CACHE_DIR)
                           : g_build_filename (g_get_user_cache_dir (), "virtbus", NULL);
  return TRUE;
}

static GDBusConnection *
connect_bus (Options *options, GError **error)
{
  if (options->address)
    return g_dbus_connection_new_for_address_sync (
      options->address,
      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
        | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
      NULL, NULL, error);
  return g_bus_get_sync (options->system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, error);
}

/* polkitd listens on the system bus: is that the bus we serve on? */
static gboolean
polkit_on_our_bus (Options *options)
{
  const char *system_address = g_getenv ("DBUS_SYSTEM_BUS_ADDRESS");

  if (options->system)
    return TRUE;
  return options->address && system_address && g_str_equal (options->address, system_address);
}

static gboolean
register_drivers (Daemon *daemon, GError **error)
{
  const char *network_driver =
    daemon->options.network_driver ?: (daemon->options.system ? "bridge" : "test");

  vb_driver_host_set_setting (daemon->host, "cache-dir", daemon->options.cache_dir);
  vb_driver_host_set_setting (daemon->host, "qemu-binary",
                              daemon->options.qemu_binary ?: VB_QEMU_BINARY);
  if (daemon->options.qemu_binaries)
    vb_driver_host_set_setting (daemon->host, "qemu-binaries", daemon->options.qemu_binaries);
  if (daemon->options.spice_x509_dir)
    vb_driver_host_set_setting (daemon->host, "spice-x509-dir", daemon->options.spice_x509_dir);
  if (daemon->options.disk_x509_dir)
    vb_driver_host_set_setting (daemon->host, "disk-x509-dir", daemon->options.disk_x509_dir);
  vb_driver_host_set_setting (daemon->host, "qemu-user",
                              daemon->options.qemu_user ?: VB_QEMU_USER);
  {
    g_autofree char *unplug = g_strdup_printf ("%d", daemon->options.unplug_timeout_s);
    vb_driver_host_set_setting (daemon->host, "unplug-timeout", unplug);
  }
  vb_driver_host_add_domain_driver (daemon->host, &vb_test_domain_driver);
  vb_driver_host_add_domain_driver (daemon->host, &vb_qemu_domain_driver);
  vb_driver_host_add_storage_driver (daemon->host, &vb_test_storage_driver);
  vb_driver_host_add_storage_driver (daemon->host, &vb_dir_storage_driver);
  if (g_str_equal (network_driver, "test"))
    vb_driver_host_set_network_driver (daemon->host, &vb_test_network_driver);
  else if (g_str_equal (network_driver, "bridge"))
    vb_driver_host_set_network_driver (daemon->host, &vb_bridge_network_driver);
  else
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Unknown network driver '%s'",
                   network_driver);
      return FALSE;
    }
  return TRUE;
}

/* ---- --default-network ---- */

#define DEFAULT_NETWORK_XML                                  \
  "<network>\n"                                              \
  "  <name>default</name>\n"                                 \
  "  <forward mode='nat'/>\n"                                \
  "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n" \
  "    <dhcp>\n"                                             \
  "      <range start='192.168.122.2' end='192.168.122.254'/>\n" \
  "    </dhcp>\n"                                            \
  "  </ip>\n"                                                \
  "</network>\n"

/* The marker that the default network was made once: a user who undefines
 * it does not get it back at the next start. */
static char *
default_network_marker (Daemon *daemon)
{
  return g_build_filename (daemon->options.state_dir, "default-network-defined", NULL);
}

static void
default_network_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!vb_network_api_finish (result, &error))
    vb_log_warning ("default", "autostart failed: %s", error->message);
}

static void
default_network_autostart_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  VbNetwork *network = vb_network_api_lookup_by_name (daemon->host, "default", NULL);

  if (!vb_network_api_finish (result, &error))
    vb_log_warning ("default", "cannot mark it autostart: %s", error->message);
  if (network && !vb_network_get_active (network))
    vb_network_api_op_async (daemon->host, network, VB_NETWORK_OP_START, 0,
                             default_network_started, NULL);
}

static void
default_network_defined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbNetwork) network = vb_network_api_new_finish (result, &error);
  g_autofree char *marker = default_network_marker (daemon);

  if (!network)
    {
      vb_log_warning ("default", "cannot define the default network: %s", error->message);
      return;
    }
  vb_log_message ("default", "defined the default network");
  g_file_set_contents (marker, "", 0, NULL);
  vb_network_api_set_autostart_async (daemon->host, network, TRUE,
                                      default_network_autostart_set, daemon);
}

static void
define_default_network (Daemon *daemon)
{
  g_autofree char *marker = default_network_marker (daemon);
  VbNetwork *existing;

  if (!daemon->options.default_network || g_file_test (marker, G_FILE_TEST_EXISTS))
    return;
  existing = vb_network_api_lookup_by_name (daemon->host, "default", NULL);
  if (existing)
    return;
  vb_network_api_define_async (daemon->host, DEFAULT_NETWORK_XML, 0, default_network_defined,
                               daemon);
}

/* org.libvirt appears only now: clients of libvirt-dbus give the name a
 * second to appear and expect the autostarted objects running by then. */
static void
drivers_ready_for_libvirt (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_domain_drivers_ready_finish (result);
  vb_libvirt_front_own_name (daemon->libvirt_front);
}

static void
autostart_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_autostart_all_finish (result);
  if (daemon->libvirt_front)
    vb_domain_drivers_ready_async (daemon->host, drivers_ready_for_libvirt, daemon);
}

static void
name_acquired (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_log_message (NULL, "Serving %s (state %s, run %s)", name, daemon->options.state_dir,
                  daemon->options.run_dir);
  vb_autostart_all_async (daemon->host, autostart_done, daemon);
  define_default_network (daemon);
  /* --save-on-stop of the last run: the guests continue where they were. */
  vb_save_on_stop_restore (daemon->host);
}

static void
name_lost (GDBusConnection *connection, const char *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_log_warning (NULL, "Lost or could not own the name %s (another virtbusd runs?)", name);
  daemon->exit_code = 1;
  g_main_loop_quit (daemon->loop);
}

static void
all_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_save_on_stop_save_all_finish (result);
  vb_log_message (NULL, "Guests saved: stopping");
  g_main_loop_quit (daemon->loop);
}

static gboolean
on_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->options.save_on_stop && daemon->host && !daemon->stopping)
    {
      /* The guests' state goes to disk first; a second signal does not wait. */
      daemon->stopping = TRUE;
      vb_log_message (NULL, "Stopping: saving the running guests first");
      vb_save_on_stop_save_all_async (daemon->host, all_saved, daemon);
      return G_SOURCE_CONTINUE;
    }
  vb_log_message (NULL, "Stopping");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

static void
bus_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
            gpointer user_data)
{
  Daemon *daemon = user_data;

  vb_log_warning (NULL, "The bus connection closed: %s", error ? error->message : "no reason");
  daemon->exit_code = 1;
  g_main_loop_quit (daemon->loop);
}

static gboolean
same_directory (const char *a, const char *b)
{
  struct stat sa, sb;

  return stat (a, &sa) == 0 && stat (b, &sb) == 0 && sa.st_dev == sb.st_dev
         && sa.st_ino == sb.st_ino;
}

static gboolean
start (Daemon *daemon, GError **error)
{
  Options *options = &daemon->options;

  /* First: a second instance touches nothing, not even the run directory.
   * The run directory is locked as well: its status files are what a start
   * cleans up and takes over, so two services sharing one would claim and
   * signal each other's guests. */
  daemon->instance_lock = vb_instance_lock_take (options->state_dir, VB_INSTANCE_STATE_DIR, error);
  if (daemon->instance_lock < 0)
    return FALSE;
  daemon->run_lock = -1;
  if (!same_directory (options->state_dir, options->run_dir))
    {
      daemon->run_lock = vb_instance_lock_take (options->run_dir, VB_INSTANCE_RUN_DIR, error);
      if (daemon->run_lock < 0)
        return FALSE;
    }
  daemon->bus = connect_bus (options, error);
  if (!daemon->bus)
    return FALSE;
  g_dbus_connection_set_exit_on_close (daemon->bus, FALSE);
  g_signal_connect (daemon->bus, "closed", G_CALLBACK (bus_closed), daemon);
  if (g_mkdir_with_parents (options->run_dir, 0700) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s", options->run_dir);
      return FALSE;
    }
  /* Status files are written there atomically too; none is in flight yet. */
  vb_config_store_remove_temporaries (options->run_dir);
  daemon->store = vb_config_store_new (options->state_dir, error);
  if (!daemon->store)
    return FALSE;
  vb_object_lock_set_default_timeout ((guint) options->lock_timeout_ms);
  daemon->inventory = vb_inventory_new ();
  vb_inventory_set_job_linger (daemon->inventory, (guint) options->job_linger_s);
  daemon->host =
    vb_driver_host_new (daemon->inventory, daemon->store, options->run_dir, options->system);
  if (!register_drivers (daemon, error))
    return FALSE;

  daemon->authz = vb_authz_new (daemon->bus, options->system ? VB_AUTHZ_SYSTEM : VB_AUTHZ_PER_USER,
                                polkit_on_our_bus (options));
  vb_dispatch_set_authz (daemon->authz);

  /* Everything is loaded and exported before the connection is set, so
   * start-up sends no InterfacesAdded storm and the name appears complete. */
  vb_secret_store_load (vb_driver_host_get_secrets (daemon->host));
  vb_network_api_load (daemon->host);
  vb_pool_api_load (daemon->host);
  vb_save_api_load_key (daemon->host);
  vb_domain_api_load (daemon->host);
  vb_snapshot_store_load (daemon->host);
  daemon->context.host = daemon->host;
  daemon->context.objects = vb_object_table_new ();
  daemon->exporter = vb_object_exporter_new (&daemon->context);
  /* One filter for both front ends: a caller's calls stay in order across them. */
  daemon->context.replies = vb_virt1_replies_new (daemon->bus, daemon->context.objects);
  daemon->manager = vb_manager_object_new (&daemon->context);
  daemon->migration_target = vb_migration_target_object_new (&daemon->context);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (daemon->manager),
                                         daemon->bus, VB_MANAGER_PATH, error)
      || !g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (daemon->migration_target),
                                            daemon->bus, VB_MANAGER_PATH, error))
    return FALSE;
  if (!vb_object_table_set_connection (daemon->context.objects, daemon->bus, error)
      || !vb_missing_objects_register (daemon->bus, daemon->context.objects, error))
    return FALSE;
  vb_documented_introspection_install (daemon->bus);
  if (options->libvirt_dbus)
    {
      daemon->libvirt_front =
        vb_libvirt_front_new (daemon->bus, daemon->host, daemon->context.replies, error);
      if (!daemon->libvirt_front)
        return FALSE;
    }
  g_bus_own_name_on_connection (daemon->bus, VB_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                name_acquired, name_lost, daemon, NULL);
  return TRUE;
}

/* Start-up's threads. start() runs on the main thread, before the main loop,
 * and is the only code that reads the state directory and parses stored
 * definitions (networks, pools, domains, snapshots, in that order); it
 * reads and parses the files of a kind on helpers too (vb_parallel_for():
 * config-store.c, stored-parse.c), each on files of its own, all ended
 * before the definitions reach the inventory; the exporter makes the loaded
 * domains' objects the same way (object-exporter.c). Beside it, by the time
 * the definitions load:
 *
 * - GDBus's worker thread ("gdbus"), from connect_bus(): reads and writes the
 *   bus socket. No filter of ours is installed yet, and no object is
 *   exported until everything is loaded.
 * - the QEMU driver's capability lookup (qemu-caps.c lookup_in_thread, in
 *   GTask's pool), started by the driver's init() in register_drivers():
 *   resolves the binary (PATH, realpath, stat), reads its cache file with
 *   json-glib and logs. It owns its request; it touches no definition, no
 *   libxml2, no locale or environment setting. The probe proper (QEMU, QMP,
 *   the KVM probe) starts from its callback, on the main loop, after start().
 * - the config store's writer (config-store.c), once something is queued:
 *   only the files it was given.
 *
 * So nothing of the loader's is shared: what they do share is libxml2's and
 * GLib's process-wide state, which is why main() initialises it before any
 * thread exists. The one bite it had (issue 3b): the first
 * g_ascii_strtoull() of a process creates GLib's C locale under g_once; a
 * contended g_once mutex (the probe thread registering json-glib's types)
 * could leave errno = EAGAIN, which g_ascii_string_to_unsigned() read as "not
 * a number", refusing a valid stored <memory>. The definitions' parsers no
 * longer read errno (vb_xml_parse_unsigned()), and main() makes the locale
 * first. Later, Define parses in GTask threads too (resource-api.c); the
 * parsers keep no state of their own outside the parse. */
static void
init_before_threads (void)
{
  /* libxml2 2.9 wants xmlInitParser() before a second thread uses it. */
  vb_xml_init ();
  /* Creates GLib's C locale now, while no other thread can hold its g_once
   * mutex (see above); the value is unused. */
  (void) g_ascii_strtoull ("0", NULL, 10);
}

int
main (int argc, char **argv)
{
  Daemon daemon = { 0 };
  g_autoptr (GError) error = NULL;

  init_before_threads ();
  setlocale (LC_ALL, "");
  if (!parse_options (&daemon.options, &argc, &argv, &error))
    {
      g_printerr ("virtbusd: %s\n", error->message);
      return 2;
    }
  if (daemon.options.stdio_bridge)
    return vb_stdio_bridge_run (daemon.options.address);
  if (daemon.options.version)
    {
      g_print ("virtbusd %s\n", VB_VERSION);
      return 0;
    }
  vb_log_setup (daemon.options.verbose);
  (void) vb_error_quark ();

  daemon.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal, &daemon);
  g_unix_signal_add (SIGTERM, on_signal, &daemon);
  if (!start (&daemon, &error))
    {
      vb_log_warning (NULL, "Cannot start: %s", error->message);
      return 1;
    }
  g_main_loop_run (daemon.loop);

  /* Guests and networks outlive the service: say which, for whoever stopped it. */
  vb_exit_summary_log (daemon.host);
  /* Queued configuration writes reach the disk before we go, and the
   * journal is emptied into the files: the next start reads no record.
   * Nothing runs any more that could use the store. */
  g_clear_pointer (&daemon.store, vb_config_store_free);
  return daemon.exit_code;
}
