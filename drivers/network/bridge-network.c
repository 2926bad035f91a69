/* Starting, stopping, adopting and updating bridge networks. Each active
 * network has a NetState; its runtime files live in <run>/network/<name>/. */
#include "network-driver.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dnsmasq.h"
#include "net-command.h"
#include "net-config.h"
#include "net-update.h"
#include "nft-rules.h"
#include "vb-error.h"
#include "vb-files.h"
#include "vb-log.h"
#include "xml-schema.h"

typedef struct {
  VbDriverHost *host;
  char *uuid;
  char *name;
  char *dir;
  char *table; /* NULL when the mode needs no firewall */
  VbNetConfig *config;
  VbDnsmasq *dnsmasq;
  char *live_xml;
} NetState;

/* uuid → NetState, for every network that runs or is being started. */
static GHashTable *states;

static void
net_state_free (NetState *state)
{
  vb_dnsmasq_free (state->dnsmasq);
  vb_net_config_free (state->config);
  g_free (state->uuid);
  g_free (state->name);
  g_free (state->dir);
  g_free (state->table);
  g_free (state->live_xml);
  g_free (state);
}

static GHashTable *
all_states (void)
{
  if (!states)
    states = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                    (GDestroyNotify) net_state_free);
  return states;
}

static char *
network_dir (VbDriverHost *host, const char *name)
{
  return g_build_filename (vb_driver_host_get_run_dir (host), "network", name, NULL);
}

static char *
status_path (const char *dir)
{
  return g_build_filename (dir, "status.json", NULL);
}

/* ---- status file ---- */

static char *
status_json (NetState *state)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "uuid");
  json_builder_add_string_value (b, state->uuid);
  json_builder_set_member_name (b, "bridge");
  json_builder_add_string_value (b, state->config->bridge);
  if (state->table)
    {
      json_builder_set_member_name (b, "table");
      json_builder_add_string_value (b, state->table);
    }
  json_builder_set_member_name (b, "dnsmasq-pid");
  json_builder_add_int_value (b, state->dnsmasq ? vb_dnsmasq_get_pid (state->dnsmasq) : 0);
  json_builder_set_member_name (b, "xml");
  json_builder_add_string_value (b, state->live_xml);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

static void
status_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = user_data;

  if (!vb_config_store_finish (NULL, result, &error))
    vb_log_warning (name, "cannot write the network's status: %s", error->message);
}

static void
write_status (NetState *state)
{
  g_autofree char *path = status_path (state->dir);
  g_autofree char *json = status_json (state);

  vb_config_store_write_file_async (vb_driver_host_get_store (state->host), path, json,
                                    status_written, g_strdup (state->name));
}

static void
dnsmasq_restarted (VbDnsmasq *dnsmasq, gpointer user_data)
{
  write_status (user_data);
}

/* ---- teardown, shared by stop and by a start that fails ---- */

typedef struct {
  NetState *state; /* owned until the teardown ends */
  gboolean made_bridge;
  GTask *done;      /* answered once everything is gone (Stop); may be NULL */
} Teardown;

static void
teardown_finish (Teardown *teardown)
{
  NetState *state = teardown->state;
  const char *nft_argv[] = { "nft", "delete", "table", "inet", state->table, NULL };
  const char *ip_argv[] = { "ip", "link", "del", "dev", state->config->bridge, NULL };

  /* Failures here mean the thing is gone already: what is left is logged. */
  if (state->table)
    vb_net_run_quietly (nft_argv, NULL);
  if (teardown->made_bridge && state->config->bridge)
    vb_net_run_quietly (ip_argv, NULL);
  vb_remove_flat_dir (state->dir);
  net_state_free (state);
  if (teardown->done)
    {
      g_task_return_boolean (teardown->done, TRUE);
      g_object_unref (teardown->done);
    }
  g_free (teardown);
}

static void
dnsmasq_stopped (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Teardown *teardown = user_data;

  vb_dnsmasq_stop_finish (teardown->state->dnsmasq, result);
  teardown_finish (teardown);
}

/* Removes what @state made, in reverse order, and frees it; then answers
 * @done (taken) if there is one. */
