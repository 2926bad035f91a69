/* QEMU capabilities: see qemu-caps.h.
 *
 * File work (resolving the binary, stat, reading and writing the cache) runs
 * in GTask worker threads; the probe itself (QEMU, QMP, the KVM probe) runs on
 * the caller's main context. QEMU gets its monitor as fd 3, one end of a
 * socketpair, so there is no socket file to wait for or clean up. */
#include "qemu-caps.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm-probe.h"
#include "qmp-client.h"
#include "vb-error.h"
#include "vb-log.h"
#include "vb-process.h"
#include "vb-user.h"

/* Bump when the cached JSON changes meaning, or the KVM probe's verdict may
 * differ (its guest or the way QEMU is run changed): older files are then
 * reprobed. 3: run as the QEMU user, under -sandbox. 4: CPU models. */
#define CACHE_FORMAT 4
/* The monitor's fd number inside QEMU. */
#define QMP_FD 3
/* The whole probe; QEMU with -machine none answers in well under a second. */
#define PROBE_TIMEOUT_MS 30000
/* How long QEMU may take to exit after "quit" before it is killed. */
#define QUIT_GRACE_MS 5000

static guint probe_count;

/* ---- the caps object ---- */

static void
machine_free (VbQemuMachine *machine)
{
  g_free (machine->name);
  g_free (machine->alias);
  g_free (machine);
}

static void
cpu_model_free (VbQemuCpuModel *model)
{
  g_free (model->name);
  g_free (model->alias_of);
  g_free (model);
}

static VbQemuCpuModel *
cpu_model_new (const char *name, const char *alias_of, gboolean usable, gboolean deprecated)
{
  VbQemuCpuModel *model = g_new0 (VbQemuCpuModel, 1);

  model->name = g_strdup (name);
  model->alias_of = g_strdup (alias_of);
  model->usable = usable;
  model->deprecated = deprecated;
  return model;
}

static VbQemuCaps *
caps_new (void)
{
  VbQemuCaps *caps = g_new0 (VbQemuCaps, 1);

  g_atomic_ref_count_init (&caps->ref_count);
  caps->machines = g_ptr_array_new_with_free_func ((GDestroyNotify) machine_free);
  caps->cpu_models = g_ptr_array_new_with_free_func ((GDestroyNotify) cpu_model_free);
  caps->migration_caps = g_new0 (char *, 1);
  return caps;
}

VbQemuCaps *
vb_qemu_caps_ref (VbQemuCaps *caps)
{
  g_return_val_if_fail (caps != NULL, NULL);

  g_atomic_ref_count_inc (&caps->ref_count);
  return caps;
}

void
vb_qemu_caps_unref (VbQemuCaps *caps)
{
  g_return_if_fail (caps != NULL);

  if (!g_atomic_ref_count_dec (&caps->ref_count))
    return;
  g_free (caps->binary);
  g_free (caps->arch);
  g_free (caps->version);
  g_free (caps->package);
  g_ptr_array_unref (caps->machines);
  g_ptr_array_unref (caps->cpu_models);
  g_strfreev (caps->migration_caps);
  g_free (caps->kvm_why);
  g_free (caps);
}

G_DEFINE_BOXED_TYPE (VbQemuCaps, vb_qemu_caps, vb_qemu_caps_ref, vb_qemu_caps_unref)

guint
vb_qemu_caps_get_probe_count (void)
{
  return g_atomic_int_get (&probe_count);
}

