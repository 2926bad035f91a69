/* The command line of a <tpm>: an emulated TPM (swtpm, a helper process
 * the service starts before QEMU, with its state in the service's state
 * directory), one somebody else runs (external: its socket), or the
 * host's own (passthrough of /dev/tpmN). */
#include "qemu-command-private.h"

#define SWTPM_BINARY "/usr/bin/swtpm"
/* Only one TPM: swtpm's files and QEMU's ids are named after it. */
#define TPM_ID "tpm0"

/* The helper: swtpm answering QEMU on its control socket (QEMU hands it
 * the data channel there), its state in the directory the service opens
 * for it (@STATEDIR@, see qemu-helper-process.c); --terminate: it ends
 * when QEMU closes the connection, whoever ends QEMU. */
/* <encryption secret>: the value of that secret (usage 'vtpm') is the
 * passphrase swtpm derives the key of the TPM's state from, and of the
 * state it sends along a migration; it reaches swtpm through pipes only. */
static gboolean
swtpm_key (Builder *b, xmlNode *backend, VbQemuHelperSpec *spec, GError **error)
{
  xmlNode *encryption = vb_xml_child (backend, "encryption");
  g_autofree char *uuid = encryption ? vb_xml_attr (encryption, "secret") : NULL;

  if (!encryption)
    return TRUE;
  if (b->context->dry_run)
    spec->key = g_bytes_new (NULL, 0);
  else if (!b->context->secret_value)
    return refuse (error, encryption, "no secret store here to read the secret from");
  else if (!(spec->key = b->context->secret_value (uuid, "vtpm", NULL, FALSE,
                                                   b->context->secret_data, error)))
    return FALSE;
  g_ptr_array_add (spec->argv, g_strdup ("--key"));
  g_ptr_array_add (spec->argv, g_strdup ("pwdfd=@KEYFD@,mode=aes-256-cbc"));
  g_ptr_array_add (spec->argv, g_strdup ("--migration-key"));
  g_ptr_array_add (spec->argv, g_strdup ("pwdfd=@KEYFD@,mode=aes-256-cbc"));
  return TRUE;
}

static gboolean
add_swtpm (Builder *b, xmlNode *node, const char *socket_path, gboolean tpm2, GError **error)
{
  VbQemuHelperSpec *spec = g_new0 (VbQemuHelperSpec, 1);
  g_autofree char *uuid_dir = NULL;
  g_autofree char *state_path = child_attr (node, "source", "path");
  gboolean state_file = vb_xml_attr_is (vb_xml_child (node, "source"), "type", "file");

  /* swtpm splits its options on commas and has no escape for them. */
  if (strchr (socket_path, ','))
    {
      vb_qemu_helper_spec_free (spec);
      return refuse (error, node,
                     "swtpm cannot take its socket %s: the service's run directory "
                     "has a comma in its path",
                     socket_path);
    }
  spec->id = g_strdup (TPM_ID);
  spec->what = g_strdup ("swtpm");
  spec->element = g_strdup ("tpm");
  spec->socket_path = g_strdup (socket_path);
  uuid_dir = g_build_filename (b->context->swtpm_dir, b->def->uuid, NULL);
  /* <source type='dir' path>: the state in a directory the definition
   * names (a host path: domain.host-files), made QEMU's user's as the
   * service's own are. */
  spec->state_dir_named = state_path != NULL && !state_file;
  spec->state_dir = state_path && !state_file
                      ? g_strdup (state_path)
                      : g_build_filename (uuid_dir, tpm2 ? "tpm2" : "tpm1.2", NULL);
  /* <source type='file' path>: the state in that one file (a host path
   * too), swtpm's linear file backend; the service's directory above is
   * then only swtpm_setup's scratch space. */
  if (state_file)
    {
      spec->state_file = g_steal_pointer (&state_path);
      g_free (spec->state_dir);
      spec->state_dir = g_build_filename (uuid_dir, tpm2 ? "tpm2-setup" : "tpm1.2-setup", NULL);
    }
  spec->argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (spec->argv, g_strdup (SWTPM_BINARY));
  g_ptr_array_add (spec->argv, g_strdup ("socket"));
  g_ptr_array_add (spec->argv, g_strdup ("--ctrl"));
  g_ptr_array_add (spec->argv, g_strdup_printf ("type=unixio,path=%s,mode=0600", socket_path));
  g_ptr_array_add (spec->argv, g_strdup ("--tpmstate"));
  g_ptr_array_add (spec->argv, g_strdup (spec->state_file ? "backend-uri=file://@STATEDIR@"
                                                           : "dir=@STATEDIR@,mode=0600"));
  if (tpm2)
    g_ptr_array_add (spec->argv, g_strdup ("--tpm2"));
  g_ptr_array_add (spec->argv, g_strdup ("--terminate"));
  /* Its console is the helper's log in the domain's run directory;
   * <backend debug='N'> is swtpm's log level there (5 and up add libtpms'). */
  g_ptr_array_add (spec->argv, g_strdup ("--log"));
  g_ptr_array_add (spec->argv, g_strdup_printf ("level=%u", vb_xml_attr_uint (node, "debug", 1)));
  if (!swtpm_key (b, node, spec, error) || !vb_qemu_tpm_setup (b, node, spec, tpm2, error))
    {
      vb_qemu_helper_spec_free (spec);
      return FALSE;
    }
  g_ptr_array_add (spec->argv, NULL);
  g_ptr_array_add (b->command->helpers, spec);
  return TRUE;
}

