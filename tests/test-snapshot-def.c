/* The domainsnapshot XML subset: what is accepted, what is refused and how
 * the error names it, the stored form round trip, and how a request is
 * aligned with the domain's disks. */
#include <glib.h>
#include <string.h>

#include "disk-backing.h"
#include "domain-def.h"
#include "snapshot-def.h"
#include "vb-error.h"

static const char domain_xml[] = "<domain type='qemu'>\n"
                                 "  <name>web</name>\n"
                                 "  <uuid>3f1e2d4c-5b6a-4789-8a9b-0c1d2e3f4a01</uuid>\n"
                                 "  <memory unit='MiB'>128</memory>\n"
                                 "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
                                 "  <devices>\n"
                                 "    <disk type='file' device='disk'>\n"
                                 "      <driver name='qemu' type='qcow2'/>\n"
                                 "      <source file='/images/web.qcow2'/>\n"
                                 "      <target dev='vda' bus='virtio'/>\n"
                                 "    </disk>\n"
                                 "    <disk type='file' device='disk'>\n"
                                 "      <source file='/images/data.img'/>\n"
                                 "      <target dev='vdb' bus='virtio'/>\n"
                                 "    </disk>\n"
                                 "    <disk type='file' device='cdrom'>\n"
                                 "      <source file='/images/install.iso'/>\n"
                                 "      <target dev='hdc' bus='ide'/>\n"
                                 "      <readonly/>\n"
                                 "    </disk>\n"
                                 "  </devices>\n"
                                 "</domain>\n";

static void
refused (const char *xml, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbSnapshotDef) def = vb_snapshot_def_parse (xml, &error);

  g_assert_null (def);
  g_assert_error (error, VB_ERROR, code);
  if (needle && !strstr (error->message, needle))
    g_error ("'%s' does not name '%s'", error->message, needle);
}

static const VbSnapshotDiskDef *
disk (const VbSnapshotDef *def, const char *name)
{
  for (guint i = 0; i < def->disks->len; i++)
    if (g_str_equal (((VbSnapshotDiskDef *) def->disks->pdata[i])->name, name))
      return def->disks->pdata[i];
  g_error ("no disk %s", name);
}

static void
test_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbSnapshotDef) def = vb_snapshot_def_parse (
    "<domainsnapshot><name>a b</name><description>d &amp; e</description>"
    "<memory snapshot='no'/><disks><disk name='vda' snapshot='external'>"
    "<driver type='qcow2'/><source file='/o/v.ov'/></disk></disks></domainsnapshot>",
    &error);
  g_autoptr (VbSnapshotDef) empty = vb_snapshot_def_parse ("<domainsnapshot/>", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (def->name, ==, "a b");
  g_assert_cmpstr (def->description, ==, "d & e");
  g_assert_cmpstr (def->memory, ==, "no");
  g_assert_cmpstr (disk (def, "vda")->source, ==, "/o/v.ov");
  g_assert_null (empty->name);

  refused ("<domainsnapshot>", VB_ERROR_INVALID_XML, NULL);
  refused ("<domain/>", VB_ERROR_INVALID_XML, "domainsnapshot");
  refused ("<domainsnapshot><bogus/></domainsnapshot>", VB_ERROR_INVALID_XML, "bogus");
  refused ("<domainsnapshot><state>running</state></domainsnapshot>", VB_ERROR_INVALID_XML,
           "state");
  refused ("<domainsnapshot><name>a/b</name></domainsnapshot>", VB_ERROR_INVALID_XML, "/");
  refused ("<domainsnapshot><name>a&#133;b</name></domainsnapshot>", VB_ERROR_INVALID_XML,
           "control characters (U+0085)");
  refused ("<domainsnapshot><memory snapshot='maybe'/></domainsnapshot>", VB_ERROR_INVALID_XML,
           "maybe");
  refused ("<domainsnapshot><disks><disk name='vda'/><disk name='vda'/></disks></domainsnapshot>",
           VB_ERROR_INVALID_XML, "twice");
  refused ("<domainsnapshot><disks><disk name='vda' snapshot='internal'><source file='/x'/>"
           "</disk></disks></domainsnapshot>",
           VB_ERROR_INVALID_XML, "external");
}

