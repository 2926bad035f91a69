/* KVM probe: see kvm-probe.h.
 *
 * The guest is a 512-byte boot sector that SeaBIOS loads from an IDE disk.
 * It does what a Linux kernel does early and what broken KVM hosts fail at:
 * it enters long mode with paging, then runs a locked 16-byte
 * compare-and-exchange (lock cmpxchg16b, as Linux does on its own memory)
 * on one of its page-table pages, which a host that shadows page tables must
 * emulate. Then it writes to QEMU's isa-debug-exit port.
 *
 * Both halves were learnt on real hosts. A payload at the reset vector alone
 * ran fine on a host whose SeaBIOS then hung, as real guests did there: hence
 * SeaBIOS. A real-mode boot sector ran fine on a nested host whose KVM then
 * stopped every Linux guest with "KVM internal error. Suberror: 1" (emulation
 * failure) at a lock cmpxchg16b: hence long mode and that instruction. The
 * image lives in a memfd handed to QEMU as fd 3, so the probe writes no
 * file. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "kvm-probe.h"

#include "vb-process.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vb-log.h"

/* The fd number the boot sector has inside QEMU. */
#define PAYLOAD_FD 3

typedef struct {
  char *accel;
  guint timeout_ms;
  GSubprocess *process;
  GSource *timeout_source;
  GSource *cancel_source;
  gboolean timed_out;
  gboolean cancelled;
  char *why; /* set when the answer is "no" */
} ProbeRun;

static void
probe_run_free (ProbeRun *run)
{
  if (run->timeout_source)
    g_source_destroy (run->timeout_source);
  g_clear_pointer (&run->timeout_source, g_source_unref);
  if (run->cancel_source)
    g_source_destroy (run->cancel_source);
  g_clear_pointer (&run->cancel_source, g_source_unref);
  g_clear_object (&run->process);
  g_free (run->accel);
  g_free (run->why);
  g_free (run);
}

/* The boot sector, loaded by SeaBIOS at 0000:7c00 (its assembly beside
 * each instruction, GNU as syntax). Identity-maps the first 2 MiB with
 * page tables at 0x1000 (PML4), 0x2000 (PDPT) and 0x3000 (PD, one 2 MiB
 * page), switches from real mode straight to long mode, and runs the
 * compare-and-exchange 2000 times on a zero entry of the PD (it writes the
 * same zeroes back). isa-debug-exit then makes QEMU exit with
 * (0x2a << 1) | 1. Ends with the 0x55 0xaa signature that makes SeaBIOS
 * boot it. */
