/* edit, as virsh edit: the persistent definition in $VISUAL or $EDITOR (vi
 * by default) on a temporary file, defined when the editor leaves it
 * changed; when the service refuses it, its message and the choice to edit
 * again, start over, or give up. */
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl-command.h"
#include "ctl-error.h"

/* Domain.GetXMLDesc flags: the passwords too, or defining the edited XML
 * would drop them. */
#define XML_SECURE (1u << 0)
#define XML_INACTIVE (1u << 1)

/* The temporary file holds the passwords, so no signal may end virtbusctl
 * while it exists: SIGINT, SIGQUIT, SIGTERM and SIGHUP are caught and only
 * noted, and edit stops at its next step, removing the file. While the
 * editor runs, Ctrl-C (SIGINT, SIGQUIT) is the editor's business, as in
 * virsh: virtbusctl goes on once it leaves. Handlers rather than SIG_IGN,
 * so that the editor starts with the default dispositions. No SA_RESTART:
 * the question's read is interrupted. */
static const int caught_signals[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
static volatile sig_atomic_t stop_signal;

static void
note_signal (int signo)
{
  stop_signal = signo;
}

typedef struct {
  struct sigaction saved[G_N_ELEMENTS (caught_signals)];
} Signals;

static void
signals_catch (Signals *signals)
{
  struct sigaction action = { .sa_handler = note_signal };

  sigemptyset (&action.sa_mask);
  stop_signal = 0;
  for (guint i = 0; i < G_N_ELEMENTS (caught_signals); i++)
    sigaction (caught_signals[i], &action, &signals->saved[i]);
}

static void
signals_restore (Signals *signals)
{
  for (guint i = 0; i < G_N_ELEMENTS (caught_signals); i++)
    sigaction (caught_signals[i], &signals->saved[i], NULL);
}

/* FALSE with an error when a signal asked edit to stop. */
static gboolean
check_signal (const char *name, GError **error)
{
  if (!stop_signal)
    return TRUE;
  g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
               "interrupted (%s): the changes to domain '%s' were not defined",
               g_strsignal (stop_signal), name);
  return FALSE;
}

static gboolean
run_editor (const char *file, GError **error)
{
  /* The shell splits "$EDITOR" into words as git and virsh do ("emacs -nw");
   * the file name goes as "$1", never through the command text. exec: no
   * shell stays between us and the editor, which a Ctrl-C would end while
   * the editor goes on. */
  const char *argv[] = { "/bin/sh",         "-c", "exec ${VISUAL:-${EDITOR:-vi}} \"$1\"",
                         "virtbusctl-edit", file, NULL };
  g_autoptr (GError) local = NULL;
  gboolean ok;
  int status;

  ok = g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_CHILD_INHERITS_STDIN, NULL, NULL, NULL,
                     NULL, &status, &local)
       && g_spawn_check_wait_status (status, &local);
  /* Ctrl-C went to the editor, which decided. */
  if (stop_signal == SIGINT || stop_signal == SIGQUIT)
    stop_signal = 0;
  if (!ok)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "the editor failed: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

/* Errors the person at the editor can fix. */
static gboolean
worth_another_edit (const GError *error)
{
  return g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_XML)
         || g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_INVALID_ARGUMENT)
         || g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_OPERATION_INVALID)
         || g_error_matches (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_SUPPORTED);
}

typedef enum {
  AGAIN,      /* edit the file as it is */
  FROM_START, /* edit the definition as it was */
  GIVE_UP,
} Choice;

static Choice
ask (void)
{
  for (;;)
    {
      char answer[64];

      fputs ("Failed. Try again? [y,n,f,?]: ", stdout);
      fflush (stdout);
      /* The end of input, or a signal (Ctrl-C). */
      if (stop_signal || !fgets (answer, sizeof answer, stdin))
        {
          putchar ('\n');
          return GIVE_UP;
        }
      switch (answer[0])
        {
        case 'y':
        case 'Y':
          return AGAIN;
        case 'f':
        case 'F':
          return FROM_START;
        case 'n':
        case 'N':
          return GIVE_UP;
        default:
          fputs ("y - edit again your changes\n"
                 "n - give up the changes\n"
                 "f - edit again, starting from the definition as it was\n"
                 "? - this help\n",
                 stdout);
        }
    }
}