static VbSnapshotDef *
aligned (const char *xml, gboolean active, gboolean disk_only, GError **error)
{
  g_autoptr (VbSnapshotDef) def = vb_snapshot_def_parse (xml, error);

  g_assert_nonnull (def);
  if (!vb_snapshot_def_align (def, domain_xml, active, disk_only, error))
    return NULL;
  return g_steal_pointer (&def);
}

static void
test_align (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbSnapshotDef) external =
    aligned ("<domainsnapshot><name>s1</name></domainsnapshot>", TRUE, TRUE, &error);
  g_autoptr (VbSnapshotDef) only_vda = NULL;
  g_autoptr (VbSnapshotDef) refused_def = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (external->memory, ==, "no");
  g_assert_cmpstr (disk (external, "vda")->snapshot, ==, "external");
  g_assert_cmpstr (disk (external, "vda")->source, ==, "/images/web.s1");
  g_assert_cmpstr (disk (external, "vda")->backing, ==, "/images/web.qcow2");
  g_assert_cmpstr (disk (external, "vdb")->source, ==, "/images/data.s1");
  g_assert_cmpstr (disk (external, "vdb")->backing_format, ==, "raw");
  g_assert_cmpstr (disk (external, "hdc")->snapshot, ==, "no");
  g_assert_true (vb_snapshot_def_is_external (external));

  /* Internal needs qcow2: the raw disk is named. */
  refused_def = aligned ("<domainsnapshot><name>s2</name></domainsnapshot>", TRUE, FALSE, &error);
  g_assert_null (refused_def);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "vdb"));
  g_clear_error (&error);

  /* Leaving the raw disk out makes it possible, with memory when running. */
  only_vda = aligned ("<domainsnapshot><name>s3</name><disks><disk name='vdb' snapshot='no'/>"
                      "</disks></domainsnapshot>",
                      TRUE, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (only_vda->memory, ==, "internal");
  g_assert_true (vb_snapshot_def_has_memory (only_vda));
  g_assert_cmpstr (disk (only_vda, "vda")->file, ==, "/images/web.qcow2");

  g_clear_pointer (&refused_def, vb_snapshot_def_free);
  refused_def = aligned ("<domainsnapshot><disks><disk name='vdz'/></disks></domainsnapshot>",
                         FALSE, FALSE, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  refused_def =
    aligned ("<domainsnapshot><name>m</name><disks><disk name='vda' snapshot='external'/>"
             "</disks></domainsnapshot>",
             TRUE, FALSE, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "DISK_ONLY"));
  g_clear_error (&error);
  refused_def = aligned ("<domainsnapshot><memory snapshot='external' file='/m'/></domainsnapshot>",
                         TRUE, FALSE, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  refused_def = aligned ("<domainsnapshot><disks><disk name='vdb' snapshot='no'/>"
                         "<disk name='hdc' snapshot='internal'/></disks></domainsnapshot>",
                         FALSE, FALSE, &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
}

static void
test_stored_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbSnapshotDef) def =
    aligned ("<domainsnapshot><name>s1</name><description>x</description></domainsnapshot>", TRUE,
             TRUE, &error);
  g_autoptr (VbSnapshotDef) back = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *again = NULL;

  def->state = g_strdup ("disk-snapshot");
  def->parent = g_strdup ("s0");
  def->creation_time = 1795681234;
  def->domain_xml = g_strdup (domain_xml);
  def->current = TRUE;
  stored = vb_snapshot_def_format (def, TRUE);
  shown = vb_snapshot_def_format (def, FALSE);
  g_assert_nonnull (strstr (stored, "<active>1</active>"));
  g_assert_null (strstr (shown, "<active>"));
  g_assert_nonnull (strstr (shown, "<parent>\n    <name>s0</name>\n  </parent>"));
  g_assert_nonnull (strstr (shown, "<creationTime>1795681234</creationTime>"));
  g_assert_nonnull (strstr (shown, "<source file='/images/web.s1'/>"));
  g_assert_nonnull (strstr (shown, "  <domain type='qemu'>"));
  /* A request may not carry what the service writes. */
  g_assert_null (vb_snapshot_def_parse (shown, NULL));

  back = vb_snapshot_def_parse_stored (stored, &error);
  g_assert_no_error (error);
  g_assert_true (back->current);
  g_assert_cmpstr (back->parent, ==, "s0");
  g_assert_cmpstr (back->state, ==, "disk-snapshot");
  g_assert_cmpint (back->creation_time, ==, 1795681234);
  /* What align found comes back from the stored <domain>. */
  g_assert_cmpstr (disk (back, "vda")->backing, ==, "/images/web.qcow2");
  again = vb_snapshot_def_format (back, TRUE);
  g_assert_cmpstr (again, ==, stored);
}

