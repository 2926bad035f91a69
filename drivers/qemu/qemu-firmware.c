/* UEFI firmware for QEMU guests: see qemu-firmware.h. The descriptors
 * follow QEMU's docs/interop/firmware.json; one that does not parse or
 * does not fit is skipped, as QEMU's own users do. */
#include "qemu-firmware.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* A descriptor is a few hundred bytes; anything far larger is not one. */
#define MAX_DESCRIPTOR_BYTES (64 * 1024)

void
vb_qemu_firmware_free (VbQemuFirmware *firmware)
{
  g_free (firmware->path);
  g_free (firmware);
}

static gboolean
listed (GPtrArray *found, const char *path)
{
  for (guint i = 0; i < found->len; i++)
    if (g_str_equal (((VbQemuFirmware *) found->pdata[i])->path, path))
      return TRUE;
  return FALSE;
}

static void
add (GPtrArray *found, const char *path, gboolean secure)
{
  VbQemuFirmware *firmware;

  if (listed (found, path) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return;
  firmware = g_new0 (VbQemuFirmware, 1);
  firmware->path = g_strdup (path);
  firmware->secure = secure;
  g_ptr_array_add (found, firmware);
}

static gboolean
array_has_string (JsonArray *array, const char *value)
{
  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
          && g_str_equal (json_node_get_string (node), value))
        return TRUE;
    }
  return FALSE;
}

static JsonObject *
member_object (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static const char *
member_string (JsonObject *object, const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (!node || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Whether a "targets" entry covers @arch and @machine (its machines are
 * glob patterns such as "pc-q35-*"). */
static gboolean
targets_match (JsonArray *targets, const char *arch, const char *machine)
{
  for (guint i = 0; targets && i < json_array_get_length (targets); i++)
    {
      JsonNode *node = json_array_get_element (targets, i);
      JsonObject *target = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonArray *machines = member_array (target, "machines");

      if (g_strcmp0 (member_string (target, "architecture"), arch) != 0)
        continue;
      for (guint j = 0; machines && j < json_array_get_length (machines); j++)
        {
          JsonNode *pattern = json_array_get_element (machines, j);

          if (JSON_NODE_HOLDS_VALUE (pattern) && json_node_get_value_type (pattern) == G_TYPE_STRING
              && g_pattern_match_simple (json_node_get_string (pattern), machine))
            return TRUE;
        }
    }
  return FALSE;
}

static void
read_descriptor (GPtrArray *found, const char *file, const char *arch, const char *machine)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *text = NULL;
  gsize len = 0;
  JsonNode *root_node;
  JsonObject *root;
  JsonObject *mapping;
  const char *code;

  if (!g_file_get_contents (file, &text, &len, NULL) || len > MAX_DESCRIPTOR_BYTES
      || !json_parser_load_from_data (parser, text, (gssize) len, NULL))
    return;
  root_node = json_parser_get_root (parser);
  root = root_node && JSON_NODE_HOLDS_OBJECT (root_node) ? json_node_get_object (root_node) : NULL;
  mapping = member_object (root, "mapping");
  code = member_string (member_object (mapping, "executable"), "filename");
  if (!array_has_string (member_array (root, "interface-types"), "uefi")
      || g_strcmp0 (member_string (mapping, "device"), "flash") != 0 || !code
      || !g_path_is_absolute (code)
      || !targets_match (member_array (root, "targets"), arch, machine))
    return;
  add (found, code, array_has_string (member_array (root, "features"), "secure-boot"));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* The names in @dir that end with @suffix, sorted. */
static GPtrArray *
sorted_names (const char *dir, const char *suffix)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    if (g_str_has_suffix (name, suffix))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

GPtrArray *
vb_qemu_firmware_find (const char *datadir, const char *arch, const char *machine)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_firmware_free);
  g_autofree char *descriptors = g_build_filename (datadir, "qemu", "firmware", NULL);
  g_autofree char *ovmf = g_build_filename (datadir, "OVMF", NULL);
  g_autoptr (GPtrArray) names = sorted_names (descriptors, ".json");
  g_autoptr (GPtrArray) builds = NULL;
  gboolean q35 = strstr (machine, "q35") != NULL;

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *file = g_build_filename (descriptors, names->pdata[i], NULL);

      read_descriptor (found, file, arch, machine);
    }
  /* OVMF is x86 firmware; Debian's builds are named OVMF_CODE[_4M][.variant].fd. */
  if (!g_str_equal (arch, "x86_64"))
    return found;
  builds = sorted_names (ovmf, ".fd");
  for (guint i = 0; i < builds->len; i++)
    {
      const char *name = builds->pdata[i];
      gboolean secure =
        strstr (name, ".secboot.") || strstr (name, ".ms.") || strstr (name, ".snakeoil.");
      g_autofree char *file = NULL;

      if (!g_str_has_prefix (name, "OVMF_CODE") || (secure && !q35))
        continue;
      file = g_build_filename (ovmf, name, NULL);
      add (found, file, secure);
    }
  return found;
}
