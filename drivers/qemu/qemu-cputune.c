/* The host side of <vcpu cpuset> and <cputune> (see qemu-cputune.h).
 *
 * Which CPUs: a vCPU's <vcpupin>, an iothread's <iothreadpin>, the other
 * threads' (the emulator's) <emulatorpin>, each else <vcpu cpuset>, else
 * left alone, as libvirt does.
 *
 * cgroups: the cgroup v1 cpu controller (what this project's hosts have;
 * cgroup v2 is refused by name, see docs/xml-subset.md). The domain gets
 * "virtbus-<uuid>" in the service's own cpu cgroup, holding <shares> and
 * the global period/quota, with one child for each vCPU ("vcpuN"), each
 * iothread ("iothreadN") and the rest ("emulator"), holding the per-thread
 * period/quota: libvirt's layout. */
#define _GNU_SOURCE
#include "qemu-cputune.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain-cputune.h"
#include "qemu-cgroup.h"
#include "qemu-numad.h"
#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

typedef struct {
  cpu_set_t *mask; /* NULL: left as it is */
  char *mask_what; /* "<vcpupin> at line 12": whose CPUs, for messages */
  int policy;      /* SCHED_*, -1: left as it is */
  int priority;
  char *sched_what;
  char *period; /* cgroup values of the thread's own cgroup; NULL: unset */
  char *quota;
} ThreadPlan;

struct _VbQemuTuning {
  char *uuid;
  guint n_vcpus;
  ThreadPlan *vcpus;
  GArray *iothread_ids; /* guint, the order of iothreads */
  ThreadPlan *iothreads;
  ThreadPlan emulator;
  char *cgroup_dir;  /* the domain's cpu cgroup; NULL when none is needed */
  char *cgroup_what; /* the first element that needs it */
  char *shares;
  char *global_period;
  char *global_quota;
};

static void
plan_clear (ThreadPlan *plan)
{
  g_free (plan->mask);
  g_free (plan->mask_what);
  g_free (plan->sched_what);
  g_free (plan->period);
  g_free (plan->quota);
}

void
vb_qemu_tuning_free (VbQemuTuning *tuning)
{
  if (!tuning)
    return;
  for (guint i = 0; i < tuning->n_vcpus; i++)
    plan_clear (&tuning->vcpus[i]);
  for (guint i = 0; tuning->iothread_ids && i < tuning->iothread_ids->len; i++)
    plan_clear (&tuning->iothreads[i]);
  plan_clear (&tuning->emulator);
  g_free (tuning->vcpus);
  g_free (tuning->iothreads);
  g_clear_pointer (&tuning->iothread_ids, g_array_unref);
  g_free (tuning->uuid);
  g_free (tuning->cgroup_dir);
  g_free (tuning->cgroup_what);
  g_free (tuning->shares);
  g_free (tuning->global_period);
  g_free (tuning->global_quota);
  g_free (tuning);
}

static char *
what (xmlNode *node)
{
  return g_strdup_printf ("<%s> at line %ld", node->name, vb_xml_line (node));
}

static gboolean G_GNUC_PRINTF (3, 4)
  refuse (GError **error, const char *element, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "%s: %s", element, why);
  return FALSE;
}

/* ---- reading the XML ---- */

/* The CPUs the host has online, as the kernel lists them. */
static GArray *
online_cpus (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/sys/devices/system/cpu/online", &text, NULL, NULL))
    return NULL;
  g_strstrip (text);
  return vb_cpuset_parse (text, NULL);
}

/* The CPU set @text of @node as a mask, refused when it names a CPU the
 * host lacks. */
static gboolean
read_mask_text (xmlNode *node, const char *text, const GArray *online, ThreadPlan *plan,
                GError **error)
{
  g_autoptr (GArray) cpus = vb_cpuset_parse (text, NULL);

  /* Define checked the syntax. */
  g_return_val_if_fail (cpus != NULL, FALSE);
  for (guint i = 0; online && i < cpus->len; i++)
    if (!vb_cpuset_has (online, g_array_index (cpus, guint, i)))
      {
        g_autofree char *where = what (node);
        g_autofree char *have = vb_cpuset_format (online);

        return refuse (error, where, "this host has no CPU %u online (its CPUs: %s)",
                       g_array_index (cpus, guint, i), have);
      }
  if (g_array_index (cpus, guint, cpus->len - 1) >= CPU_SETSIZE)
    {
      g_autofree char *where = what (node);

      return refuse (error, where, "CPU %u is beyond the %d a thread can be pinned to here",
                     g_array_index (cpus, guint, cpus->len - 1), CPU_SETSIZE);
    }
  g_free (plan->mask);
  g_free (plan->mask_what);
  plan->mask = g_new0 (cpu_set_t, 1);
  for (guint i = 0; i < cpus->len; i++)
    CPU_SET (g_array_index (cpus, guint, i), plan->mask);
  plan->mask_what = what (node);
  return TRUE;
}

