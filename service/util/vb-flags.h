/* Every flag a D-Bus call takes, with libvirt's values where libvirt has the
 * flag. Here, below every layer, so that the checked operations, the drivers
 * and the front ends read the same constants. */
#pragma once

/* Domain.Start flags */
#define VB_DOMAIN_START_PAUSED (1u << 0)

/* Manager.DefineDomain flags */
#define VB_DOMAIN_DEFINE_VALIDATE (1u << 0)
/* Domain.GetXMLDesc flags (libvirt's values) */
#define VB_DOMAIN_XML_SECURE (1u << 0)
#define VB_DOMAIN_XML_INACTIVE (1u << 1)
/* Domain.OpenGraphics flags (libvirt's VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH) */
#define VB_GRAPHICS_SKIPAUTH (1u << 0)

/* Manager.ListDomains flags (libvirt's virConnectListAllDomainsFlags values) */
enum {
  VB_LIST_DOMAINS_ACTIVE = 1 << 0,
  VB_LIST_DOMAINS_INACTIVE = 1 << 1,
  VB_LIST_DOMAINS_PERSISTENT = 1 << 2,
  VB_LIST_DOMAINS_TRANSIENT = 1 << 3,
  VB_LIST_DOMAINS_RUNNING = 1 << 4,
  VB_LIST_DOMAINS_PAUSED = 1 << 5,
  VB_LIST_DOMAINS_SHUTOFF = 1 << 6,
  VB_LIST_DOMAINS_OTHER = 1 << 7,
  VB_LIST_DOMAINS_AUTOSTART = 1 << 10,
  VB_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
};

/* Domain.Save / Domain.ManagedSave / Manager.Restore flags (libvirt's values) */
#define VB_DOMAIN_SAVE_RUNNING (1u << 1) /* run the guest after the restore */
#define VB_DOMAIN_SAVE_PAUSED (1u << 2)  /* leave it paused after the restore */
/* Domain.Undefine flags (libvirt's VIR_DOMAIN_UNDEFINE_MANAGED_SAVE) */
#define VB_DOMAIN_UNDEFINE_MANAGED_SAVE (1u << 0)

/* Domain.Undefine flag: the domain's snapshot metadata goes with it. */
#define VB_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA (1u << 1)

/* Domain.CreateSnapshot flags (libvirt's virDomainSnapshotCreateFlags) */
enum {
  VB_SNAPSHOT_CREATE_REDEFINE = 1 << 0,
  VB_SNAPSHOT_CREATE_CURRENT = 1 << 1,
  VB_SNAPSHOT_CREATE_NO_METADATA = 1 << 2,
  VB_SNAPSHOT_CREATE_HALT = 1 << 3,
  VB_SNAPSHOT_CREATE_DISK_ONLY = 1 << 4,
  VB_SNAPSHOT_CREATE_REUSE_EXT = 1 << 5,
  VB_SNAPSHOT_CREATE_QUIESCE = 1 << 6,
  VB_SNAPSHOT_CREATE_ATOMIC = 1 << 7,
  VB_SNAPSHOT_CREATE_LIVE = 1 << 8,
  VB_SNAPSHOT_CREATE_VALIDATE = 1 << 9,
};

/* Snapshot.Revert flags */
enum {
  VB_SNAPSHOT_REVERT_RUNNING = 1 << 0,
  VB_SNAPSHOT_REVERT_PAUSED = 1 << 1,
  VB_SNAPSHOT_REVERT_FORCE = 1 << 2,
};

/* Snapshot.Delete flags */
enum {
  VB_SNAPSHOT_DELETE_CHILDREN = 1 << 0,
  VB_SNAPSHOT_DELETE_METADATA_ONLY = 1 << 1,
  VB_SNAPSHOT_DELETE_CHILDREN_ONLY = 1 << 2,
};

/* Domain.ListSnapshots flags (libvirt's virDomainSnapshotListFlags) */
enum {
  VB_SNAPSHOT_LIST_ROOTS = 1 << 0,
  VB_SNAPSHOT_LIST_METADATA = 1 << 1,
  VB_SNAPSHOT_LIST_LEAVES = 1 << 2,
  VB_SNAPSHOT_LIST_NO_LEAVES = 1 << 3,
  VB_SNAPSHOT_LIST_NO_METADATA = 1 << 4,
  VB_SNAPSHOT_LIST_INACTIVE = 1 << 5,
  VB_SNAPSHOT_LIST_ACTIVE = 1 << 6,
  VB_SNAPSHOT_LIST_DISK_ONLY = 1 << 7,
  VB_SNAPSHOT_LIST_INTERNAL = 1 << 8,
  VB_SNAPSHOT_LIST_EXTERNAL = 1 << 9,
  VB_SNAPSHOT_LIST_TOPOLOGICAL = 1 << 10,
};

