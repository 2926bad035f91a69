/* TLS-PSK for the migration stream. Without it, whoever reaches the
 * incoming port first owns the stream: garbage kills the waiting QEMU, a
 * forged stream becomes the guest. With it, QEMU accepts only a peer that
 * holds the key the source service made for this migration and sent over
 * the authorized D-Bus channel. */
#include "qemu-migration-tls.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-process.h"
#include "vb-error.h"
#include "vb-log.h"

#define KEY_DIR "migration-tls"
#define KEY_FILE "keys.psk"
#define KEY_HEX_LENGTH 64
#define DH_FILE "dh-params.pem"

/* RFC 7919's ffdhe2048 group, public and standard. Without a dh-params.pem
 * QEMU's server generates new parameters when the object is made, which
 * took 100-500 ms per migration here (bench-migration). */
static const char ffdhe2048_pem[] =
  "-----BEGIN DH PARAMETERS-----\n"
  "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
  "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
  "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
  "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
  "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
  "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
  "-----END DH PARAMETERS-----\n";

gboolean
vb_qemu_migration_tls_key_valid (const char *key)
{
  if (!key || strlen (key) != KEY_HEX_LENGTH)
    return FALSE;
  for (const char *c = key; *c; c++)
    if (!g_ascii_isxdigit (*c))
      return FALSE;
  return TRUE;
}

/* ---- the key file, off the main loop ---- */

/* Removes <domain dir>/migration-tls and its key file, whatever QEMU's
 * user (who may write the domain's directory) left there instead: nothing
 * is followed through a symbolic link. */
