/* vncdisplay: where a running domain's VNC server listens, as virsh
 * prints it (":1" for display 1 on every address, "ADDRESS:1" otherwise). */
#include <stdio.h>
#include <string.h>

#include "ctl-command.h"
#include "ctl-domain-facts.h"
#include "ctl-error.h"
#include "ctl-output.h"

#define VNC_BASE_PORT 5900

static gboolean
run_vncdisplay (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autoptr (CtlDomainFacts) facts = NULL;
  g_autofree char *xml = NULL;
  CtlGraphics *vnc = NULL;
  gboolean everywhere;

  if (!domain)
    return FALSE;
  if (g_strcmp0 (virtbus_domain_get_state (domain), "shutoff") == 0)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "domain '%s' is not running",
                   virtbus_domain_get_name (domain));
      return FALSE;
    }
  if (!virtbus_domain_call_get_xmldesc_sync (domain, 0, &xml, NULL, error)
      || !(facts = ctl_domain_facts_parse (xml, error)))
    return FALSE;
  for (guint i = 0; i < facts->graphics->len && !vnc; i++)
    if (g_strcmp0 (((CtlGraphics *) facts->graphics->pdata[i])->type, "vnc") == 0)
      vnc = facts->graphics->pdata[i];
  if (!vnc || vnc->port < VNC_BASE_PORT)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                   vnc ? "the VNC display of domain '%s' listens on no TCP port"
                       : "domain '%s' has no VNC display",
                   virtbus_domain_get_name (domain));
      return FALSE;
    }
  everywhere =
    !vnc->listen || g_str_equal (vnc->listen, "0.0.0.0") || g_str_equal (vnc->listen, "::");
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "address");
      if (vnc->listen)
        json_builder_add_string_value (builder, vnc->listen);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, vnc->port);
      json_builder_set_member_name (builder, "display");
      json_builder_add_int_value (builder, vnc->port - VNC_BASE_PORT);
      json_builder_end_object (builder);
      ctl_print_json (json_builder_get_root (builder));
    }
  else if (everywhere)
    printf (":%d\n", vnc->port - VNC_BASE_PORT);
  else
    {
      /* The address is the definition's text. */
      g_autofree char *listen = ctl_terminal_text (stdout, vnc->listen, FALSE);

      printf (strchr (vnc->listen, ':') ? "[%s]:%d\n" : "%s:%d\n", listen,
              vnc->port - VNC_BASE_PORT);
    }
  return TRUE;
}

const CtlCommand ctl_domain_display_commands[] = {
  { "vncdisplay", "Show where a running domain's VNC display listens",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } }, NULL, run_vncdisplay,
    "Prints :N for display N (port 5900 + N) on every address, ADDRESS:N otherwise.\n"
    "--json gives its address, port and display." },
  { NULL },
};
