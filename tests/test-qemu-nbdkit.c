/* nbdkit for the network disks QEMU 7.2 cannot open (issue #16): define
 * builds nbdkit's command line in a dry run; Start refuses by name a host
 * without nbdkit or its plugin; a password and the cookies reach nbdkit by
 * pipes (the helper's keys), never an argv; the password is asked for as a
 * value sent as is to the server (so never a private secret); a plug into a
 * running domain is refused; the files nbdkit reads are host paths. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "domain-host-paths.h"
#include "qemu-command.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", "pc-i440fx-7.2", NULL };
static const char *missing;
static gboolean asked_sent_as_is;

static gboolean
exists_but_missing (const char *path)
{
  return !missing || !g_str_equal (path, missing);
}

static GBytes *
secret_value (const char *uuid, const char *usage_type, const char *usage, gboolean sent_as_is,
              gpointer data, GError **error)
{
  asked_sent_as_is = sent_as_is;
  return g_bytes_new_static ("pass-word-77", 12);
}

static VbQemuCommandContext
context_for (gboolean dry_run)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = dry_run,
    .path_exists = exists_but_missing,
    .secret_value = secret_value,
    .qemu_version = 70200,
  };
  return context;
}

#define HTTP_DISK                                                         \
  "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"   \
  "<source protocol='https' name='d.img'><host name='example.org'/>"      \
  "<cookies><cookie name='s'>cookie-value-55</cookie></cookies>"          \
  "<auth username='u'><secret type='iscsi' usage='web'/></auth></source>" \
  "<target dev='vda' bus='virtio'/></disk>"
#define SSH_DISK                                                        \
  "<disk type='network' device='disk'><driver name='qemu' type='raw'/>" \
  "<source protocol='ssh' name='d.img'><host name='example.org'/>"      \
  "<knownHosts path='/etc/virtbus/known_hosts'/></source>"              \
  "<target dev='vda' bus='virtio'/></disk>"

static char *
domain_xml (const char *disk)
{
  return g_strdup_printf ("<domain type='qemu'><name>d</name>"
                          "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1900</uuid>"
                          "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                          "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                          "<devices>%s<memballoon model='none'/></devices></domain>",
                          disk);
}

static VbQemuCommand *
build (const char *disk, const VbQemuCommandContext *context, GError **error)
{
  g_autofree char *xml = domain_xml (disk);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, context, error);
}

static gboolean
argv_has (GPtrArray *argv, const char *text)
{
  for (guint i = 0; i < argv->len && argv->pdata[i]; i++)
    if (strstr (argv->pdata[i], text))
      return TRUE;
  return FALSE;
}

static void
test_start_refuses_without_nbdkit (void)
{
  const char *paths[] = { "/usr/bin/nbdkit",
                          "/usr/lib/x86_64-linux-gnu/nbdkit/plugins/nbdkit-curl-plugin.so",
                          "/usr/lib/x86_64-linux-gnu/nbdkit/plugins/nbdkit-ssh-plugin.so" };
  const char *disks[] = { HTTP_DISK, HTTP_DISK, SSH_DISK };
  const char *words[] = { "needs nbdkit (/usr/bin/nbdkit)", "nbdkit-curl-plugin.so",
                          "nbdkit-ssh-plugin.so" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      VbQemuCommandContext define = context_for (TRUE);
      VbQemuCommandContext start = context_for (FALSE);
      g_autoptr (GError) error = NULL;
      VbQemuCommand *command;

      missing = paths[i];
      /* Define does not ask this host. */
      command = build (disks[i], &define, &error);
      g_assert_no_error (error);
      vb_qemu_command_free (command);
      command = build (disks[i], &start, &error);
      g_assert_null (command);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, "<disk>"));
      g_assert_nonnull (strstr (error->message, words[i]));
      missing = NULL;
    }
}