/* AttachDevice / DetachDevice flags: libvirt's virDomainDeviceModifyFlags.
 * CURRENT (0) means LIVE when the domain runs, CONFIG otherwise. */
#define VB_DEVICE_AFFECT_CURRENT 0u
#define VB_DEVICE_AFFECT_LIVE (1u << 0)
#define VB_DEVICE_AFFECT_CONFIG (1u << 1)

/* Domain.BlockCopy flags, as libvirt's virDomainBlockCopyFlags. */
#define VB_BLOCK_COPY_SHALLOW (1u << 0)       /* only the top image (sync=top) */
#define VB_BLOCK_COPY_REUSE_EXT (1u << 1)     /* the destination exists: use it as it is */
#define VB_BLOCK_COPY_TRANSIENT_JOB (1u << 2) /* accepted: no copy outlives its QEMU */
#define VB_BLOCK_COPY_ALL (VB_BLOCK_COPY_SHALLOW | VB_BLOCK_COPY_REUSE_EXT | VB_BLOCK_COPY_TRANSIENT_JOB)

/* Network.GetXMLDesc flags */
#define VB_NETWORK_XML_INACTIVE (1u << 0)

/* Manager.ListNetworks and ListStoragePools flags (libvirt's values) */
enum {
  VB_LIST_INACTIVE = 1 << 0,
  VB_LIST_ACTIVE = 1 << 1,
  VB_LIST_PERSISTENT = 1 << 2,
  VB_LIST_TRANSIENT = 1 << 3,
  VB_LIST_AUTOSTART = 1 << 4,
  VB_LIST_NO_AUTOSTART = 1 << 5,
};

/* Network.Update flags (libvirt's); 0 is the current state (live when active). */
#define VB_NETWORK_UPDATE_AFFECT_LIVE (1u << 0)
#define VB_NETWORK_UPDATE_AFFECT_CONFIG (1u << 1)

/* StoragePool.GetXMLDesc flags */
#define VB_POOL_XML_INACTIVE (1u << 0)

/* StorageVolume.Resize flags (libvirt's values) */
#define VB_VOLUME_RESIZE_SHRINK (1u << 2)

/* Domain.Migrate flags, with libvirt's values (virDomainMigrateFlags). */

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

/* The largest migration speed in MiB/s (libvirt's QEMU_DOMAIN_MIG_BANDWIDTH_MAX:
 * its bytes still fit QEMU's signed 64 bits); what "no limit" is given to QEMU as. */
#define VB_MIGRATE_MAX_SPEED_MIB ((guint64) G_MAXINT64 >> 20)

/* Domain.GetStats: the groups are libvirt's virDomainStatsTypes; 0 asks for
 * all. The high bits are the flags of virConnectGetAllDomainStats that
 * apply to one domain. */
enum {
  VB_STATS_STATE = 1 << 0,
  VB_STATS_CPU_TOTAL = 1 << 1,
  VB_STATS_BALLOON = 1 << 2,
  VB_STATS_VCPU = 1 << 3,
  VB_STATS_INTERFACE = 1 << 4,
  VB_STATS_BLOCK = 1 << 5,
  VB_STATS_PERF = 1 << 6,
  VB_STATS_IOTHREAD = 1 << 7,
  VB_STATS_MEMORY = 1 << 8,
  VB_STATS_DIRTYRATE = 1 << 9,
  VB_STATS_ALL_GROUPS = (1 << 10) - 1,
};
#define VB_STATS_NOWAIT (1u << 29)  /* never waits on a job: accepted, as none is waited for */
#define VB_STATS_BACKING (1u << 30) /* the backing chain's images: not supported */
#define VB_STATS_ENFORCE (1u << 31) /* refuse groups the service does not know */

/* Domain.InterfaceAddresses sources (libvirt's virDomainInterfaceAddressesSource) */
enum {
  VB_ADDRESSES_SOURCE_LEASE = 0,
  VB_ADDRESSES_SOURCE_AGENT = 1,
  VB_ADDRESSES_SOURCE_ARP = 2,
};
/* Domain actions. Domain.SetMemory and SetVcpus flags (libvirt's
 * virDomainMemoryModFlags, virDomainVcpuFlags): CURRENT, LIVE and CONFIG as
 * for devices, and: */
#define VB_DOMAIN_MEM_MAXIMUM (1u << 2)
#define VB_DOMAIN_VCPU_MAXIMUM (1u << 2)
#define VB_DOMAIN_VCPU_GUEST (1u << 3)
/* Domain.UpdateDevice flag (libvirt's VIR_DOMAIN_DEVICE_MODIFY_FORCE). */
#define VB_DEVICE_MODIFY_FORCE (1u << 2)
