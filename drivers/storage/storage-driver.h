/* The storage drivers of drivers/storage: pools of type 'dir', a directory
 * on the host whose regular files are the volumes. See docs/storage.md. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

extern const VbStorageDriver vb_dir_storage_driver;

G_END_DECLS