gboolean
vb_qemu_caps_has_migration_cap (VbQemuCaps *caps, const char *name)
{
  g_return_val_if_fail (caps != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  return g_strv_contains ((const char *const *) caps->migration_caps, name);
}

const VbQemuMachine *
vb_qemu_caps_get_default_machine (VbQemuCaps *caps)
{
  g_return_val_if_fail (caps != NULL, NULL);

  for (guint i = 0; i < caps->machines->len; i++)
    {
      const VbQemuMachine *machine = g_ptr_array_index (caps->machines, i);

      if (machine->is_default)
        return machine;
    }
  return NULL;
}

const VbQemuMachine *
vb_qemu_caps_find_machine (VbQemuCaps *caps, const char *name)
{
  g_return_val_if_fail (caps != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < caps->machines->len; i++)
    {
      const VbQemuMachine *machine = g_ptr_array_index (caps->machines, i);

      if (g_str_equal (machine->name, name) || g_strcmp0 (machine->alias, name) == 0)
        return machine;
    }
  return NULL;
}

static guint
arch_wordsize (const char *arch)
{
  return (g_str_has_suffix (arch, "64") || g_str_equal (arch, "s390x")) ? 64 : 32;
}

char *
vb_qemu_caps_format_xml (VbQemuCaps *caps)
{
  GString *xml;
  g_autofree char *head = NULL;

  g_return_val_if_fail (caps != NULL, NULL);

  xml = g_string_new ("<guest>\n  <os_type>hvm</os_type>\n");
  head = g_markup_printf_escaped ("  <arch name='%s'>\n"
                                  "    <wordsize>%u</wordsize>\n"
                                  "    <emulator>%s</emulator>\n",
                                  caps->arch, arch_wordsize (caps->arch), caps->binary);
  g_string_append (xml, head);

  for (guint i = 0; i < caps->machines->len; i++)
    {
      const VbQemuMachine *machine = g_ptr_array_index (caps->machines, i);
      g_autofree char *line = NULL;
      g_autofree char *alias_line = NULL;

      /* "none" boots nothing; no domain can use it. */
      if (g_str_equal (machine->name, "none"))
        continue;
      g_string_append_printf (xml, "    <machine maxCpus='%" G_GINT64_FORMAT "'%s%s>",
                              machine->cpu_max, machine->is_default ? " default='yes'" : "",
                              machine->deprecated ? " deprecated='yes'" : "");
      line = g_markup_printf_escaped ("%s</machine>\n", machine->name);
      g_string_append (xml, line);
      /* Like libvirt: the alias is a machine of its own naming its target. */
      if (machine->alias)
        {
          alias_line = g_markup_printf_escaped (
            "    <machine canonical='%s' maxCpus='%" G_GINT64_FORMAT "'>%s</machine>\n",
            machine->name, machine->cpu_max, machine->alias);
          g_string_append (xml, alias_line);
        }
    }

  g_string_append (xml, "    <domain type='qemu'/>\n");
  if (caps->kvm_usable)
    g_string_append (xml, "    <domain type='kvm'/>\n");
  g_string_append (xml, "  </arch>\n  <features>\n");
  for (guint i = 0; caps->migration_caps[i]; i++)
    {
      g_autofree char *line = g_markup_printf_escaped ("    <migration-capability name='%s'/>\n",
                                                       caps->migration_caps[i]);

      g_string_append (xml, line);
    }
  if (caps->virtio_net_failover)
    g_string_append (xml, "    <virtio-net-failover/>\n");
  g_string_append (xml, "  </features>\n</guest>\n");
  return g_string_free (xml, FALSE);
}

/* ---- the cache file ---- */

/* What the cached entry must match: a changed binary (upgrade, rebuild), a
 * different user to run it as, or a /dev/kvm that appeared or went away
 * invalidates it. */
typedef struct {
  char *path; /* realpath */
  gint64 size;
  gint64 mtime_ns;
  char *run_as; /* user_key(), NULL: the service's own user */
  gboolean kvm_device;
} BinaryKey;

static void
binary_key_clear (BinaryKey *key)
{
  g_clear_pointer (&key->path, g_free);
  g_clear_pointer (&key->run_as, g_free);
}

/* The user the probe runs as, for the key: its ids along with its name, as
 * whether it may open /dev/kvm depends on them (a user added to group kvm
 * since is probed again). */
static char *
user_key (const VbUser *user)
{
  GString *key = g_string_new (NULL);

  g_string_printf (key, "%s uid=%u gid=%u groups=", user->name, (guint) user->uid,
                   (guint) user->gid);
  for (int i = 0; i < user->n_groups; i++)
    g_string_append_printf (key, "%s%u", i ? "," : "", (guint) user->groups[i]);
  return g_string_free (key, FALSE);
}

static JsonNode *
caps_to_json (VbQemuCaps *caps, const BinaryKey *key)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_int_value (b, CACHE_FORMAT);
  json_builder_set_member_name (b, "key");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, key->path);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, key->size);
  json_builder_set_member_name (b, "mtime_ns");
  json_builder_add_int_value (b, key->mtime_ns);
  if (key->run_as)
    {
      json_builder_set_member_name (b, "run_as");
      json_builder_add_string_value (b, key->run_as);
    }
  json_builder_set_member_name (b, "kvm_device");
  json_builder_add_boolean_value (b, key->kvm_device);
  json_builder_end_object (b);

  json_builder_set_member_name (b, "arch");
  json_builder_add_string_value (b, caps->arch);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, caps->version);
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, caps->package);
  json_builder_set_member_name (b, "machines");
  json_builder_begin_array (b);
  for (guint i = 0; i < caps->machines->len; i++)
    {
      const VbQemuMachine *machine = g_ptr_array_index (caps->machines, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, machine->name);
      if (machine->alias)
        {
          json_builder_set_member_name (b, "alias");
          json_builder_add_string_value (b, machine->alias);
        }
      json_builder_set_member_name (b, "is_default");
      json_builder_add_boolean_value (b, machine->is_default);
      json_builder_set_member_name (b, "cpu_max");
      json_builder_add_int_value (b, machine->cpu_max);
      json_builder_set_member_name (b, "deprecated");
      json_builder_add_boolean_value (b, machine->deprecated);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "cpu_models");
  json_builder_begin_array (b);
  for (guint i = 0; i < caps->cpu_models->len; i++)
    {
      const VbQemuCpuModel *model = g_ptr_array_index (caps->cpu_models, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, model->name);
      if (model->alias_of)
        {
          json_builder_set_member_name (b, "alias_of");
          json_builder_add_string_value (b, model->alias_of);
        }
      json_builder_set_member_name (b, "usable");
      json_builder_add_boolean_value (b, model->usable);
      json_builder_set_member_name (b, "deprecated");
      json_builder_add_boolean_value (b, model->deprecated);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "migration_caps");
  json_builder_begin_array (b);
  for (guint i = 0; caps->migration_caps[i]; i++)
    json_builder_add_string_value (b, caps->migration_caps[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "virtio_net_failover");
  json_builder_add_boolean_value (b, caps->virtio_net_failover);
  json_builder_set_member_name (b, "kvm_present");
  json_builder_add_boolean_value (b, caps->kvm_present);
  json_builder_set_member_name (b, "kvm_usable");
  json_builder_add_boolean_value (b, caps->kvm_usable);
  if (caps->kvm_why)
    {
      json_builder_set_member_name (b, "kvm_why");
      json_builder_add_string_value (b, caps->kvm_why);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* The cached caps when @text is a well-formed entry for @key, else NULL (a
 * damaged or foreign file is simply probed over). */
static VbQemuCaps *
caps_from_json (const char *text, gsize len, const BinaryKey *key)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (VbQemuCaps) caps = NULL;
  g_autoptr (GPtrArray) names = NULL;
  JsonObject *root;
  JsonObject *cached_key;
  JsonArray *machines;
  JsonArray *migration;
  JsonArray *cpu_models;

  if (!json_parser_load_from_data (parser, text, (gssize) len, NULL))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  cached_key = vb_qmp_member_object (root, "key");
  if (vb_qmp_member_int (root, "format", 0) != CACHE_FORMAT || !cached_key
      || g_strcmp0 (vb_qmp_member_string (cached_key, "path"), key->path) != 0
      || vb_qmp_member_int (cached_key, "size", -1) != key->size
      || vb_qmp_member_int (cached_key, "mtime_ns", -1) != key->mtime_ns
      || g_strcmp0 (vb_qmp_member_string (cached_key, "run_as"), key->run_as) != 0
      || vb_qmp_member_bool (cached_key, "kvm_device", !key->kvm_device) != key->kvm_device)
    return NULL;

  machines = vb_qmp_member_array (root, "machines");
  migration = vb_qmp_member_array (root, "migration_caps");
  cpu_models = vb_qmp_member_array (root, "cpu_models");
  if (!vb_qmp_member_string (root, "arch") || !vb_qmp_member_string (root, "version") || !machines
      || !migration || !cpu_models)
    return NULL;

  caps = caps_new ();
  caps->binary = g_strdup (key->path);
  caps->arch = g_strdup (vb_qmp_member_string (root, "arch"));
  caps->version = g_strdup (vb_qmp_member_string (root, "version"));
  caps->package = g_strdup (vb_qmp_member_string (root, "package"));
  if (!caps->package)
    caps->package = g_strdup ("");
  for (guint i = 0; i < json_array_get_length (machines); i++)
    {
      JsonNode *node = json_array_get_element (machines, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      VbQemuMachine *machine;

      if (!vb_qmp_member_string (m, "name"))
        return NULL;
      machine = g_new0 (VbQemuMachine, 1);
      machine->name = g_strdup (vb_qmp_member_string (m, "name"));
      machine->alias = g_strdup (vb_qmp_member_string (m, "alias"));
      machine->is_default = vb_qmp_member_bool (m, "is_default", FALSE);
      machine->cpu_max = vb_qmp_member_int (m, "cpu_max", 1);
      machine->deprecated = vb_qmp_member_bool (m, "deprecated", FALSE);
      g_ptr_array_add (caps->machines, machine);
    }
  for (guint i = 0; i < json_array_get_length (cpu_models); i++)
    {
      JsonNode *node = json_array_get_element (cpu_models, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (!vb_qmp_member_string (m, "name"))
        return NULL;
      g_ptr_array_add (caps->cpu_models,
                       cpu_model_new (vb_qmp_member_string (m, "name"),
                                      vb_qmp_member_string (m, "alias_of"),
                                      vb_qmp_member_bool (m, "usable", FALSE),
                                      vb_qmp_member_bool (m, "deprecated", FALSE)));
    }
  names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (migration); i++)
    {
      JsonNode *node = json_array_get_element (migration, i);

      if (json_node_get_value_type (node) != G_TYPE_STRING)
        return NULL;
      g_ptr_array_add (names, g_strdup (json_node_get_string (node)));
    }
  g_ptr_array_add (names, NULL);
  g_strfreev (caps->migration_caps);
  caps->migration_caps = (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
  caps->virtio_net_failover = vb_qmp_member_bool (root, "virtio_net_failover", FALSE);
  caps->kvm_present = vb_qmp_member_bool (root, "kvm_present", FALSE);
  caps->kvm_usable = vb_qmp_member_bool (root, "kvm_usable", FALSE);
  caps->kvm_why = g_strdup (vb_qmp_member_string (root, "kvm_why"));
  caps->from_cache = TRUE;
  return g_steal_pointer (&caps);
}

/* ---- the request ---- */

typedef struct {
  char *binary_arg;
  char *run_as_name; /* NULL: the service's own user */
  char *cache_dir;
  VbUser *run_as; /* looked up from run_as_name before the probe */
  BinaryKey key;
  char *cache_file;
  VbQemuCaps *caps; /* being filled by the probe */

  GSubprocess *process;
  VbQmpClient *client;
  GSource *watchdog;
  GSource *quit_timer;
  GSource *cancel_source;
  GBytes *stderr_bytes;
  guint pending;   /* parts of the probe still running */
  GError *error;   /* the first fatal error of the probe */
  char *why_failed_start;
} CapsRequest;

static void
caps_request_free (CapsRequest *req)
{
  if (req->watchdog)
    g_source_destroy (req->watchdog);
  g_clear_pointer (&req->watchdog, g_source_unref);
  if (req->quit_timer)
    g_source_destroy (req->quit_timer);
  g_clear_pointer (&req->quit_timer, g_source_unref);
  if (req->cancel_source)
    g_source_destroy (req->cancel_source);
  g_clear_pointer (&req->cancel_source, g_source_unref);
  g_free (req->binary_arg);
  g_free (req->run_as_name);
  g_free (req->cache_dir);
  g_clear_pointer (&req->run_as, vb_user_free);
  binary_key_clear (&req->key);
  g_free (req->cache_file);
  g_clear_pointer (&req->caps, vb_qemu_caps_unref);
  g_clear_object (&req->process);
  g_clear_object (&req->client);
  g_clear_pointer (&req->stderr_bytes, g_bytes_unref);
  g_clear_error (&req->error);
  g_free (req->why_failed_start);
  g_free (req);
}

/* Worker thread: finds the binary, stats it and reads a matching cache entry.
 * Returns the cached caps, or NULL (no error) when a probe is needed. */
static void
lookup_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CapsRequest *req = task_data;
  g_autofree char *found = NULL;
  g_autofree char *real = NULL;
  g_autofree char *digest = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  gsize len = 0;
  struct stat st;

  /* Here, not in the forked child: it may not call getpwnam(). */
  if (req->run_as_name)
    {
      req->run_as = vb_user_lookup (req->run_as_name, &error);
      if (!req->run_as)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  if (strchr (req->binary_arg, '/'))
    found = g_strdup (req->binary_arg);
  else
    found = g_find_program_in_path (req->binary_arg);
  if (!found)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND,
                               "QEMU binary %s not found in PATH", req->binary_arg);
      return;
    }
  real = realpath (found, NULL);
  if (!real || stat (real, &st) < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND, "QEMU binary %s: %s", found,
                               g_strerror (saved));
      return;
    }

  req->key.path = g_steal_pointer (&real);
  req->key.size = (gint64) st.st_size;
  req->key.mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) + st.st_mtim.tv_nsec;
  req->key.run_as = req->run_as ? user_key (req->run_as) : NULL;
  req->key.kvm_device = g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS);

  if (!req->cache_dir)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* One file per binary path and user (root's probe and the QEMU user's
   * may differ on KVM and must not overwrite each other); the key inside
   * says whether it is current. */
  {
    g_autofree char *named = req->run_as
                               ? g_strdup_printf ("%s\n%s", req->key.path, req->run_as->name)
                               : g_strdup (req->key.path);

    digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, named, -1);
  }
  digest[16] = '\0';
  req->cache_file = g_strdup_printf ("%s/qemu-caps-%s.json", req->cache_dir, digest);
  if (g_file_get_contents (req->cache_file, &text, &len, NULL))
    {
      VbQemuCaps *caps = caps_from_json (text, len, &req->key);

      if (caps)
        {
          g_task_return_pointer (task, caps, (GDestroyNotify) vb_qemu_caps_unref);
          return;
        }
      vb_log_info ("qemu-caps", "cache %s is stale or damaged, probing %s again",
                   req->cache_file, req->key.path);
    }
  g_task_return_pointer (task, NULL, NULL);
}

