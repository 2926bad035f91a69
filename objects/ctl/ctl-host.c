/* capabilities and domcapabilities: the host and what its drivers run, in
 * libvirt's XML formats. */
#include <stdio.h>

#include "ctl-command.h"

static void
print_xml (const char *xml)
{
  fputs (xml, stdout);
  if (!g_str_has_suffix (xml, "\n"))
    putchar ('\n');
}

static gboolean
run_capabilities (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autofree char *xml = NULL;

  if (!client
      || !virtbus_manager_call_get_capabilities_sync (virtbus_client_get_manager (client), &xml,
                                                      NULL, error))
    return FALSE;
  print_xml (xml);
  return TRUE;
}

static const char *
value_or_empty (CtlArgs *args, const char *option)
{
  const char *value = ctl_args_value (args, option);

  return value ? value : "";
}

static gboolean
run_domcapabilities (CtlContext *ctx, CtlArgs *args, GError **error)
{
  VirtbusClient *client = ctl_context_client (ctx, error);
  g_autofree char *xml = NULL;

  if (!client
      || !virtbus_manager_call_get_domain_capabilities_sync (
        virtbus_client_get_manager (client), value_or_empty (args, "emulatorbin"),
        value_or_empty (args, "arch"), value_or_empty (args, "machine"),
        value_or_empty (args, "virttype"), 0, &xml, NULL, error))
    return FALSE;
  print_xml (xml);
  return TRUE;
}

const CtlCommand ctl_host_commands[] = {
  { "capabilities", "Show the host and the domain types its drivers run (XML)", NULL, NULL,
    run_capabilities },
  { "domcapabilities", "Show what a driver offers domains: machines, CPUs, devices (XML)", NULL,
    (const CtlOption[]){
      { "emulatorbin", "PATH", "the QEMU binary (default: virtbusd's), or /usr/bin/test-hypervisor",
        CTL_ARG_FILE },
      { "arch", "ARCH", "the architecture (x86_64)" },
      { "machine", "MACHINE", "a machine type or alias (pc, q35)" },
      { "virttype", "TYPE", "qemu, kvm or test (default: kvm when usable, else qemu)" },
      { NULL } },
    run_domcapabilities },
  { NULL },
};
