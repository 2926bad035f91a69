#include "qemu-status.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qmp-client.h"
#include "vb-error.h"
#include "vb-process.h"

void
vb_qemu_helper_record_free (VbQemuHelperRecord *record)
{
  if (!record)
    return;
  g_free (record->id);
  g_free (record->exe);
  g_free (record);
}

void
vb_qemu_status_free (VbQemuStatus *status)
{
  if (!status)
    return;
  g_free (status->uuid);
  g_free (status->live_xml);
  g_free (status->monitor_path);
  g_free (status->exe);
  g_free (status->console_path);
  g_free (status->console_log);
  g_free (status->numad_nodes);
  g_free (status->state);
  g_free (status->reason);
  g_strfreev (status->taps);
  g_strfreev (status->ovs_ports);
  g_strfreev (status->downscripts);
  g_strfreev (status->macvtaps);
  g_clear_pointer (&status->helpers, g_ptr_array_unref);
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
  STR ("exe", status->exe);
  STR ("console", status->console_path);
  STR ("console-log", status->console_log);
  STR ("numad-nodes", status->numad_nodes);
  STR ("state", status->state);
  STR ("reason", status->reason);
  STR ("xml", status->live_xml);
#undef STR
  json_builder_set_member_name (b, "taps");
  json_builder_begin_array (b);
  for (guint i = 0; status->taps && status->taps[i]; i++)
    json_builder_add_string_value (b, status->taps[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ovs-ports");
  json_builder_begin_array (b);
  for (guint i = 0; status->ovs_ports && status->ovs_ports[i]; i++)
    json_builder_add_string_value (b, status->ovs_ports[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "downscripts");
  json_builder_begin_array (b);
  for (guint i = 0; status->downscripts && status->downscripts[i]; i++)
    json_builder_add_string_value (b, status->downscripts[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "macvtaps");
  json_builder_begin_array (b);
  for (guint i = 0; status->macvtaps && status->macvtaps[i]; i++)
    json_builder_add_string_value (b, status->macvtaps[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "helpers");
  json_builder_begin_array (b);
  for (guint i = 0; status->helpers && i < status->helpers->len; i++)
    {
      const VbQemuHelperRecord *helper = status->helpers->pdata[i];

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, helper->id);
      json_builder_set_member_name (b, "pid");
      json_builder_add_int_value (b, helper->pid);
      json_builder_set_member_name (b, "start-time");
      json_builder_add_int_value (b, (gint64) helper->start_time);
      if (helper->exe)
        {
          json_builder_set_member_name (b, "exe");
          json_builder_add_string_value (b, helper->exe);
        }
      json_builder_end_object (b);
    }
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

/* The strings of @array (NULL: none), NULL-terminated. */
static GStrv
string_array (JsonArray *array)
{
  GPtrArray *strings = g_ptr_array_new ();

  for (guint i = 0; array && i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (item) && json_node_get_value_type (item) == G_TYPE_STRING)
        g_ptr_array_add (strings, g_strdup (json_node_get_string (item)));
    }
  g_ptr_array_add (strings, NULL);
  return (GStrv) g_ptr_array_free (strings, FALSE);
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
  status->exe = dup_member (object, "exe");
  status->console_path = dup_member (object, "console");
  status->console_log = dup_member (object, "console-log");
  status->numad_nodes = dup_member (object, "numad-nodes");
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
  status->ovs_ports = string_array (vb_qmp_member_array (object, "ovs-ports"));
  status->downscripts = string_array (vb_qmp_member_array (object, "downscripts"));
  status->macvtaps = string_array (vb_qmp_member_array (object, "macvtaps"));
  status->helpers = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_qemu_helper_record_free);
  {
    JsonArray *helpers = vb_qmp_member_array (object, "helpers");

    for (guint i = 0; helpers && i < json_array_get_length (helpers); i++)
      {
        JsonNode *item = json_array_get_element (helpers, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT (item) ? json_node_get_object (item) : NULL;
        VbQemuHelperRecord *helper;

        if (!o || !vb_qmp_member_string (o, "id"))
          continue;
        helper = g_new0 (VbQemuHelperRecord, 1);
        helper->id = dup_member (o, "id");
        helper->exe = dup_member (o, "exe");
        helper->pid = (int) json_object_get_int_member_with_default (o, "pid", 0);
        helper->start_time = (guint64) json_object_get_int_member_with_default (o, "start-time", 0);
        g_ptr_array_add (status->helpers, helper);
      }
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

VbQemuStatus *
vb_qemu_status_read (const char *path, GError **error)
{
  g_autofree char *json = NULL;
  struct stat st;
  gsize done = 0;
  int fd;

  /* O_NONBLOCK: a FIFO planted in its place must not hang the start-up. */
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "Cannot open %s: %s", path,
                   g_strerror (saved));
      return NULL;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid () || st.st_nlink != 1
      || st.st_size > 16 * 1024 * 1024)
    {
      close (fd);
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "%s is not a regular file of the service's own with one link", path);
      return NULL;
    }
  json = g_malloc (st.st_size + 1);
  while (done < (gsize) st.st_size)
    {
      ssize_t n = read (fd, json + done, st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      done += n;
    }
  close (fd);
  json[done] = '\0';
  return vb_qemu_status_from_json (json, error);
}

/* The real and effective uid of @pid, from the Uid: line of /proc/PID/status. */
static gboolean
process_uids (int pid, uid_t *real, uid_t *effective)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *contents = NULL;
  const char *line;
  char *end;

  if (!g_file_get_contents (path, &contents, NULL, NULL) || !(line = strstr (contents, "\nUid:")))
    return FALSE;
  *real = (uid_t) g_ascii_strtoull (line + strlen ("\nUid:"), &end, 10);
  *effective = (uid_t) g_ascii_strtoull (end, NULL, 10);
  return TRUE;
}

gboolean
vb_qemu_check_process (int pid, guint64 start_time, const char *exe, uid_t uid, GError **error)
{
  g_autofree char *running = NULL;
  uid_t real, effective;

  if (pid <= 0 || start_time == 0 || vb_process_start_time (pid) != start_time)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "process %d is gone", pid);
      return FALSE;
    }
  running = vb_process_exe (pid);
  if (!exe || g_strcmp0 (running, exe) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "process %d runs %s, not %s", pid,
                   running ? running : "(unknown)", exe ? exe : "(unknown)");
      return FALSE;
    }
  if (!process_uids (pid, &real, &effective) || real != uid || effective != uid)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "process %d does not run as uid %u", pid,
                   (unsigned) uid);
      return FALSE;
    }
  /* The checks raced with the PID's end and reuse: it must be the same one still. */
  if (vb_process_start_time (pid) != start_time)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "process %d is gone", pid);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_qemu_status_check_process (const VbQemuStatus *status, const char *exe, uid_t uid,
                              GError **error)
{
  return vb_qemu_check_process (status->pid, status->start_time, exe, uid, error);
}
