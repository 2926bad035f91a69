/* libvirtbus on a real guest: the serial console of the project's test
 * guest under QEMU as a GIOStream from virtbus_client_open_console(). */
#include <string.h>

#include "virtbus.h"
#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 60000
#define ANSWER_TIMEOUT_S 20

typedef struct {
  VbTestEnv *env;
  VirtbusClient *client;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->client = virtbus_client_new_for_address_sync (f->env->bus_address, NULL, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_clear_object (&f->client);
  vb_test_env_free (f->env);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Reads @stream until @needle came (@needle NULL: until it closes); FALSE
 * when it closed first or nothing came within ANSWER_TIMEOUT_S. */
static gboolean
read_until (GIOStream *stream, const char *needle, GString *seen)
{
  GSocket *socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  GInputStream *in = g_io_stream_get_input_stream (stream);
  gint64 end = g_get_monotonic_time () + ANSWER_TIMEOUT_S * G_USEC_PER_SEC;

  g_socket_set_timeout (socket, 1);
  while (!needle || !strstr (seen->str, needle))
    {
      g_autoptr (GError) error = NULL;
      char buffer[4096];
      gssize n;

      if (g_get_monotonic_time () > end)
        return FALSE;
      if (needle == NULL && seen->len > 1 << 20)
        return FALSE;
      n = g_input_stream_read (in, buffer, sizeof buffer, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        continue;
      g_assert_no_error (error);
      if (n == 0)
        return needle == NULL;
      g_string_append_len (seen, buffer, n);
    }
  return TRUE;
}

/* Types @command and Enter; waits for @answer, which the echo of the typed
 * line does not contain. */
static void
run (GIOStream *stream, const char *command, const char *answer)
{
  g_autoptr (GString) seen = g_string_new (NULL);
  g_autofree char *line = g_strdup_printf ("%s\r", command);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (stream), line,
                                            strlen (line), NULL, NULL, &error));
  g_assert_no_error (error);
  if (!read_until (stream, answer, seen))
    g_error ("'%s' did not answer '%s'; the console showed:\n%s", command, answer, seen->str);
}

static void
test_console (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml ("client-console", 128, NULL, NULL);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  g_autoptr (VirtbusDomain) domain = NULL;
  g_autoptr (GIOStream) console = NULL;
  g_autoptr (GIOStream) forced = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  domain = virtbus_client_lookup_domain (f->client, "client-console", &error);
  g_assert_no_error (error);

  /* A GSocketConnection on the console: the guest's shell answers. */
  console =
    virtbus_client_open_console (f->client, domain, VIRTBUS_CONSOLE_FLAGS_NONE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_SOCKET_CONNECTION (console));
  run (console, "echo client-$((6*7))", "client-42");

  /* Someone has it: Busy, in words, unless forced. */
  g_assert_null (
    virtbus_client_open_console (f->client, domain, VIRTBUS_CONSOLE_FLAGS_NONE, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_BUSY);
  g_assert_false (g_str_has_prefix (error->message, "GDBus.Error:"));
  g_assert_nonnull (strstr (error->message, "FORCE"));
  g_clear_error (&error);

  /* Taken over, asynchronously: the new session works, the old one ends. */
  virtbus_client_open_console_async (f->client, domain, VIRTBUS_CONSOLE_FLAGS_FORCE, NULL,
                                     store_result, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  forced = virtbus_client_open_console_finish (f->client, result, &error);
  g_assert_no_error (error);
  run (forced, "echo forced-$((7*7))", "forced-49");
  {
    g_autoptr (GString) rest = g_string_new (NULL);

    /* What was on its way, then the end of the stream. */
    g_assert_true (read_until (console, NULL, rest));
  }
  g_assert_true (g_io_stream_close (forced, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/client-qemu/console", Fixture, NULL, fixture_set_up, test_console,
              fixture_tear_down);
  return g_test_run ();
}
