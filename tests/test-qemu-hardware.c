/* Hardware and host-security elements that define accepts (the dry run
 * builds their command line, tests/qemuxml/hw-*) but that this host or this
 * QEMU cannot run: Start (a build that is not a dry run) refuses each by
 * name. And the DAC seclabel that does run is not refused. */
#include <glib.h>
#include <string.h>

#include "qemu-command.h"
#include "vb-error.h"
#include "xml-schema.h"

static const char *const machines[] = { "pc", "q35", NULL };

/* Every host path exists, /dev/sev too: what is left is what virtbus or
 * this QEMU lacks. */
static gboolean
every_path (const char *path)
{
  return TRUE;
}

static VbQemuCommand *
build (const char *name, gboolean dry_run, GError **error)
{
  g_autofree char *path = g_strdup_printf ("%s/qemuxml/%s.xml", g_getenv ("VB_TEST_SRCDIR"), name);
  g_autofree char *raw = NULL;
  g_autoptr (GString) xml = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = dry_run,
    .path_exists = every_path,
  };

  g_assert_true (g_file_get_contents (path, &raw, NULL, NULL));
  xml = g_string_new (raw);
  g_string_replace (xml, "@DIR@", "/var/lib/virtbus/images", 0);
  def = vb_domain_def_parse (xml->str, error);
  g_assert_nonnull (def);
  context.kvm = g_strcmp0 (def->type, "kvm") == 0;
  return vb_qemu_command_build (def, &context, error);
}

static void
expect_start_refusal (const char *name, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) defined = build (name, TRUE, &error);
  g_autoptr (VbQemuCommand) started = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (defined);
  started = build (name, FALSE, &error);
  g_assert_null (started);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, message))
    g_error ("%s: expected \"%s\" in \"%s\"", name, message, error->message);
}

static void
test_start_refusals (void)
{
  expect_start_refusal ("hw-launch-security-snp",
                        "launchSecurity type 'sev-snp' needs QEMU 9.1 (sev-snp-guest)");
  expect_start_refusal ("hw-launch-security-sev-shim", "<shim> needs a QEMU with -shim");
}

/* A disk's DAC seclabel with relabel='no' asks for what virtbus does
 * anyway: Start runs it. */
static void
test_dac_starts (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) started = build ("hw-seclabel-disk-dac", FALSE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (started);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-hardware/start-refusals", test_start_refusals);
  g_test_add_func ("/qemu-hardware/dac-starts", test_dac_starts);
  return g_test_run ();
}
