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
static const char *secret_seen;

/* The store: one secret, whose value is "passphrase of UUID". */
static GBytes *
secret_value (const char *uuid, const char *usage_type, const char *usage, gboolean sent_as_is,
              gpointer data, GError **error)
{
  secret_seen = usage_type;
  return g_bytes_new_take (g_strdup_printf ("passphrase of %s", uuid),
                           strlen ("passphrase of ") + strlen (uuid));
}

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
    .swtpm_dir = "/var/lib/virtbus/qemu/swtpm",
    .machines = machines,
    .dry_run = dry_run,
    .path_exists = path_exists,
    .secret_value = secret_value,
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

/* A virtiofs <idmap>: the Rust virtiofsd (the default then) with its ID
 * maps, run unprivileged; Start refuses it without that virtiofsd or
 * without newuidmap/newgidmap. */
static void
test_virtiofs_idmap (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) started = NULL;
  VbQemuHelperSpec *spec;

  expect_start_refusal ("plat-fs-virtiofs-idmap", "/usr/libexec/virtiofsd",
                        "virtiofsd /usr/libexec/virtiofsd is missing (Debian package virtiofsd)");
  expect_start_refusal ("plat-fs-virtiofs-idmap", "/usr/bin/newgidmap",
                        "ID mapping needs newuidmap and newgidmap (Debian package uidmap)");
  started = build ("plat-fs-virtiofs-idmap", FALSE, NULL, &error);
  g_assert_no_error (error);
  spec = started->helpers->pdata[0];
  g_assert_cmpstr (spec->argv->pdata[0], ==, "/usr/libexec/virtiofsd");
  g_assert_false (spec->needs_root);
  g_assert_true (spec->needs_unprivileged);
  g_assert_true (argv_has (spec->argv, "--uid-map=:0:100000:65535:"));
  g_assert_true (argv_has (spec->argv, "--uid-map=:65535:1000:1:"));
  g_assert_true (argv_has (spec->argv, "--gid-map=:0:100000:65535:"));
  /* Without one, virtiofsd runs as root as before. */
  g_clear_pointer (&started, vb_qemu_command_free);
  started = build ("plat-fs-virtiofsd-rust", FALSE, NULL, &error);
  g_assert_no_error (error);
  spec = started->helpers->pdata[0];
  g_assert_true (spec->needs_root);
  g_assert_false (spec->needs_unprivileged);
}

/* <encryption secret>: the secret's value for swtpm's --key and
 * --migration-key, on pipes (the argv has only placeholders); <source
 * type='dir'>: the state directory. */
static void
test_tpm_encryption (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) started = build ("plat-tpm-encrypted", FALSE, NULL, &error);
  VbQemuHelperSpec *spec;
  const char *want = "passphrase of 32ee7e76-2178-47a1-ab7b-269e6e348015";
  gsize len = 0;
  const char *key;
  guint placeholders = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (started->helpers->len, ==, 1);
  spec = started->helpers->pdata[0];
  g_assert_cmpstr (secret_seen, ==, "vtpm");
  g_assert_nonnull (spec->key);
  key = g_bytes_get_data (spec->key, &len);
  g_assert_cmpmem (key, len, want, strlen (want));
  g_assert_cmpstr (spec->state_dir, ==, "/var/lib/virtbus/images/tpm,state");
  for (guint i = 0; i < spec->argv->len && spec->argv->pdata[i]; i++)
    {
      g_assert_null (strstr (spec->argv->pdata[i], "passphrase"));
      if (g_str_equal (spec->argv->pdata[i], "pwdfd=@KEYFD@,mode=aes-256-cbc"))
        placeholders++;
    }
  g_assert_cmpuint (placeholders, ==, 2);

  /* Without it, the service's own state directory, one per UUID. */
  g_clear_pointer (&started, vb_qemu_command_free);
  started = build ("tpm-emulator-tis", FALSE, NULL, &error);
  g_assert_no_error (error);
  spec = started->helpers->pdata[0];
  g_assert_null (spec->key);
  g_assert_cmpstr (spec->state_dir, ==,
                   "/var/lib/virtbus/qemu/swtpm/c7a5fdbd-edaf-9455-926a-d65c16db1809/tpm2");
  g_assert_false (argv_has (spec->argv, "--key"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-platform/rust-virtiofsd", test_rust_virtiofsd);
  g_test_add_func ("/qemu-platform/sev-attestation", test_sev_attestation);
  g_test_add_func ("/qemu-platform/tpm-encryption", test_tpm_encryption);
  g_test_add_func ("/qemu-platform/virtiofs-idmap", test_virtiofs_idmap);
  return g_test_run ();
}
