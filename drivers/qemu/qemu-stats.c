/* Domain.GetStats of a QEMU guest: the counters of the running guest for
 * the groups asked. /proc for the CPU times and the memory QEMU holds, QMP
 * for vCPUs, balloon and block counters, /sys/class/net for the taps. The
 * generic layer (domain-stats.c) adds what the definition says. */
#include "qemu-stats.h"

#include <string.h>
#include <unistd.h>

#include "qemu-domain-private.h"
#include "qemu-host-tuning.h"
#include "vb-error.h"
#include "xml-schema.h"

/* Below Cockpit's 5 s: a busy monitor leaves a counter out rather than
 * failing the whole call. */
#define STATS_QMP_TIMEOUT_MS 3000

typedef struct {
  GVariantDict dict;
  int pending;
  GPtrArray *disks; /* VbStatDisk of the live definition: block.N is disks[N] */
} Stats;

static void
stats_free (Stats *stats)
{
  g_variant_dict_clear (&stats->dict);
  g_clear_pointer (&stats->disks, g_ptr_array_unref);
  g_free (stats);
}

typedef struct {
  guint64 user_ns;
  guint64 system_ns;
  guint64 rss_kib;
} ProcTimes;

/* /proc/PID/stat, or a thread's /proc/PID/task/TID/stat when @tid. */
static gboolean
read_proc_stat (int pid, int tid, ProcTimes *times)
{
  g_autofree char *path = tid ? g_strdup_printf ("/proc/%d/task/%d/stat", pid, tid)
                              : g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;
  guint64 tick_ns = G_GUINT64_CONSTANT (1000000000) / (guint64) sysconf (_SC_CLK_TCK);

  memset (times, 0, sizeof *times);
  if (!g_file_get_contents (path, &contents, NULL, NULL) || !(after = strrchr (contents, ')')))
    return FALSE;
  /* Fields after the command name start at field 3 (state); utime is
   * field 14, stime 15, rss (pages) 24. */
  fields = g_strsplit (after + 2, " ", 0);
  if (g_strv_length (fields) < 22)
    return FALSE;
  times->user_ns = g_ascii_strtoull (fields[11], NULL, 10) * tick_ns;
  times->system_ns = g_ascii_strtoull (fields[12], NULL, 10) * tick_ns;
  times->rss_kib =
    g_ascii_strtoull (fields[21], NULL, 10) * (guint64) sysconf (_SC_PAGESIZE) / 1024;
  return TRUE;
}

/* The time a thread waited for a CPU (the second field of schedstat), in ns. */
static guint64
thread_wait_ns (int pid, int tid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/task/%d/schedstat", pid, tid);
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  fields = g_strsplit (g_strstrip (text), " ", 0);
  return g_strv_length (fields) >= 2 ? g_ascii_strtoull (fields[1], NULL, 10) : 0;
}

static guint64
read_counter (const char *ifname, const char *name)
{
  g_autofree char *path = g_strdup_printf ("/sys/class/net/%s/statistics/%s", ifname, name);
  g_autofree char *text = NULL;

  return g_file_get_contents (path, &text, NULL, NULL) ? g_ascii_strtoull (text, NULL, 10) : 0;
}

static void
insert_indexed (GVariantDict *dict, const char *group, guint index, const char *what,
                GVariant *value)
{
  g_autofree char *key = g_strdup_printf ("%s.%u.%s", group, index, what);

  g_variant_dict_insert_value (dict, key, value);
}

/* Takes the reference on @task the part held. */
static void
stats_part_done (GTask *task)
{
  Stats *stats = g_task_get_task_data (task);

  if (--stats->pending == 0)
    g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&stats->dict)),
                           (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

static JsonNode *
reply_of (GObject *source, GAsyncResult *result)
{
  return vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
}

static void
got_cpus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  g_autoptr (JsonNode) reply = reply_of (source, result);
  JsonArray *cpus = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  for (guint i = 0; cpus && qd && i < json_array_get_length (cpus); i++)
    {
      JsonObject *cpu = json_array_get_object_element (cpus, i);
      guint index = (guint) vb_qmp_member_int (cpu, "cpu-index", i);
      int tid = (int) vb_qmp_member_int (cpu, "thread-id", 0);
      ProcTimes times;

      /* A vCPU thread QEMU has is running, as libvirt says of it. */
      insert_indexed (&stats->dict, "vcpu", index, "state", g_variant_new_int32 (1));
      if (tid <= 0 || !read_proc_stat (qd->pid, tid, &times))
        continue;
      insert_indexed (&stats->dict, "vcpu", index, "time",
                      g_variant_new_uint64 (times.user_ns + times.system_ns));
      insert_indexed (&stats->dict, "vcpu", index, "wait",
                      g_variant_new_uint64 (thread_wait_ns (qd->pid, tid)));
    }
  stats_part_done (task);
}

