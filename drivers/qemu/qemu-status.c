#include "qemu-status.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "qmp-client.h"
#include "vb-error.h"

void
vb_qemu_status_free (VbQemuStatus *status)
{
  if (!status)
    return;
  g_free (status->uuid);
  g_free (status->live_xml);
  g_free (status->monitor_path);
  g_free (status->console_path);
  g_free (status->console_log);
  g_free (status->state);
  g_free (status->reason);
  g_strfreev (status->taps);
  g_free (status);
}

char *
vb_qemu_status_to_json (const VbQemuStatus *status)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) generator = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
#define STR(key, value)                   \
  if (value)                              \
    {                                     \
      json_builder_set_member_name (b, key); \
      json_builder_add_string_value (b, value); \
    }
  STR ("uuid", status->uuid);
  STR ("monitor", status->monitor_path);
  STR ("console", status->console_path);
  STR ("console-log", status->console_log);
  STR ("state", status->state);
  STR ("reason", status->reason);
  STR ("xml", status->live_xml);
#undef STR
  json_builder_set_member_name (b, "taps");
  json_builder_begin_array (b);
  for (guint i = 0; status->taps && status->taps[i]; i++)
    json_builder_add_string_value (b, status->taps[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "persistent");
  json_builder_add_boolean_value (b, status->persistent);
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, status->pid);
  json_builder_set_member_name (b, "start-time");
  json_builder_add_int_value (b, (gint64) status->start_time);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, status->id);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

static char *
dup_member (JsonObject *object, const char *name)
{
  return g_strdup (vb_qmp_member_string (object, name));
}

VbQemuStatus *
vb_qemu_status_from_json (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (VbQemuStatus) status = g_new0 (VbQemuStatus, 1);
  JsonObject *object;

  if (!json_parser_load_from_data (parser, json, -1, error))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "not a JSON object");
      return NULL;
    }
  object = json_node_get_object (json_parser_get_root (parser));
  status->uuid = dup_member (object, "uuid");
  status->monitor_path = dup_member (object, "monitor");
  status->console_path = dup_member (object, "console");
  status->console_log = dup_member (object, "console-log");
  status->state = dup_member (object, "state");
  status->reason = dup_member (object, "reason");
  status->live_xml = dup_member (object, "xml");
  {
    JsonArray *taps = vb_qmp_member_array (object, "taps");
    GPtrArray *names = g_ptr_array_new ();

    for (guint i = 0; taps && i < json_array_get_length (taps); i++)
      {
        JsonNode *item = json_array_get_element (taps, i);
        if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
          g_ptr_array_add (names, g_strdup (json_node_get_string (item)));
      }
    g_ptr_array_add (names, NULL);
    status->taps = (GStrv) g_ptr_array_free (names, FALSE);
  }
  status->persistent = json_object_get_boolean_member_with_default (object, "persistent", FALSE);
  status->pid = (int) json_object_get_int_member_with_default (object, "pid", 0);
  status->start_time = (guint64) json_object_get_int_member_with_default (object, "start-time", 0);
  status->id = (int) json_object_get_int_member_with_default (object, "id", -1);
  if (!status->uuid || !status->monitor_path || !status->live_xml || status->pid <= 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "incomplete status (uuid, monitor, xml, pid)");
      return NULL;
    }
  return g_steal_pointer (&status);
}

guint64
vb_process_start_time (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *contents = NULL;
  const char *after_name;
  g_auto (GStrv) fields = NULL;

  if (pid <= 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* The command name may hold spaces and parentheses: skip past its last ')'. */
  after_name = strrchr (contents, ')');
  if (!after_name)
    return 0;
  fields = g_strsplit (after_name + 2, " ", 0);
  /* after_name starts at field 3 (state); start time is field 22. A zombie
   * is dead, whoever has not reaped it yet. */
  if (g_strv_length (fields) < 20 || fields[0][0] == 'Z' || fields[0][0] == 'X')
    return 0;
  return g_ascii_strtoull (fields[19], NULL, 10);
}