/* Worker thread: writes the cache entry atomically (write + rename). */
static void
save_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  CapsRequest *req = task_data;
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = caps_to_json (req->caps, &req->key);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (g_mkdir_with_parents (req->cache_dir, 0755) < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "cannot create %s: %s", req->cache_dir, g_strerror (saved));
      return;
    }
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, NULL);
  if (!g_file_set_contents (req->cache_file, text, -1, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CapsRequest *req = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  /* A cache that cannot be written costs a probe next time, nothing more. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    vb_log_message ("qemu-caps", "cannot cache the capabilities of %s: %s", req->key.path,
                    error->message);
  g_task_return_pointer (task, vb_qemu_caps_ref (req->caps), (GDestroyNotify) vb_qemu_caps_unref);
}

/* ---- the probe ---- */

static void
probe_fail (CapsRequest *req, GError *error)
{
  if (!req->error)
    req->error = error;
  else
    g_error_free (error);
}

/* Called as each part of the probe ends; the last one completes the task. */
static void
probe_part_done (GTask *task)
{
  CapsRequest *req = g_task_get_task_data (task);
  g_autoptr (GTask) save_task = NULL;

  g_assert (req->pending > 0);
  if (--req->pending > 0)
    return;

  if (req->watchdog)
    g_source_destroy (req->watchdog);
  g_clear_pointer (&req->watchdog, g_source_unref);
  if (req->quit_timer)
    g_source_destroy (req->quit_timer);
  g_clear_pointer (&req->quit_timer, g_source_unref);
  if (req->cancel_source)
    g_source_destroy (req->cancel_source);
  g_clear_pointer (&req->cancel_source, g_source_unref);

  if (req->error)
    {
      g_autofree char *said = NULL;

      /* QEMU's own words are the most useful part of a failed start. */
      if (req->stderr_bytes && g_bytes_get_size (req->stderr_bytes) > 0)
        {
          gsize len;
          const char *data = g_bytes_get_data (req->stderr_bytes, &len);

          said = g_utf8_make_valid (data, (gssize) len);
          g_strstrip (said);
        }
      if (said && *said)
        g_prefix_error (&req->error, "probing %s (QEMU said: %s): ", req->key.path, said);
      else
        g_prefix_error (&req->error, "probing %s: ", req->key.path);
      g_task_return_error (task, g_steal_pointer (&req->error));
      return;
    }

  if (!req->caps->arch)
    {
      /* query-target missing: qemu-system-ARCH names it, else assume ours. */
      g_autofree char *base = g_path_get_basename (req->key.path);

      req->caps->arch = g_strdup (g_str_has_prefix (base, "qemu-system-") && base[12]
                                    ? base + 12
                                    : "x86_64");
    }

  if (!req->cache_file)
    {
      g_task_return_pointer (task, vb_qemu_caps_ref (req->caps),
                             (GDestroyNotify) vb_qemu_caps_unref);
      return;
    }
  save_task = g_task_new (NULL, NULL, on_saved, g_object_ref (task));
  g_task_set_task_data (save_task, req, NULL);
  g_task_run_in_thread (save_task, save_in_thread);
}

static gboolean
on_watchdog (gpointer user_data)
{
  GTask *task = user_data;
  CapsRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->watchdog, g_source_unref);
  probe_fail (req, g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no answer in %u s",
                                PROBE_TIMEOUT_MS / 1000));
  /* QEMU's exit ends the QMP part and the communicate() part with it. */
  if (req->process)
    g_subprocess_force_exit (req->process);
  return G_SOURCE_REMOVE;
}