static void
got_balloon (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = reply_of (source, result);

  /* Without a balloon device the guest has all its memory: the generic
   * layer's value stands. */
  if (reply && JSON_NODE_HOLDS_OBJECT (reply))
    g_variant_dict_insert (&stats->dict, "balloon.current", "t",
                           (guint64) vb_qmp_member_int (json_node_get_object (reply), "actual", 0)
                             / 1024);
  stats_part_done (task);
}

/* Whether the guest's balloon driver reports its memory figures: the
 * definition's <memballoon><stats period> (guest-stats-polling-interval on
 * the command line, qemu-command-devices.c) is above 0. */
static gboolean
balloon_polls (const char *xml)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", NULL);
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  xmlNode *balloon = vb_xml_child (devices, "memballoon");

  return vb_xml_attr_uint (vb_xml_child (balloon, "stats"), "period", 0) > 0;
}

/* The guest's figures as libvirt names them; QEMU's are bytes where
 * libvirt's are KiB (divided by @unit). */
static const struct {
  const char *qemu, *key;
  guint64 unit;
} guest_stats[] = {
  { "stat-swap-in", "balloon.swap_in", 1024 },
  { "stat-swap-out", "balloon.swap_out", 1024 },
  { "stat-major-faults", "balloon.major_fault", 1 },
  { "stat-minor-faults", "balloon.minor_fault", 1 },
  { "stat-free-memory", "balloon.unused", 1024 },
  { "stat-total-memory", "balloon.available", 1024 },
  { "stat-available-memory", "balloon.usable", 1024 },
  { "stat-disk-caches", "balloon.disk_caches", 1024 },
};

static void
got_guest_stats (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = reply_of (source, result);
  JsonObject *object =
    reply && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  JsonNode *figures = object ? json_object_get_member (object, "stats") : NULL;

  /* -1: a figure the guest did not report; last-update 0: none yet. */
  if (figures && JSON_NODE_HOLDS_OBJECT (figures)
      && vb_qmp_member_int (object, "last-update", 0) > 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (guest_stats); i++)
        {
          gint64 value =
            vb_qmp_member_int (json_node_get_object (figures), guest_stats[i].qemu, -1);

          if (value >= 0)
            g_variant_dict_insert (&stats->dict, guest_stats[i].key, "t",
                                   (guint64) value / guest_stats[i].unit);
        }
      g_variant_dict_insert (&stats->dict, "balloon.last-update", "t",
                             (guint64) vb_qmp_member_int (object, "last-update", 0));
    }
  stats_part_done (task);
}

/* The index in the live definition of the disk whose QEMU device @qdev
 * ("/machine/peripheral/ID/virtio-backend" or "ID") names, or -1. */
static int
disk_index_of_qdev (Stats *stats, const char *qdev)
{
  const char *id = qdev;
  g_autofree char *owned = NULL;
  const char *end;

  if (!qdev)
    return -1;
  if (g_str_has_prefix (qdev, "/machine/peripheral/"))
    id = qdev + strlen ("/machine/peripheral/");
  end = strchr (id, '/');
  if (end)
    id = owned = g_strndup (id, end - id);
  for (guint i = 0; i < stats->disks->len; i++)
    {
      VbStatDisk *disk = stats->disks->pdata[i];
      g_autofree char *disk_id = disk->target ? vb_qemu_disk_id (disk->alias, disk->target) : NULL;

      if (g_strcmp0 (disk_id, id) == 0)
        return (int) i;
    }
  return -1;
}

static void
got_blockstats (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = reply_of (source, result);
  JsonArray *blocks = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;
  static const char *const keys[][2] = {
    { "rd_operations", "rd.reqs" },     { "rd_bytes", "rd.bytes" },
    { "rd_total_time_ns", "rd.times" }, { "wr_operations", "wr.reqs" },
    { "wr_bytes", "wr.bytes" },         { "wr_total_time_ns", "wr.times" },
    { "flush_operations", "fl.reqs" },  { "flush_total_time_ns", "fl.times" },
  };

  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      JsonObject *counters = vb_qmp_member_object (block, "stats");
      int index = disk_index_of_qdev (stats, vb_qmp_member_string (block, "qdev"));

      if (!counters || index < 0)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        insert_indexed (&stats->dict, "block", index, keys[k][1],
                        g_variant_new_uint64 (
                          (guint64) vb_qmp_member_int (counters, keys[k][0], 0)));
    }
  stats_part_done (task);
}

static void
got_block (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Stats *stats = g_task_get_task_data (task);
  g_autoptr (JsonNode) reply = reply_of (source, result);
  JsonArray *blocks = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  /* The size the guest sees, as QEMU has it (also after a live resize). */
  for (guint i = 0; blocks && i < json_array_get_length (blocks); i++)
    {
      JsonObject *block = json_array_get_object_element (blocks, i);
      JsonObject *image = vb_qmp_member_object (vb_qmp_member_object (block, "inserted"), "image");
      int index = disk_index_of_qdev (stats, vb_qmp_member_string (block, "qdev"));
      gint64 size = image ? vb_qmp_member_int (image, "virtual-size", -1) : -1;

      if (index >= 0 && size >= 0)
        insert_indexed (&stats->dict, "block", index, "capacity",
                        g_variant_new_uint64 ((guint64) size));
    }
  stats_part_done (task);
}