static void
make_boot_sector (guint8 sector[512])
{
  static const guint8 code[] = {
    /* .code16 */
    0xfa, /* cli */
    0x31, 0xc0, /* xorw %ax, %ax */
    0x8e, 0xd8, /* movw %ax, %ds */
    0x8e, 0xc0, /* movw %ax, %es */
    0x66, 0xbf, 0x00, 0x10, 0x00, 0x00, /* movl $0x1000, %edi */
    0x66, 0xb9, 0x00, 0x0c, 0x00, 0x00, /* movl $0xc00, %ecx */
    0x66, 0x31, 0xc0, /* xorl %eax, %eax */
    0xfc, /* cld */
    0x66, 0xf3, 0xab, /* rep stosl */
    0x66, 0xc7, 0x06, 0x00, 0x10, 0x03, 0x20, 0x00, 0x00, /* movl $0x2003, 0x1000 */
    0x66, 0xc7, 0x06, 0x00, 0x20, 0x03, 0x30, 0x00, 0x00, /* movl $0x3003, 0x2000 */
    0x66, 0xc7, 0x06, 0x00, 0x30, 0x83, 0x00, 0x00, 0x00, /* movl $0x83, 0x3000 */
    0x0f, 0x20, 0xe0, /* movl %cr4, %eax */
    0x66, 0x83, 0xc8, 0x20, /* orl $0x20, %eax */
    0x0f, 0x22, 0xe0, /* movl %eax, %cr4 */
    0x66, 0xb8, 0x00, 0x10, 0x00, 0x00, /* movl $0x1000, %eax */
    0x0f, 0x22, 0xd8, /* movl %eax, %cr3 */
    0x66, 0xb9, 0x80, 0x00, 0x00, 0xc0, /* movl $0xc0000080, %ecx */
    0x0f, 0x32, /* rdmsr */
    0x66, 0x0d, 0x00, 0x01, 0x00, 0x00, /* orl $0x100, %eax */
    0x0f, 0x30, /* wrmsr */
    0x66, 0x0f, 0x01, 0x16, 0xa8, 0x7c, /* lgdtl gdtr - _start + 0x7c00 */
    0x0f, 0x20, 0xc0, /* movl %cr0, %eax */
    0x66, 0x0d, 0x01, 0x00, 0x00, 0x80, /* orl $0x80000001, %eax */
    0x0f, 0x22, 0xc0, /* movl %eax, %cr0 */
    0xea, 0x6f, 0x7c, 0x08, 0x00, /* ljmp $0x08, $(long_mode - _start + 0x7c00) */
    /* .code64, long_mode: */
    0xbe, 0xd0, 0x07, 0x00, 0x00, /* movl $2000, %esi */
    0x31, 0xc0, /* 1: xorl %eax, %eax */
    0x31, 0xd2, /* xorl %edx, %edx */
    0x31, 0xdb, /* xorl %ebx, %ebx */
    0x31, 0xc9, /* xorl %ecx, %ecx */
    0x48, 0xc7, 0xc7, 0x10, 0x30, 0x00, 0x00, /* movq $0x3010, %rdi */
    0xf0, 0x48, 0x0f, 0xc7, 0x0f, /* lock cmpxchg16b (%rdi) */
    0xff, 0xce, /* decl %esi */
    0x75, 0xe8, /* jnz 1b */
    0xb0, 0x2a, /* movb $0x2a, %al */
    0xe6, 0xf4, /* outb %al, $0xf4 */
    0xf4, /* 2: hlt */
    0xeb, 0xfd, /* jmp 2b */
    0x0f, 0x1f, 0x44, 0x00, 0x00, /* (padding to 8) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* gdt: .quad 0 */
    0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xaf, 0x00, /* .quad 0x00af9a000000ffff: 64-bit code */
    0x0f, 0x00, /* gdtr: .word gdtr - gdt - 1 */
    0x98, 0x7c, 0x00, 0x00, /* .long gdt - _start + 0x7c00 */
  };

  G_STATIC_ASSERT (sizeof code <= 510);
  memset (sector, 0, 512);
  memcpy (sector, code, sizeof code);
  sector[510] = 0x55;
  sector[511] = 0xaa;
}

static int
make_payload_fd (GError **error)
{
  guint8 sector[512];
  int fd = memfd_create ("virtbus-kvm-probe", MFD_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "memfd_create: %s",
                   g_strerror (saved));
      return -1;
    }
  make_boot_sector (sector);
  n = write (fd, sector, sizeof sector);
  if (n != (ssize_t) sizeof sector)
    {
      int saved = n < 0 ? errno : EIO;

      close (fd);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot write the probe image: %s", g_strerror (saved));
      return -1;
    }
  return fd;
}

static char *
format_seconds (guint ms)
{
  if (ms % 1000 == 0)
    return g_strdup_printf ("%u s", ms / 1000);
  return g_strdup_printf ("%u.%03u s", ms / 1000, ms % 1000);
}

/* What QEMU wrote to stderr, line by line, each stripped (NULL: nothing). */
static GStrv
stderr_lines (GBytes *stderr_bytes)
{
  g_autofree char *text = NULL;
  GStrv lines;
  gsize len = 0;
  const char *data;

  if (!stderr_bytes)
    return NULL;
  data = g_bytes_get_data (stderr_bytes, &len);
  text = g_utf8_make_valid (data ? data : "", (gssize) len);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    g_strstrip (lines[i]);
  return lines;
}

/* The last non-empty line QEMU wrote to stderr, or NULL. */
static char *
last_stderr_line (GBytes *stderr_bytes)
{
  g_auto (GStrv) lines = stderr_lines (stderr_bytes);

  for (guint i = lines ? g_strv_length (lines) : 0; i > 0; i--)
    if (*lines[i - 1])
      return g_strdup (lines[i - 1]);
  return NULL;
}

/* The first line of QEMU's stderr that starts with @prefix, or NULL. */
static char *
find_stderr_line (GBytes *stderr_bytes, const char *prefix)
{
  g_auto (GStrv) lines = stderr_lines (stderr_bytes);

  for (guint i = 0; lines && lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i]);
  return NULL;
}

static void
finish_not_usable (GTask *task, ProbeRun *run, char *why)
{
  g_free (run->why);
  run->why = why;
  g_task_return_boolean (task, FALSE);
}