static gboolean
on_probe_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  CapsRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->cancel_source, g_source_unref);
  probe_fail (req, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled"));
  if (req->process)
    g_subprocess_force_exit (req->process);
  return G_SOURCE_REMOVE;
}

static gboolean
on_quit_grace_over (gpointer user_data)
{
  GTask *task = user_data;
  CapsRequest *req = g_task_get_task_data (task);

  g_clear_pointer (&req->quit_timer, g_source_unref);
  g_subprocess_force_exit (req->process);
  return G_SOURCE_REMOVE;
}

static void
on_kvm_probed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CapsRequest *req = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  req->caps->kvm_usable = vb_kvm_probe_finish (result, &why, &error);
  if (error)
    probe_fail (req, g_steal_pointer (&error));
  req->caps->kvm_why = g_steal_pointer (&why);
  probe_part_done (task);
}

static void
on_qemu_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CapsRequest *req = g_task_get_task_data (task);

  g_subprocess_communicate_finish (G_SUBPROCESS (source), result, NULL, &req->stderr_bytes, NULL);
  probe_part_done (task);
}

static void
on_quit_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (JsonNode) ret = NULL;

  /* QEMU may close the monitor before its reply to quit makes it out; its
   * exit is what counts, and on_qemu_exited() waits for that. */
  ret = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  probe_part_done (task);
}

