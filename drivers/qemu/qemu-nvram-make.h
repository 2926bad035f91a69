/* A UEFI variable store made at Start from a template of another format
 * (a qcow2 store from Debian's raw OVMF template): qemu-img convert, off the
 * main loop, as QEMU's user. */
#pragma once

#include <gio/gio.h>

#include "qemu-command.h"
#include "vb-user.h"

G_BEGIN_DECLS

/* Makes @command's missing store from its template when their formats
 * differ; completes at once when there is nothing to convert (the store
 * exists, or qemu-host.c copies the template as it is). @user: QEMU's, NULL
 * outside system mode. @command must outlive the call. */
void vb_qemu_nvram_make_async (VbQemuCommand *command, const VbUser *user,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_nvram_make_finish (GAsyncResult *result, GError **error);

G_END_DECLS
