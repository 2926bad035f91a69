/* Waiting for a Job (migration, save, block copy, upload...): its progress
 * as it goes, its outcome as a GError, Cancel() when the wait is cancelled. */
#pragma once

#include "virtbus-client.h"

G_BEGIN_DECLS

/**
 * VirtbusJobProgressFunc:
 * @job: the Job's proxy: read its Phase, Progress, BytesProcessed,
 *   BytesTotal, Rate, ExpectedEndTime and Details with the
 *   virtbus_job_get_*() accessors
 * @user_data: the data given with the function
 *
 * Called once when the wait begins and then whenever the Job's properties
 * change, with the new values already in @job.
 */
typedef void (*VirtbusJobProgressFunc) (VirtbusJob *job, gpointer user_data);

gboolean virtbus_client_wait_job (VirtbusClient *client, const char *job_path,
                                  VirtbusJobProgressFunc progress, gpointer progress_data,
                                  GCancellable *cancellable, GError **error);
void virtbus_client_wait_job_async (VirtbusClient *client, const char *job_path,
                                    VirtbusJobProgressFunc progress, gpointer progress_data,
                                    GDestroyNotify progress_data_free, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean virtbus_client_wait_job_finish (VirtbusClient *client, GAsyncResult *result,
                                         GError **error);

G_END_DECLS