static void
test_domain_disks (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *moved =
    vb_domain_xml_set_disk_file (domain_xml, "vdb", "/images/data.s1", "qcow2", &error);
  g_autoptr (GPtrArray) disks = vb_domain_xml_list_disks (moved, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (disks->len, ==, 3);
  g_assert_cmpstr (((VbDomainDisk *) disks->pdata[1])->file, ==, "/images/data.s1");
  g_assert_cmpstr (((VbDomainDisk *) disks->pdata[1])->format, ==, "qcow2");
  g_assert_true (((VbDomainDisk *) disks->pdata[2])->readonly);
  g_assert_null (vb_domain_xml_set_disk_file (domain_xml, "sdz", "/x", "qcow2", NULL));
}

/* Each overlay records the image below it, so the chain the overlay's
 * header names is the one the definition has (the start-time check). */
static void
test_domain_disk_chain (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *once =
    vb_domain_xml_set_disk_file (domain_xml, "vdb", "/images/data.s1", "qcow2", &error);
  g_autofree char *twice =
    vb_domain_xml_set_disk_file (once, "vdb", "/images/data.s2", "qcow2", &error);
  g_autoptr (VbDomainDef) def = NULL;
  g_autoptr (GPtrArray) images = NULL;
  const VbDiskImage *vdb;

  g_assert_no_error (error);
  def = vb_domain_def_parse (twice, &error);
  g_assert_no_error (error);
  images = vb_domain_disk_images (def->xml, &error);
  g_assert_no_error (error);
  vdb = images->pdata[1];
  g_assert_cmpstr (vdb->file, ==, "/images/data.s2");
  g_assert_cmpuint (g_strv_length (vdb->recorded), ==, 2);
  g_assert_cmpstr (vdb->recorded[0], ==, "/images/data.s1");
  g_assert_cmpstr (vdb->recorded[1], ==, "/images/data.img");
  g_assert_nonnull (strstr (def->xml, "<backingStore type='file'>\n"
                                      "        <format type='qcow2'/>\n"
                                      "        <source file='/images/data.s1'/>\n"
                                      "        <backingStore type='file'>\n"
                                      "          <format type='raw'/>\n"));
  /* vda had no chain: none is made up. */
  g_assert_cmpuint (g_strv_length (((VbDiskImage *) images->pdata[0])->recorded), ==, 0);
}

/* A domain <disk snapshot=…> is the disk's mode when the request does not
 * name the disk: 'no' leaves a raw disk out of an internal snapshot,
 * 'external' makes the snapshot external. */
static void
test_disk_defaults (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *no_xml = NULL;
  g_autofree char *external_xml = NULL;
  g_autoptr (GString) xml = g_string_new (domain_xml);
  g_autoptr (VbSnapshotDef) def =
    vb_snapshot_def_parse ("<domainsnapshot><name>d</name></domainsnapshot>", &error);
  g_autoptr (VbSnapshotDef) def2 =
    vb_snapshot_def_parse ("<domainsnapshot><name>e</name></domainsnapshot>", &error);
  g_autoptr (VbSnapshotDef) def3 =
    vb_snapshot_def_parse ("<domainsnapshot><name>f</name><disks><disk name='vdb' "
                           "snapshot='internal'/></disks></domainsnapshot>",
                           &error);

  g_assert_no_error (error);
  g_string_replace (
    xml, "<disk type='file' device='disk'>\n      <source file='/images/data.img'/>",
    "<disk type='file' device='disk' snapshot='no'>\n      <source file='/images/data.img'/>", 1);
  no_xml = g_strdup (xml->str);
  g_string_replace (xml, "snapshot='no'", "snapshot='external'", 1);
  external_xml = g_strdup (xml->str);

  g_assert_true (vb_snapshot_def_align (def, no_xml, TRUE, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (disk (def, "vda")->snapshot, ==, "internal");
  g_assert_cmpstr (disk (def, "vdb")->snapshot, ==, "no");
  g_assert_cmpstr (def->memory, ==, "internal");

  /* Offline, vdb's default makes every disk external. */
  g_assert_true (vb_snapshot_def_align (def2, external_xml, FALSE, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (disk (def2, "vdb")->snapshot, ==, "external");
  g_assert_cmpstr (disk (def2, "vda")->snapshot, ==, "external");
  g_assert_true (vb_snapshot_def_is_external (def2));

  /* What the request says wins over the default (and raw cannot be internal). */
  g_assert_false (vb_snapshot_def_align (def3, no_xml, FALSE, FALSE, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "vdb"));
}

static VbBackingFile *
backing_file (const char *path)
{
  VbBackingFile *file = g_new0 (VbBackingFile, 1);

  file->path = g_strdup (path);
  file->format = g_strdup ("qcow2");
  return file;
}

/* The chain recorded from the headers keeps a backing image's
 * <metadata_cache> while the header still names that file. */
static void
test_record_backing_cache (void)
{
  static const char xml[] =
    "<domain type='qemu'><name>c</name><memory>1</memory><devices>"
    "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/i/top.qcow2'/>"
    "<backingStore type='file'><format type='qcow2'><metadata_cache>"
    "<max_size unit='MiB'>2</max_size></metadata_cache></format>"
    "<source file='/i/b1.qcow2'/><backingStore type='file'><format type='qcow2'>"
    "<metadata_cache><max_size unit='MiB'>1</max_size></metadata_cache></format>"
    "<source file='/i/b2.qcow2'/></backingStore></backingStore>"
    "<target dev='vda'/></disk></devices></domain>";
  g_autoptr (GHashTable) chains =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *chain = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_backing_file_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *recorded = NULL;

  /* The headers now say top → b1 → b3: b2 (and its cache) are gone. */
  g_ptr_array_add (chain, backing_file ("/i/b1.qcow2"));
  g_ptr_array_add (chain, backing_file ("/i/b3.qcow2"));
  g_hash_table_insert (chains, g_strdup ("vda"), chain);
  recorded = vb_domain_xml_record_backing (xml, chains, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (recorded, "        <format type='qcow2'>\n"
                                      "          <metadata_cache>\n"
                                      "            <max_size unit='MiB'>2</max_size>\n"
                                      "          </metadata_cache>\n"
                                      "        </format>\n"
                                      "        <source file='/i/b1.qcow2'/>\n"));
  g_assert_null (strstr (recorded, "b2.qcow2"));
  g_assert_null (strstr (recorded, ">1</max_size>"));
  g_assert_nonnull (strstr (recorded, "b3.qcow2"));
}

/* And the storage slice of the first backing image (disk tail). */
static void
test_record_backing_slice (void)
{
  static const char xml[] =
    "<domain type='qemu'><name>c</name><memory>1</memory><devices>"
    "<disk type='file'><driver name='qemu' type='qcow2'/><source file='/i/top.qcow2'/>"
    "<backingStore type='file'><format type='raw'/><source file='/i/b1.img'><slices>"
    "<slice type='storage' offset='512' size='4096'/></slices></source></backingStore>"
    "<target dev='vda'/></disk></devices></domain>";
  g_autoptr (GHashTable) chains =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  GPtrArray *chain = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_backing_file_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *recorded = NULL;
  VbBackingFile *file = backing_file ("/i/b1.img");

  g_free (file->format);
  file->format = g_strdup ("raw");
  g_ptr_array_add (chain, file);
  g_hash_table_insert (chains, g_strdup ("vda"), chain);
  recorded = vb_domain_xml_record_backing (xml, chains, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (recorded, "<source file='/i/b1.img'>\n"
                                      "          <slices>\n"
                                      "            <slice type='storage' offset='512' "
                                      "size='4096'/>\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/snapshot-def/parse", test_parse);
  g_test_add_func ("/snapshot-def/align", test_align);
  g_test_add_func ("/snapshot-def/disk-defaults", test_disk_defaults);
  g_test_add_func ("/snapshot-def/stored-round-trip", test_stored_round_trip);
  g_test_add_func ("/snapshot-def/domain-disks", test_domain_disks);
  g_test_add_func ("/snapshot-def/domain-disk-chain", test_domain_disk_chain);
  g_test_add_func ("/snapshot-def/record-backing-cache", test_record_backing_cache);
  g_test_add_func ("/snapshot-def/record-backing-slice", test_record_backing_slice);
  return g_test_run ();
}
