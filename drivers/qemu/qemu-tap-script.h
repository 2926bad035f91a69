/* <interface type='ethernet'><script path> and <downscript path>: programs
 * of the host's administrator that the service runs as root with the tap's
 * name as their only argument, as libvirt does: the script after the tap
 * is made and before QEMU gets it, the downscript when QEMU ends (or the
 * start fails after the scripts ran, or the interface is unplugged). Each
 * runs by its absolute path, never through a shell, off the main loop,
 * with a clean environment, / as its working directory, /dev/null as its
 * input, its output in a memfd (a daemon it leaves behind holds no pipe
 * open) and a time limit (then its process group is killed). Defining them
 * needs org.virtbus.Virt1.domain.host-root (domain-host-root.h). */
#pragma once

#include "qemu-command.h"
#include "qemu-part.h"

G_BEGIN_DECLS

/* How long a script may run before it is killed (and the start fails). */
#define VB_TAP_SCRIPT_TIMEOUT_S 30

/* Whether @path is a program only root can change: a regular executable
 * file owned by root and not writable by its group or others, in
 * directories (up to /) likewise, symbolic links followed. NotSupported
 * naming <@element path=...> and why otherwise. */
gboolean vb_tap_script_check (const char *element, const char *path, GError **error);

/* Runs the <script> of each of @command's taps that has one, one after the
 * other; the first that cannot run (vb_tap_script_check) or does not exit
 * with 0 in time fails it: NotSupported for the former, Failed naming the
 * script, the tap, its exit status and the tail of what it printed for the
 * latter. */
void vb_tap_scripts_run_async (const VbQemuCommand *command, GAsyncReadyCallback callback,
                               gpointer user_data);
gboolean vb_tap_scripts_run_finish (GAsyncResult *result, GError **error);

/* "TAP:PATH" for each of @command's taps with a <downscript> (an interface
 * name has no ':'); NULL-terminated, empty when none. */
GStrv vb_tap_downscripts_of (const VbQemuCommand *command);
/* Runs those downscripts in the background; a failure is logged for
 * @log_name. */
void vb_tap_downscripts_run (const char *const *entries, const char *log_name);
/* Runs the downscript of tap @ifname, if @entries has one, and removes it
 * from @entries (the interface was unplugged). */
void vb_tap_downscript_run_for (GStrv *entries, const char *ifname, const char *log_name);

/* Runs the downscripts the status records when QEMU ends. */
extern const VbQemuPart vb_qemu_tap_script_part;

G_END_DECLS