static void
on_payload_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ProbeRun *run = g_task_get_task_data (task);
  g_autoptr (GBytes) stderr_bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *said = NULL;
  g_autofree char *upper = g_ascii_strup (run->accel, -1);
  g_autofree char *limit = format_seconds (run->timeout_ms);

  if (run->timeout_source)
    g_source_destroy (run->timeout_source);
  g_clear_pointer (&run->timeout_source, g_source_unref);
  if (run->cancel_source)
    g_source_destroy (run->cancel_source);
  g_clear_pointer (&run->cancel_source, g_source_unref);

  /* communicate() only fails on a pipe error; the exit status still tells. */
  g_subprocess_communicate_finish (run->process, result, NULL, &stderr_bytes, &error);
  if (error)
    vb_log_debug ("kvm-probe", "reading QEMU's stderr: %s", error->message);
  said = last_stderr_line (stderr_bytes);

  if (run->cancelled)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "KVM probe cancelled");
      return;
    }
  if (run->timed_out)
    {
      /* A KVM that cannot emulate an instruction stops the guest and says so. */
      g_autofree char *stopped = find_stderr_line (stderr_bytes, "KVM internal error");

      finish_not_usable (task, run,
                         g_strdup_printf ("a %s guest did not finish in %s%s%s%s", upper, limit,
                                          stopped ? " (" : "", stopped ? stopped : "",
                                          stopped ? ")" : ""));
      return;
    }
  if (g_subprocess_get_if_exited (run->process))
    {
      int status = g_subprocess_get_exit_status (run->process);

      if (status == VB_KVM_PROBE_EXIT_STATUS)
        {
          g_task_return_boolean (task, TRUE);
          return;
        }
      finish_not_usable (task, run,
                         g_strdup_printf ("QEMU exited with status %d running a %s guest%s%s%s",
                                          status, upper, said ? " (" : "", said ? said : "",
                                          said ? ")" : ""));
      return;
    }
  if (g_subprocess_get_if_signaled (run->process))
    {
      int sig = g_subprocess_get_term_sig (run->process);

      finish_not_usable (task, run,
                         g_strdup_printf ("QEMU died of signal %d (%s) running a %s guest%s%s%s",
                                          sig, g_strsignal (sig), upper, said ? " (" : "",
                                          said ? said : "", said ? ")" : ""));
      return;
    }
  finish_not_usable (task, run, g_strdup_printf ("QEMU ended oddly running a %s guest", upper));
}

static gboolean
on_payload_timeout (gpointer user_data)
{
  ProbeRun *run = user_data;

  /* A hung guest never exits by itself: kill it, and on_payload_exited()
   * turns the kill into the answer. */
  run->timed_out = TRUE;
  g_clear_pointer (&run->timeout_source, g_source_unref);
  g_subprocess_force_exit (run->process);
  return G_SOURCE_REMOVE;
}

static gboolean
on_payload_cancelled (GCancellable *cancellable, gpointer user_data)
{
  ProbeRun *run = user_data;

  run->cancelled = TRUE;
  g_clear_pointer (&run->cancel_source, g_source_unref);
  g_subprocess_force_exit (run->process);
  return G_SOURCE_REMOVE;
}

/* Starts QEMU on the payload for @task (whose data is a ProbeRun), as
 * @run_as when not NULL. */
