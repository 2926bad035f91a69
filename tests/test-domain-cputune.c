/* <iothreads>, <iothreadids>, <vcpu cpuset> and <cputune> at define: libvirt's
 * cpuset syntax, the iothread ids a domain has (libvirt's filling rule),
 * references to ids that exist, and the ranges of periods, quotas and
 * priorities; a device checked alone (AttachDevice) leaves its iothread to
 * the domain it goes into. */
#include <string.h>

#include <glib.h>

#include "domain-cputune.h"
#include "domain-def.h"
#include "domain-device.h"
#include "vb-cpuset.h"
#include "vb-error.h"
#include "xml-schema.h"

static char *
cpuset (const char *text)
{
  g_autoptr (GArray) cpus = vb_cpuset_parse (text, NULL);

  return cpus ? vb_cpuset_format (cpus) : NULL;
}

static void
test_cpuset_syntax (void)
{
  static const struct {
    const char *text;
    const char *set; /* NULL: refused */
  } cases[] = {
    { "0", "0" },
    { "0-3", "0-3" },
    { "0-3,^2", "0-1,3" },
    { "^2,0-3", "0-1,3" },
    { "1-4,8-20,525", "1-4,8-20,525" },
    { " 0 - 1 , 5", "0-1,5" },
    { "3,1,2", "1-3" },
    { "1023", "1023" },
    { "0,16383", "0,16383" },
    { "", NULL },
    { "16384", NULL },
    { "0-16384", NULL },
    { "3-1", NULL },
    { "^1", NULL },
    { "0,^0", NULL },
    { "^1-2", NULL },
    { "0,,1", NULL },
    { "0,", NULL },
    { "a", NULL },
    { "-1", NULL },
    { "0x1", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = cpuset (cases[i].text);

      g_test_message ("cpuset '%s'", cases[i].text);
      g_assert_cmpstr (got, ==, cases[i].set);
    }
}

static char *
domain (const char *body)
{
  return g_strdup_printf ("<domain type='qemu'>\n"
                          "  <name>t</name>\n"
                          "  <memory>131072</memory>\n"
                          "%s"
                          "</domain>\n",
                          body);
}

static VbDomainDef *
parse_ok (const char *body)
{
  g_autofree char *xml = domain (body);
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return def;
}

static void
assert_refused (const char *body, const char *message)
{
  g_autofree char *xml = domain (body);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
  if (!strstr (error->message, message))
    g_error ("'%s' does not say '%s'", error->message, message);
}

static char *
ids_of (const char *body)
{
  g_autoptr (VbDomainDef) def = parse_ok (body);
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", NULL);
  g_autoptr (GArray) ids = vb_domain_iothread_ids (xmlDocGetRootElement (doc));
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (out, "%s%u", i ? " " : "", g_array_index (ids, guint, i));
  return g_string_free (out, FALSE);
}

static void
test_iothread_ids (void)
{
  g_autofree char *none = ids_of ("");
  g_autofree char *count = ids_of ("  <iothreads>3</iothreads>\n");
  g_autofree char *filled = ids_of ("  <iothreads>4</iothreads>\n"
                                    "  <iothreadids><iothread id='2'/><iothread id='5'/>"
                                    "</iothreadids>\n");
  g_autoptr (VbDomainDef) grown = parse_ok ("  <iothreadids><iothread id='7'/><iothread id='3'/>"
                                            "</iothreadids>\n");

  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (count, ==, "1 2 3");
  /* libvirt's rule: the listed ones, then the lowest unused from 1. */
  g_assert_cmpstr (filled, ==, "2 5 1 3");
  /* More listed than counted: the count grows, written where libvirt has it. */
  g_assert_nonnull (strstr (grown->xml, "  <iothreads>2</iothreads>\n  <iothreadids>\n"));

  assert_refused ("  <iothreadids><iothread id='0'/></iothreadids>\n",
                  "an iothread id is between 1 and");
  assert_refused ("  <iothreadids><iothread id='2'/><iothread id='2'/></iothreadids>\n",
                  "iothread id 2 is listed twice");
  assert_refused ("  <iothreadids><iothread id='1' thread_pool_min='4' thread_pool_max='2'/>"
                  "</iothreadids>\n",
                  "thread_pool_min (4) is above thread_pool_max (2)");
  assert_refused ("  <defaultiothread thread_pool_max='0'/>\n",
                  "thread_pool_max must be at least 1");
}

static void
test_iothread_references (void)
{
  const char *disk = "  <devices>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='raw' iothread='%s'/>\n"
                     "      <source file='/var/lib/d.img'/>\n"
                     "      <target dev='vda' bus='virtio'/>\n"
                     "    </disk>\n"
                     "  </devices>\n";
  g_autofree char *two = g_strdup_printf (disk, "2");
  g_autofree char *with_two = g_strconcat ("  <iothreads>2</iothreads>\n", two, NULL);
  g_autofree char *with_one = g_strconcat ("  <iothreads>1</iothreads>\n", two, NULL);
  g_autoptr (VbDomainDef) ok = parse_ok (with_two);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDevice) device = NULL;

  (void) ok;
  assert_refused (with_one, "<driver> at line 7: iothread 2 does not exist: the domain's "
                            "iothreads (<iothreads>, <iothreadids>) are 1");
  assert_refused (two, "iothread 2 does not exist: the domain's iothreads (<iothreads>, "
                       "<iothreadids>) are none");
  assert_refused ("  <iothreads>1</iothreads>\n  <devices>\n"
                  "    <controller type='scsi' model='virtio-scsi'><driver iothread='3'/>"
                  "</controller>\n  </devices>\n",
                  "iothread 3 does not exist");
  /* Alone, for AttachDevice: the running domain's iothreads judge it. */
  device = vb_domain_device_parse ("<disk type='file' device='disk'>"
                                   "<driver name='qemu' type='raw' iothread='4'/>"
                                   "<source file='/var/lib/d.img'/>"
                                   "<target dev='vdb' bus='virtio'/></disk>",
                                   &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (device->xml, "iothread='4'"));
}