gboolean
vb_qemu_build_tpm (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *backend = vb_xml_child (node, "backend");
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *type = backend ? vb_xml_attr (backend, "type") : NULL;
  g_autofree char *version = backend ? vb_xml_attr (backend, "version") : NULL;
  g_autoptr (GString) tpmdev = g_string_new (NULL);
  g_autoptr (GString) dev = g_string_new (NULL);
  g_autofree char *id = NULL;
  const char *qemu_model = g_strcmp0 (model, "tpm-crb") == 0 ? "tpm-crb" : "tpm-tis";

  if (b->tpm)
    return refuse (error, node, "only one <tpm> is supported");
  b->tpm = TRUE;
  if (!backend)
    return refuse (error, node, "a <tpm> needs a <backend>");
  if (!g_str_equal (type, "emulator") && xmlHasProp (backend, BAD_CAST "debug"))
    return refuse (error, backend, "debug= is the log level of the TPM emulator this service runs");
  if (g_str_equal (type, "emulator"))
    {
      g_autofree char *socket_path = runtime_path (b, TPM_ID ".sock");
      gboolean tpm2 = g_strcmp0 (version, "1.2") != 0;

      g_autofree char *source_type = child_attr (backend, "source", "type");
      g_autofree char *source_path = child_attr (backend, "source", "path");

      if (vb_xml_child (backend, "source")
          && ((!g_str_equal (source_type, "dir") && !g_str_equal (source_type, "file"))
              || !source_path || source_path[0] != '/'
              || xmlHasProp (vb_xml_child (backend, "source"), BAD_CAST "mode")))
        return refuse (error, vb_xml_child (backend, "source"),
                       "an emulated TPM keeps its state in <source type='dir|file' path> with an "
                       "absolute path");
      if (!tpm2 && g_str_equal (qemu_model, "tpm-crb"))
        return refuse (error, node,
                       "model 'tpm-crb' is a TPM 2.0 interface: version '1.2' "
                       "needs model 'tpm-tis'");
      if (!b->context->dry_run && !host_has (b->context, SWTPM_BINARY))
        return refuse (error, backend,
                       "the TPM emulator %s is missing (Debian packages swtpm and swtpm-tools)",
                       SWTPM_BINARY);
      if (!add_swtpm (b, backend, socket_path, tpm2, error))
        return FALSE;
      {
        g_autoptr (GString) chardev = g_string_new ("socket,id=chrtpm");

        vb_qemu_opt (chardev, "path", socket_path);
        add2 (b, "-chardev", chardev->str);
      }
      g_string_append (tpmdev, "emulator,id=tpm-" TPM_ID ",chardev=chrtpm");
    }
  else if (g_str_equal (type, "external"))
    {
      /* A swtpm someone else runs: QEMU connects to its control socket. */
      g_autofree char *path = child_attr (backend, "source", "path");
      g_autoptr (GString) chardev = g_string_new ("socket,id=chrtpm");

      if (!vb_xml_attr_is (vb_xml_child (backend, "source"), "type", "unix"))
        return refuse (error, backend, "an external TPM is reached by <source type='unix'>");
      if (vb_xml_child (backend, "encryption"))
        return refuse (error, vb_xml_child (backend, "encryption"),
                       "<encryption> is for the TPM emulator this service runs");
      if (!b->context->dry_run && !host_has (b->context, path))
        return refuse (error, backend, "the external TPM's socket %s does not exist", path);
      vb_qemu_opt (chardev, "path", path);
      add2 (b, "-chardev", chardev->str);
      g_string_append (tpmdev, "emulator,id=tpm-" TPM_ID ",chardev=chrtpm");
    }
  else
    {
      g_autofree char *path = child_attr (backend, "device", "path");

      if (vb_xml_child (backend, "encryption") || vb_xml_child (backend, "source"))
        return refuse (error, backend,
                       "<encryption> and <source> are for an emulated or external TPM, not the "
                       "host's passed through");
      if (!path)
        path = g_strdup ("/dev/tpm0");
      if (!b->context->dry_run && !host_has (b->context, path))
        return refuse (error, backend, "the host has no TPM device %s to pass through", path);
      g_string_append (tpmdev, "passthrough,id=tpm-" TPM_ID);
      vb_qemu_opt (tpmdev, "path", path);
    }
  add2 (b, "-tpmdev", tpmdev->str);
  id = device_id (node, g_strdup (TPM_ID));
  g_string_append_printf (dev, "%s,tpmdev=tpm-" TPM_ID, qemu_model);
  vb_qemu_opt (dev, "id", id);
  add2 (b, "-device", dev->str);
  return TRUE;
}