static void
test_secrets_by_pipe (void)
{
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  VbQemuCommand *command;
  VbQemuHelperSpec *spec;

  asked_sent_as_is = FALSE;
  command = build (HTTP_DISK, &start, &error);
  g_assert_no_error (error);
  g_assert_true (asked_sent_as_is);
  g_assert_cmpuint (command->helpers->len, ==, 1);
  spec = command->helpers->pdata[0];
  g_assert_cmpstr (spec->what, ==, "nbdkit");
  g_assert_true (argv_has (spec->argv, "password=-@KEYFD@"));
  g_assert_true (argv_has (spec->argv, "cookie=-@KEY2FD@"));
  g_assert_true (argv_has (spec->argv, "url=https://example.org/d.img"));
  g_assert_false (argv_has (spec->argv, "pass-word-77"));
  g_assert_false (argv_has (spec->argv, "cookie-value-55"));
  g_assert_false (argv_has (command->argv, "pass-word-77"));
  g_assert_false (argv_has (command->argv, "cookie-value-55"));
  /* QEMU gets no secret object of its own for them. */
  g_assert_cmpuint (command->secrets->len, ==, 0);
  g_assert_true (argv_has (command->argv, "\"driver\":\"nbd\""));
  g_assert_cmpmem (g_bytes_get_data (spec->key, NULL), g_bytes_get_size (spec->key), "pass-word-77",
                   12);
  g_assert_cmpmem (g_bytes_get_data (spec->key2, NULL), g_bytes_get_size (spec->key2),
                   "s=cookie-value-55", 17);
  vb_qemu_command_free (command);

  /* An ssh password goes as is to the server too: asked for as such. */
  asked_sent_as_is = FALSE;
  command = build ("<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
                   "<source protocol='ssh' name='d.img'><host name='example.org'/>"
                   "<auth username='u'><secret type='iscsi' usage='ssh'/></auth></source>"
                   "<target dev='vda' bus='virtio'/></disk>",
                   &start, &error);
  g_assert_no_error (error);
  g_assert_true (asked_sent_as_is);
  spec = command->helpers->pdata[0];
  g_assert_true (argv_has (spec->argv, "password=-@KEYFD@"));
  g_assert_false (argv_has (spec->argv, "pass-word-77"));
  vb_qemu_command_free (command);
}

static void
test_no_plug (void)
{
  VbQemuCommandContext context = context_for (FALSE);
  g_autofree char *xml = g_strdup (SSH_DISK);
  xmlDoc *doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NONET);
  g_autoptr (GError) error = NULL;
  JsonNode *protocol = NULL;
  JsonNode *format = NULL;

  g_assert_false (vb_qemu_disk_blockdev (xmlDocGetRootElement (doc), "drive9", &context, NULL,
                                         &protocol, &format, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "cannot be plugged into a running domain"));
  xmlFreeDoc (doc);
}

static void
test_host_paths (void)
{
  g_autofree char *xml = domain_xml (
    "<disk type='network' device='disk'><driver name='qemu' type='raw'/>"
    "<source protocol='ssh' name='d.img'><host name='example.org'/>"
    "<identity username='u' keyfile='/etc/vb/id' agentsock='/run/vb/agent'/>"
    "<knownHosts path='/etc/vb/known_hosts'/></source><target dev='vda' bus='virtio'/></disk>");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) paths = vb_domain_host_paths (xml, &error);
  gboolean seen[3] = { FALSE };
  const char *want[] = { "/etc/vb/id", "/run/vb/agent", "/etc/vb/known_hosts" };

  g_assert_no_error (error);
  for (guint i = 0; i < paths->len; i++)
    for (guint w = 0; w < G_N_ELEMENTS (want); w++)
      if (g_str_equal (((VbHostPath *) paths->pdata[i])->path, want[w]))
        seen[w] = TRUE;
  for (guint w = 0; w < G_N_ELEMENTS (want); w++)
    g_assert_true (seen[w]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-nbdkit/start-refuses-without-nbdkit", test_start_refuses_without_nbdkit);
  g_test_add_func ("/qemu-nbdkit/secrets-by-pipe", test_secrets_by_pipe);
  g_test_add_func ("/qemu-nbdkit/no-plug", test_no_plug);
  g_test_add_func ("/qemu-nbdkit/host-paths", test_host_paths);
  return g_test_run ();
}
