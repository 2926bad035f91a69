#include "domain-state-codes.h"

int
vb_domain_state_code (VbDomainState state)
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
  return 0;
}

/* Each list is libvirt's enum for that state in its order, so the index is
 * the number (docs/lifecycle-events.md lists the same). */
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

int
vb_domain_reason_code (VbDomainState state, const char *reason)
{
  const char *const *reasons = pmsuspended_reasons;

  switch (state)
    {
    case VB_DOMAIN_RUNNING:
      reasons = running_reasons;
      break;
    case VB_DOMAIN_PAUSED:
      reasons = paused_reasons;
      break;
    case VB_DOMAIN_SHUTDOWN:
      reasons = shutdown_reasons;
      break;
    case VB_DOMAIN_SHUTOFF:
      reasons = shutoff_reasons;
      break;
    case VB_DOMAIN_CRASHED:
      reasons = crashed_reasons;
      break;
    case VB_DOMAIN_PMSUSPENDED:
      break;
    }
  for (int i = 0; reason && reasons[i]; i++)
    if (g_str_equal (reasons[i], reason))
      return i;
  return 0;
}
