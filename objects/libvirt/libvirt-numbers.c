#include "libvirt-numbers.h"

#include <string.h>

static int
index_of (const char *const *names, const char *name)
{
  for (int i = 0; name && names[i]; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  return -1;
}

typedef struct {
  const char *event;
  const char *const *details;
} EventNames;

static const char *const defined_details[] = { "added", "updated", "renamed", "from-snapshot",
                                               NULL };
static const char *const undefined_details[] = { "removed", "renamed", NULL };
static const char *const started_details[] = {
  "booted", "migrated", "restored", "from-snapshot", "wakeup", NULL,
};
static const char *const suspended_details[] = {
  "paused",        "migrated",  "ioerror",  "watchdog",        "restored",
  "from-snapshot", "api-error", "postcopy", "postcopy-failed", NULL,
};
static const char *const resumed_details[] = {
  "unpaused", "migrated", "from-snapshot", "postcopy", "postcopy-failed", NULL,
};
static const char *const stopped_details[] = {
  "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from-snapshot", NULL,
};
static const char *const shutdown_details[] = { "finished", "guest", "host", NULL };
static const char *const pmsuspended_details[] = { "memory", "disk", NULL };
static const char *const crashed_details[] = { "panicked", "crashloaded", NULL };

/* virDomainEventType order. */
static const EventNames events[] = {
  { "defined", defined_details },   { "undefined", undefined_details },
  { "started", started_details },   { "suspended", suspended_details },
  { "resumed", resumed_details },   { "stopped", stopped_details },
  { "shutdown", shutdown_details }, { "pmsuspended", pmsuspended_details },
  { "crashed", crashed_details },
};

gboolean
vb_lv_event_numbers (const char *event, const char *detail, int *event_number, int *detail_number)
{
  for (guint i = 0; i < G_N_ELEMENTS (events); i++)
    if (strcmp (events[i].event, event) == 0)
      {
        int d = index_of (events[i].details, detail);

        if (d < 0)
          return FALSE;
        *event_number = (int) i;
        *detail_number = d;
        return TRUE;
      }
  return FALSE;
}
