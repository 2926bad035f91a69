#include "ctl-affect.h"

#include "ctl-error.h"

static gboolean
given (CtlArgs *args, const char *option)
{
  return ctl_command_option (args->command, option) && ctl_args_flag (args, option);
}

static gboolean
is_active (VirtbusDomain *domain)
{
  return g_strcmp0 (virtbus_domain_get_state (domain), "shutoff") != 0;
}

gboolean
ctl_affect_flags (CtlArgs *args, VirtbusDomain *domain, guint *flags, GError **error)
{
  *flags = 0;
  if (given (args, "current") && (given (args, "live") || given (args, "config")))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "--current excludes --live and --config");
      return FALSE;
    }
  if (given (args, "live"))
    *flags |= CTL_AFFECT_LIVE;
  if (given (args, "config"))
    *flags |= CTL_AFFECT_CONFIG;
  if (given (args, "persistent"))
    *flags |= CTL_AFFECT_CONFIG | (is_active (domain) ? CTL_AFFECT_LIVE : 0);
  return TRUE;
}

gboolean
ctl_affect_is_live (VirtbusDomain *domain, guint flags)
{
  return (flags & CTL_AFFECT_LIVE) || (flags == 0 && is_active (domain));
}