static void
teardown (NetState *state, gboolean made_bridge, GTask *done)
{
  Teardown *t = g_new0 (Teardown, 1);

  t->state = state;
  t->made_bridge = made_bridge;
  t->done = done;
  if (state->dnsmasq)
    vb_dnsmasq_stop_async (state->dnsmasq, dnsmasq_stopped, t);
  else
    teardown_finish (t);
}

/* ---- start ---- */

typedef enum {
  STEP_PROBE,
  STEP_BRIDGE,
  STEP_ADDRESSES,
  STEP_UP,
  STEP_FIREWALL,
  STEP_FORWARDING,
  STEP_DNSMASQ_FILES,
  STEP_DNSMASQ,
  STEP_DONE,
} StartStep;

typedef struct {
  VbDriverHost *host;
  VbNetwork *network;
  NetState *state; /* in states once the probe passed */
  VbNetworkDef *live;
  StartStep step;
  guint address_index;
  gboolean made_bridge;
  guint pending_writes;
  GError *write_error;
} StartData;

static void start_step (GTask *task);

static void
start_data_free (StartData *data)
{
  g_clear_object (&data->network);
  if (data->live)
    vb_network_def_free (data->live);
  g_clear_error (&data->write_error);
  g_free (data);
}

static void
start_fail (GTask *task, GError *error)
{
  StartData *data = g_task_get_task_data (task);

  vb_log_warning (data->state->name, "start failed: %s", error->message);
  g_hash_table_steal (all_states (), data->state->uuid);
  teardown (g_steal_pointer (&data->state), data->made_bridge, NULL);
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
step_ran (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  g_autofree char *out = vb_net_run_finish (result, &error);

  if (error)
    start_fail (task, error);
  else
    start_step (task);
}

/* The first free virbrN, skipping interfaces and other networks' bridges. */
static char *
allocate_bridge (GHashTable *names)
{
  for (guint n = 0;; n++)
    {
      g_autofree char *name = g_strdup_printf ("virbr%u", n);
      GHashTableIter iter;
      NetState *other;
      gboolean taken = g_hash_table_contains (names, name);

      g_hash_table_iter_init (&iter, all_states ());
      while (!taken && g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
        taken = g_strcmp0 (other->config->bridge, name) == 0;
      if (!taken)
        return g_steal_pointer (&name);
    }
}

static gboolean
bridge_taken_by_network (const char *bridge, const char *except_uuid)
{
  GHashTableIter iter;
  NetState *other;

  g_hash_table_iter_init (&iter, all_states ());
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &other))
    if (!g_str_equal (other->uuid, except_uuid) && g_strcmp0 (other->config->bridge, bridge) == 0)
      return TRUE;
  return FALSE;
}

static void
probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  NetState *state = data->state;
  GError *error = NULL;
  g_autofree char *json = vb_net_run_finish (result, &error);
  g_autoptr (GHashTable) names = NULL;

  /* Nothing is made yet: a refusal leaves nothing to undo but the state. */
  if (json && state->config->bridge && bridge_taken_by_network (state->config->bridge, state->uuid))
    g_set_error (&error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "Cannot start network '%s': bridge '%s' belongs to another active network",
                 state->name, state->config->bridge);
  if (json && !error && !state->config->bridge)
    {
      g_autofree char *bridge = NULL;

      names = vb_net_interface_names (json);
      bridge = allocate_bridge (names);
      vb_network_def_set_bridge (data->live, bridge);
      state->config->bridge = g_steal_pointer (&bridge);
    }
  if (json && !error)
    vb_net_config_check_clash (state->config, json, &error);
  if (error)
    {
      start_fail (task, error);
      return;
    }
  state->live_xml = g_strdup (data->live->xml);
  if (g_mkdir_with_parents (state->dir, 0700) < 0)
    {
      int saved = errno;
      start_fail (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s",
                                     state->dir, g_strerror (saved)));
      return;
    }
  start_step (task);
}

static void
file_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_config_store_finish (NULL, result, &error) && !data->write_error)
    data->write_error = error;
  else
    g_clear_error (&error);
  if (--data->pending_writes > 0)
    return;
  if (data->write_error)
    start_fail (task, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                   "Cannot write the dnsmasq configuration: %s",
                                   data->write_error->message));
  else
    start_step (task);
}

