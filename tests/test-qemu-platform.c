/* Shares and launch security (tests/qemuxml/plat-*): what define accepts
 * and a start here builds or refuses by name. The Rust virtiofsd is not on
 * this host (Debian 12): a start refuses it as missing; on a host that has
 * it, its own options are on its command line. An SEV guest's attestation
 * blobs reach QEMU as descriptors, never on its command line. */
#include <glib.h>
#include <string.h>

#include "qemu-command.h"
#include "vb-error.h"
#include "xml-schema.h"

static const char *const machines[] = { "pc", "q35", NULL };
static const char *missing_path;

/* Every host path exists but @missing_path. */
static gboolean
path_exists (const char *path)
{
  return g_strcmp0 (path, missing_path) != 0;
}

static VbQemuCommand *
build (const char *name, gboolean dry_run, const char *missing, GError **error)
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
    .path_exists = path_exists,
  };

  missing_path = missing;
  g_assert_true (g_file_get_contents (path, &raw, NULL, NULL));
  xml = g_string_new (raw);
  g_string_replace (xml, "@DIR@", "/var/lib/virtbus/images", 0);
  def = vb_domain_def_parse (xml->str, error);
  g_assert_nonnull (def);
  context.kvm = g_strcmp0 (def->type, "kvm") == 0;
  return vb_qemu_command_build (def, &context, error);
}

static void
expect_start_refusal (const char *name, const char *missing, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) defined = build (name, TRUE, NULL, &error);
  g_autoptr (VbQemuCommand) started = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (defined);
  started = build (name, FALSE, missing, &error);
  g_assert_null (started);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, message))
    g_error ("%s: expected \"%s\" in \"%s\"", name, message, error->message);
}

static gboolean
argv_has (GPtrArray *argv, const char *arg)
{
  for (guint i = 0; i < argv->len && argv->pdata[i]; i++)
    if (g_str_equal (argv->pdata[i], arg))
      return TRUE;
  return FALSE;
}

static void
test_rust_virtiofsd (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) started = NULL;
  VbQemuHelperSpec *spec;

  expect_start_refusal ("plat-fs-virtiofsd-rust", "/usr/libexec/virtiofsd",
                        "virtiofsd /usr/libexec/virtiofsd is missing (Debian package virtiofsd)");
  /* Where it is installed: its own options, the share as one argument
   * (a comma in it is no separator there). */
  started = build ("plat-fs-virtiofsd-rust", FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (started->helpers->len, ==, 2);
  spec = started->helpers->pdata[0];
  g_assert_cmpstr (spec->argv->pdata[0], ==, "/usr/libexec/virtiofsd");
  g_assert_true (argv_has (spec->argv, "/var/lib/virtbus/images/share,with comma"));
  g_assert_true (argv_has (spec->argv, "--cache=never"));
  g_assert_true (argv_has (spec->argv, "--sandbox=chroot"));
  g_assert_true (argv_has (spec->argv, "--xattr"));
  g_assert_false (argv_has (spec->argv, "-o"));
  /* QEMU 7.2's own virtiofsd is still the default. */
  expect_start_refusal ("fs-virtiofs", "/usr/lib/qemu/virtiofsd",
                        "virtiofsd /usr/lib/qemu/virtiofsd is missing");
}

static void
test_sev_attestation (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) started = NULL;
  gboolean on_argv = FALSE;

  expect_start_refusal ("plat-sev-attestation", "/dev/sev", "the host has no AMD SEV (/dev/sev)");
  started = build ("plat-sev-attestation", FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (started->secrets->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      VbQemuSecret *secret = started->secrets->pdata[i];
      const char *want = i == 0 ? "AQAAAAAOAAAAQAAAAAOAAAAQAAAAAOAAAAQAAAAAOAAAAQAAAAAOAAA"
                                : "SGVsbG8sIFNFViBzZXNzaW9uIGJsb2I=";
      gsize len = 0;
      const char *value = g_bytes_get_data (secret->value, &len);

      g_assert_cmpmem (value, len, want, strlen (want));
    }
  /* The blobs are on no argument: QEMU reads them from the descriptors. */
  for (guint i = 0; i < started->argv->len && started->argv->pdata[i]; i++)
    {
      const char *arg = started->argv->pdata[i];

      g_assert_null (strstr (arg, "AQAAAAAO"));
      g_assert_null (strstr (arg, "SGVsbG8s"));
      if (strstr (arg, "dh-cert-file=/proc/self/fd/@SECRETFD0@")
          && strstr (arg, "session-file=/proc/self/fd/@SECRETFD1@"))
        on_argv = TRUE;
    }
  g_assert_true (on_argv);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-platform/rust-virtiofsd", test_rust_virtiofsd);
  g_test_add_func ("/qemu-platform/sev-attestation", test_sev_attestation);
  return g_test_run ();
}
