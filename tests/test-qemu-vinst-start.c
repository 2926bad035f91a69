/* What virt-install writes that depends on this QEMU or host (issue #16,
 * vinst): an Intel TDX guest and Hyper-V's direct and extended TLB flush
 * are built at define (a dry run); a start refuses them by name on QEMU
 * 7.2, or a TDX guest on a host whose KVM runs no trust domains, and
 * builds them on a QEMU new enough. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", "q35", NULL };

static gboolean host_has_tdx;

static gboolean
path_exists (const char *path)
{
  if (g_str_equal (path, "/sys/module/kvm_intel/parameters/tdx"))
    return host_has_tdx;
  return TRUE;
}

static VbQemuCommandContext
context_for (gboolean dry_run, guint version)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .kvm = TRUE,
    .dry_run = dry_run,
    .path_exists = path_exists,
    .qemu_version = version,
  };
  return context;
}

static VbQemuCommand *
build (const char *inside, const VbQemuCommandContext *context, GError **error)
{
  g_autofree char *xml = g_strdup_printf ("<domain type='kvm'><name>d</name>"
                                          "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                                          "<memory unit='MiB'>128</memory><vcpu>1</vcpu>%s"
                                          "<devices><memballoon model='none'/></devices></domain>",
                                          inside);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, context, error);
}

static gboolean
has_pair (VbQemuCommand *command, const char *option, const char *value)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], option)
        && g_str_equal (command->argv->pdata[i + 1], value))
      return TRUE;
  return FALSE;
}

static void
refused_saying (const char *inside, const VbQemuCommandContext *context, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (inside, context, &error);

  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, words))
    g_error ("expected a refusal saying \"%s\", got: %s", words, error->message);
}

#define TDX                                                                         \
  "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"            \
  "<features><acpi/></features><cpu mode='host-passthrough'/>"                      \
  "<launchSecurity type='tdx'><policy>0x10000000</policy><quoteGenerationService/>" \
  "</launchSecurity>"

static void
test_tdx (void)
{
  VbQemuCommandContext define = context_for (TRUE, 70222);
  VbQemuCommandContext old = context_for (FALSE, 70222);
  VbQemuCommandContext new = context_for (FALSE, 100100);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) defined = build (TDX, &define, &error);
  g_autoptr (VbQemuCommand) started = NULL;
  const char *object = "tdx-guest,id=lsec0,attributes=268435456,"
                       "quote-generation-socket.type=unix,"
                       "quote-generation-socket.path=/var/run/tdx-qgs/qgs.socket";

  g_assert_no_error (error);
  g_assert_true (has_pair (defined, "-object", object));
  g_assert_true (has_pair (defined, "-accel", "kvm,kernel-irqchip=split"));
  g_assert_true (has_pair (defined, "-bios", "/usr/share/ovmf/OVMF.fd"));
  refused_saying (TDX, &old,
                  "launchSecurity type 'tdx' (tdx-guest) needs QEMU 10.1; this one is 7.2");
  host_has_tdx = FALSE;
  refused_saying (TDX, &new, "the host's KVM runs no TDX guests");
  host_has_tdx = TRUE;
  started = build (TDX, &new, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (started, "-object", object));
}

/* What no host runs, refused at define with the element named. */
static void
test_tdx_refused_at_define (void)
{
  static const struct {
    const char *inside, *words;
  } cases[] = {
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<features><acpi/><ioapic driver='kvm'/></features><launchSecurity type='tdx'/>",
      "a TDX guest's I/O APIC is QEMU's" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<features><acpi/><smm state='on'/></features><launchSecurity type='tdx'/>",
      "a TDX guest has no system management mode" },
    { "<os><type arch='x86_64' machine='q35'>hvm</type></os><launchSecurity type='tdx'/>",
      "a TDX guest boots UEFI (TDVF): use firmware='efi'" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
      "<nvram>/var/lib/virtbus/nvram/d_VARS.fd</nvram></os><launchSecurity type='tdx'/>",
      "a TDX guest's firmware is stateless" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>"
      "<loader type='rom' format='qcow2'>/x.qcow2</loader></os><launchSecurity type='tdx'/>",
      "-bios reads a raw image" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<launchSecurity type='tdx'><cbitpos>47</cbitpos></launchSecurity>",
      "<cbitpos> is AMD SEV's, not for type 'tdx'" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<launchSecurity type='tdx' kernelHashes='yes'/>",
      "kernelHashes is AMD SEV's" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<launchSecurity type='tdx'><mrOwner>not base64!</mrOwner></launchSecurity>",
      "<mrOwner> is base64" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<launchSecurity type='tdx'><policy>0xzz</policy></launchSecurity>",
      "the TD attributes are a 64-bit number" },
    { "<os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>"
      "<launchSecurity type='tdx'><quoteGenerationService path='qgs.sock'/></launchSecurity>",
      "path must be absolute" },
  };
  VbQemuCommandContext define = context_for (TRUE, 70222);
  VbQemuCommandContext tcg = context_for (TRUE, 70222);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    refused_saying (cases[i].inside, &define, cases[i].words);
  tcg.kvm = FALSE;
  refused_saying (TDX, &tcg, "a TDX guest needs KVM, and this domain runs under TCG");
}

#define TLBFLUSH(child)                                                                 \
  "<os><type arch='x86_64' machine='q35'>hvm</type></os><features><acpi/>"              \
  "<hyperv mode='custom'><tlbflush state='on'>" child "</tlbflush></hyperv></features>" \
  "<cpu mode='host-passthrough'/>"

static void
test_tlbflush (void)
{
  VbQemuCommandContext define = context_for (TRUE, 70222);
  VbQemuCommandContext old = context_for (FALSE, 70222);
  VbQemuCommandContext new = context_for (FALSE, 80000);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) defined =
    build (TLBFLUSH ("<direct state='on'/><extended state='off'/>"), &define, &error);
  g_autoptr (VbQemuCommand) started = NULL;

  g_assert_no_error (error);
  g_assert_true (
    has_pair (defined, "-cpu", "host,hv-tlbflush=on,hv-tlbflush-direct=on,hv-tlbflush-ext=off"));
  refused_saying (
    TLBFLUSH ("<direct state='on'/>"), &old,
    "Hyper-V's direct TLB flush (hv-tlbflush-direct) needs QEMU 8.0; this one is 7.2");
  refused_saying (TLBFLUSH ("<extended state='on'/>"), &old,
                  "Hyper-V's extended TLB flush (hv-tlbflush-ext) needs QEMU 8.0");
  started = build (TLBFLUSH ("<extended state='on'/>"), &new, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (started, "-cpu", "host,hv-tlbflush=on,hv-tlbflush-ext=on"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-vinst-start/tdx", test_tdx);
  g_test_add_func ("/qemu-vinst-start/tdx-refused-at-define", test_tdx_refused_at_define);
  g_test_add_func ("/qemu-vinst-start/hyperv-tlbflush", test_tlbflush);
  return g_test_run ();
}
