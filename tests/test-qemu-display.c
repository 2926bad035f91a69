/* Displays that depend on the host (issue #16): define builds them in a dry
 * run; a start (not a dry run) asks this host, through the same answers the
 * driver gives its builder, and refuses by name what it lacks: a render
 * node, a desktop session, a QEMU new enough for pipewire. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-host-display.h"
#include "qemu-host.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", "pc-i440fx-7.2", NULL };

static char *
domain_xml (const char *devices)
{
  return g_strdup_printf ("<domain type='qemu'><name>d</name>"
                          "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                          "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                          "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                          "<devices>%s<memballoon model='none'/></devices></domain>",
                          devices);
}

/* The context of a start on this host (qemu-domain.c's, without the
 * driver): @dry_run TRUE is define's. */
static VbQemuCommandContext
start_context (gboolean dry_run)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .spice = TRUE,
    .virtio_net_failover = TRUE,
    .dry_run = dry_run,
    .desktop_session = vb_qemu_host_desktop_session,
    .path_exists = vb_qemu_host_path_exists,
    .qemu_version = 70222,
  };
  return context;
}

/* The host's answer with the service's own user (as the test runs). */
static char *
host_render_node (const char *wanted, GError **error)
{
  return vb_qemu_host_render_node_for (wanted, NULL, error);
}

static VbQemuCommand *
build (const char *devices, const VbQemuCommandContext *context, GError **error)
{
  g_autofree char *xml = domain_xml (devices);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, context, error);
}

static gboolean
has_pair (VbQemuCommand *command, const char *option, const char *value)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], option)
        && g_str_equal (command->argv->pdata[i + 1], value))
      return TRUE;
  return FALSE;
}

/* Accepted at define; refused at a start on a host without a render node
 * (this one has no /dev/dri), naming the element and the node. */
static void
test_render_node (void)
{
  static const char *const displays[] = {
    "<graphics type='egl-headless'/>",
    "<graphics type='spice'><listen type='none'/><gl enable='yes'/></graphics>",
  };
  VbQemuCommandContext define = start_context (TRUE);
  VbQemuCommandContext start = start_context (FALSE);

  start.render_node = host_render_node;
  if (g_file_test ("/dev/dri", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this host has /dev/dri");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (displays); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VbQemuCommand) defined = build (displays[i], &define, &error);
      g_autoptr (VbQemuCommand) started = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (defined);
      started = build (displays[i], &start, &error);
      g_assert_null (started);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, "<graphics>")
                          ? strstr (error->message, "/dev/dri/renderD*")
                          : strstr (error->message, "<gl>"));
    }
  {
    /* A node named that is no DRM device (a caller's /dev/null) is refused. */
    g_autoptr (GError) error = NULL;
    g_autoptr (VbQemuCommand) started =
      build ("<graphics type='egl-headless'><gl rendernode='/dev/null'/></graphics>", &start,
             &error);

    g_assert_null (started);
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "/dev/null is none on this host"));
  }
}

static char *
fake_render_node (const char *wanted, GError **error)
{
  return g_strdup (wanted ? wanted : "/dev/dri/renderD130");
}

/* A host with a render node: QEMU gets the one it chose, and the live XML
 * says which; virtio-vga-gl and a mediated display need such a display. */
