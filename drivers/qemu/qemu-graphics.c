/* The displays of a running QEMU guest: every VNC and SPICE server asks for
 * a password (the definition's, else a random one per start), given to QEMU
 * over QMP so it is in no command line, log or file others read; and
 * OpenGraphics hands an authorized client a socket pair whose other end QEMU
 * takes as a client (getfd + add_client), no port involved; a peer-to-peer
 * D-Bus display (p2p='yes') is reached the same way, without a password. */
#include "qemu-graphics.h"

#include <errno.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu-graphics-expiry.h"
#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

/* VNC's authentication (DES) uses the first 8 characters only. */
#define VNC_PASSWORD_LENGTH 8
#define SPICE_PASSWORD_LENGTH 16

/* VNC and SPICE are servers clients connect to, with a password; sdl and
 * egl-headless are QEMU's own displays, with neither. */
static gboolean
graphics_is_server (const char *type)
{
  return g_strcmp0 (type, "vnc") == 0 || g_strcmp0 (type, "spice") == 0;
}

static char *
random_password (guint length, GError **error)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  guint8 bytes[SPICE_PASSWORD_LENGTH];
  char *password;
  gsize got = 0;

  g_assert (length <= sizeof bytes);
  while (got < length)
    {
      ssize_t n = getrandom (bytes + got, length - got, 0);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "No random graphics password: %s",
                       g_strerror (errno));
          return NULL;
        }
      got += (gsize) n;
    }
  password = g_malloc (length + 1);
  /* 64 characters: each byte gives 6 bits, evenly. */
  for (guint i = 0; i < length; i++)
    password[i] = alphabet[bytes[i] & 63];
  password[length] = '\0';
  return password;
}

gboolean
vb_qemu_graphics_prepare (VbDomain *domain, GError **error)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = NULL;
  xmlNode *devices;
  gboolean changed = FALSE;
  g_autofree char *xml = NULL;
  VbDomainDef *updated;

  if (!live || !strstr (live->xml, "<graphics"))
    return TRUE;
  doc = vb_xml_parse (live->xml, "domain", error);
  if (!doc)
    return FALSE;
  devices = vb_xml_child (xmlDocGetRootElement (doc), "devices");
  for (xmlNode *node = vb_xml_child (devices, "graphics"); node;
       node = vb_xml_next (node, "graphics"))
    {
      g_autofree char *passwd = vb_xml_attr (node, "passwd");
      g_autofree char *type = vb_xml_attr (node, "type");
      g_autofree char *random = NULL;

      /* Only servers ask for one: sdl and egl-headless are QEMU's own. */
      if (passwd || !graphics_is_server (type))
        continue;
      random =
        random_password (g_strcmp0 (type, "vnc") == 0 ? VNC_PASSWORD_LENGTH : SPICE_PASSWORD_LENGTH,
                         error);
      if (!random)
        return FALSE;
      xmlSetProp (node, BAD_CAST "passwd", BAD_CAST random);
      changed = TRUE;
    }
  if (!changed)
    return TRUE;
  xml = vb_xml_format (doc);
  updated = vb_domain_def_parse_live (xml, error);
  if (!updated)
    return FALSE;
  vb_domain_set_live_def (domain, updated);
  return TRUE;
}

/* ---- passwords at start ---- */

typedef struct {
  guint pending;
  GError *error; /* the first failure */
} SetPasswords;

static void
set_passwords_free (SetPasswords *set)
{
  g_clear_error (&set->error);
  g_free (set);
}

static void
password_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SetPasswords *set = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  /* QEMU's error names no password; ours neither. */
  if (!reply && !set->error)
    {
      g_prefix_error (&error, "Cannot set the graphics password: ");
      set->error = error;
    }
  else if (!reply)
    g_error_free (error);
  if (--set->pending > 0)
    return;
  if (set->error)
    g_task_return_error (task, g_steal_pointer (&set->error));
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

void
vb_qemu_graphics_set_passwords_async (QemuDomain *qd, const char *live_xml,
                                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  g_autoptr (xmlDoc) doc = NULL;
  SetPasswords *set = g_new0 (SetPasswords, 1);
  xmlNode *devices;
  GError *error = NULL;

  g_task_set_source_tag (task, vb_qemu_graphics_set_passwords_async);
  g_task_set_task_data (task, set, (GDestroyNotify) set_passwords_free);
  doc = strstr (live_xml, "<graphics") ? vb_xml_parse (live_xml, "domain", &error) : NULL;
  if (error)
    {
      g_task_return_error (task, error);
      return;
    }
  devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;
  /* One more than the commands, dropped below: the task completes once. */
  set->pending = 1;
  for (xmlNode *node = vb_xml_child (devices, "graphics"); node;
       node = vb_xml_next (node, "graphics"))
    {
      g_autofree char *passwd = vb_xml_attr (node, "passwd");
      g_autofree char *type = vb_xml_attr (node, "type");
      g_autofree char *valid_to = vb_xml_attr (node, "passwdValidTo");
      g_autofree char *connected = vb_xml_attr (node, "connected");
      g_autoptr (JsonObject) args = json_object_new ();

      if (!graphics_is_server (type))
        continue;
      /* vb_qemu_graphics_prepare() gave each one. */
      if (!passwd || !qd->qmp)
        {
          g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                                   "Cannot set the graphics password of a %s display", type);
          return;
        }
      json_object_set_string_member (args, "protocol", type);
      json_object_set_string_member (args, "password", passwd);
      /* <graphics connected>: SPICE's (define refused any other for VNC). */
      if (connected && g_str_equal (type, "spice"))
        json_object_set_string_member (args, "connected", connected);
      set->pending++;
      vb_qmp_client_execute_async (qd->qmp, "set_password", args, -1, NULL, password_set,
                                   g_object_ref (task));
      /* <graphics passwdValidTo>: after the password, in the same order on
       * the monitor; a time past expires it at once. */
      if (valid_to)
        {
          g_autoptr (JsonObject) expire = json_object_new ();
          g_autofree char *time =
            g_strdup_printf ("%" G_GINT64_FORMAT, vb_qemu_graphics_valid_to (valid_to));

          json_object_set_string_member (expire, "protocol", type);
          json_object_set_string_member (expire, "time", time);
          set->pending++;
          vb_qmp_client_execute_async (qd->qmp, "expire_password", expire, -1, NULL, password_set,
                                       g_object_ref (task));
        }
    }
  if (--set->pending == 0)
    g_task_return_boolean (task, TRUE);
  else
    g_steal_pointer (&task); /* the last reply completes it */
}