typedef enum {
  QUERY_VERSION,
  QUERY_TARGET,
  QUERY_MACHINES,
  QUERY_MIGRATE_CAPS,
  QUERY_NET_PROPERTIES,
  QUERY_KVM,
  QUERY_CPU_DEFINITIONS,
  N_QUERIES,
} Query;

typedef struct {
  GTask *task;
  Query query;
} QueryCall;

static void
store_version (VbQemuCaps *caps, JsonObject *ret)
{
  JsonObject *qemu = vb_qmp_member_object (ret, "qemu");

  g_free (caps->version);
  caps->version = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                   vb_qmp_member_int (qemu, "major", 0),
                                   vb_qmp_member_int (qemu, "minor", 0),
                                   vb_qmp_member_int (qemu, "micro", 0));
  g_free (caps->package);
  caps->package = g_strdup (vb_qmp_member_string (ret, "package"));
  if (!caps->package)
    caps->package = g_strdup ("");
}

static void
store_machines (VbQemuCaps *caps, JsonArray *list)
{
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      VbQemuMachine *machine;

      if (!vb_qmp_member_string (m, "name"))
        continue;
      machine = g_new0 (VbQemuMachine, 1);
      machine->name = g_strdup (vb_qmp_member_string (m, "name"));
      machine->alias = g_strdup (vb_qmp_member_string (m, "alias"));
      machine->is_default = vb_qmp_member_bool (m, "is-default", FALSE);
      machine->cpu_max = vb_qmp_member_int (m, "cpu-max", 1);
      machine->deprecated = vb_qmp_member_bool (m, "deprecated", FALSE);
      g_ptr_array_add (caps->machines, machine);
    }
}