static void
dnsmasq_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_dnsmasq_start_finish (data->state->dnsmasq, result, &error))
    start_fail (task, error);
  else
    start_step (task);
}

static gboolean
write_sysctl (const char *path, GError **error)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  int saved;

  if (fd >= 0 && write (fd, "1\n", 2) == 2)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot enable forwarding (%s): %s", path,
               g_strerror (saved));
  return FALSE;
}

static gboolean
enable_forwarding (const VbNetConfig *config, GError **error)
{
  gboolean v4 = FALSE, v6 = FALSE;

  for (guint i = 0; i < config->ips->len; i++)
    {
      const VbNetIp *ip = config->ips->pdata[i];

      v4 |= ip->family == G_SOCKET_FAMILY_IPV4;
      v6 |= ip->family == G_SOCKET_FAMILY_IPV6;
    }
  /* procfs writes do not wait on a disk. */
  if (v4 && !write_sysctl ("/proc/sys/net/ipv4/ip_forward", error))
    return FALSE;
  if (v6 && !write_sysctl ("/proc/sys/net/ipv6/conf/all/forwarding", error))
    return FALSE;
  return TRUE;
}

static void
start_step (GTask *task)
{
  StartData *data = g_task_get_task_data (task);
  NetState *state = data->state;
  const char *bridge = state->config->bridge;
  StartStep step = data->step++;

  switch (step)
    {
    case STEP_PROBE:
      {
        const char *argv[] = { "ip", "-j", "addr", NULL };
        vb_net_run_async (argv, NULL, NULL, probed, task);
        return;
      }
    case STEP_BRIDGE:
      {
        const char *argv[] = { "ip", "link", "add", "name", bridge, "type", "bridge", NULL };
        data->made_bridge = TRUE;
        vb_net_run_async (argv, NULL, NULL, step_ran, task);
        return;
      }
    case STEP_ADDRESSES:
      if (data->address_index < state->config->ips->len)
        {
          VbNetIp *ip = state->config->ips->pdata[data->address_index++];
          g_autofree char *cidr = g_strdup_printf ("%s/%u", ip->address, ip->prefix);
          gboolean v6 = ip->family == G_SOCKET_FAMILY_IPV6;
          const char *argv[] = { "ip", "addr", "add", cidr, "dev", bridge, v6 ? "nodad" : NULL,
                                 NULL };

          data->step = STEP_ADDRESSES;
          vb_net_run_async (argv, NULL, NULL, step_ran, task);
          return;
        }
      start_step (task);
      return;
    case STEP_UP:
      {
        const char *argv[] = { "ip", "link", "set", "dev", bridge, "up", NULL };
        vb_net_run_async (argv, NULL, NULL, step_ran, task);
        return;
      }
    case STEP_FIREWALL:
      {
        g_autofree char *table = vb_nft_table_name (state->config);
        GError *error = NULL;
        g_autofree char *rules = vb_nft_ruleset (state->config, table, &error);
        const char *argv[] = { "nft", "-f", "-", NULL };

        if (error)
          {
            start_fail (task, error);
            return;
          }
        if (!rules)
          {
            start_step (task);
            return;
          }
        state->table = g_steal_pointer (&table);
        vb_net_run_async (argv, rules, NULL, step_ran, task);
        return;
      }
    case STEP_FORWARDING:
      {
        GError *error = NULL;
        const char *mode = state->config->forward_mode;

        if ((g_strcmp0 (mode, "nat") == 0 || g_strcmp0 (mode, "route") == 0)
            && !enable_forwarding (state->config, &error))
          {
            start_fail (task, error);
            return;
          }
        start_step (task);
        return;
      }
    case STEP_DNSMASQ_FILES:
      {
        VbConfigStore *store = vb_driver_host_get_store (data->host);
        g_autofree char *conf_path = vb_dnsmasq_conf_path (state->dir);
        g_autofree char *hosts_path = vb_dnsmasq_hosts_path (state->dir);
        GError *error = NULL;
        g_autofree char *conf = NULL;
        g_autofree char *hosts = NULL;

        if (!state->config->ips->len)
          {
            data->step = STEP_DONE;
            start_step (task);
            return;
          }
        conf = vb_dnsmasq_config_text (state->config, state->dir, &error);
        hosts = conf ? vb_dnsmasq_hosts_text (state->config, &error) : NULL;
        if (!hosts)
          {
            start_fail (task, error);
            return;
          }
        data->pending_writes = 2;
        vb_config_store_write_file_async (store, conf_path, conf, file_written, task);
        vb_config_store_write_file_async (store, hosts_path, hosts, file_written, task);
        return;
      }
    case STEP_DNSMASQ:
      state->dnsmasq = vb_dnsmasq_new (state->name, state->dir, dnsmasq_restarted, state);
      vb_dnsmasq_start_async (state->dnsmasq, dnsmasq_started, task);
      return;
    case STEP_DONE:
      write_status (state);
      vb_network_set_live_def (data->network, g_steal_pointer (&data->live));
      vb_network_set_active (data->network, TRUE);
      vb_log_message (state->name, "started on bridge %s", bridge);
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
}

static void
start_network (VbDriverHost *host, VbNetwork *network, GTask *task)
{
  StartData *data = g_new0 (StartData, 1);
  GError *error = NULL;
  NetState *state;
  VbNetConfig *config;

  data->host = host;
  data->network = g_object_ref (network);
  data->live = vb_network_def_copy (vb_network_get_def (network));
  g_task_set_task_data (task, data, (GDestroyNotify) start_data_free);
  config = vb_net_config_new (data->live, &error);
  if (!config)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  state = g_new0 (NetState, 1);
  state->host = host;
  state->uuid = g_strdup (data->live->uuid);
  state->name = g_strdup (data->live->name);
  state->dir = network_dir (host, state->name);
  state->config = config;
  data->state = state;
  g_hash_table_replace (all_states (), state->uuid, state);
  start_step (task);
}

/* ---- stop ---- */

/* The names of running domains with an interface on network @name. */
static char *
domains_using (VbDriverHost *host, const char *name)
{
  g_autoptr (GPtrArray) domains =
    vb_inventory_list (vb_driver_host_get_inventory (host), VB_TYPE_DOMAIN);
  g_autoptr (GString) found = g_string_new (NULL);

  for (guint i = 0; i < domains->len; i++)
    {
      VbDomain *domain = domains->pdata[i];
      const VbDomainDef *live = vb_domain_get_live_def (domain);
      g_autoptr (xmlDoc) doc = NULL;
      xmlNode *devices;
      gboolean uses = FALSE;

      if (vb_domain_get_state (domain) == VB_DOMAIN_SHUTOFF || !live)
        continue;
      doc = vb_xml_parse (live->xml, "domain", NULL);
      devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
      for (xmlNode *iface = vb_xml_child (devices, "interface"); iface && !uses;
           iface = vb_xml_next (iface, "interface"))
        {
          g_autofree char *type = vb_xml_attr (iface, "type");
          xmlNode *source = vb_xml_child (iface, "source");
          g_autofree char *network = source ? vb_xml_attr (source, "network") : NULL;

          uses = g_strcmp0 (type, "network") == 0 && g_strcmp0 (network, name) == 0;
        }
      if (uses)
        g_string_append_printf (found, "%s'%s'", found->len ? ", " : "", live->name);
    }
  return found->len ? g_strdup (found->str) : NULL;
}

static void
stop_network (VbDriverHost *host, VbNetwork *network, GTask *task)
{
  const char *uuid = vb_resource_get_uuid (VB_RESOURCE (network));
  const char *name = vb_resource_get_name (VB_RESOURCE (network));
  g_autofree char *users = domains_using (host, name);
  NetState *state;

  if (users)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Network '%s' is in use by running domains: %s; stop them or "
                               "detach their interfaces first",
                               name, users);
      g_object_unref (task);
      return;
    }
  state = g_hash_table_lookup (all_states (), uuid);
  vb_network_set_active (network, FALSE);
  vb_network_set_live_def (network, NULL);
  vb_log_message (name, "stopped");
  if (state)
    {
      /* The answer waits for the bridge, table and files to be gone: a
       * restart right after it must not find a half-stopped network. */
      g_hash_table_steal (all_states (), uuid);
      teardown (state, TRUE, task);
      return;
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
op_async (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (network, cancellable, callback, user_data);

  if (op == VB_NETWORK_OP_START)
    start_network (host, network, task);
  else
    stop_network (host, network, task);
}

static gboolean
op_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean
validate (VbDriverHost *host, const VbNetworkDef *def, GError **error)
{
  if (g_strcmp0 (def->forward_mode, "bridge") == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<forward mode='bridge'> is not supported by the bridge network driver: "
                   "use <interface type='bridge'> in the domain");
      return FALSE;
    }
  return TRUE;
}

