#include "libvirt-numbers.h"

#include <string.h>

/* Each NULL-terminated, in the order of libvirt's enum. */
static const char *const running_reasons[] = {
  "unknown",
  "booted",
  "migrated",
  "restored",
  "from-snapshot",
  "unpaused",
  "migration-canceled",
  "save-canceled",
  "wakeup",
  "crashed",
  "postcopy",
  "postcopy-failed",
  NULL,
};
static const char *const paused_reasons[] = {
  "unknown",       "user",
  "migration",     "save",
  "dump",          "ioerror",
  "watchdog",      "from-snapshot",
  "shutting-down", "snapshot",
  "crashed",       "starting-up",
  "postcopy",      "postcopy-failed",
  "api-error",     NULL,
};
static const char *const shutdown_reasons[] = { "unknown", "user", NULL };
static const char *const shutoff_reasons[] = {
  "unknown", "shutdown", "destroyed",     "crashed", "migrated",
  "saved",   "failed",   "from-snapshot", "daemon",  NULL,
};
static const char *const crashed_reasons[] = { "unknown", "panicked", NULL };
static const char *const pmsuspended_reasons[] = { "unknown", NULL };

static int
index_of (const char *const *names, const char *name)
{
  for (int i = 0; name && names[i]; i++)
    if (strcmp (names[i], name) == 0)
      return i;
  return -1;
}

int
vb_lv_state_number (VbDomainState state)
{
  switch (state)
    {
    case VB_DOMAIN_RUNNING:
      return 1;
    case VB_DOMAIN_PAUSED:
      return 3;
    case VB_DOMAIN_SHUTDOWN:
      return 4;
    case VB_DOMAIN_SHUTOFF:
      return 5;
    case VB_DOMAIN_CRASHED:
      return 6;
    case VB_DOMAIN_PMSUSPENDED:
      return 7;
    }
  return 0; /* VIR_DOMAIN_NOSTATE */
}

int
vb_lv_state_reason_number (VbDomainState state, const char *reason)
{
  const char *const *names = NULL;
  int number;

  switch (state)
    {
    case VB_DOMAIN_RUNNING:
      names = running_reasons;
      break;
    case VB_DOMAIN_PAUSED:
      names = paused_reasons;
      break;
    case VB_DOMAIN_SHUTDOWN:
      names = shutdown_reasons;
      break;
    case VB_DOMAIN_SHUTOFF:
      names = shutoff_reasons;
      break;
    case VB_DOMAIN_CRASHED:
      names = crashed_reasons;
      break;
    case VB_DOMAIN_PMSUSPENDED:
      names = pmsuspended_reasons;
      break;
    }
  number = names ? index_of (names, reason) : -1;
  return number < 0 ? 0 : number;
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
