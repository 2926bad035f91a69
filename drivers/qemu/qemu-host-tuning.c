/* <perf>, <cachetune>/<memorytune> and <resource> on the host (see
 * qemu-host-tuning.h). */
#include "qemu-host-tuning.h"

#include <errno.h>
#include <stdlib.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* The kernel's PMU of libvirt's cmt, mbmt and mbml (gone since Linux 4.14). */
#define CQM_TYPE_FILE "/sys/bus/event_source/devices/intel_cqm/type"

typedef struct {
  const char *name;
  guint32 type; /* PERF_TYPE_*; G_MAXUINT32: the intel_cqm PMU's */
  guint64 config;
} EventKind;

static const EventKind event_kinds[] = {
  { "cmt", G_MAXUINT32, 1 },
  { "mbmt", G_MAXUINT32, 2 },
  { "mbml", G_MAXUINT32, 3 },
  { "cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
  { "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
  { "cache_references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES },
  { "cache_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
  { "branch_instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
  { "branch_misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
  { "bus_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES },
  { "stalled_cycles_frontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND },
  { "stalled_cycles_backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND },
  { "ref_cpu_cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES },
  { "cpu_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK },
  { "task_clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
  { "page_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS },
  { "context_switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
  { "cpu_migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS },
  { "page_faults_min", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
  { "page_faults_maj", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
  { "alignment_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS },
  { "emulation_faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS },
};

typedef struct {
  const EventKind *kind;
  GArray *fds; /* int: one per thread QEMU had when opened */
} Event;

struct _VbQemuPerf {
  GArray *events; /* Event */
};

static void
event_clear (Event *event)
{
  for (guint i = 0; event->fds && i < event->fds->len; i++)
    close (g_array_index (event->fds, int, i));
  g_clear_pointer (&event->fds, g_array_unref);
}

void
vb_qemu_perf_free (VbQemuPerf *perf)
{
  if (!perf)
    return;
  g_array_unref (perf->events);
  g_free (perf);
}

static gboolean G_GNUC_PRINTF (3, 4) refuse (GError **error, xmlNode *node, const char *format, ...)
{
  g_autofree char *why = NULL;
  va_list args;

  va_start (args, format);
  why = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "<%s> at line %ld: %s", node->name,
               vb_xml_line (node), why);
  return FALSE;
}

static const EventKind *
kind_of (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (event_kinds); i++)
    if (g_str_equal (event_kinds[i].name, name))
      return &event_kinds[i];
  return NULL;
}

/* Opens @kind on thread @tid (0: this one), counting the threads it makes
 * from now on too. -1 with errno, or with errno ENODEV when the PMU of
 * cmt/mbmt/mbml is not there. */
static int
open_event (const EventKind *kind, int tid)
{
  struct perf_event_attr attr;
  guint32 type = kind->type;

  if (type == G_MAXUINT32)
    {
      g_autofree char *text = NULL;
      guint64 value = 0;

      if (!g_file_get_contents (CQM_TYPE_FILE, &text, NULL, NULL)
          || !vb_xml_parse_unsigned (g_strstrip (text), 10, G_MAXUINT32, &value))
        {
          errno = ENODEV;
          return -1;
        }
      type = (guint32) value;
    }
  memset (&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = type;
  attr.config = kind->config;
  attr.inherit = 1;
  return (int) syscall (SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static const char *
open_problem (const EventKind *kind, int saved)
{
  if (kind->type == G_MAXUINT32 && saved == ENODEV)
    return "this host's kernel has no intel_cqm perf PMU (Linux removed it in 4.14)";
  if (saved == ENOENT || saved == EOPNOTSUPP)
    return "this host's kernel or CPU has no such perf event (no hardware PMU?)";
  return NULL;
}

static gboolean
check_perf (xmlNode *root, GError **error)
{
  for (xmlNode *node = vb_xml_child (vb_xml_child (root, "perf"), "event"); node;
       node = vb_xml_next (node, "event"))
    {
      g_autofree char *name = vb_xml_attr (node, "name");
      const EventKind *kind = kind_of (name);
      int fd, saved;

      if (!vb_xml_attr_is (node, "enabled", "yes"))
        continue;
      if (!kind)
        return refuse (error, node, "unknown perf event '%s'", name);
      fd = open_event (kind, 0);
      saved = errno;
      if (fd >= 0)
        {
          close (fd);
          continue;
        }
      return refuse (error, node, "the perf event '%s' cannot be counted here: %s", name,
                     open_problem (kind, saved) ? open_problem (kind, saved) : g_strerror (saved));
    }
  return TRUE;
}

gboolean
vb_qemu_host_tuning_check (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);
  xmlNode *root;

  if (!doc)
    return FALSE;
  root = xmlDocGetRootElement (doc);
  if (!check_perf (root, error))
    return FALSE;
  return TRUE;
}

VbQemuPerf *
vb_qemu_perf_open (const char *xml, int pid, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);
  g_autoptr (VbQemuPerf) perf = NULL;
  g_autofree char *task_dir = g_strdup_printf ("/proc/%d/task", pid);
  g_autoptr (GArray) tids = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr (GDir) dir = NULL;
  const char *entry;

  if (!doc)
    return NULL;
  /* Most domains: nothing to open. */
  if (!vb_xml_child (xmlDocGetRootElement (doc), "perf"))
    return NULL;
  perf = g_new0 (VbQemuPerf, 1);
  perf->events = g_array_new (FALSE, TRUE, sizeof (Event));
  g_array_set_clear_func (perf->events, (GDestroyNotify) event_clear);
  dir = g_dir_open (task_dir, 0, error);
  if (!dir)
    return NULL;
  while ((entry = g_dir_read_name (dir)))
    {
      int tid = atoi (entry);

      if (tid > 0)
        g_array_append_val (tids, tid);
    }
  for (xmlNode *node = vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "perf"), "event");
       node; node = vb_xml_next (node, "event"))
    {
      g_autofree char *name = vb_xml_attr (node, "name");
      Event event = { kind_of (name), g_array_new (FALSE, FALSE, sizeof (int)) };

      if (!vb_xml_attr_is (node, "enabled", "yes") || !event.kind)
        {
          event_clear (&event);
          continue;
        }
      g_array_append_val (perf->events, event);
      for (guint i = 0; i < tids->len; i++)
        {
          int fd = open_event (event.kind, g_array_index (tids, int, i));
          int saved = errno;

          /* A thread that ended meanwhile has nothing to count. */
          if (fd < 0 && saved == ESRCH)
            continue;
          if (fd < 0)
            {
              refuse (error, node, "the perf event '%s' cannot be counted for QEMU: %s", name,
                      g_strerror (saved));
              return NULL;
            }
          g_array_append_val (event.fds, fd);
        }
    }
  if (perf->events->len == 0)
    return NULL;
  return g_steal_pointer (&perf);
}

void
vb_qemu_perf_add_stats (const VbQemuPerf *perf, GVariantDict *dict)
{
  for (guint i = 0; perf && i < perf->events->len; i++)
    {
      const Event *event = &g_array_index (perf->events, Event, i);
      g_autofree char *key = g_strdup_printf ("perf.%s", event->kind->name);
      guint64 total = 0;

      /* Each fd counts its thread and the threads it made since. */
      for (guint j = 0; j < event->fds->len; j++)
        {
          guint64 value = 0;

          if (read (g_array_index (event->fds, int, j), &value, sizeof value) == sizeof value)
            total += value;
        }
      g_variant_dict_insert (dict, key, "t", total);
    }
}

static void
part_free (QemuDomain *qd)
{
  g_clear_pointer (&qd->perf, vb_qemu_perf_free);
}

/* The counters of the old service died with it: counted again from zero. */
static void
part_reattached (QemuDomain *qd)
{
  const VbDomainDef *live = vb_domain_get_live_def (qd->domain);
  g_autoptr (GError) error = NULL;

  if (!live || qd->perf)
    return;
  qd->perf = vb_qemu_perf_open (live->xml, qd->pid, &error);
  if (error)
    vb_log_warning (vb_qemu_log_name (qd->domain), "perf counters not reopened: %s",
                    error->message);
}

const VbQemuPart vb_qemu_host_tuning_part = {
  .name = "host-tuning",
  .reattached = part_reattached,
  .free = part_free,
};
