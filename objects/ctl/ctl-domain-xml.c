/* dumpxml: a domain's XML as the service formats it, one element a line. */
#include <stdio.h>
#include <string.h>

#include "ctl-command.h"

/* Domain.GetXMLDesc flags. */
#define XML_SECURE (1u << 0)
#define XML_INACTIVE (1u << 1)

static gboolean
run_dumpxml (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autofree char *xml = NULL;
  guint flags = 0;

  if (!domain)
    return FALSE;
  if (ctl_args_flag (args, "inactive"))
    flags |= XML_INACTIVE;
  if (ctl_args_flag (args, "secure") || ctl_args_flag (args, "security-info"))
    flags |= XML_SECURE;
  if (!virtbus_domain_call_get_xmldesc_sync (domain, flags, &xml, NULL, error))
    return FALSE;
  fputs (xml, stdout);
  if (!g_str_has_suffix (xml, "\n"))
    putchar ('\n');
  return TRUE;
}

const CtlCommand ctl_domain_xml_commands[] = {
  { "dumpxml", "Print a domain's XML", (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } },
    (const CtlOption[]){
      { "inactive", NULL, "the persistent definition, not the running guest's" },
      { "secure", NULL, "with the graphics passwords (needs the console action)" },
      { "security-info", NULL, "the same as --secure, as virsh says it" },
      { NULL } },
    run_dumpxml,
    "Without --inactive a running domain's live XML (with its id, the devices'\n"
    "aliases and addresses), else the persistent definition." },
  { NULL },
};