static void
test_render_node_chosen (void)
{
  VbQemuCommandContext start = start_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  start.render_node = fake_render_node;
  command = build ("<graphics type='egl-headless'/><video><model type='virtio'>"
                   "<acceleration accel3d='yes'/></model></video>",
                   &start, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-display", "egl-headless,rendernode=/dev/dri/renderD130"));
  g_assert_false (has_pair (command, "-display", "none"));
  g_assert_nonnull (strstr (command->xml, "<gl rendernode='/dev/dri/renderD130'/>"));
  g_clear_pointer (&command, vb_qemu_command_free);
  /* Without a display of its own: the egl-headless one it gets, on the
   * same node. */
  command = build ("<video><model type='virtio'><acceleration accel3d='yes'/></model></video>",
                   &start, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-display", "egl-headless,rendernode=/dev/dri/renderD130"));
  g_assert_nonnull (strstr (command->xml, "<graphics type='egl-headless'>"));
}

/* sdl: refused at a start without DISPLAY or WAYLAND_DISPLAY; with one,
 * QEMU has it in its environment. */
static void
test_desktop_session (void)
{
  VbQemuCommandContext define = start_context (TRUE);
  VbQemuCommandContext start = start_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  command = build ("<graphics type='sdl'/>", &define, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-display", "sdl"));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build ("<graphics type='sdl'/>", &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "<graphics> at line"));
  g_assert_nonnull (strstr (error->message, "no desktop session"));
  g_clear_error (&error);
  g_setenv ("DISPLAY", ":7", TRUE);
  command = build ("<graphics type='sdl'/>", &start, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (command->env->len, >=, 1);
  g_assert_true (g_ptr_array_find_with_equal_func (command->env, "DISPLAY=:7", g_str_equal, NULL));
  g_unsetenv ("DISPLAY");
}

/* sdl on the X display the XML names (libvirt's display, xauth and
 * fullscreen): QEMU's DISPLAY and XAUTHORITY, without a desktop session of
 * the service's; a name or path that is not one is refused. */
static void
test_sdl_named_display (void)
{
  VbQemuCommandContext start = start_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  static const char *const bad[] = {
    "<graphics type='sdl' display='0'/>",
    "<graphics type='sdl' display=':0;reboot'/>",
    "<graphics type='sdl' display='a b:0'/>",
    "<graphics type='sdl' display=':0.'/>",
    "<graphics type='sdl' display=':0' xauth='.Xauthority'/>",
    "<graphics type='sdl' display=':0' xauth='/tmp/../etc/x y'/>",
    "<graphics type='sdl' xauth='/root/.Xauthority'/>",
    "<graphics type='vnc' display=':0'/>",
  };

  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  command = build ("<graphics type='sdl' display='host-1:0.1' xauth='/root/.Xauthority' "
                   "fullscreen='yes'/>",
                   &start, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-display", "sdl,full-screen=on"));
  g_assert_true (
    g_ptr_array_find_with_equal_func (command->env, "DISPLAY=host-1:0.1", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (command->env, "XAUTHORITY=/root/.Xauthority",
                                                   g_str_equal, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (VbQemuCommand) refused = build (bad[i], &start, &error);

      g_assert_null (refused);
      g_assert_nonnull (error);
      g_test_message ("%s: %s", bad[i], error->message);
      g_clear_error (&error);
    }
}

/* pipewire: accepted at define, refused at a start on QEMU 7.2 (8.1 has it). */
static void
test_pipewire (void)
{
  VbQemuCommandContext define = start_context (TRUE);
  VbQemuCommandContext start = start_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  command = build ("<audio id='1' type='pipewire'/>", &define, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-audiodev", "pipewire,id=audio1"));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build ("<audio id='1' type='pipewire'/>", &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "needs QEMU 8.1; this one is 7.2"));
  g_clear_error (&error);
  start.qemu_version = 80100;
  command = build ("<audio id='1' type='pipewire'/>", &start, &error);
  g_assert_no_error (error);
}

/* An SDL audio driver is QEMU's SDL_AUDIODRIVER, never anything else. */
static void
test_sdl_audio_driver (void)
{
  VbQemuCommandContext start = start_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  command = build ("<audio id='1' type='sdl' driver='pulseaudio'/>", &start, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (command->env->len, ==, 1);
  g_assert_cmpstr (command->env->pdata[0], ==, "SDL_AUDIODRIVER=pulseaudio");
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build ("<audio id='1' type='sdl' driver='a b'/>", &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
}

/* SPICE TLS: at a start, refused without --spice-x509-dir or with a
 * certificate missing there; with them, QEMU's x509-dir is that directory. */
static void
test_spice_tls (void)
{
  static const char *const spice =
    "<graphics type='spice' port='5903' tlsPort='-1' autoport='no' listen='127.0.0.1'>"
    "<channel name='main' mode='secure'/></graphics>";
  static const char *const files[] = { "ca-cert.pem", "server-cert.pem", "server-key.pem" };
  VbQemuCommandContext start = start_context (FALSE);
  g_autofree char *dir = g_dir_make_tmp ("vb-spice-XXXXXX", NULL);
  g_autofree char *expected = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  command = build (spice, &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "--spice-x509-dir, which is not set"));
  g_clear_error (&error);
  start.spice_x509_dir = dir;
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      command = build (spice, &start, &error);
      g_assert_null (command);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      g_assert_nonnull (strstr (error->message, files[i]));
      g_clear_error (&error);
      g_assert_true (g_file_set_contents (path, "pem", -1, NULL));
    }
  command = build (spice, &start, &error);
  g_assert_no_error (error);
  expected = g_strdup_printf ("port=5903,addr=127.0.0.1,tls-port=5904,x509-dir=%s,"
                              "seamless-migration=on,tls-channel=main",
                              dir);
  g_assert_true (has_pair (command, "-spice", expected));
  g_assert_nonnull (strstr (command->xml, "tlsPort='5904'"));
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (dir, files[i], NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-display/render-node", test_render_node);
  g_test_add_func ("/qemu-display/render-node-chosen", test_render_node_chosen);
  g_test_add_func ("/qemu-display/desktop-session", test_desktop_session);
  g_test_add_func ("/qemu-display/sdl-named-display", test_sdl_named_display);
  g_test_add_func ("/qemu-display/pipewire", test_pipewire);
  g_test_add_func ("/qemu-display/sdl-audio-driver", test_sdl_audio_driver);
  g_test_add_func ("/qemu-display/spice-tls", test_spice_tls);
  return g_test_run ();
}