/* ---- after a service restart ---- */

typedef struct {
  char *uuid;
  char *bridge;
  char *table;
  char *xml;
} Status;

static void
status_clear (Status *status)
{
  g_free (status->uuid);
  g_free (status->bridge);
  g_free (status->table);
  g_free (status->xml);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Status, status_clear)

static gboolean
read_status (const char *dir, Status *status)
{
  g_autofree char *path = status_path (dir);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *problem = NULL;
  JsonObject *o;

  if (!json_parser_load_from_file (parser, path, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  o = json_node_get_object (json_parser_get_root (parser));
  status->uuid = g_strdup (json_object_get_string_member_with_default (o, "uuid", NULL));
  status->bridge = g_strdup (json_object_get_string_member_with_default (o, "bridge", NULL));
  status->table = g_strdup (json_object_get_string_member_with_default (o, "table", NULL));
  status->xml = g_strdup (json_object_get_string_member_with_default (o, "xml", NULL));
  if (!status->uuid || !status->bridge || !status->xml)
    return FALSE;
  /* The bridge goes into a /sys path and `ip` argv: only a name we could
   * have made (one written before names were checked is left alone). */
  problem = vb_network_ifname_problem (status->bridge);
  if (problem)
    {
      g_autofree char *quoted = vb_xml_quote (status->bridge);

      vb_log_warning (NULL, "%s names the bridge %s, which is not a usable interface name: %s",
                      path, quoted, problem);
    }
  return problem == NULL;
}

static void
restarted_dnsmasq (GObject *source, GAsyncResult *result, gpointer user_data)
{
  NetState *state = user_data;
  g_autoptr (GError) error = NULL;

  /* The state may be gone: a stop came first. Look it up again. */
  if (!g_hash_table_lookup (all_states (), state->uuid))
    return;
  if (!vb_dnsmasq_start_finish (state->dnsmasq, result, &error))
    vb_log_warning (state->name, "dnsmasq did not start again: %s", error->message);
  else
    write_status (state);
}

/* Takes the network in @dir back when its bridge still exists; else removes
 * what is left of it. Returns the live definition when adopted. */
static VbNetworkDef *
adopt (VbDriverHost *host, const char *dir, Status *status)
{
  g_autofree char *sys = g_build_filename ("/sys/class/net", status->bridge, NULL);
  g_autoptr (VbNetworkDef) live = vb_network_def_parse (status->xml, NULL);
  g_autoptr (GError) error = NULL;
  NetState *state = g_new0 (NetState, 1);

  state->host = host;
  state->dir = g_strdup (dir);
  state->table = g_strdup (status->table);
  state->live_xml = g_strdup (status->xml);
  state->config = live ? vb_net_config_new (live, NULL) : NULL;
  if (!state->config)
    {
      VbNetworkDef bare = { .name = (char *) "?", .uuid = status->uuid, .bridge = status->bridge,
                            .xml = (char *) "<network><name>?</name></network>" };
      state->config = vb_net_config_new (&bare, NULL);
    }
  state->uuid = g_strdup (status->uuid);
  state->name = g_strdup (live ? live->name : status->uuid);
  state->dnsmasq = vb_dnsmasq_new (state->name, dir, dnsmasq_restarted, state);
  if (!live || !g_file_test (sys, G_FILE_TEST_EXISTS))
    {
      vb_log_warning (state->name, "its bridge %s is gone: cleaning up", status->bridge);
      teardown (state, FALSE, NULL);
      return NULL;
    }
  g_hash_table_replace (all_states (), state->uuid, state);
  if (state->config->ips->len && !vb_dnsmasq_adopt (state->dnsmasq))
    {
      vb_log_warning (state->name, "its dnsmasq is gone: starting it again");
      vb_dnsmasq_start_async (state->dnsmasq, restarted_dnsmasq, state);
    }
  vb_log_message (state->name, "adopted the running network on bridge %s", status->bridge);
  return g_steal_pointer (&live);
}

static void
network_loaded (VbDriverHost *host, VbNetwork *network)
{
  g_autofree char *dir = network_dir (host, vb_resource_get_name (VB_RESOURCE (network)));
  g_auto (Status) status = { 0 };
  VbNetworkDef *live;

  if (!read_status (dir, &status))
    return;
  if (!g_str_equal (status.uuid, vb_resource_get_uuid (VB_RESOURCE (network))))
    return;
  live = adopt (host, dir, &status);
  if (!live)
    return;
  vb_network_set_live_def (network, live);
  vb_network_set_active (network, TRUE);
}

static GPtrArray *
adopt_running (VbDriverHost *host)
{
  g_autofree char *top = g_build_filename (vb_driver_host_get_run_dir (host), "network", NULL);
  g_autoptr (GDir) listing = g_dir_open (top, 0, NULL);
  GPtrArray *found = g_ptr_array_new ();
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *dir = g_build_filename (top, entry, NULL);
      g_auto (Status) status = { 0 };
      VbNetworkDef *live;
      VbNetwork *network;

      if (!read_status (dir, &status) || g_hash_table_contains (all_states (), status.uuid))
        continue;
      if (vb_inventory_lookup_uuid (inventory, VB_TYPE_NETWORK, status.uuid))
        continue;
      live = adopt (host, dir, &status);
      if (!live)
        continue;
      network = vb_network_new (vb_network_def_copy (live), "bridge", FALSE);
      vb_network_set_live_def (network, live);
      vb_network_set_active (network, TRUE);
      g_ptr_array_add (found, network);
    }
  return found;
}

/* ---- DHCP leases ---- */

static void
leases_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbNetwork *network = g_task_get_source_object (task);
  NetState *state =
    g_hash_table_lookup (all_states (), vb_resource_get_uuid (VB_RESOURCE (network)));
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (!g_file_load_contents_finish (G_FILE (source), result, &text, NULL, NULL, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "Cannot read the leases: %s",
                               error->message);
      return;
    }
  if (!state)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The network stopped");
      return;
    }
  g_task_return_pointer (task, g_variant_ref_sink (vb_dnsmasq_parse_leases (text, state->config)),
                         (GDestroyNotify) g_variant_unref);
}

