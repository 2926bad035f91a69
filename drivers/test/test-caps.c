/* What the simulated hypervisor says it is: two machine types (as QEMU 7.2
 * names them, with their aliases), the arch and machine every definition
 * gets filled in, and a fixed domainCapabilities document. */
#include "test-driver.h"

#include <libxml/tree.h>

#include "vb-error.h"
#include "xml-schema.h"

#define TEST_EMULATOR "/usr/bin/test-hypervisor"
#define TEST_MAX_VCPUS 255

static const struct {
  const char *name;
  const char *alias;
} machines[] = {
  { "pc-i440fx-7.2", "pc" }, /* the default, first */
  { "pc-q35-7.2", "q35" },
};

/* The canonical name of @machine ("" or NULL: the default), or NULL. */
static const char *
canonical_machine (const char *machine)
{
  if (!machine || !*machine)
    return machines[0].name;
  for (guint i = 0; i < G_N_ELEMENTS (machines); i++)
    if (g_str_equal (machine, machines[i].name) || g_str_equal (machine, machines[i].alias))
      return machines[i].name;
  return NULL;
}

static gboolean
refuse_machine (GError **error, const char *machine)
{
  return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED,
                          "machine type '%s' is not one of the test driver's (pc, q35, "
                          "pc-i440fx-7.2, pc-q35-7.2)",
                          machine);
}

gboolean
vb_test_validate (VbDriverHost *host, const VbDomainDef *def, GError **error)
{
  /* The parsed definition has the machine: every stored domain comes
   * through here at start-up, where parsing its XML again cost a fifth of
   * the load. */
  if (def->machine && !canonical_machine (def->machine))
    return refuse_machine (error, def->machine);
  return TRUE;
}

char *
vb_test_complete (VbDriverHost *host, const VbDomainDef *def, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  xmlNode *root, *os, *type;
  g_autofree char *arch = NULL;
  g_autofree char *machine = NULL;

  if (!doc)
    return NULL;
  root = xmlDocGetRootElement (doc);
  os = vb_xml_child (root, "os");
  if (!os)
    os = vb_xml_insert_after (root, vb_xml_child (root, "vcpu"), "os", NULL);
  type = vb_xml_child (os, "type");
  if (!type)
    type = vb_xml_insert_after (os, NULL, "type", "hvm");
  arch = vb_xml_attr (type, "arch");
  if (!arch)
    xmlSetProp (type, BAD_CAST "arch", BAD_CAST "x86_64");
  machine = vb_xml_attr (type, "machine");
  if (!canonical_machine (machine))
    {
      refuse_machine (error, machine);
      return NULL;
    }
  xmlSetProp (type, BAD_CAST "machine", BAD_CAST canonical_machine (machine));
  return vb_xml_format (doc);
}

static char *
format_domcaps (const char *arch, const char *machine)
{
  return g_strdup_printf ("<domainCapabilities>\n"
                          "  <path>" TEST_EMULATOR "</path>\n"
                          "  <domain>test</domain>\n"
                          "  <machine>%s</machine>\n"
                          "  <arch>%s</arch>\n"
                          "  <vcpu max='%d'/>\n"
                          "  <iothreads supported='no'/>\n"
                          "  <os supported='yes'>\n"
                          "    <enum name='firmware'/>\n"
                          "    <loader supported='no'/>\n"
                          "  </os>\n"
                          "  <cpu>\n"
                          "    <mode name='host-passthrough' supported='yes'/>\n"
                          "    <mode name='maximum' supported='no'/>\n"
                          "    <mode name='host-model' supported='yes'/>\n"
                          "    <mode name='custom' supported='yes'>\n"
                          "      <model usable='yes' deprecated='no'>qemu64</model>\n"
                          "      <model usable='yes' deprecated='no'>Nehalem</model>\n"
                          "      <model usable='yes' deprecated='no'>Skylake-Client</model>\n"
                          "    </mode>\n"
                          "  </cpu>\n"
                          "  <memoryBacking supported='no'/>\n"
                          "  <devices>\n"
                          "    <disk supported='yes'>\n"
                          "      <enum name='diskDevice'>\n"
                          "        <value>disk</value>\n"
                          "        <value>cdrom</value>\n"
                          "      </enum>\n"
                          "      <enum name='bus'>\n"
                          "        <value>scsi</value>\n"
                          "        <value>virtio</value>\n"
                          "        <value>sata</value>\n"
                          "      </enum>\n"
                          "    </disk>\n"
                          "    <graphics supported='yes'>\n"
                          "      <enum name='type'>\n"
                          "        <value>vnc</value>\n"
                          "        <value>spice</value>\n"
                          "      </enum>\n"
                          "    </graphics>\n"
                          "    <video supported='yes'>\n"
                          "      <enum name='modelType'>\n"
                          "        <value>vga</value>\n"
                          "        <value>virtio</value>\n"
                          "      </enum>\n"
                          "    </video>\n"
                          "    <hostdev supported='no'/>\n"
                          "    <filesystem supported='no'/>\n"
                          "    <tpm supported='no'/>\n"
                          "  </devices>\n"
                          "  <features>\n"
                          "    <gic supported='no'/>\n"
                          "    <vmcoreinfo supported='no'/>\n"
                          "    <genid supported='no'/>\n"
                          "    <sev supported='no'/>\n"
                          "  </features>\n"
                          "</domainCapabilities>\n",
                          machine, arch, TEST_MAX_VCPUS);
}

void
vb_test_domain_capabilities_async (VbDriverHost *host, const char *emulator, const char *arch,
                                   const char *machine, const char *virttype,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  const char *canonical = canonical_machine (machine);

  g_task_set_source_tag (task, vb_test_domain_capabilities_async);
  if (*emulator && !g_str_equal (emulator, TEST_EMULATOR))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                             "emulator '%s' is not the test driver's (" TEST_EMULATOR ")",
                             emulator);
  else if (*arch && !g_str_equal (arch, "x86_64") && !g_str_equal (arch, "i686"))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                             "arch '%s' is not one of the test driver's (x86_64, i686)", arch);
  else if (!canonical)
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                             "machine type '%s' is not one of the test driver's (pc, q35, "
                             "pc-i440fx-7.2, pc-q35-7.2)",
                             machine);
  else if (*virttype && !g_str_equal (virttype, "test"))
    g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                             "virttype '%s' is not the test driver's (test)", virttype);
  else
    g_task_return_pointer (task, format_domcaps (*arch ? arch : "x86_64", canonical), g_free);
}

char *
vb_test_domain_capabilities_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_test_domain_capabilities_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