static void
run_payload (GTask *task, const char *qemu_binary, const VbUser *run_as)
{
  ProbeRun *run = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *drive = g_strdup_printf ("file=/dev/fd/%d,format=raw,if=ide", PAYLOAD_FD);
  int payload_fd;
  const char *argv[] = {
    qemu_binary,
    "-accel", run->accel,
    "-machine", "pc",
    "-m", "32",
    "-nodefaults",
    "-no-user-config",
    "-display", "none",
    /* A guest that triple-faults would reset and loop until the timeout;
     * make it exit instead, with a status that is not ours. */
    "-no-reboot",
    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-drive", drive,
    /* As guests run: whatever the probe learns holds for them. */
    "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
    NULL,
  };

  payload_fd = make_payload_fd (&error);
  if (payload_fd < 0)
    {
      finish_not_usable (task, run, g_strdup_printf ("cannot prepare the probe guest: %s",
                                                     error->message));
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_take_fd (launcher, payload_fd, PAYLOAD_FD);
  /* @run_as need live only until the spawn returns: the child has its copy. */
  g_subprocess_launcher_set_child_setup (launcher, vb_die_with_parent_as, (gpointer) run_as, NULL);
  run->process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (!run->process)
    {
      finish_not_usable (task, run, g_strdup_printf ("cannot run %s: %s", qemu_binary,
                                                     error->message));
      return;
    }

  run->timeout_source = g_timeout_source_new (run->timeout_ms);
  g_source_set_callback (run->timeout_source, on_payload_timeout, run, NULL);
  g_source_attach (run->timeout_source, g_task_get_context (task));
  if (cancellable)
    {
      run->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (run->cancel_source, G_SOURCE_FUNC (on_payload_cancelled), run, NULL);
      g_source_attach (run->cancel_source, g_task_get_context (task));
    }
  /* No cancellable here: cancelling must kill QEMU (on_payload_cancelled),
   * and communicate() then completes once it is gone. */
  g_subprocess_communicate_async (run->process, NULL, NULL, on_payload_exited,
                                  g_object_ref (task));
}

static GTask *
probe_task_new (const char *accel,
                guint timeout_ms,
                GCancellable *cancellable,
                GAsyncReadyCallback callback,
                gpointer user_data,
                gpointer source_tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeRun *run = g_new0 (ProbeRun, 1);

  run->accel = g_strdup (accel);
  run->timeout_ms = timeout_ms;
  g_task_set_task_data (task, run, (GDestroyNotify) probe_run_free);
  g_task_set_source_tag (task, source_tag);
  /* Cancellation is reported by on_payload_exited() after QEMU is dead; a
   * check at return time would race ahead of that. */
  g_task_set_check_cancellable (task, FALSE);
  return task;
}

void
vb_kvm_probe_payload_async (const char *qemu_binary,
                            const VbUser *run_as,
                            const char *accel,
                            guint timeout_ms,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (qemu_binary != NULL);
  g_return_if_fail (accel != NULL);

  task = probe_task_new (accel, timeout_ms, cancellable, callback, user_data,
                         vb_kvm_probe_payload_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  run_payload (task, qemu_binary, run_as);
}

static gboolean
probe_finish (GAsyncResult *result, gpointer source_tag, char **why, GError **error)
{
  GTask *task = G_TASK (result);
  ProbeRun *run = g_task_get_task_data (task);
  g_autoptr (GError) local_error = NULL;
  gboolean usable;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (task) == source_tag, FALSE);

  if (why)
    *why = NULL;
  usable = g_task_propagate_boolean (task, &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!usable && why)
    *why = g_strdup (run->why ? run->why : "unknown reason");
  return usable;
}

gboolean
vb_kvm_probe_payload_finish (GAsyncResult *result, char **why, GError **error)
{
  return probe_finish (result, vb_kvm_probe_payload_async, why, error);
}

/* The cheap checks first: no point starting QEMU without a device node that
 * opens and speaks the KVM API. */
static char *
check_kvm_device (void)
{
  int fd;
  int version;

  if (!g_file_test ("/dev/kvm", G_FILE_TEST_EXISTS))
    return g_strdup ("/dev/kvm does not exist");
  fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      return g_strdup_printf ("cannot open /dev/kvm: %s", g_strerror (saved));
    }
  version = ioctl (fd, KVM_GET_API_VERSION, 0);
  close (fd);
  if (version != KVM_API_VERSION)
    return g_strdup_printf ("/dev/kvm speaks KVM API %d, not %d", version, KVM_API_VERSION);
  return NULL;
}

void
vb_kvm_probe_async (const char *qemu_binary,
                    const VbUser *run_as,
                    GCancellable *cancellable,
                    GAsyncReadyCallback callback,
                    gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autofree char *why = NULL;

  g_return_if_fail (qemu_binary != NULL);

  task = probe_task_new ("kvm", VB_KVM_PROBE_TIMEOUT_MS, cancellable, callback, user_data,
                         vb_kvm_probe_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  /* Done as the service's user, this says whether the host's KVM exists and
   * speaks our API; whether @run_as may open it, QEMU says below ("Could not
   * access KVM kernel module: Permission denied"). */
  why = check_kvm_device ();
  if (why)
    {
      finish_not_usable (task, g_task_get_task_data (task), g_steal_pointer (&why));
      return;
    }
  run_payload (task, qemu_binary, run_as);
}

gboolean
vb_kvm_probe_finish (GAsyncResult *result, char **why, GError **error)
{
  return probe_finish (result, vb_kvm_probe_async, why, error);
}
