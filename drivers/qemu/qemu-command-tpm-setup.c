/* swtpm_setup for an emulated TPM 2.0 (<backend type='emulator'>): the
 * PCR banks the TPM activates (<active_pcr_banks>) and the profile its state
 * is made with (<profile>, swtpm 0.10), run by the service before swtpm
 * starts (VbQemuHelperSpec.setup_argv). */
#include "qemu-command-private.h"
#include "qemu-helper-state-file.h"

#define SWTPM_SETUP_BINARY "/usr/bin/swtpm_setup"
/* The file of a TPM 2.0's permanent state in swtpm's directory backend. */
#define SWTPM_PERMALL "tpm2-00.permall"

/* The banks swtpm_setup knows, in the order it lists them. */
static const char *const pcr_banks[] = { "sha1", "sha256", "sha384", "sha512" };

static gboolean
pcr_bank_list (xmlNode *banks, GString *out, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (pcr_banks); i++)
    if (vb_xml_child (banks, pcr_banks[i]))
      g_string_append_printf (out, "%s%s", out->len ? "," : "", pcr_banks[i]);
  if (!out->len)
    return refuse (error, banks,
                   "<active_pcr_banks> names at least one bank (sha1, sha256, "
                   "sha384, sha512)");
  return TRUE;
}

/* A profile's source and removeDisabled: one argument of swtpm_setup
 * each, a name ("local:restricted", "builtin:default-v1"), never an
 * option. */
static gboolean
profile_options (Builder *b, xmlNode *profile, GPtrArray *argv, GError **error)
{
  g_autofree char *source = vb_xml_attr (profile, "source");
  g_autofree char *remove = vb_xml_attr (profile, "removeDisabled");

  if (!source || !vb_qemu_plain_word (source, ":") || source[0] == '-')
    return refuse (error, profile,
                   "source must be a profile's name: letters, digits, ':', '.', "
                   "'_' or '-'");
  /* A host matter: swtpm_setup has profiles from swtpm 0.10 on. */
  if (!b->context->dry_run && b->context->program_has
      && !b->context->program_has (SWTPM_SETUP_BINARY, "--profile-name"))
    return refuse (error, profile,
                   "a TPM profile needs swtpm 0.10 or later (swtpm_setup --profile-name); "
                   "this host's %s has no profiles",
                   SWTPM_SETUP_BINARY);
  g_ptr_array_add (argv, g_strdup ("--profile-name"));
  g_ptr_array_add (argv, g_steal_pointer (&source));
  if (remove)
    {
      g_ptr_array_add (argv, g_strdup ("--profile-remove-disabled"));
      g_ptr_array_add (argv, g_steal_pointer (&remove));
    }
  return TRUE;
}

gboolean
vb_qemu_tpm_setup (Builder *b, xmlNode *backend, VbQemuHelperSpec *spec, gboolean tpm2,
                   GError **error)
{
  xmlNode *banks = vb_xml_child (backend, "active_pcr_banks");
  xmlNode *profile = vb_xml_child (backend, "profile");
  g_autoptr (GString) list = g_string_new (NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *permall = g_build_filename (spec->state_dir, SWTPM_PERMALL, NULL);
  gboolean exists;

  if (!banks && !profile)
    return TRUE; /* swtpm makes the state itself, every bank active */
  if (!tpm2)
    return refuse (error, banks ? banks : profile,
                   "<active_pcr_banks> and <profile> are a TPM 2.0's (version='2.0')");
  if (banks && !pcr_bank_list (banks, list, error))
    return FALSE;
  /* The state of an earlier start: its banks are changed (a profile is
   * the state's from when it was made). */
  exists = !b->context->dry_run && b->context->path_exists
           && b->context->path_exists (spec->state_file ? spec->state_file : permall);
  g_ptr_array_add (argv, g_strdup (SWTPM_SETUP_BINARY));
  g_ptr_array_add (argv, g_strdup ("--tpm2"));
  /* The state directory is its working directory (see setup_argv); for a
   * state file, a copy there (qemu-helper-state-file.h). */
  g_ptr_array_add (argv, g_strdup ("--tpm-state"));
  g_ptr_array_add (argv, g_strdup (spec->state_file ? "file://" VB_QEMU_STATE_FILE_COPY : "."));
  g_ptr_array_add (argv, g_strdup ("--tpm"));
  g_ptr_array_add (argv, g_strdup ("/usr/bin/swtpm socket"));
  /* Nothing from a configuration file: no certificates, no default banks. */
  g_ptr_array_add (argv, g_strdup ("--config"));
  g_ptr_array_add (argv, g_strdup ("/dev/null"));
  if (exists && !banks)
    return TRUE; /* a profile only: the state has it since it was made */
  if (exists)
    g_ptr_array_add (argv, g_strdup ("--reconfigure"));
  g_ptr_array_add (argv, g_strdup ("--pcr-banks"));
  /* Without <active_pcr_banks>, every bank, as swtpm makes it alone. */
  g_ptr_array_add (argv, g_strdup (banks ? list->str : "-"));
  if (profile && !exists && !profile_options (b, profile, argv, error))
    return FALSE;
  if (spec->key)
    {
      g_ptr_array_add (argv, g_strdup ("--pwdfile-fd"));
      g_ptr_array_add (argv, g_strdup ("@KEYFD@"));
      g_ptr_array_add (argv, g_strdup ("--cipher"));
      g_ptr_array_add (argv, g_strdup ("aes-256-cbc"));
    }
  if (!b->context->dry_run && !host_has (b->context, SWTPM_SETUP_BINARY))
    return refuse (error, banks ? banks : profile,
                   "swtpm_setup (%s) is missing (Debian package swtpm-tools)", SWTPM_SETUP_BINARY);
  g_ptr_array_add (argv, NULL);
  spec->setup_argv = g_steal_pointer (&argv);
  return TRUE;
}
