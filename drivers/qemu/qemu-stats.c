/* Domain.GetStats of a QEMU guest: /proc for CPU times, QMP for vCPUs,
 * balloon and block counters, /sys/class/net for the taps. */
#include "qemu-stats.h"

#include <string.h>
#include <unistd.h>

#include "qemu-domain-private.h"
#include "vb-error.h"

typedef struct {
  GVariantDict dict;
  int pending;
  guint64 memory_kib;
} Stats;

static guint64
thread_cpu_ns (int pid, int tid)
{
  g_autofree char *path = tid ? g_strdup_printf ("/proc/%d/task/%d/stat", pid, tid)
                              : g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &contents, NULL, NULL) || !(after = strrchr (contents, ')')))
    return 0;
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  /* utime + stime, fields 14 and 15, in clock ticks. */
  return (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10))
         * (G_GUINT64_CONSTANT (1000000000) / (guint64) sysconf (_SC_CLK_TCK));
}

static guint64
read_counter (const char *ifname, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/statistics/%s", ifname, name);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? g_ascii_strtoull (text, NULL, 10) : 0;
}

static void
stats_part_done (GTask *task)
{
  Stats *stats = g_task_get_task_data (task);

  if (--stats->pending > 0)
    return;
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&stats->dict)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

static JsonArray *
reply_array (GObject *source, GAsyncResult *result)
{
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);

  if (!reply || !JSON_NODE_HOLDS_ARRAY (reply))
    return NULL;
  return json_array_ref (json_node_get_array (reply));
}

static void
got_cpus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  g_autoptr (JsonArray) cpus = reply_array (source, result);

  if (cpus && qd)
    {
      g_variant_dict_insert (&stats->dict, "vcpu.count", "u", json_array_get_length (cpus));
      for (guint i = 0; i < json_array_get_length (cpus); i++)
        {
          JsonObject *cpu = json_array_get_object_element (cpus, i);
          g_autofree char *key = g_strdup_printf ("vcpu.%u.time", i);
          int tid = (int) vb_qmp_member_int (cpu, "thread-id", 0);
          g_variant_dict_insert (&stats->dict, key, "t", thread_cpu_ns (qd->pid, tid));
        }
    }
  stats_part_done (task);
}

static void
got_balloon (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  guint64 actual = stats->memory_kib;

  /* Without a balloon device the guest has all its memory. */
  if (reply && JSON_NODE_HOLDS_OBJECT (reply))
    actual = (guint64) vb_qmp_member_int (json_node_get_object (reply), "actual", 0) / 1024;
  g_variant_dict_insert (&stats->dict, "balloon.current", "t", actual);
  g_variant_dict_insert (&stats->dict, "balloon.maximum", "t", stats->memory_kib);
  stats_part_done (task);
}

/* "/machine/peripheral/disk-vda/virtio-backend" or "disk-vda" → "vda". */
static char *
disk_name_of_qdev (const char *qdev)
{
  const char *id = qdev;
  const char *end;

  if (!qdev)
    return NULL;
  if (g_str_has_prefix (qdev, "/machine/peripheral/"))
    id = qdev + strlen ("/machine/peripheral/");
  end = strchr (id, '/');
  if (g_str_has_prefix (id, "disk-"))
    id += strlen ("disk-");
  return end ? g_strndup (id, end - id) : g_strdup (id);
}

static void
got_blocks (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonArray) blocks = reply_array (source, result);
  guint count = 0;

  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      JsonObject *counters = vb_qmp_member_object (block, "stats");
      const char *qdev = vb_qmp_member_string (block, "qdev");
      g_autofree char *name = disk_name_of_qdev (qdev);
      static const char *const keys[][2] = { { "rd_operations", "rd.reqs" }, { "rd_bytes", "rd.bytes" },
                                             { "wr_operations", "wr.reqs" }, { "wr_bytes", "wr.bytes" } };
      g_autofree char *name_key = g_strdup_printf ("block.%u.name", count);

      if (!counters || !name)
        continue;
      g_variant_dict_insert (&stats->dict, name_key, "s", name);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *key = g_strdup_printf ("block.%u.%s", count, keys[k][1]);
          g_variant_dict_insert (&stats->dict, key, "t",
                                 (guint64) vb_qmp_member_int (counters, keys[k][0], 0));
        }
      count++;
    }
  g_variant_dict_insert (&stats->dict, "block.count", "u", count);
  stats_part_done (task);
}

void
vb_qemu_get_stats_async (VbDriverHost *host, VbDomain *domain, GCancellable *cancellable,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, cancellable, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  Stats *stats = g_new0 (Stats, 1);

  g_task_set_task_data (task, stats, g_free);
  if (!qd || !qd->qmp || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      g_object_unref (task);
      return;
    }
  g_variant_dict_init (&stats->dict, NULL);
  stats->memory_kib = vb_domain_get_live_def (domain)->memory_kib;
  g_variant_dict_insert (&stats->dict, "cpu.time", "t", thread_cpu_ns (qd->pid, 0));
  /* A tap's receive is the guest's transmit: libvirt reports them swapped. */
  g_variant_dict_insert (&stats->dict, "net.count", "u",
                         qd->status && qd->status->taps ? g_strv_length (qd->status->taps) : 0);
  for (guint i = 0; qd->status && qd->status->taps && qd->status->taps[i]; i++)
    {
      const char *tap = qd->status->taps[i];
      static const char *const keys[][2] = { { "rx.bytes", "tx_bytes" }, { "rx.pkts", "tx_packets" },
                                             { "tx.bytes", "rx_bytes" }, { "tx.pkts", "rx_packets" } };
      g_autofree char *name_key = g_strdup_printf ("net.%u.name", i);

      g_variant_dict_insert (&stats->dict, name_key, "s", tap);
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          g_autofree char *key = g_strdup_printf ("net.%u.%s", i, keys[k][0]);
          g_variant_dict_insert (&stats->dict, key, "t", read_counter (tap, keys[k][1]));
        }
    }
  stats->pending = 3;
  vb_qmp_client_execute_async (qd->qmp, "query-cpus-fast", NULL, -1, NULL, got_cpus, task);
  vb_qmp_client_execute_async (qd->qmp, "query-balloon", NULL, -1, NULL, got_balloon, task);
  vb_qmp_client_execute_async (qd->qmp, "query-blockstats", NULL, -1, NULL, got_blocks, task);
}

GVariant *
vb_qemu_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