static void
store_cpu_models (VbQemuCaps *caps, JsonArray *list)
{
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *m = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonArray *missing = vb_qmp_member_array (m, "unavailable-features");
      const char *name = vb_qmp_member_string (m, "name");

      /* "host" and "max" are what the host-passthrough and host-model modes
       * run; "base" is no CPU a guest could be given. */
      if (!name || g_str_equal (name, "host") || g_str_equal (name, "max")
          || g_str_equal (name, "base"))
        continue;
      g_ptr_array_add (caps->cpu_models,
                       cpu_model_new (name, vb_qmp_member_string (m, "alias-of"),
                                      missing && json_array_get_length (missing) == 0,
                                      vb_qmp_member_bool (m, "deprecated", FALSE)));
    }
}

static void
store_migration_caps (VbQemuCaps *caps, JsonArray *list)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *name = vb_qmp_member_string (c, "capability");

      if (name)
        g_ptr_array_add (names, g_strdup (name));
    }
  g_ptr_array_add (names, NULL);
  g_strfreev (caps->migration_caps);
  caps->migration_caps = (GStrv) g_ptr_array_free (g_steal_pointer (&names), FALSE);
}

static gboolean
has_property (JsonArray *list, const char *property)
{
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *p = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

      if (g_strcmp0 (vb_qmp_member_string (p, "name"), property) == 0)
        return TRUE;
    }
  return FALSE;
}

