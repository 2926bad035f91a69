/* What define checks of a network <backingStore> and a network <nvram>
 * before any driver sees them: a file store names its file, a network one
 * its protocol and no file; the rest is the QEMU driver's (goldens
 * netdisk-*). */
#include <string.h>

#include <glib.h>

#include "domain-def.h"
#include "vb-error.h"

static char *
disk_domain (const char *backing)
{
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>nd</name>\n"
                          "  <memory>131072</memory>\n"
                          "  <devices>\n"
                          "    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source protocol='nbd' name='top'>\n"
                          "        <host name='example.org'/>\n"
                          "      </source>\n"
                          "%s"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n"
                          "  </devices>\n"
                          "</domain>\n",
                          backing);
}

static void
expect_refused (const char *backing, const char *words)
{
  g_autofree char *xml = disk_domain (backing);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_backing_sources (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *good = disk_domain ("      <backingStore type='network'>\n"
                                       "        <format type='raw'/>\n"
                                       "        <source protocol='nbd' name='base'>\n"
                                       "          <host name='example.org' port='10809'/>\n"
                                       "        </source>\n"
                                       "        <backingStore/>\n"
                                       "      </backingStore>\n");
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (good, &error);

  g_assert_no_error (error);
  g_assert_nonnull (strstr (def->xml, "<backingStore type='network'>"));
  g_assert_nonnull (strstr (def->xml, "protocol='nbd' name='base'"));
  expect_refused ("      <backingStore type='network'>\n"
                  "        <format type='raw'/>\n"
                  "        <source protocol='nbd' file='/etc/passwd'/>\n"
                  "      </backingStore>\n",
                  "file= on the <source> of a network <backingStore>");
  expect_refused ("      <backingStore type='network'>\n"
                  "        <format type='raw'/>\n"
                  "        <source name='base'/>\n"
                  "      </backingStore>\n",
                  "protocol");
  expect_refused ("      <backingStore type='file'>\n"
                  "        <format type='raw'/>\n"
                  "        <source protocol='nbd'/>\n"
                  "      </backingStore>\n",
                  "a file backing store is the image named by it");
  /* Only the first level may be on the network. */
  expect_refused ("      <backingStore type='network'>\n"
                  "        <format type='qcow2'/>\n"
                  "        <source protocol='nbd' name='mid'/>\n"
                  "        <backingStore type='network'>\n"
                  "          <format type='raw'/>\n"
                  "          <source protocol='nbd' name='base'/>\n"
                  "        </backingStore>\n"
                  "      </backingStore>\n",
                  "network");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/netdisk-def/backing-sources", test_backing_sources);
  return g_test_run ();
}
