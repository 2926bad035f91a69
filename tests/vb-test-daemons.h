/* The world a test runs in: its own dbus-daemon (standing in for the system
 * bus), optionally a real polkitd on it, and a virtbusd with its own state
 * and run directories. Everything is stopped by PID when the env is freed. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  VB_TEST_ENV_NONE = 0,
  VB_TEST_ENV_POLKIT = 1 << 0, /* run polkitd on the test bus (needs root) */
} VbTestEnvFlags;

typedef struct {
  char *tmpdir;
  char *bus_address;
  char *state_dir;
  char *run_dir;
  char *daemon_log;
  GPid bus_pid;
  GPid polkit_pid;
  GPid daemon_pid;
  GDBusConnection *client;
} VbTestEnv;

/* Starts the bus (and polkitd); the daemon is started separately. */
VbTestEnv *vb_test_env_new (VbTestEnvFlags flags);
/* The same with the bus configured by @bus_config_template (a dbus-daemon
 * configuration file where @SOCKET@ stands for the bus socket's path)
 * instead of tests/bus/test-bus.conf.in, which lets everyone do everything. */
VbTestEnv *vb_test_env_new_on_bus (VbTestEnvFlags flags, const char *bus_config_template);
void vb_test_env_free (VbTestEnv *env);
/* <run-dir>/qemu-status/@uuid.json: the status file of a running guest. */
char *vb_test_env_status_path (VbTestEnv *env, const char *uuid);

/* Starts virtbusd with @extra_args (NULL-terminated, may be NULL) and waits
 * until it owns org.virtbus.Virt1. */
void vb_test_env_start_daemon (VbTestEnv *env, const char *const *extra_args);
/* The same inside the network namespace @netns (`ip netns exec`), so the guests'
 * taps live there; the bus is a socket in the file system, reachable from any
 * namespace. */
void vb_test_env_start_daemon_in_netns (VbTestEnv *env, const char *netns,
                                        const char *const *extra_args);
/* Starts @binary (an installed virtbusd; NULL: the build's) in system mode,
 * --system (QEMU runs as --qemu-user, polkit decides every call), with the
 * env's bus as the system bus ($DBUS_SYSTEM_BUS_ADDRESS) and its directories;
 * needs an env with VB_TEST_ENV_POLKIT. Waits until it owns org.virtbus.Virt1. */
void vb_test_env_start_system_daemon (VbTestEnv *env, const char *binary,
                                      const char *const *extra_args);
/* The same inside the network namespace @netns, so that the bridges of its
 * networks and its guests' taps live there. */
void vb_test_env_start_system_daemon_in_netns (VbTestEnv *env, const char *netns,
                                               const char *const *extra_args);
/* Sets a variable in the environment of the daemons started from now on. */
void vb_test_env_set_daemon_env (VbTestEnv *env, const char *key, const char *value);
/* Stops virtbusd with SIGTERM, or SIGKILL when @kill9; waits for it to exit. */
void vb_test_env_stop_daemon (VbTestEnv *env, gboolean kill9);
gboolean vb_test_env_daemon_alive (VbTestEnv *env);
/* Runs the subprocess test @child_path (a child that calls the service as
 * another user) to its end within @timeout_us, printing the daemon's and
 * polkitd's logs when it failed; asserts that it passed and that the daemon
 * outlived it. */
void vb_test_env_run_child (VbTestEnv *env, const char *child_path, guint64 timeout_us);
/* For g_test_add_data_func(): runs @data, a void (*)(void), only as the
 * subprocess vb_test_env_run_child() starts; skipped on its own. */
void vb_test_run_as_child (gconstpointer data);
/* Kills polkitd and waits until its name is gone from the bus. */
void vb_test_env_stop_polkit (VbTestEnv *env);
/* The last lines virtbusd logged. */
char *vb_test_env_daemon_log (VbTestEnv *env);

/* Path of a file of the source tree, from tests/. */
char *vb_test_source_path (const char *relative);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTestEnv, vb_test_env_free)

G_END_DECLS