static void
on_query_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  QueryCall *call = user_data;
  g_autoptr (GTask) task = call->task;
  CapsRequest *req = g_task_get_task_data (task);
  VbQemuCaps *caps = req->caps;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) ret = NULL;
  Query query = call->query;

  g_free (call);
  ret = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  switch (query)
    {
    case QUERY_VERSION:
      if (ret && JSON_NODE_HOLDS_OBJECT (ret))
        store_version (caps, json_node_get_object (ret));
      else
        probe_fail (req, error ? g_steal_pointer (&error)
                               : g_error_new_literal (VB_ERROR, VB_ERROR_FAILED,
                                                      "query-version: unexpected reply"));
      break;
    case QUERY_TARGET:
      /* Older or odd builds without query-target: the name tells. */
      if (ret && JSON_NODE_HOLDS_OBJECT (ret)
          && vb_qmp_member_string (json_node_get_object (ret), "arch"))
        caps->arch = g_strdup (vb_qmp_member_string (json_node_get_object (ret), "arch"));
      break;
    case QUERY_MACHINES:
      if (ret && JSON_NODE_HOLDS_ARRAY (ret))
        store_machines (caps, json_node_get_array (ret));
      else
        probe_fail (req, error ? g_steal_pointer (&error)
                               : g_error_new_literal (VB_ERROR, VB_ERROR_FAILED,
                                                      "query-machines: unexpected reply"));
      break;
    case QUERY_MIGRATE_CAPS:
      /* Optional from here on: a QEMU without them simply lacks the feature. */
      if (ret && JSON_NODE_HOLDS_ARRAY (ret))
        store_migration_caps (caps, json_node_get_array (ret));
      break;
    case QUERY_NET_PROPERTIES:
      /* DeviceNotFound when QEMU was built without virtio-net. */
      caps->virtio_net_failover = ret && JSON_NODE_HOLDS_ARRAY (ret)
                                  && has_property (json_node_get_array (ret), "failover");
      break;
    case QUERY_KVM:
      caps->kvm_present = ret && JSON_NODE_HOLDS_OBJECT (ret)
                          && vb_qmp_member_bool (json_node_get_object (ret), "present", FALSE);
      break;
    case QUERY_CPU_DEFINITIONS:
      /* Not every target has it; without, only the host modes are offered. */
      if (ret && JSON_NODE_HOLDS_ARRAY (ret))
        store_cpu_models (caps, json_node_get_array (ret));
      break;
    case N_QUERIES:
      g_assert_not_reached ();
    }
  if (error && query > QUERY_MACHINES)
    vb_log_debug ("qemu-caps", "%s: optional query %d failed: %s", req->key.path, query,
                  error->message);
  probe_part_done (task);
}

static void
on_client_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  CapsRequest *req = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) net_args = json_object_new ();
  static const char *const commands[N_QUERIES] = {
    [QUERY_VERSION] = "query-version",
    [QUERY_TARGET] = "query-target",
    [QUERY_MACHINES] = "query-machines",
    [QUERY_MIGRATE_CAPS] = "query-migrate-capabilities",
    [QUERY_NET_PROPERTIES] = "device-list-properties",
    [QUERY_KVM] = "query-kvm",
    [QUERY_CPU_DEFINITIONS] = "query-cpu-definitions",
  };

  req->client = vb_qmp_client_new_finish (result, &error);
  if (!req->client)
    {
      probe_fail (req, g_steal_pointer (&error));
      g_subprocess_force_exit (req->process);
      probe_part_done (task);
      return;
    }
  vb_qmp_client_set_log_object (req->client, "qemu-caps");

  /* All queries at once: the client matches the replies by id. The "quit"
   * after them is answered last, as QEMU handles a monitor's commands in
   * order. */
  json_object_set_string_member (net_args, "typename", "virtio-net-pci");
  for (Query q = 0; q < N_QUERIES; q++)
    {
      QueryCall *call = g_new0 (QueryCall, 1);

      call->task = g_object_ref (task);
      call->query = q;
      req->pending++;
      vb_qmp_client_execute_async (req->client, commands[q],
                                   q == QUERY_NET_PROPERTIES ? net_args : NULL, -1, NULL,
                                   on_query_done, call);
    }
  req->pending++;
  vb_qmp_client_execute_async (req->client, "quit", NULL, -1, NULL, on_quit_sent,
                               g_object_ref (task));
  req->quit_timer = g_timeout_source_new (QUIT_GRACE_MS);
  g_source_set_callback (req->quit_timer, on_quit_grace_over, task, NULL);
  g_source_attach (req->quit_timer, g_task_get_context (task));

  /* The connection part itself is done. */
  probe_part_done (task);
}

