/* setmem and setvcpus: a domain's memory (the balloon live, <currentMemory>
 * in the definition) and its vCPUs, with virsh's --live, --config, --current. */
#include <string.h>

#include "ctl-affect.h"
#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-number.h"

/* Domain.SetVcpus: the <vcpu> count rather than how many are present. */
#define VCPU_MAXIMUM (1u << 2)

/* A size as virsh reads one: a number of KiB, or with a unit ("512M",
 * "1GiB", "1000000KB"); rounded up to whole KiB. */
static gboolean
parse_kib (const char *text, guint64 *kib, GError **error)
{
  guint64 bytes;

  if (ctl_parse_size (text, 1024, &bytes))
    {
      *kib = bytes / 1024 + (bytes % 1024 != 0);
      return TRUE;
    }
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
               "'%s' is no size: a number of KiB, or with a unit such as 512M or 2GiB", text);
  return FALSE;
}

static gboolean
run_setmem (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  guint64 kib;
  guint flags;

  if (!domain || !parse_kib (ctl_args_get (args, 1), &kib, error)
      || !ctl_affect_flags (args, domain, &flags, error))
    return FALSE;
  return virtbus_domain_call_set_memory_sync (domain, kib, flags, NULL, error);
}

static gboolean
run_setvcpus (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  const char *text = ctl_args_get (args, 1);
  guint64 count;
  guint flags;

  if (!domain)
    return FALSE;
  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT, &count, NULL))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "'%s' is no number of vCPUs", text);
      return FALSE;
    }
  if (!ctl_affect_flags (args, domain, &flags, error))
    return FALSE;
  if (ctl_args_flag (args, "maximum"))
    flags |= VCPU_MAXIMUM;
  return virtbus_domain_call_set_vcpus_sync (domain, count, flags, NULL, error);
}

const CtlCommand ctl_domain_resources_commands[] = {
  { "setmem", "Change the memory a domain's guest may use",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { "SIZE", CTL_ARG_WORD }, { NULL } },
    (const CtlOption[]){
      { "live", NULL, "the running guest, through its virtio balloon" },
      { "config", NULL, "the persistent definition's <currentMemory>" },
      { "current", NULL, "the running guest when it runs, else the definition (the default)" },
      { NULL } },
    run_setmem,
    "SIZE is a number of KiB, or has a unit: 524288, 512M, 512MiB, 1G, 1GB (10^9\n"
    "bytes). At most the domain's maximum memory (dominfo's Max memory)." },
  { "setvcpus", "Change how many vCPUs a domain has",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { "COUNT", CTL_ARG_WORD }, { NULL } },
    (const CtlOption[]){
      { "live", NULL, "plug vCPUs into the running guest" },
      { "config", NULL, "the persistent definition" },
      { "current", NULL, "the running guest when it runs, else the definition (the default)" },
      { "maximum", NULL, "the definition's maximum (<vcpu>), with --config" },
      { NULL } },
    run_setvcpus },
  { NULL },
};