static void
add_net (Stats *stats, QemuDomain *qd)
{
  /* A tap's receive is the guest's transmit: libvirt reports them swapped. */
  static const char *const keys[][2] = {
    { "rx.bytes", "tx_bytes" },  { "rx.pkts", "tx_packets" }, { "rx.errs", "tx_errors" },
    { "rx.drop", "tx_dropped" }, { "tx.bytes", "rx_bytes" },  { "tx.pkts", "rx_packets" },
    { "tx.errs", "rx_errors" },  { "tx.drop", "rx_dropped" },
  };
  GStrv taps = qd->status ? qd->status->taps : NULL;

  g_variant_dict_insert (&stats->dict, "net.count", "u", taps ? g_strv_length (taps) : 0);
  for (guint i = 0; taps && taps[i]; i++)
    {
      insert_indexed (&stats->dict, "net", i, "name", g_variant_new_string (taps[i]));
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        insert_indexed (&stats->dict, "net", i, keys[k][0],
                        g_variant_new_uint64 (read_counter (taps[i], keys[k][1])));
    }
}

static void
query (QemuDomain *qd, GTask *task, const char *command, GAsyncReadyCallback callback)
{
  Stats *stats = g_task_get_task_data (task);

  stats->pending++;
  vb_qmp_client_execute_full_async (qd->qmp, command, NULL, -1, STATS_QMP_TIMEOUT_MS, NULL,
                                    callback, g_object_ref (task));
}

void
vb_qemu_get_stats_async (VbDriverHost *host, VbDomain *domain, guint groups,
                         GCancellable *cancellable, GAsyncReadyCallback callback,
                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, cancellable, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  Stats *stats;

  g_task_set_source_tag (task, vb_qemu_get_stats_async);
  if (!qd || !qd->qmp || qd->gone || !live)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  stats = g_new0 (Stats, 1);
  g_variant_dict_init (&stats->dict, NULL);
  stats->disks = vb_domain_stat_disks (live->xml);
  g_task_set_task_data (task, stats, (GDestroyNotify) stats_free);

  if (groups & (VB_STATS_CPU_TOTAL | VB_STATS_BALLOON))
    {
      ProcTimes times;

      if (read_proc_stat (qd->pid, 0, &times))
        {
          if (groups & VB_STATS_CPU_TOTAL)
            {
              g_variant_dict_insert (&stats->dict, "cpu.time", "t",
                                     times.user_ns + times.system_ns);
              g_variant_dict_insert (&stats->dict, "cpu.user", "t", times.user_ns);
              g_variant_dict_insert (&stats->dict, "cpu.system", "t", times.system_ns);
            }
          if (groups & VB_STATS_BALLOON)
            g_variant_dict_insert (&stats->dict, "balloon.rss", "t", times.rss_kib);
        }
    }
  if (groups & VB_STATS_INTERFACE)
    add_net (stats, qd);
  if (groups & VB_STATS_PERF)
    vb_qemu_perf_add_stats (qd->perf, &stats->dict);

  /* One part for this function, one per command. */
  stats->pending = 1;
  if (groups & VB_STATS_VCPU)
    query (qd, task, "query-cpus-fast", got_cpus);
  if (groups & VB_STATS_BALLOON)
    query (qd, task, "query-balloon", got_balloon);
  if ((groups & VB_STATS_BALLOON) && balloon_polls (live->xml))
    {
      JsonObject *args = json_object_new ();

      json_object_set_string_member (args, "path", "/machine/peripheral/balloon0");
      json_object_set_string_member (args, "property", "guest-stats");
      stats->pending++;
      vb_qmp_client_execute_full_async (qd->qmp, "qom-get", args, -1, STATS_QMP_TIMEOUT_MS, NULL,
                                        got_guest_stats, g_object_ref (task));
      json_object_unref (args);
    }
  if (groups & VB_STATS_BLOCK)
    {
      query (qd, task, "query-blockstats", got_blockstats);
      query (qd, task, "query-block", got_block);
    }
  stats_part_done (g_steal_pointer (&task));
}

GVariant *
vb_qemu_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_get_stats_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
vb_qemu_interface_device (VbDriverHost *host, VbDomain *domain, const char *mac)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  GStrv taps = qd && qd->status ? qd->status->taps : NULL;

  /* A tap has the guest's MAC with fe as its first byte (qemu-tap.c). */
  if (!mac || strlen (mac) != 17)
    return NULL;
  for (guint i = 0; taps && taps[i]; i++)
    {
      g_autofree char *path = g_build_filename ("/sys/class/net", taps[i], "address", NULL);
      g_autofree char *address = NULL;

      if (g_file_get_contents (path, &address, NULL, NULL)
          && g_ascii_strncasecmp (g_strstrip (address), "fe", 2) == 0
          && g_ascii_strcasecmp (address + 2, mac + 2) == 0)
        return g_strdup (taps[i]);
    }
  return NULL;
}