gboolean
vb_qemu_graphics_set_passwords_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_graphics_set_passwords_async),
                        FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- OpenGraphics ---- */

static void
fd_taken (GObject *source, GAsyncResult *result, gpointer user_data)
{
  /* A failed getfd fails the add_client after it, which reports it. */
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
}

/* The task's data: the client's end, closed with the task unless handed out. */
static void
close_fd (gpointer data)
{
  int *fd = data;

  if (*fd >= 0)
    close (*fd);
  g_free (fd);
}

static void
client_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  int *fd = g_task_get_task_data (task);

  if (!reply)
    {
      g_prefix_error (&error, "The display server did not take the connection: ");
      g_task_return_error (task, error);
      return;
    }
  {
    int handed = *fd;

    *fd = -1; /* the caller's now */
    g_task_return_int (task, handed);
  }
}

void
vb_qemu_open_graphics_async (VbDriverHost *host, VbDomain *domain, guint index, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  static guint counter;
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = NULL;
  g_autofree char *type = NULL;
  g_autofree char *fdname = NULL;
  g_autoptr (JsonObject) getfd = json_object_new ();
  g_autoptr (JsonObject) add = json_object_new ();
  xmlNode *node = NULL;
  guint i = 0;
  int pair[2];
  int *client;

  g_task_set_source_tag (task, vb_qemu_open_graphics_async);
  if (!qd || qd->gone || !qd->qmp || !live)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "Domain '%s' is not running",
                               vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  doc = vb_xml_parse (live->xml, "domain", NULL);
  if (doc)
    node = vb_xml_child (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "graphics");
  for (; node && i < index; i++)
    node = vb_xml_next (node, "graphics");
  if (!node)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "Domain '%s' has no graphics device with index %u",
                               vb_resource_get_name (VB_RESOURCE (domain)), index);
      return;
    }
  type = vb_xml_attr (node, "type");
  /* A peer-to-peer D-Bus display takes clients as VNC and SPICE do; one
   * on a bus is reached on that bus. */
  if (g_strcmp0 (type, "dbus") == 0 && !vb_xml_attr_is (node, "p2p", "yes"))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "Graphics device %u of domain '%s' is a D-Bus display on the bus "
                               "of its address, where its clients connect",
                               index, vb_resource_get_name (VB_RESOURCE (domain)));
      return;
    }
  if (!graphics_is_server (type) && g_strcmp0 (type, "dbus") != 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                               "Graphics device %u of domain '%s' is QEMU's own %s display, "
                               "which no client connects to",
                               index, vb_resource_get_name (VB_RESOURCE (domain)), type);
      return;
    }
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "socketpair: %s",
                               g_strerror (errno));
      return;
    }
  client = g_new (int, 1);
  *client = pair[1];
  g_task_set_task_data (task, client, close_fd);
  fdname = g_strdup_printf ("vb-graphics-%u", ++counter);
  json_object_set_string_member (getfd, "fdname", fdname);
  /* The fd goes with the command (a dup): ours can be closed at once. */
  vb_qmp_client_execute_async (qd->qmp, "getfd", getfd, pair[0], NULL, fd_taken, NULL);
  close (pair[0]);
  /* QEMU's name of its D-Bus display (it ignores skipauth there: the
   * connection is the authorization, given by OpenGraphics's). */
  json_object_set_string_member (add, "protocol",
                                 g_str_equal (type, "dbus") ? "@dbus-display" : type);
  json_object_set_string_member (add, "fdname", fdname);
  json_object_set_boolean_member (add, "skipauth", (flags & VB_GRAPHICS_SKIPAUTH) != 0);
  vb_qmp_client_execute_async (qd->qmp, "add_client", add, -1, NULL, client_added,
                               g_steal_pointer (&task));
}

int
vb_qemu_open_graphics_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_qemu_open_graphics_async), -1);
  return (int) g_task_propagate_int (G_TASK (result), error);
}