static void
remove_key_dir (int dir_fd)
{
  int sub = openat (dir_fd, KEY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (sub >= 0)
    {
      unlinkat (sub, KEY_FILE, 0);
      unlinkat (sub, DH_FILE, 0);
      close (sub);
      unlinkat (dir_fd, KEY_DIR, AT_REMOVEDIR);
    }
  else if (errno != ENOENT)
    unlinkat (dir_fd, KEY_DIR, 0);
}

typedef struct {
  char *domain_dir;
  char *key;
  gboolean server;
  gboolean chown_to_qemu;
  uid_t uid;
  gid_t gid;
} KeyFile;

static void
key_file_free (KeyFile *k)
{
  g_free (k->domain_dir);
  if (k->key)
    explicit_bzero (k->key, strlen (k->key));
  g_free (k->key);
  g_free (k);
}

/* Creates @name in @dir_fd (never an existing file, never through a link)
 * with @text, 0600 and QEMU's user's; FALSE with errno set. */
static gboolean
write_new_file (int dir_fd, const char *name, const char *text, KeyFile *k)
{
  int fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  gboolean ok;
  int saved;

  if (fd < 0)
    return FALSE;
  ok = (!k->chown_to_qemu || fchown (fd, k->uid, k->gid) == 0)
       && write (fd, text, strlen (text)) == (ssize_t) strlen (text);
  saved = errno;
  close (fd);
  errno = saved;
  return ok;
}

static gboolean
write_key_file (KeyFile *k, GError **error)
{
  int dir_fd = open (k->domain_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int sub = -1;
  g_autofree char *line = NULL;
  gboolean ok = FALSE;
  const char *step = "open the domain's run directory";

  if (dir_fd < 0)
    goto out;
  remove_key_dir (dir_fd);
  step = "create " KEY_DIR;
  if (mkdirat (dir_fd, KEY_DIR, 0700) < 0)
    goto out;
  sub = openat (dir_fd, KEY_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sub < 0 || (k->chown_to_qemu && fchown (sub, k->uid, k->gid) < 0))
    goto out;
  step = "write " KEY_DIR "/" DH_FILE;
  if (k->server && !write_new_file (sub, DH_FILE, ffdhe2048_pem, k))
    goto out;
  line = g_strdup_printf ("%s:%s\n", VB_QEMU_MIGRATION_TLS_USER, k->key);
  step = "write " KEY_DIR "/" KEY_FILE;
  ok = write_new_file (sub, KEY_FILE, line, k);
  explicit_bzero (line, strlen (line));
out:
  if (!ok)
    {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot %s for the migration's TLS key: %s",
                   step, g_strerror (saved));
      if (dir_fd >= 0)
        remove_key_dir (dir_fd);
    }
  if (sub >= 0)
    close (sub);
  if (dir_fd >= 0)
    close (dir_fd);
  return ok;
}

static void
write_key_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (write_key_file (task_data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
remove_key_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  const char *domain_dir = task_data;
  int dir_fd = open (domain_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

  if (dir_fd >= 0)
    {
      remove_key_dir (dir_fd);
      close (dir_fd);
    }
  g_task_return_boolean (task, TRUE);
}

/* Removes the key file of @qd's domain in a worker thread. */
static void
remove_key_file (QemuDomain *qd)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_source_tag (task, remove_key_file);
  g_task_set_task_data (task, g_strdup (qd->dir), g_free);
  g_task_run_in_thread (task, remove_key_thread);
}

/* ---- QEMU's side ---- */

typedef struct {
  gboolean server;
  char *id;
  char *old_id; /* the object of an earlier attempt, deleted once the new one is set */
  char *key_dir;
} Setup;

static void
setup_free (Setup *s)
{
  g_free (s->id);
  g_free (s->old_id);
  g_free (s->key_dir);
  g_free (s);
}

/* Deletes QEMU's object @id; a failure is only logged (it goes with QEMU). */
static void
delete_object (QemuDomain *qd, const char *id)
{
  JsonObject *args = json_object_new ();

  json_object_set_string_member (args, "id", id);
  vb_qemu_execute_logged (qd, "object-del", args);
}

/* Fails the setup: nothing of it stays set (the old object, if any, is kept). */
static void
setup_failed (GTask *task, GError *error)
{
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  Setup *s = g_task_get_task_data (task);

  if (qd && !qd->gone && qd->qmp)
    delete_object (qd, s->id);
  if (qd)
    remove_key_file (qd);
  g_prefix_error (&error, "Cannot set up TLS for the migration stream: ");
  g_task_return_error (task, error);
  g_object_unref (task);
}

static void
creds_set (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Setup *s = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply || !qd || qd->gone)
    {
      setup_failed (task, error ? error : g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU ended"));
      return;
    }
  if (s->old_id)
    delete_object (qd, s->old_id);
  g_free (qd->migration_tls_id);
  qd->migration_tls_id = g_strdup (s->id);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
object_added (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Setup *s = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  GError *error = NULL;
  g_autoptr (JsonNode) reply =
    vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);
  g_autoptr (JsonObject) args = NULL;

  if (!reply || !qd || qd->gone)
    {
      setup_failed (task, error ? error : g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU ended"));
      return;
    }
  /* The client has read its key: the file has no more use. */
  if (!s->server)
    remove_key_file (qd);
  args = json_object_new ();
  json_object_set_string_member (args, "tls-creds", s->id);
  vb_qmp_client_execute_async (qd->qmp, "migrate-set-parameters", args, -1, NULL, creds_set, task);
}

static void
key_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Setup *s = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (g_task_get_source_object (task));
  GError *error = NULL;
  g_autoptr (JsonObject) args = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_prefix_error (&error, "Cannot set up TLS for the migration stream: ");
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!qd || qd->gone || !qd->qmp)
    {
      setup_failed (task, g_error_new (VB_ERROR, VB_ERROR_FAILED, "QEMU ended"));
      return;
    }
  args = json_object_new ();
  json_object_set_string_member (args, "qom-type", "tls-creds-psk");
  json_object_set_string_member (args, "id", s->id);
  json_object_set_string_member (args, "endpoint", s->server ? "server" : "client");
  json_object_set_string_member (args, "dir", s->key_dir);
  /* A server must not name a user: it takes whichever identity its file has. */
  if (!s->server)
    json_object_set_string_member (args, "username", VB_QEMU_MIGRATION_TLS_USER);
  vb_qmp_client_execute_async (qd->qmp, "object-add", args, -1, NULL, object_added, task);
}

void
vb_qemu_migration_tls_setup_async (QemuDomain *qd, gboolean server, const char *key,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (qd->domain, NULL, callback, user_data);
  g_autoptr (GTask) writer = NULL;
  Setup *s = g_new0 (Setup, 1);
  KeyFile *k = g_new0 (KeyFile, 1);
  const char *user = vb_qemu_process_user ();
  struct passwd *pw = user ? getpwnam (user) : NULL;

  g_task_set_source_tag (task, vb_qemu_migration_tls_setup_async);
  s->server = server;
  /* Fresh for each attempt: a recovery adds its own before the old one goes. */
  s->id = g_strdup_printf ("vb-migration-tls-%08x%08x", g_random_int (), g_random_int ());
  s->old_id = g_strdup (qd->migration_tls_id);
  s->key_dir = g_build_filename (qd->dir, KEY_DIR, NULL);
  g_task_set_task_data (task, s, (GDestroyNotify) setup_free);

  if (user && !pw)
    {
      key_file_free (k);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "The user '%s' that QEMU runs as does not exist", user);
      g_object_unref (task);
      return;
    }
  if (!vb_qemu_migration_tls_key_valid (key))
    {
      key_file_free (k);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "The migration's TLS key is not 64 hex digits");
      g_object_unref (task);
      return;
    }
  k->domain_dir = g_strdup (qd->dir);
  k->key = g_strdup (key);
  k->server = server;
  /* QEMU, which runs as its user in system mode, opens the file. */
  k->chown_to_qemu = pw != NULL;
  k->uid = pw ? pw->pw_uid : 0;
  k->gid = pw ? pw->pw_gid : 0;
  writer = g_task_new (NULL, NULL, key_written, task);
  g_task_set_source_tag (writer, vb_qemu_migration_tls_setup_async);
  g_task_set_task_data (writer, k, (GDestroyNotify) key_file_free);
  g_task_run_in_thread (writer, write_key_thread);
}

gboolean
vb_qemu_migration_tls_setup_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, domain), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_qemu_migration_tls_teardown (QemuDomain *qd)
{
  g_autofree char *id = g_steal_pointer (&qd->migration_tls_id);

  if (!id)
    return;
  if (!qd->gone && qd->qmp)
    {
      JsonObject *reset = json_object_new ();

      json_object_set_string_member (reset, "tls-creds", "");
      vb_qemu_execute_logged (qd, "migrate-set-parameters", reset);
      delete_object (qd, id);
    }
  remove_key_file (qd);
}
