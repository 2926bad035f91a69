/* A test's own QMP monitor of a guest's QEMU (one the test adds with
 * <qemu:commandline> -qmp), to see what QEMU has beside what the service
 * reports. */
#include "vb-test-qmp.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

JsonNode *
vb_test_qmp (const char *socket_path, const char *command)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketConnection) connection =
    g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_autoptr (GDataInputStream) in = NULL;
  GOutputStream *out;
  const char *lines[] = { "{\"execute\":\"qmp_capabilities\"}\n", command, "\n" };

  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    g_assert_true (
      g_output_stream_write_all (out, lines[i], strlen (lines[i]), NULL, NULL, &error));
  g_assert_no_error (error);
  /* The greeting, qmp_capabilities' answer, then the command's (events
   * may come between). */
  for (guint answers = 0;;)
    {
      g_autofree char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_no_error (error);
      g_assert_nonnull (line);
      g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      g_assert_false (json_object_has_member (object, "error"));
      if (json_object_has_member (object, "return") && ++answers == 2)
        return json_node_copy (json_object_get_member (object, "return"));
    }
}
