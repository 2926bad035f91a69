/* Domain.Migrate flags, with libvirt's values (virDomainMigrateFlags). */
#pragma once

#define VB_MIGRATE_LIVE (1u << 0)
#define VB_MIGRATE_PERSIST_DEST (1u << 3)
#define VB_MIGRATE_UNDEFINE_SOURCE (1u << 4)
#define VB_MIGRATE_PAUSED (1u << 5)
#define VB_MIGRATE_AUTO_CONVERGE (1u << 13)
#define VB_MIGRATE_POSTCOPY (1u << 15)
#define VB_MIGRATE_PARALLEL (1u << 17)
#define VB_MIGRATE_POSTCOPY_RESUME (1u << 19)

#define VB_MIGRATE_ALL                                                                     \
  (VB_MIGRATE_LIVE | VB_MIGRATE_PERSIST_DEST | VB_MIGRATE_UNDEFINE_SOURCE | VB_MIGRATE_PAUSED \
   | VB_MIGRATE_AUTO_CONVERGE | VB_MIGRATE_POSTCOPY | VB_MIGRATE_PARALLEL                  \
   | VB_MIGRATE_POSTCOPY_RESUME)