static void
get_dhcp_leases_async (VbDriverHost *host, VbNetwork *network, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (network, cancellable, callback, user_data);
  NetState *state =
    g_hash_table_lookup (all_states (), vb_resource_get_uuid (VB_RESOURCE (network)));
  g_autofree char *path = NULL;
  g_autoptr (GFile) file = NULL;

  if (!state)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Network '%s' is not active",
                               vb_resource_get_name (VB_RESOURCE (network)));
      g_object_unref (task);
      return;
    }
  path = vb_dnsmasq_leases_path (state->dir);
  file = g_file_new_for_path (path);
  g_file_load_contents_async (file, cancellable, leases_loaded, task);
}

static GVariant *
get_dhcp_leases_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- Update ---- */

/* Network.Update flags, as network-api.h (not included: drivers see driver.h). */
#define UPDATE_LIVE (1u << 0)
#define UPDATE_CONFIG (1u << 1)

typedef struct {
  VbNetwork *network;
  VbNetworkDef *config_def; /* to store and set, NULL when CONFIG is not affected */
  VbNetworkDef *live_def;   /* to run, NULL when LIVE is not affected */
  guint pending;
  GError *error;
} UpdateData;

static void
update_data_free (UpdateData *data)
{
  g_clear_object (&data->network);
  if (data->config_def)
    vb_network_def_free (data->config_def);
  if (data->live_def)
    vb_network_def_free (data->live_def);
  g_clear_error (&data->error);
  g_free (data);
}