static void
start_probe (GTask *task)
{
  CapsRequest *req = g_task_get_task_data (task);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *chardev = g_strdup_printf ("socket,id=vbqmp,fd=%d", QMP_FD);
  int fds[2];
  const char *argv[] = {
    req->key.path,
    "-machine", "none",
    "-nodefaults",
    "-no-user-config",
    "-display", "none",
    "-chardev", chardev,
    "-mon", "chardev=vbqmp,mode=control",
    /* As guests run: a QEMU that cannot run so is no use to us either. */
    "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
    NULL,
  };

  g_atomic_int_inc (&probe_count);
  vb_log_info ("qemu-caps", "probing %s as %s", req->key.path,
               req->run_as ? req->run_as->name : "the service's user");
  req->caps = caps_new ();
  req->caps->binary = g_strdup (req->key.path);

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "socketpair: %s", g_strerror (saved));
      return;
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_fd (launcher, fds[1], QMP_FD);
  /* req->run_as outlives the spawn; the child drops to it before exec. */
  g_subprocess_launcher_set_child_setup (launcher, vb_die_with_parent_as, req->run_as, NULL);
  req->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (!req->process)
    {
      close (fds[0]);
      g_prefix_error (&error, "cannot run %s: ", req->key.path);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* The launcher still holds QEMU's end; drop it now, so QEMU's exit reads
   * as EOF on ours. */
  g_clear_object (&launcher);

  req->watchdog = g_timeout_source_new (PROBE_TIMEOUT_MS);
  g_source_set_callback (req->watchdog, on_watchdog, task, NULL);
  g_source_attach (req->watchdog, g_task_get_context (task));
  if (g_task_get_cancellable (task))
    {
      req->cancel_source = g_cancellable_source_new (g_task_get_cancellable (task));
      g_source_set_callback (req->cancel_source, G_SOURCE_FUNC (on_probe_cancelled), task, NULL);
      g_source_attach (req->cancel_source, g_task_get_context (task));
    }

  /* Three parts run side by side: QEMU's life (ends when it exits), the
   * QMP conversation (connect, then one part per command), the KVM probe. */
  req->pending = 3;
  g_subprocess_communicate_async (req->process, NULL, NULL, on_qemu_exited, g_object_ref (task));
  vb_qmp_client_new_for_fd_async (fds[0], NULL, on_client_ready, g_object_ref (task));
  vb_kvm_probe_async (req->key.path, req->run_as, g_task_get_cancellable (task), on_kvm_probed,
                      g_object_ref (task));
}

static void
on_looked_up (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  VbQemuCaps *caps;

  caps = g_task_propagate_pointer (G_TASK (result), &error);
  if (error)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (caps)
    {
      g_task_return_pointer (task, caps, (GDestroyNotify) vb_qemu_caps_unref);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  start_probe (task);
}

void
vb_qemu_caps_get_async (const char *binary,
                        const char *run_as,
                        const char *cache_dir,
                        GCancellable *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer user_data)
{
  GTask *task;
  g_autoptr (GTask) lookup = NULL;
  CapsRequest *req;

  g_return_if_fail (binary != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_qemu_caps_get_async);
  req = g_new0 (CapsRequest, 1);
  req->binary_arg = g_strdup (binary);
  req->run_as_name = g_strdup (run_as);
  req->cache_dir = g_strdup (cache_dir);
  g_task_set_task_data (task, req, (GDestroyNotify) caps_request_free);

  /* The lookup shares the request (owned by @task, which outlives it). */
  lookup = g_task_new (NULL, cancellable, on_looked_up, task);
  g_task_set_task_data (lookup, req, NULL);
  g_task_run_in_thread (lookup, lookup_in_thread);
}

VbQemuCaps *
vb_qemu_caps_get_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_qemu_caps_get_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
