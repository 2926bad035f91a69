/* Which definition a change affects, as virsh's --live, --config, --current
 * and --persistent say it: libvirt's flags 1 LIVE, 2 CONFIG (0 CURRENT), as
 * AttachDevice, UpdateDevice, SetMemory and SetVcpus take them. */
#pragma once

#include "ctl-command.h"

G_BEGIN_DECLS

#define CTL_AFFECT_LIVE (1u << 0)
#define CTL_AFFECT_CONFIG (1u << 1)

/* The flags from the options the command declares of "live", "config",
 * "current" and "persistent" (CONFIG, and LIVE when @domain is active);
 * CTL_ERROR_USAGE for --current with --live or --config. */
gboolean ctl_affect_flags (CtlArgs *args, VirtbusDomain *domain, guint *flags, GError **error);
/* Whether a change with @flags reaches the running guest. */
gboolean ctl_affect_is_live (VirtbusDomain *domain, guint flags);

G_END_DECLS