/* @node's cpuset= as a mask. */
static gboolean
read_mask (xmlNode *node, const GArray *online, ThreadPlan *plan, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, "cpuset");

  return read_mask_text (node, text, online, plan, error);
}

/* <vcpu placement='auto'>: every thread on the CPUs of numad's nodes,
 * unless a pin says otherwise (as <vcpu cpuset>). */
static gboolean
read_numad_mask (xmlNode *vcpu, const char *numad_nodes, const GArray *online, VbQemuTuning *tuning,
                 GError **error)
{
  g_autofree char *cpus = numad_nodes ? vb_qemu_numad_cpus_of (numad_nodes) : NULL;

  if (!cpus)
    {
      g_autofree char *where = what (vcpu);

      if (numad_nodes)
        return refuse (error, where,
                       "the CPUs of host NUMA nodes %s (numad's advice) cannot be read",
                       numad_nodes);
      return refuse (error, where,
                     "placement='auto': numad's advice is asked when the domain starts, and "
                     "the service has none for this run of it");
    }
  if (!read_mask_text (vcpu, cpus, online, &tuning->emulator, error))
    return FALSE;
  for (guint i = 0; i < tuning->n_vcpus; i++)
    if (!read_mask_text (vcpu, cpus, online, &tuning->vcpus[i], error))
      return FALSE;
  for (guint i = 0; i < tuning->iothread_ids->len; i++)
    if (!read_mask_text (vcpu, cpus, online, &tuning->iothreads[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
read_sched (xmlNode *node, ThreadPlan *plan, GError **error)
{
  g_autofree char *scheduler = vb_xml_attr (node, "scheduler");
  g_autofree char *priority = vb_xml_attr (node, "priority");

  plan->policy = g_str_equal (scheduler, "fifo")    ? SCHED_FIFO
                 : g_str_equal (scheduler, "rr")    ? SCHED_RR
                 : g_str_equal (scheduler, "batch") ? SCHED_BATCH
                 : g_str_equal (scheduler, "idle")  ? SCHED_IDLE
                                                    : SCHED_OTHER;
  plan->priority = priority ? (int) g_ascii_strtoll (priority, NULL, 10) : 0;
  g_free (plan->sched_what);
  plan->sched_what = what (node);
  /* Define left the range to the host's kernel. */
  if (priority
      && (plan->priority < sched_get_priority_min (plan->policy)
          || plan->priority > sched_get_priority_max (plan->policy)))
    return refuse (error, plan->sched_what,
                   "priority %s is outside this host's range for scheduler '%s' (%d to %d)",
                   priority, scheduler, sched_get_priority_min (plan->policy),
                   sched_get_priority_max (plan->policy));
  return TRUE;
}

static gboolean
read_sched_set (xmlNode *node, const char *attr, VbQemuTuning *tuning, GError **error)
{
  g_autofree char *text = vb_xml_attr (node, attr);
  g_autoptr (GArray) set = vb_cpuset_parse (text, NULL);
  gboolean vcpus = g_str_equal (attr, "vcpus");

  g_return_val_if_fail (set != NULL, FALSE);
  for (guint i = 0; i < set->len; i++)
    {
      guint id = g_array_index (set, guint, i);

      if (vcpus && id < tuning->n_vcpus && !read_sched (node, &tuning->vcpus[id], error))
        return FALSE;
      for (guint j = 0; !vcpus && j < tuning->iothread_ids->len; j++)
        if (g_array_index (tuning->iothread_ids, guint, j) == id
            && !read_sched (node, &tuning->iothreads[j], error))
          return FALSE;
    }
  return TRUE;
}

static char *
text_of (xmlNode *cputune, const char *name)
{
  xmlNode *node = vb_xml_child (cputune, name);
  return node ? vb_xml_text (node) : NULL;
}

/* <cputune>'s cgroup values: which thread's cgroup holds each. */
static gboolean
read_cgroup (xmlNode *cputune, VbQemuTuning *tuning, GError **error)
{
  static const char *const elements[] = { "shares",         "period",          "quota",
                                          "global_period",  "global_quota",    "emulator_period",
                                          "emulator_quota", "iothread_period", "iothread_quota" };
  xmlNode *first = NULL;
  g_autofree char *period = text_of (cputune, "period");
  g_autofree char *quota = text_of (cputune, "quota");
  g_autofree char *io_period = text_of (cputune, "iothread_period");
  g_autofree char *io_quota = text_of (cputune, "iothread_quota");
  g_autofree char *root = NULL;
  g_autofree char *name = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (elements) && !first; i++)
    first = vb_xml_child (cputune, elements[i]);
  if (!first)
    return TRUE;
  tuning->cgroup_what = what (first);
  switch (vb_qemu_own_cgroup ("cpu", &root))
    {
    case VB_CGROUP_FOUND:
      break;
    case VB_CGROUP_UNREADABLE:
      return refuse (error, tuning->cgroup_what,
                     "/proc/self/mounts or /proc/self/cgroup cannot be read");
    case VB_CGROUP_V2_ONLY:
      return refuse (error, tuning->cgroup_what,
                     "this host has cgroup v2 only, whose cpu controller virtbus does not drive "
                     "(it needs the cgroup v1 'cpu' controller)");
    case VB_CGROUP_NO_CONTROLLER:
      return refuse (error, tuning->cgroup_what,
                     "this host has no cgroup 'cpu' controller mounted");
    case VB_CGROUP_NOT_IN_ONE:
      return refuse (error, tuning->cgroup_what,
                     "the service is in no cgroup of the 'cpu' controller");
    }
  name = g_strdup_printf ("virtbus-%s", tuning->uuid);
  tuning->cgroup_dir = g_build_filename (root, name, NULL);
  tuning->shares = text_of (cputune, "shares");
  if (tuning->shares)
    {
      guint64 shares = g_ascii_strtoull (tuning->shares, NULL, 10);

      /* cgroup v1's cpu.shares range. */
      if (shares < 2 || shares > 262144)
        return refuse (error, tuning->cgroup_what,
                       "shares are between 2 and 262144 on this host (cgroup v1), not %s",
                       tuning->shares);
    }
  tuning->global_period = text_of (cputune, "global_period");
  tuning->global_quota = text_of (cputune, "global_quota");
  tuning->emulator.period = text_of (cputune, "emulator_period");
  tuning->emulator.quota = text_of (cputune, "emulator_quota");
  for (guint i = 0; i < tuning->n_vcpus; i++)
    {
      tuning->vcpus[i].period = g_strdup (period);
      tuning->vcpus[i].quota = g_strdup (quota);
    }
  for (guint i = 0; i < tuning->iothread_ids->len; i++)
    {
      tuning->iothreads[i].period = g_strdup (io_period);
      tuning->iothreads[i].quota = g_strdup (io_quota);
    }
  return TRUE;
}

/* The kernel would refuse a realtime thread in a cgroup without a realtime
 * budget (cpu.rt_runtime_us, 0 in a new cgroup), which virtbus does not
 * hand out: say so before QEMU runs. */
static gboolean
check_realtime (VbQemuTuning *tuning, GError **error)
{
  ThreadPlan *all[] = { &tuning->emulator };
  g_autofree char *parent = NULL;
  g_autofree char *rt = NULL;

  if (!tuning->cgroup_dir)
    return TRUE;
  /* The domain's cgroup may not exist yet: its parent's files say. */
  parent = g_path_get_dirname (tuning->cgroup_dir);
  rt = g_build_filename (parent, "cpu.rt_runtime_us", NULL);
  if (!g_file_test (rt, G_FILE_TEST_EXISTS))
    return TRUE;
  for (guint i = 0; i < tuning->n_vcpus + tuning->iothread_ids->len + 1; i++)
    {
      ThreadPlan *plan = i < tuning->n_vcpus ? &tuning->vcpus[i]
                         : i < tuning->n_vcpus + tuning->iothread_ids->len
                           ? &tuning->iothreads[i - tuning->n_vcpus]
                           : all[0];

      if (plan->policy == SCHED_FIFO || plan->policy == SCHED_RR)
        return refuse (error, plan->sched_what,
                       "a realtime scheduler cannot be combined with %s here: the host's cpu "
                       "cgroups give realtime threads a budget (cpu.rt_runtime_us) that virtbus "
                       "does not hand out",
                       tuning->cgroup_what);
    }
  return TRUE;
}

VbQemuTuning *
vb_qemu_tuning_new (const char *uuid, const char *xml, const char *numad_nodes, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);
  g_autoptr (VbQemuTuning) tuning = NULL;
  g_autoptr (GArray) online = online_cpus ();
  xmlNode *root, *vcpu, *cputune;
  gboolean asked;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  vcpu = vb_xml_child (root, "vcpu");
  cputune = vb_xml_child (root, "cputune");
  asked = cputune || (vcpu && xmlHasProp (vcpu, BAD_CAST "cpuset"))
          || vb_xml_attr_is (vcpu, "placement", "auto");
  if (!asked)
    return NULL;
  tuning = g_new0 (VbQemuTuning, 1);
  tuning->uuid = g_strdup (uuid);
  {
    g_autofree char *count = vcpu ? vb_xml_text (vcpu) : NULL;
    tuning->n_vcpus = count ? (guint) g_ascii_strtoull (count, NULL, 10) : 1;
  }
  tuning->vcpus = g_new0 (ThreadPlan, tuning->n_vcpus);
  tuning->iothread_ids = vb_domain_iothread_ids (root);
  tuning->iothreads = g_new0 (ThreadPlan, tuning->iothread_ids->len + 1);
  tuning->emulator.policy = -1;
  for (guint i = 0; i < tuning->n_vcpus; i++)
    tuning->vcpus[i].policy = -1;
  for (guint i = 0; i < tuning->iothread_ids->len; i++)
    tuning->iothreads[i].policy = -1;

  /* <vcpu cpuset>: every thread's, unless a pin says otherwise. */
  if (vcpu && xmlHasProp (vcpu, BAD_CAST "cpuset"))
    {
      if (!read_mask (vcpu, online, &tuning->emulator, error))
        return NULL;
      for (guint i = 0; i < tuning->n_vcpus; i++)
        if (!read_mask (vcpu, online, &tuning->vcpus[i], error))
          return NULL;
      for (guint i = 0; i < tuning->iothread_ids->len; i++)
        if (!read_mask (vcpu, online, &tuning->iothreads[i], error))
          return NULL;
    }
  else if (vb_xml_attr_is (vcpu, "placement", "auto")
           && !read_numad_mask (vcpu, numad_nodes, online, tuning, error))
    return NULL;
  for (xmlNode *node = cputune ? cputune->children : NULL; node; node = node->next)
    {
      const char *name = (const char *) node->name;

      if (node->type != XML_ELEMENT_NODE)
        continue;
      if (g_str_equal (name, "vcpupin"))
        {
          guint id = vb_xml_attr_uint (node, "vcpu", 0);

          /* Define checked the id. */
          if (id < tuning->n_vcpus && !read_mask (node, online, &tuning->vcpus[id], error))
            return NULL;
        }
      else if (g_str_equal (name, "emulatorpin"))
        {
          if (!read_mask (node, online, &tuning->emulator, error))
            return NULL;
        }
      else if (g_str_equal (name, "iothreadpin"))
        {
          guint id = vb_xml_attr_uint (node, "iothread", 0);

          for (guint j = 0; j < tuning->iothread_ids->len; j++)
            if (g_array_index (tuning->iothread_ids, guint, j) == id
                && !read_mask (node, online, &tuning->iothreads[j], error))
              return NULL;
        }
      else if (g_str_equal (name, "vcpusched"))
        {
          if (!read_sched_set (node, "vcpus", tuning, error))
            return NULL;
        }
      else if (g_str_equal (name, "iothreadsched"))
        {
          if (!read_sched_set (node, "iothreads", tuning, error))
            return NULL;
        }
      else if (g_str_equal (name, "emulatorsched") && !read_sched (node, &tuning->emulator, error))
        return NULL;
    }
  if (cputune && (!read_cgroup (cputune, tuning, error) || !check_realtime (tuning, error)))
    return NULL;
  return g_steal_pointer (&tuning);
}

void
vb_qemu_tuning_child_setup (const VbQemuTuning *tuning)
{
  if (tuning && tuning->emulator.mask)
    (void) sched_setaffinity (0, sizeof (cpu_set_t), tuning->emulator.mask);
}

/* ---- applying it ---- */

typedef struct {
  VbQemuTuning *tuning;
  VbQmpClient *qmp;
  int pid;
  int *vcpu_tids;     /* n_vcpus, 0: QEMU did not report it (not plugged in) */
  int *iothread_tids; /* as iothread_ids */
} Apply;

static void
apply_free (Apply *apply)
{
  vb_qemu_tuning_free (apply->tuning);
  g_clear_object (&apply->qmp);
  g_free (apply->vcpu_tids);
  g_free (apply->iothread_tids);
  g_free (apply);
}

static gboolean
write_file (const char *dir, const char *name, const char *value, const char *element,
            GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  gboolean ok;
  int saved;

  if (fd < 0)
    return refuse (error, element, "cannot open %s: %s", path, g_strerror (errno));
  ok = write (fd, value, strlen (value)) == (ssize_t) strlen (value);
  saved = errno;
  close (fd);
  if (!ok)
    return refuse (error, element, "the host refused %s in %s: %s", value, path,
                   g_strerror (saved));
  return TRUE;
}

/* The cgroup @sub of the domain, its period and quota, and thread @tid in it. */
static gboolean
place_in_cgroup (VbQemuTuning *tuning, const char *sub, const ThreadPlan *plan, int tid,
                 GError **error)
{
  g_autofree char *dir = g_build_filename (tuning->cgroup_dir, sub, NULL);
  g_autofree char *text = g_strdup_printf ("%d", tid);

  if (g_mkdir (dir, 0755) < 0 && errno != EEXIST)
    return refuse (error, tuning->cgroup_what, "cannot create the cgroup %s: %s", dir,
                   g_strerror (errno));
  if (plan->period
      && !write_file (dir, "cpu.cfs_period_us", plan->period, tuning->cgroup_what, error))
    return FALSE;
  if (plan->quota && !write_file (dir, "cpu.cfs_quota_us", plan->quota, tuning->cgroup_what, error))
    return FALSE;
  return write_file (dir, "tasks", text, tuning->cgroup_what, error);
}

static gboolean
tune_thread (Apply *apply, const char *sub, const ThreadPlan *plan, int tid, GError **error)
{
  VbQemuTuning *tuning = apply->tuning;

  if (tuning->cgroup_dir && !place_in_cgroup (tuning, sub, plan, tid, error))
    return FALSE;
  if (plan->mask && sched_setaffinity (tid, sizeof (cpu_set_t), plan->mask) < 0)
    return refuse (error, plan->mask_what, "cannot set the CPUs of thread %d of QEMU (%s): %s", tid,
                   sub, g_strerror (errno));
  if (plan->policy >= 0)
    {
      struct sched_param param = { .sched_priority = plan->priority };

      if (sched_setscheduler (tid, plan->policy, &param) < 0)
        return refuse (error, plan->sched_what,
                       "the host does not let the service set this scheduler on thread %d of "
                       "QEMU (%s): %s",
                       tid, sub, g_strerror (errno));
    }
  return TRUE;
}

static gboolean
is_listed (const int *tids, guint n, int tid)
{
  for (guint i = 0; i < n; i++)
    if (tids[i] == tid)
      return TRUE;
  return FALSE;
}

/* In a worker thread: cgroup files, affinity and policy of every thread
 * are system calls on kernel state, but still not for the main loop. */
static void
apply_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Apply *apply = task_data;
  VbQemuTuning *tuning = apply->tuning;
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", apply->pid);
  g_autoptr (GDir) dir = NULL;
  GError *error = NULL;
  const char *entry;

  if (tuning->cgroup_dir)
    {
      if (g_mkdir (tuning->cgroup_dir, 0755) < 0 && errno != EEXIST)
        {
          refuse (&error, tuning->cgroup_what, "cannot create the cgroup %s: %s",
                  tuning->cgroup_dir, g_strerror (errno));
          g_task_return_error (task, error);
          return;
        }
      if ((tuning->shares
           && !write_file (tuning->cgroup_dir, "cpu.shares", tuning->shares, tuning->cgroup_what,
                           &error))
          || (tuning->global_period
              && !write_file (tuning->cgroup_dir, "cpu.cfs_period_us", tuning->global_period,
                              tuning->cgroup_what, &error))
          || (tuning->global_quota
              && !write_file (tuning->cgroup_dir, "cpu.cfs_quota_us", tuning->global_quota,
                              tuning->cgroup_what, &error)))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  for (guint i = 0; i < tuning->n_vcpus; i++)
    {
      g_autofree char *sub = g_strdup_printf ("vcpu%u", i);

      if (apply->vcpu_tids[i] > 0
          && !tune_thread (apply, sub, &tuning->vcpus[i], apply->vcpu_tids[i], &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  for (guint i = 0; i < tuning->iothread_ids->len; i++)
    {
      g_autofree char *sub =
        g_strdup_printf ("iothread%u", g_array_index (tuning->iothread_ids, guint, i));

      if (apply->iothread_tids[i] > 0
          && !tune_thread (apply, sub, &tuning->iothreads[i], apply->iothread_tids[i], &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }
  /* The emulator: every other thread QEMU has now. Those it starts later
   * are made by these and inherit their CPUs and cgroup. */
  dir = g_dir_open (task_dir, 0, &error);
  if (!dir)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((entry = g_dir_read_name (dir)))
    {
      int tid = atoi (entry);

      if (tid <= 0 || is_listed (apply->vcpu_tids, tuning->n_vcpus, tid)
          || is_listed (apply->iothread_tids, tuning->iothread_ids->len, tid))
        continue;
      if (!tune_thread (apply, "emulator", &tuning->emulator, tid, &error))
        {
          /* A thread that ended meanwhile is nothing to tune. */
          g_autofree char *alive = g_strdup_printf ("/proc/%d/task/%d", apply->pid, tid);

          if (g_file_test (alive, G_FILE_TEST_EXISTS))
            {
              g_task_return_error (task, error);
              return;
            }
          g_clear_error (&error);
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
got_iothreads (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Apply *apply = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  JsonArray *threads = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  if (!reply)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; threads && i < json_array_get_length (threads); i++)
    {
      JsonObject *thread = json_array_get_object_element (threads, i);
      const char *id = vb_qmp_member_string (thread, "id");

      for (guint j = 0; id && j < apply->tuning->iothread_ids->len; j++)
        {
          g_autofree char *ours =
            g_strdup_printf ("iothread%u", g_array_index (apply->tuning->iothread_ids, guint, j));

          if (g_str_equal (id, ours))
            apply->iothread_tids[j] = (int) vb_qmp_member_int (thread, "thread-id", 0);
        }
    }
  g_task_run_in_thread (task, apply_in_thread);
}

static void
got_cpus (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Apply *apply = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  JsonArray *cpus = reply && JSON_NODE_HOLDS_ARRAY (reply) ? json_node_get_array (reply) : NULL;

  if (!reply)
    {
      g_task_return_error (task, error);
      return;
    }
  /* cpu-index is the vCPU id (qemu-vcpu-slots.h). */
  for (guint i = 0; cpus && i < json_array_get_length (cpus); i++)
    {
      JsonObject *cpu = json_array_get_object_element (cpus, i);
      gint64 index = vb_qmp_member_int (cpu, "cpu-index", -1);

      if (index >= 0 && index < apply->tuning->n_vcpus)
        apply->vcpu_tids[index] = (int) vb_qmp_member_int (cpu, "thread-id", 0);
    }
  vb_qmp_client_execute_async (apply->qmp, "query-iothreads", NULL, -1, NULL, got_iothreads,
                               g_steal_pointer (&task));
}

void
vb_qemu_tuning_apply_async (VbQemuTuning *tuning, VbQmpClient *qmp, int pid,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (qmp, NULL, callback, user_data);
  Apply *apply = g_new0 (Apply, 1);

  g_task_set_source_tag (task, vb_qemu_tuning_apply_async);
  apply->tuning = tuning;
  apply->qmp = g_object_ref (qmp);
  apply->pid = pid;
  apply->vcpu_tids = g_new0 (int, tuning->n_vcpus + 1);
  apply->iothread_tids = g_new0 (int, tuning->iothread_ids->len + 1);
  g_task_set_task_data (task, apply, (GDestroyNotify) apply_free);
  vb_qmp_client_execute_async (qmp, "query-cpus-fast", NULL, -1, NULL, got_cpus,
                               g_steal_pointer (&task));
}

gboolean
vb_qemu_tuning_apply_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (G_IS_TASK (result), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_qemu_tuning_apply_async,
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_qemu_tuning_remove_cgroup (const char *uuid)
{
  g_autofree char *root = NULL;
  g_autofree char *name = g_strdup_printf ("virtbus-%s", uuid);
  g_autofree char *path = NULL;
  g_autoptr (GDir) dir = NULL;
  const char *entry;

  if (vb_qemu_own_cgroup ("cpu", &root) != VB_CGROUP_FOUND)
    return;
  path = g_build_filename (root, name, NULL);
  dir = g_dir_open (path, 0, NULL);
  if (!dir)
    return;
  /* Only the children it made: a cgroup directory's files cannot be removed. */
  while ((entry = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, entry, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        (void) g_rmdir (child);
    }
  (void) g_rmdir (path);
}