static VbNetworkDef *
edited (const VbNetworkDef *def, guint command, int parent_index, const char *xml,
        GError **error)
{
  g_autofree char *text = vb_net_update_dhcp_host (def->xml, command, parent_index, xml, error);

  return text ? vb_network_def_parse (text, error) : NULL;
}

static void
update_complete (GTask *task)
{
  UpdateData *data = g_task_get_task_data (task);
  NetState *state;

  if (--data->pending > 0)
    return;
  if (data->error)
    {
      g_task_return_error (task, g_steal_pointer (&data->error));
      g_object_unref (task);
      return;
    }
  if (data->config_def)
    vb_network_set_def (data->network, g_steal_pointer (&data->config_def));
  state = g_hash_table_lookup (all_states (), vb_resource_get_uuid (VB_RESOURCE (data->network)));
  if (data->live_def && state)
    {
      vb_net_config_free (state->config);
      state->config = vb_net_config_new (data->live_def, NULL);
      g_free (state->live_xml);
      state->live_xml = g_strdup (data->live_def->xml);
      if (state->dnsmasq)
        vb_dnsmasq_reload (state->dnsmasq);
      write_status (state);
      vb_network_set_live_def (data->network, g_steal_pointer (&data->live_def));
    }
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
update_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  UpdateData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_config_store_finish (NULL, result, &error) && !data->error)
    data->error = error;
  else
    g_clear_error (&error);
  update_complete (task);
}

