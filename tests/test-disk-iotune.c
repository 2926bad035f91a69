/* <iotune> in the conf layer (service/conf/disk-iotune.c): QEMU's
 * throttling rules checked at define and for SetBlockIoTune, and the
 * element written back in libvirt's order. */
#include <string.h>

#include "disk-iotune.h"
#include "vb-error.h"

static char *
domain_with_iotune (const char *iotune)
{
  return g_strdup_printf ("<domain type='test'>\n  <name>t</name>\n  <memory>65536</memory>\n"
                          "  <devices>\n    <disk type='file' device='disk'>\n"
                          "      <source file='/x.img'/>\n      <target dev='vda'/>\n"
                          "%s    </disk>\n  </devices>\n</domain>\n",
                          iotune);
}

static void
expect_refused (const char *iotune, const char *words)
{
  g_autofree char *xml = domain_with_iotune (iotune);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, words))
    g_error ("expected '%s' in: %s", words, error->message);
}

static void
test_rules (void)
{
  expect_refused ("<iotune><total_bytes_sec>10</total_bytes_sec>"
                  "<write_bytes_sec>5</write_bytes_sec></iotune>",
                  "total_bytes_sec and read_bytes_sec/write_bytes_sec cannot be set together");
  expect_refused ("<iotune><total_iops_sec_max>10</total_iops_sec_max>"
                  "<read_iops_sec_max>5</read_iops_sec_max>"
                  "<total_iops_sec>1</total_iops_sec></iotune>",
                  "total_iops_sec_max and read_iops_sec_max/write_iops_sec_max");
  expect_refused ("<iotune><read_bytes_sec_max>10</read_bytes_sec_max></iotune>",
                  "read_bytes_sec_max needs read_bytes_sec");
  expect_refused ("<iotune><read_bytes_sec>20</read_bytes_sec>"
                  "<read_bytes_sec_max>10</read_bytes_sec_max></iotune>",
                  "read_bytes_sec_max cannot be lower than read_bytes_sec");
  expect_refused ("<iotune><write_iops_sec>20</write_iops_sec>"
                  "<write_iops_sec_max_length>10</write_iops_sec_max_length></iotune>",
                  "write_iops_sec_max_length needs write_iops_sec_max");
  expect_refused ("<iotune><total_bytes_sec>1000000000000001</total_bytes_sec></iotune>",
                  "total_bytes_sec is too large");
  expect_refused ("<iotune><total_bytes_sec>100</total_bytes_sec>"
                  "<total_bytes_sec_max>1000000000</total_bytes_sec_max>"
                  "<total_bytes_sec_max_length>1000000000</total_bytes_sec_max_length></iotune>",
                  "too long");
  expect_refused ("<iotune><total_bytes_sec>1</total_bytes_sec><group_name/></iotune>",
                  "group_name cannot be empty");
  expect_refused ("<iotune><total_bytes_sec>x</total_bytes_sec></iotune>", "total_bytes_sec");
}

static void
test_round_trip (void)
{
  g_autofree char *xml =
    domain_with_iotune ("<iotune><size_iops_sec>4096</size_iops_sec><group_name>g</group_name>"
                        "<read_iops_sec>100</read_iops_sec></iotune>");
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
  g_autoptr (VbDomainDef) changed = NULL;
  g_autoptr (VbDomainDef) cleared = NULL;
  VbDiskIoTune tune = { 0 };
  VbDiskIoTune none = { 0 };

  g_assert_no_error (error);
  g_assert_true (vb_domain_def_iotune (def, "vda", &tune, &error));
  g_assert_cmpuint (tune.values[VB_IOTUNE_READ_IOPS_SEC], ==, 100);
  g_assert_cmpuint (tune.values[VB_IOTUNE_SIZE_IOPS_SEC], ==, 4096);
  g_assert_cmpstr (tune.group_name, ==, "g");
  tune.values[VB_IOTUNE_READ_IOPS_SEC_MAX] = 200;
  tune.values[VB_IOTUNE_READ_IOPS_SEC_MAX_LENGTH] = 3;
  changed = vb_domain_def_with_iotune (def, "vda", &tune, FALSE, &error);
  g_assert_no_error (error);
  /* libvirt's order, after <target>, whatever order it came in. */
  g_assert_nonnull (strstr (changed->xml, "<target dev='vda'/>\n      <iotune>\n"
                                          "        <read_iops_sec>100</read_iops_sec>\n"
                                          "        <read_iops_sec_max>200</read_iops_sec_max>\n"
                                          "        <size_iops_sec>4096</size_iops_sec>\n"
                                          "        <group_name>g</group_name>\n"
                                          "        <read_iops_sec_max_length>3"));
  vb_disk_iotune_clear (&tune);
  /* Nothing set: no element. */
  cleared = vb_domain_def_with_iotune (changed, "vda", &none, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (strstr (cleared->xml, "iotune"));
  g_assert_null (vb_domain_def_with_iotune (def, "vdz", &none, FALSE, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/disk-iotune/rules", test_rules);
  g_test_add_func ("/disk-iotune/round-trip", test_round_trip);
  return g_test_run ();
}
