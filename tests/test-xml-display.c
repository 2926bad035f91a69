/* Displays and audio that depend on the host, as a client of the service
 * sees them: defined, then refused by name at Start on this host (no render
 * node, no desktop session, QEMU 7.2 without pipewire, no SPICE TLS
 * certificates); an SDL audio driver
 * reaches QEMU's environment while the guest has its sound card. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

typedef VbGuestFixture Fixture;

static void
expect_start_refused (Fixture *f, const char *name, const char *devices, const char *words)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);

  vb_test_expect_start_refused (f->env, xml, words);
}

static void
test_start_refusals (Fixture *f, gconstpointer data)
{
  if (g_file_test ("/dev/dri", G_FILE_TEST_EXISTS))
    g_test_message ("this host has /dev/dri: no render node refusals");
  else
    {
      expect_start_refused (f, "display-egl", "    <graphics type='egl-headless'/>\n",
                            "this host has none");
      expect_start_refused (f, "display-spice-gl",
                            "    <graphics type='spice'>\n      <listen type='none'/>\n"
                            "      <gl enable='yes'/>\n    </graphics>\n"
                            "    <video>\n      <model type='virtio'>\n"
                            "        <acceleration accel3d='yes'/>\n      </model>\n"
                            "    </video>\n",
                            "/dev/dri/renderD*");
    }
  /* The daemon runs without DISPLAY and WAYLAND_DISPLAY (main() unsets them). */
  expect_start_refused (f, "display-sdl", "    <graphics type='sdl'/>\n", "no desktop session");
  /* The daemon runs without --spice-x509-dir. */
  expect_start_refused (f, "display-spice-tls",
                        "    <graphics type='spice' autoport='yes' tlsPort='-1' "
                        "listen='127.0.0.1'/>\n",
                        "--spice-x509-dir, which is not set");
  expect_start_refused (f, "display-pipewire", "    <audio id='1' type='pipewire'/>\n",
                        "needs QEMU 8.1; this one is 7.2");
}

/* The environment of the QEMU whose command line names guest @name. */
static char *
qemu_environ (const char *name)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  g_autofree char *needle = g_strdup_printf ("guest=%s,", name);
  const char *pid;

  while (proc && (pid = g_dir_read_name (proc)))
    {
      g_autofree char *cmdline_path = g_build_filename ("/proc", pid, "cmdline", NULL);
      g_autofree char *environ_path = g_build_filename ("/proc", pid, "environ", NULL);
      g_autofree char *cmdline = NULL;
      char *env = NULL;
      gsize length = 0;

      if (!g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i + 1 < length; i++)
        if (!cmdline[i])
          cmdline[i] = ' ';
      if (!strstr (cmdline, needle) || !g_file_get_contents (environ_path, &env, &length, NULL))
        continue;
      /* Each "NAME=value" between newlines, the first and the last too. */
      for (gsize i = 0; i < length; i++)
        if (!env[i])
          env[i] = '\n';
      {
        char *lines = g_strconcat ("\n", env, NULL);

        g_free (env);
        return lines;
      }
    }
  return NULL;
}

/* <audio type='sdl' driver>: SDL_AUDIODRIVER in QEMU's environment, and the
 * sound card playing to it is on the guest's PCI bus (ich9-intel-hda). */
static void
test_sdl_audio_driver (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "display-sdl-audio", GUEST_MIB, "pc", TRUE, NULL,
    "    <audio id='1' type='sdl' driver='dummy'/>\n    <sound model='ich9'/>\n");
  g_autofree char *env = NULL;
  g_autofree char *out = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  env = qemu_environ ("display-sdl-audio");
  g_assert_nonnull (env);
  g_assert_nonnull (strstr (env, "\nSDL_AUDIODRIVER=dummy\n"));
  out = vb_test_console_output (f->console, "cat /sys/bus/pci/devices/*/device | grep -c 0x293e",
                                60000);
  g_assert_nonnull (strstr (out, "1"));
}

int
main (int argc, char **argv)
{
  g_unsetenv ("DISPLAY");
  g_unsetenv ("WAYLAND_DISPLAY");
  g_unsetenv ("SDL_AUDIODRIVER");
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-display/start-refusals", Fixture, NULL, vb_guest_fixture_set_up,
              test_start_refusals, vb_guest_fixture_tear_down);
  g_test_add ("/xml-display/sdl-audio-driver", Fixture, NULL, vb_guest_fixture_set_up,
              test_sdl_audio_driver, vb_guest_fixture_tear_down);
  return g_test_run ();
}