static void
update_async (VbDriverHost *host, VbNetwork *network, guint command, guint section,
              int parent_index, const char *xml, guint flags, GCancellable *cancellable,
              GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (network, cancellable, callback, user_data);
  UpdateData *data = g_new0 (UpdateData, 1);
  gboolean active = vb_network_get_active (network);
  gboolean persistent = vb_resource_get_persistent (VB_RESOURCE (network));
  VbConfigStore *store = vb_driver_host_get_store (host);
  NetState *state = g_hash_table_lookup (all_states (), vb_resource_get_uuid (VB_RESOURCE (network)));
  GError *error = NULL;
  g_autofree char *hosts = NULL;

  data->network = g_object_ref (network);
  data->pending = 1;
  g_task_set_task_data (task, data, (GDestroyNotify) update_data_free);
  if (flags == 0)
    flags = active ? UPDATE_LIVE : UPDATE_CONFIG;
  if (section != VB_NETWORK_SECTION_IP_DHCP_HOST)
    error = g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                         "Only section 4 (ip-dhcp-host) can be updated, not %u", section);
  else if ((flags & UPDATE_LIVE) && !active)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Network '%s' is not active: there is no live configuration",
                         vb_resource_get_name (VB_RESOURCE (network)));
  else if ((flags & UPDATE_CONFIG) && !persistent)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Network '%s' is transient: it has no persistent configuration",
                         vb_resource_get_name (VB_RESOURCE (network)));
  if (!error && (flags & UPDATE_CONFIG))
    data->config_def =
      edited (vb_network_get_def (network), command, parent_index, xml, &error);
  if (!error && (flags & UPDATE_LIVE))
    data->live_def =
      edited (vb_network_get_live_def (network), command, parent_index, xml, &error);
  /* The hosts file's text first: a refusal must come before anything is saved. */
  if (!error && data->live_def && state && state->dnsmasq)
    {
      g_autoptr (VbNetConfig) config = vb_net_config_new (data->live_def, &error);

      hosts = config ? vb_dnsmasq_hosts_text (config, &error) : NULL;
    }
  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (data->config_def)
    {
      data->pending++;
      vb_config_store_save_async (store, "networks", data->config_def->uuid,
                                  data->config_def->xml, update_written, task);
    }
  if (hosts)
    {
      g_autofree char *path = vb_dnsmasq_hosts_path (state->dir);

      data->pending++;
      vb_config_store_write_file_async (store, path, hosts, update_written, task);
    }
  update_complete (task);
}

static gboolean
update_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const VbNetworkDriver vb_bridge_network_driver = {
  .name = "bridge",
  .outlives_service = TRUE,
  .validate = validate,
  .op_async = op_async,
  .op_finish = op_finish,
  .network_loaded = network_loaded,
  .get_dhcp_leases_async = get_dhcp_leases_async,
  .get_dhcp_leases_finish = get_dhcp_leases_finish,
  .update_async = update_async,
  .update_finish = update_finish,
  .adopt_running = adopt_running,
};