static void
test_cputune (void)
{
  g_autoptr (VbDomainDef) def =
    parse_ok ("  <vcpu placement='static' cpuset='0-3,^1'>2</vcpu>\n"
              "  <iothreads>1</iothreads>\n"
              "  <cputune>\n"
              "    <shares>2048</shares>\n"
              "    <period>1000000</period>\n"
              "    <quota>-1</quota>\n"
              "    <global_quota>17592186044415</global_quota>\n"
              "    <emulator_period>1000</emulator_period>\n"
              "    <vcpupin vcpu='0' cpuset='0'/>\n"
              "    <vcpupin vcpu='1' cpuset='2-3'/>\n"
              "    <emulatorpin cpuset='1'/>\n"
              "    <iothreadpin iothread='1' cpuset='0'/>\n"
              "    <vcpusched vcpus='0' scheduler='fifo' priority='1'/>\n"
              "    <vcpusched vcpus='1' scheduler='batch'/>\n"
              "    <iothreadsched iothreads='1' scheduler='rr' priority='99'/>\n"
              "    <emulatorsched scheduler='idle'/>\n"
              "  </cputune>\n");

  g_assert_nonnull (strstr (def->xml, "<vcpupin vcpu='1' cpuset='2-3'/>"));
  assert_refused ("  <vcpu cpuset='2-1'>2</vcpu>\n", "<vcpu> at line 4: invalid cpuset '2-1'");
  assert_refused ("  <vcpu>2</vcpu>\n  <cputune><vcpupin vcpu='2' cpuset='0'/></cputune>\n",
                  "vCPU 2 does not exist: the domain has 2");
  assert_refused ("  <vcpu>2</vcpu>\n  <cputune><vcpupin vcpu='1' cpuset='0'/>"
                  "<vcpupin vcpu='1' cpuset='1'/></cputune>\n",
                  "vCPU 1 is pinned twice");
  assert_refused ("  <cputune><emulatorpin cpuset='x'/></cputune>\n",
                  "<emulatorpin> at line 4: invalid cpuset 'x'");
  assert_refused ("  <cputune><iothreadpin iothread='1' cpuset='0'/></cputune>\n",
                  "iothread 1 does not exist");
  assert_refused ("  <cputune><period>999</period></cputune>\n",
                  "a period is between 1000 and 1000000 microseconds, not 999");
  assert_refused ("  <cputune><emulator_quota>999</emulator_quota></cputune>\n",
                  "a quota is between 1000 and 17592186044415 microseconds");
  assert_refused ("  <cputune><global_quota>17592186044416</global_quota></cputune>\n",
                  "not 17592186044416");
  assert_refused ("  <cputune><vcpusched vcpus='0' scheduler='rr'/></cputune>\n",
                  "scheduler 'rr' needs a priority");
  assert_refused ("  <cputune><emulatorsched scheduler='batch' priority='1'/></cputune>\n",
                  "scheduler 'batch' has no priority");
  assert_refused ("  <vcpu>2</vcpu>\n  <cputune><vcpusched vcpus='0-1' scheduler='idle'/>"
                  "<vcpusched vcpus='1' scheduler='batch'/></cputune>\n",
                  "vCPU 1 already has a scheduler");
  assert_refused ("  <vcpu>2</vcpu>\n  <cputune><vcpusched vcpus='0-2' scheduler='idle'/>"
                  "</cputune>\n",
                  "vcpus names vCPU 2, which the domain does not have");
  assert_refused ("  <iothreads>1</iothreads>\n  <cputune><iothreadsched iothreads='2' "
                  "scheduler='idle'/></cputune>\n",
                  "iothreads names iothread 2, which the domain does not have");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/domain-cputune/cpuset-syntax", test_cpuset_syntax);
  g_test_add_func ("/domain-cputune/iothread-ids", test_iothread_ids);
  g_test_add_func ("/domain-cputune/iothread-references", test_iothread_references);
  g_test_add_func ("/domain-cputune/cputune", test_cputune);
  return g_test_run ();
}
