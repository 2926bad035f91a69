/* libvirt's QEMU namespace (<qemu:commandline>): the caller's arguments
 * after everything the driver wrote, its variables in QEMU's environment.
 * Each value is one argv entry or one variable, never through a shell;
 * QEMU still runs as its own user under the driver's -sandbox, which a
 * later -sandbox cannot loosen (seccomp filters only add up). Defining it
 * needs org.virtbus.Virt1.domain.qemu-passthrough; the names were checked
 * at define (service/conf/domain-passthrough.c). */
#include "domain-passthrough.h"
#include "qemu-command-private.h"
#include "vb-log.h"

gboolean
vb_qemu_build_passthrough (Builder *b, GError **error)
{
  xmlNode *commandline = vb_domain_passthrough (b->root);
  guint args = 0;
  guint vars = 0;

  if (!commandline)
    return TRUE;
  for (xmlNode *arg = vb_domain_passthrough_next (commandline, NULL, "arg"); arg;
       arg = vb_domain_passthrough_next (commandline, arg, "arg"), args++)
    g_ptr_array_add (b->command->argv, vb_xml_attr (arg, "value"));
  for (xmlNode *env = vb_domain_passthrough_next (commandline, NULL, "env"); env;
       env = vb_domain_passthrough_next (commandline, env, "env"), vars++)
    {
      g_autofree char *name = vb_xml_attr (env, "name");
      g_autofree char *value = vb_xml_attr (env, "value");

      /* libvirt's <env name='X'/> sets X to the empty string. */
      g_ptr_array_add (b->command->env, g_strconcat (name, "=", value ? value : "", NULL));
    }
  if (!b->context->dry_run)
    {
      g_autofree char *object = g_strdup_printf ("domain/%s", b->def->name);

      vb_log_message (object,
                      "QEMU arguments passed through (tainted): %u argument(s), %u environment "
                      "variable(s) from <qemu:commandline>",
                      args, vars);
    }
  return TRUE;
}