typedef struct {
  CtlContext *ctx;
  char *file;
  char *original;
} Edit;

static void
edit_clear (Edit *edit)
{
  if (edit->file)
    g_unlink (edit->file);
  g_clear_pointer (&edit->file, g_free);
  g_clear_pointer (&edit->original, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Edit, edit_clear)

/* Defines @xml; says so with the name it has now. */
static gboolean
define (Edit *edit, const char *xml, GError **error)
{
  VirtbusManager *manager = virtbus_client_get_manager (edit->ctx->client);
  g_autofree char *path = NULL;
  g_autoptr (VirtbusObject) object = NULL;

  if (!virtbus_manager_call_define_domain_sync (manager, xml, 0, &path, NULL, error))
    return FALSE;
  object = ctl_context_wait_object (edit->ctx, path, error);
  if (!object)
    return FALSE;
  ctl_say (edit->ctx, "Domain '%s' XML configuration edited.",
           virtbus_domain_get_name (virtbus_object_peek_domain (object)));
  return TRUE;
}

static gboolean
edit_loop (Edit *edit, const char *name, GError **error)
{
  for (;;)
    {
      g_autofree char *edited = NULL;
      g_autoptr (GError) refused = NULL;

      if (!run_editor (edit->file, error) || !check_signal (name, error))
        return FALSE;
      if (!g_file_get_contents (edit->file, &edited, NULL, error))
        return FALSE;
      if (strcmp (edited, edit->original) == 0)
        {
          ctl_say (edit->ctx, "Domain '%s' XML configuration not changed.", name);
          return TRUE;
        }
      if (define (edit, edited, &refused))
        return TRUE;
      if (!worth_another_edit (refused))
        {
          g_propagate_error (error, g_steal_pointer (&refused));
          return FALSE;
        }
      ctl_error_print (refused);
      if (!check_signal (name, error))
        return FALSE;
      switch (ask ())
        {
        case AGAIN:
          break;
        case FROM_START:
          if (!g_file_set_contents (edit->file, edit->original, -1, error))
            return FALSE;
          break;
        case GIVE_UP:
          if (!check_signal (name, error))
            return FALSE;
          g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                       "the changes to domain '%s' were not defined", name);
          return FALSE;
        }
    }
}

static gboolean
run_edit (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_auto (Edit) edit = { ctx };
  g_autofree char *name = NULL;
  Signals signals;
  gboolean ok;
  int fd;

  if (!domain)
    return FALSE;
  name = g_strdup (virtbus_domain_get_name (domain));
  if (!virtbus_domain_call_get_xmldesc_sync (domain, XML_INACTIVE | XML_SECURE, &edit.original,
                                             NULL, error))
    return FALSE;
  /* Private to the caller: the XML may hold passwords. */
  signals_catch (&signals);
  fd = g_file_open_tmp ("virtbusctl-XXXXXX.xml", &edit.file, error);
  if (fd < 0)
    ok = FALSE;
  else
    {
      close (fd);
      ok = g_file_set_contents_full (edit.file, edit.original, -1, G_FILE_SET_CONTENTS_NONE, 0600,
                                     error)
           && edit_loop (&edit, name, error);
    }
  /* The file goes before a signal that came may act. */
  edit_clear (&edit);
  signals_restore (&signals);
  return ok;
}

const CtlCommand ctl_domain_edit_commands[] = {
  { "edit", "Edit a domain's persistent XML in $EDITOR and define it",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } }, NULL, run_edit,
    "Opens $VISUAL, else $EDITOR, else vi, on a temporary copy of the definition\n"
    "(with its graphics passwords). A file left unchanged defines nothing. When the\n"
    "service refuses the changed XML, edit shows why and asks: y edits the changes\n"
    "again, f starts again from the definition as it was, n gives up (exit code 1).\n"
    "Ctrl-C while the editor runs is the editor's; the temporary file always goes." },
  { NULL },
};
