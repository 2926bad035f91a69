/* Simulated networks: start and stop only flip the state; a network without
 * a bridge name gets one, as the real driver would give it. */
#include "test-driver.h"

#include "vb-error.h"

static int next_bridge = 0;

static void
op_async (VbDriverHost *host, VbNetwork *network, VbNetworkOp op, guint flags,
          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (network, cancellable, callback, user_data);

  if (op == VB_NETWORK_OP_START)
    {
      VbNetworkDef *live = vb_network_def_copy (vb_network_get_def (network));

      if (!live->bridge)
        {
          g_autofree char *bridge = g_strdup_printf ("vbtest%d", next_bridge++);
          vb_network_def_set_bridge (live, bridge);
        }
      vb_network_set_live_def (network, live);
      vb_network_set_active (network, TRUE);
    }
  else
    {
      vb_network_set_active (network, FALSE);
      vb_network_set_live_def (network, NULL);
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
op_finish (VbNetwork *network, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

const VbNetworkDriver vb_test_network_driver = {
  .name = "test",
  .op_async = op_async,
  .op_finish = op_finish,
};
