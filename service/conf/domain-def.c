#include "domain-def.h"

#include <string.h>

#include "domain-cputune.h"
#include "domain-tuning.h"
#include "domain-device-rules.h"
#include "domain-live-values.h"
#include "domain-numa.h"
#include "domain-limits.h"
#include "domain-old-spellings.h"
#include "domain-host-root.h"
#include "domain-passthrough.h"
#include "domain-throttle.h"
#include "domain-virtualport.h"
#include "disk-iotune.h"
#include "domain-vcpus.h"
#include "domain-virtio-mem.h"
#include "vb-error.h"
#include "xml-schema.h"

#define DOMAIN_NAME_MAX 200
#define DOMAIN_VCPUS_MAX 4096

/* The <address> element every device may carry; which attributes matter
 * depends on type= (pci: domain/bus/slot/function, drive: controller/bus/
 * target/unit, virtio-serial and usb: controller or bus/port). */
#define ADDRESS_TYPES "pci|drive|virtio-serial|usb|isa|ccid"
#define ADDRESS_PLACE                                                                              \
  " domain=%x bus=%x slot=%x function=%x multifunction=on|off controller=%x target=%x unit=%x "    \
  "port iobase=%x irq=%x"
#define ADDRESS_ATTRS "!type=" ADDRESS_TYPES ADDRESS_PLACE

#define ADDRESS(device)                                                                            \
  { "domain/devices/" device "/address", ADDRESS_ATTRS, NULL, 0 }

/* libvirt's <backingStore> chain of a disk: the backing files its image's
 * header named when the definition was accepted (see
 * docs/authorization.md); an empty <backingStore/> ends a chain. Nested
 * at most VB_QCOW2_CHAIN_MAX (16) deep, plus the empty one. */
#define BACKING_FORMATS "raw|qcow2|qed|vmdk|vpc|vdi|vhdx"
#define BACKING_LEVEL(path)                                                                        \
  { path, "type=file|block index=%u", NULL, 0 },                                                   \
    { path "/format", "!type=" BACKING_FORMATS, NULL, 0 },                                         \
    { path "/format/metadata_cache", NULL, NULL, 0 },                                              \
    { path "/format/metadata_cache/max_size", "unit", "%u", 0 },                                   \
    { path "/source", "file dev", NULL, 0 },                                                       \
    { path "/source/seclabel", "model relabel=yes|no labelskip=yes|no", NULL,                      \
      VB_XML_RULE_REPEAT },                                                                        \
    { path "/source/seclabel/label", NULL, "*", 0 }
/* The first level may be an image on the network under a network disk
 * (libvirt's <backingStore type='network'>), its <source> as a disk's:
 * the QEMU driver opens it as the disk's backing node. */
#define BACKING_LEVEL1(path)                                                                       \
  { path, "type=file|block|network index=%u", NULL, 0 },                                           \
    { path "/format", "!type=" BACKING_FORMATS, NULL, 0 },                                         \
    { path "/source", "file dev protocol=" NETDISK_PROTOCOLS " name", NULL, 0 },                   \
    { path "/source/seclabel", "model relabel=yes|no labelskip=yes|no", NULL,                      \
      VB_XML_RULE_REPEAT },                                                                        \
    { path "/source/seclabel/label", NULL, "*", 0 },                                               \
    { path "/source/host", "name port=%u transport=tcp|unix|rdma socket", NULL,                    \
      VB_XML_RULE_REPEAT },                                                                        \
    { path "/source/identity", "user group", NULL, 0 },                                            \
    { path "/source/cookies", NULL, NULL, 0 },                                                     \
    { path "/source/cookies/cookie", "!name", "*", VB_XML_RULE_REPEAT }
#define BS "/backingStore"
#define BS1 "domain/devices/disk" BS
#define BS4 BS1 BS BS BS
#define BS8 BS4 BS BS BS BS
#define BS12 BS8 BS BS BS BS
#define BS16 BS12 BS BS BS BS
#define BACKING_STORES                                                                             \
  BACKING_LEVEL1 (BS1), BACKING_LEVEL (BS1 BS), BACKING_LEVEL (BS1 BS BS), BACKING_LEVEL (BS4),    \
    BACKING_LEVEL (BS4 BS), BACKING_LEVEL (BS4 BS BS), BACKING_LEVEL (BS4 BS BS BS),             \
    BACKING_LEVEL (BS8), BACKING_LEVEL (BS8 BS), BACKING_LEVEL (BS8 BS BS),                      \
    BACKING_LEVEL (BS8 BS BS BS), BACKING_LEVEL (BS12), BACKING_LEVEL (BS12 BS),                 \
    BACKING_LEVEL (BS12 BS BS), BACKING_LEVEL (BS12 BS BS BS), BACKING_LEVEL (BS16),             \
  {                                                                                                \
    BS16 BS, NULL, NULL, 0                                                                         \
  }

/* The name of a device: a user's ("ua-…") anywhere; in a live definition
 * also the one the driver gave it (the id QEMU knows it by), as libvirt's
 * live XML has on every device. */
#define ALIAS(device) { "domain/devices/" device "/alias", "!name", NULL, 0 }

/* A character device's backend: libvirt's source types (the QEMU driver
 * refuses stdio and nmdm by name, vc without a display; dbus needs a dbus
 * display), a pty's live tty= (dropped: domain-live-values.c), <source>
 * (udp has two, bind and connect), <protocol> of tcp, <reconnect> of a
 * connecting socket, the agent's <clipboard> and <mouse> of qemu-vdagent,
 * the <seclabel> of a file or socket source (as a disk's), and <log>. */
#define CHARDEV_TYPES                                                                              \
  "pty|file|unix|tcp|udp|null|vc|stdio|pipe|dev|spicevmc|spiceport|qemu-vdagent|nmdm|dbus"
#define CHARDEV(device)                                                                            \
  { "domain/devices/" device, "!type=" CHARDEV_TYPES " tty", NULL, VB_XML_RULE_REPEAT },         \
    { "domain/devices/" device "/source",                                                          \
      "path mode=bind|connect append=on|off host service tls=yes|no channel", NULL,                \
      VB_XML_RULE_REPEAT },                                                                        \
    { "domain/devices/" device "/source/reconnect", "!enabled=yes|no timeout=%u", NULL, 0 },      \
    { "domain/devices/" device "/source/clipboard", "!copypaste=yes|no", NULL, 0 },               \
    { "domain/devices/" device "/source/mouse", "!mode=client|server", NULL, 0 },                 \
    { "domain/devices/" device "/source/seclabel", "model relabel=yes|no labelskip=yes|no",        \
      NULL, VB_XML_RULE_REPEAT },                                                                  \
    { "domain/devices/" device "/source/seclabel/label", NULL, "*", 0 },                          \
    { "domain/devices/" device "/protocol", "!type=raw|telnet|telnets|tls", NULL, 0 },            \
    { "domain/devices/" device "/log", "!file append=on|off", NULL, 0 }

/* One direction of an <audio> backend: the union of the backends'
 * attributes (the QEMU driver refuses those a backend lacks). */
#define AUDIO_DIRECTION(dir)                                                                       \
  { "domain/devices/audio/" dir,                                                                   \
    "mixingEngine=yes|no fixedSettings=yes|no voices=%u bufferLength=%u bufferCount=%u dev "      \
    "tryPoll=yes|no name streamName latency=%u serverName clientName connectPorts "               \
    "exactName=yes|no",                                                                            \
    NULL, 0 },                                                                                     \
    { "domain/devices/audio/" dir "/settings",                                                     \
      "frequency=%u channels=%u format=u8|s8|u16|s16|u32|s32|f32", NULL, 0 }

/* The options of every virtio device's <driver> (the QEMU driver's
 * vb_qemu_virtio_options()); a device's own <driver> attributes add to them. */
/* A Hyper-V enlightenment of <features><hyperv>: on or off. */
#define HYPERV_FLAG(name) { "domain/features/hyperv/" name, "!state=on|off", NULL, 0 }

/* <disk type='network'> and the secrets of disks (docs/xml-subset.md,
 * "Network disks and secrets"): the hosts of a network source, its
 * credentials (a secret's UUID or usage, never its value), LUKS encryption
 * (on <disk> or, as libvirt 5+ writes it, on <source>; the QEMU driver
 * refuses its <cipher> and <ivgen> by name), the
 * http/https/ftp/ftps tuning and cookies, and NFS's user and group. The QEMU driver refuses
 * sheepdog, vxhs and tftp by name: QEMU 7.2 has no such block driver. */
#define NETDISK_PROTOCOLS                                                                          \
  "nbd|iscsi|rbd|gluster|http|https|ftp|ftps|ssh|nfs|sheepdog|vxhs|tftp"
#define NETDISK_SECRET(path)                                                                       \
  { path, "!type=passphrase|iscsi|ceph|volume|tls uuid usage", NULL, 0 }
#define NETDISK_AUTH(path)                                                                         \
  { path, "username", NULL, 0 }, NETDISK_SECRET (path "/secret")
/* Several <secret>s: librbd's layered encryption (the QEMU driver refuses
 * them elsewhere). */
#define NETDISK_ENCRYPTION(path)                                                                   \
  { path, "!format=luks|qcow|luks2|luks-any|default engine=qemu|librbd", NULL, 0 },                \
    { path "/secret", "!type=passphrase|iscsi|ceph|volume|tls uuid usage", NULL,                   \
      VB_XML_RULE_REPEAT },                                                                        \
    { path "/cipher", "!name !size=%u mode hash", NULL, 0 },                                       \
    { path "/ivgen", "!name hash", NULL, 0 }
#define NETDISK_RULES                                                                              \
  { "domain/devices/disk/source/host", "name port=%u transport=tcp|unix|rdma socket", NULL,        \
    VB_XML_RULE_REPEAT },                                                                          \
    NETDISK_AUTH ("domain/devices/disk/source/auth"), NETDISK_AUTH ("domain/devices/disk/auth"),   \
    NETDISK_ENCRYPTION ("domain/devices/disk/source/encryption"),                                  \
    NETDISK_ENCRYPTION ("domain/devices/disk/encryption"),                                         \
    { "domain/devices/disk/source/snapshot", "!name", NULL, 0 },                                   \
    { "domain/devices/disk/source/config", "!file", NULL, 0 },                                     \
    { "domain/devices/disk/source/initiator", NULL, NULL, 0 },                                     \
    { "domain/devices/disk/source/initiator/iqn", "!name", NULL, 0 },                              \
    { "domain/devices/disk/source/readahead", "!size=%u", NULL, 0 },                               \
    { "domain/devices/disk/source/timeout", "!seconds=%u", NULL, 0 },                              \
    { "domain/devices/disk/source/ssl", "!verify=yes|no", NULL, 0 },                               \
    { "domain/devices/disk/source/cookies", NULL, NULL, 0 },                                       \
    { "domain/devices/disk/source/cookies/cookie", "!name", "*", VB_XML_RULE_REPEAT },             \
    { "domain/devices/disk/source/identity", "user group username agentsock keyfile", NULL, 0 },   \
    { "domain/devices/disk/source/knownHosts", "!path", NULL, 0 }

/* libvirt's options of a virtio device's <driver> (disks, SCSI controllers). */
#define VIRTIO_OPTIONS "iommu=on|off ats=on|off packed=on|off page_per_vq=on|off ioeventfd=on|off"

/* One limit of a disk's <iotune> (disk-iotune.c reads them). */
#define IOTUNE(name) { "domain/devices/disk/iotune/" name, NULL, "%u", 0 }
/* One limit of a <throttlegroup>, the same as <iotune>'s. */
#define THROTTLE_LIMIT(name) { "domain/throttlegroups/throttlegroup/" name, NULL, "%u", 0 }

#define LIFECYCLE_ACTIONS "destroy|restart|preserve|rename-restart"

/* The thread scheduling policies of <cputune>'s *sched elements. */
#define SCHEDULERS "other|batch|idle|fifo|rr"

/* What virt-install and virt-manager write for x86_64 QEMU/KVM guests and the
 * test driver; docs/xml-subset.md lists the same in prose. */
static const VbXmlRule domain_rules[] = {
  { "domain", "!type=test|qemu|kvm id=%i", NULL, 0 },
  { "domain/name", NULL, "*", 0 },
  { "domain/uuid", NULL, "*", 0 },
  /* The UUID the guest's firmware and SMBIOS show instead of <uuid>. */
  { "domain/hwuuid", NULL, "*", 0 },
  { "domain/title", NULL, "*", 0 },
  { "domain/description", NULL, "*", 0 },
  { "domain/metadata", NULL, "*", VB_XML_RULE_VERBATIM },
  { "domain/memory", "unit=" VB_XML_UNITS " dumpCore=on|off", "%u", 0 },
  { "domain/currentMemory", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/vcpu", "placement=static|auto current=%u cpuset", "%u", 0 },
  { "domain/vcpus", NULL, NULL, 0 },
  { "domain/vcpus/vcpu", "!id=%u !enabled=yes|no hotpluggable=yes|no order=%u", NULL,
    VB_XML_RULE_REPEAT },
  /* CPU tuning and iothreads: checked across elements in domain-cputune.c. */
  { "domain/iothreads", NULL, "%u", 0 },
  { "domain/iothreadids", NULL, NULL, 0 },
  { "domain/iothreadids/iothread", "!id=%u thread_pool_min=%u thread_pool_max=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/iothreadids/iothread/poll", "max=%u grow=%u shrink=%u", NULL, 0 },
  { "domain/defaultiothread", "thread_pool_min=%u thread_pool_max=%u", NULL, 0 },
  { "domain/cputune", NULL, NULL, 0 },
  { "domain/cputune/shares", NULL, "%u", 0 },
  { "domain/cputune/period", NULL, "%u", 0 },
  { "domain/cputune/quota", NULL, "%i", 0 },
  { "domain/cputune/global_period", NULL, "%u", 0 },
  { "domain/cputune/global_quota", NULL, "%i", 0 },
  { "domain/cputune/emulator_period", NULL, "%u", 0 },
  { "domain/cputune/emulator_quota", NULL, "%i", 0 },
  { "domain/cputune/iothread_period", NULL, "%u", 0 },
  { "domain/cputune/iothread_quota", NULL, "%i", 0 },
  { "domain/cputune/vcpupin", "!vcpu=%u !cpuset", NULL, VB_XML_RULE_REPEAT },
  { "domain/cputune/emulatorpin", "!cpuset", NULL, 0 },
  { "domain/cputune/iothreadpin", "!iothread=%u !cpuset", NULL, VB_XML_RULE_REPEAT },
  { "domain/cputune/vcpusched", "!vcpus !scheduler=" SCHEDULERS " priority=%i", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cputune/iothreadsched", "!iothreads !scheduler=" SCHEDULERS " priority=%i", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cputune/emulatorsched", "!scheduler=" SCHEDULERS " priority=%i", NULL, 0 },
  /* Host tuning: checked across elements in domain-tuning.c, done (or
   * refused by name) at Start by drivers/qemu/qemu-host-tuning.c. */
  { "domain/perf", NULL, NULL, 0 },
  { "domain/perf/event", "!name=" VB_DOMAIN_PERF_EVENTS " !enabled=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cputune/cachetune", "!vcpus", NULL, VB_XML_RULE_REPEAT },
  { "domain/cputune/cachetune/cache",
    "!id=%u !level=%u !type=both|code|data !size=%u unit=" VB_XML_UNITS, NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cputune/cachetune/monitor", "level=%u !vcpus", NULL, VB_XML_RULE_REPEAT },
  { "domain/cputune/memorytune", "!vcpus", NULL, VB_XML_RULE_REPEAT },
  { "domain/cputune/memorytune/node", "!id=%u !bandwidth=%u", NULL, VB_XML_RULE_REPEAT },
  { "domain/resource", NULL, NULL, 0 },
  { "domain/resource/partition", NULL, "*", 0 },
  { "domain/resource/fibrechannel", "!appid", NULL, 0 },
  { "domain/cpu/vendor", NULL, "*", 0 },
  { "domain/cpu/cache", "level=%u !mode=emulate|passthrough|disable", NULL, 0 },
  { "domain/cpu/maxphysaddr", "!mode=emulate|passthrough bits=%u limit=%u", NULL, 0 },
  /* Intervals of a disk's timed I/O statistics (qemu-command-disk-stats.c). */
  { "domain/devices/disk/driver/statistics", NULL, NULL, 0 },
  { "domain/devices/disk/driver/statistics/statistic", "!interval=%u", NULL, VB_XML_RULE_REPEAT },
  /* libvirt's per-queue iothreads: refused by the QEMU driver (QEMU 9.0). */
  { "domain/devices/disk/driver/iothreads", NULL, NULL, 0 },
  { "domain/devices/disk/driver/iothreads/iothread", "!id=%u", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/disk/driver/iothreads/iothread/queue", "!id=%u", NULL, VB_XML_RULE_REPEAT },

  /* Memory and NUMA (domain-numa.c checks them across elements). */
  { "domain/maxMemory", "slots=%u unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/memoryBacking", NULL, NULL, 0 },
  { "domain/memoryBacking/hugepages", NULL, NULL, 0 },
  { "domain/memoryBacking/hugepages/page", "!size=%u unit=" VB_XML_UNITS " nodeset", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/memoryBacking/nosharepages", NULL, NULL, 0 },
  { "domain/memoryBacking/locked", NULL, NULL, 0 },
  { "domain/memoryBacking/source", "!type=file|anonymous|memfd", NULL, 0 },
  { "domain/memoryBacking/access", "!mode=shared|private", NULL, 0 },
  { "domain/memoryBacking/allocation", "mode=immediate|ondemand threads=%u", NULL, 0 },
  { "domain/memoryBacking/discard", NULL, NULL, 0 },
  { "domain/cpu/numa", NULL, NULL, 0 },
  { "domain/cpu/numa/cell",
    "id=%u cpus !memory=%u unit=" VB_XML_UNITS " memAccess=shared|private discard=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/numa/cell/distances", NULL, NULL, 0 },
  { "domain/cpu/numa/cell/distances/sibling", "!id=%u !value=%u", NULL, VB_XML_RULE_REPEAT },
  { "domain/numatune", NULL, NULL, 0 },
  { "domain/numatune/memory",
    "mode=strict|interleave|preferred|restrictive nodeset placement=static|auto", NULL, 0 },
  { "domain/numatune/memnode", "!cellid=%u mode=strict|interleave|preferred|restrictive !nodeset",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/memory",
    "!model=dimm|nvdimm|virtio-mem|virtio-pmem|sgx-epc access=shared|private discard=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/memory/source", NULL, NULL, 0 },
  { "domain/devices/memory/source/path", NULL, "*", 0 },
  { "domain/devices/memory/source/alignsize", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/source/pmem", NULL, NULL, 0 },
  { "domain/devices/memory/target/label", NULL, NULL, 0 },
  { "domain/devices/memory/target/label/size", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/readonly", NULL, NULL, 0 },
  { "domain/devices/memory/source/pagesize", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/source/nodemask", NULL, "*", 0 },
  { "domain/devices/memory/target", "dynamicMemslots=yes|no", NULL, 0 },
  { "domain/devices/memory/target/size", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/node", NULL, "%u", 0 },
  /* virtio-mem's (domain-virtio-mem.c) and virtio-pmem's base. */
  { "domain/devices/memory/target/block", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/requested", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/current", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/memory/target/address", "!base=%x", NULL, 0 },
  /* A DIMM's slot and base, or a virtio model's PCI address. */
  { "domain/devices/memory/address",
    "!type=dimm|pci slot=%x base=%x domain=%x bus=%x function=%x multifunction=on|off", NULL, 0 },
  ALIAS ("memory"),
  /* ACPI's HMAT (domain-hmat.c checks it). */
  { "domain/cpu/numa/cell/cache",
    "!level=%u !associativity=none|direct|full !policy=none|writeback|writethrough", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/numa/cell/cache/size", "!value=%u unit=" VB_XML_UNITS, NULL, 0 },
  { "domain/cpu/numa/cell/cache/line", "!value=%u unit=B|" VB_XML_UNITS, NULL, 0 },
  { "domain/cpu/numa/interconnects", NULL, NULL, 0 },
  { "domain/cpu/numa/interconnects/latency",
    "!initiator=%u !target=%u cache=%u !type=access|read|write !value=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/numa/interconnects/bandwidth",
    "!initiator=%u !target=%u cache=%u !type=access|read|write !value=%u unit=" VB_XML_UNITS, NULL,
    VB_XML_RULE_REPEAT },
  /* cgroup limits (domain-limits.c checks them, the QEMU driver applies
   * them at Start). */
  { "domain/memtune", NULL, NULL, 0 },
  { "domain/memtune/hard_limit", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/memtune/soft_limit", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/memtune/swap_hard_limit", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/blkiotune", NULL, NULL, 0 },
  { "domain/blkiotune/weight", NULL, "%u", 0 },
  { "domain/blkiotune/device", NULL, NULL, VB_XML_RULE_REPEAT },
  { "domain/blkiotune/device/path", NULL, "*", 0 },
  { "domain/blkiotune/device/weight", NULL, "%u", 0 },
  { "domain/blkiotune/device/read_iops_sec", NULL, "%u", 0 },
  { "domain/blkiotune/device/write_iops_sec", NULL, "%u", 0 },
  { "domain/blkiotune/device/read_bytes_sec", NULL, "%u", 0 },
  { "domain/blkiotune/device/write_bytes_sec", NULL, "%u", 0 },

  { "domain/os", "firmware=bios|efi", NULL, 0 },
  { "domain/os/type", "arch=x86_64|i686 machine", "hvm", 0 },
  { "domain/os/firmware", NULL, NULL, 0 },
  { "domain/os/firmware/feature", "!enabled=yes|no !name=enrolled-keys|secure-boot", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/os/loader",
    "readonly=yes|no type=rom|pflash secure=yes|no format=raw|qcow2 stateless=yes|no", "*", 0 },
  { "domain/os/nvram", "template format=raw|qcow2 templateFormat=raw|qcow2 type=file|network", "*",
    0 },
  { "domain/os/nvram/source", "file protocol=" NETDISK_PROTOCOLS " name", NULL, 0 },
  { "domain/os/nvram/source/host", "name port=%u transport=tcp|unix|rdma socket", NULL,
    VB_XML_RULE_REPEAT },
  NETDISK_AUTH ("domain/os/nvram/source/auth"),
  { "domain/os/kernel", NULL, "*", 0 },
  { "domain/os/initrd", NULL, "*", 0 },
  { "domain/os/cmdline", NULL, "*", 0 },
  { "domain/os/boot", "!dev=hd|cdrom|network|fd", NULL, VB_XML_RULE_REPEAT },
  { "domain/os/bootmenu", "!enable=yes|no timeout=%u", NULL, 0 },
  { "domain/os/bios", "useserial=yes|no rebootTimeout=%i", NULL, 0 },
  { "domain/os/smbios", "!mode=emulate|host|sysinfo", NULL, 0 },
  { "domain/os/acpi", NULL, NULL, 0 },
  { "domain/os/acpi/table", "!type=slic|msdm|raw|rawset", "*", VB_XML_RULE_REPEAT },

  { "domain/sysinfo", "!type=smbios|fwcfg", NULL, VB_XML_RULE_REPEAT },
  { "domain/sysinfo/bios", NULL, NULL, 0 },
  { "domain/sysinfo/bios/entry", "!name", "*", VB_XML_RULE_REPEAT },
  { "domain/sysinfo/system", NULL, NULL, 0 },
  { "domain/sysinfo/system/entry", "!name", "*", VB_XML_RULE_REPEAT },
  { "domain/sysinfo/baseBoard", NULL, NULL, VB_XML_RULE_REPEAT },
  { "domain/sysinfo/baseBoard/entry", "!name", "*", VB_XML_RULE_REPEAT },
  { "domain/sysinfo/chassis", NULL, NULL, 0 },
  { "domain/sysinfo/chassis/entry", "!name", "*", VB_XML_RULE_REPEAT },
  { "domain/sysinfo/oemStrings", NULL, NULL, 0 },
  { "domain/sysinfo/oemStrings/entry", NULL, "*", VB_XML_RULE_REPEAT },
  { "domain/sysinfo/entry", "!name file", "*", VB_XML_RULE_REPEAT },
  { "domain/genid", NULL, "*", 0 },
  { "domain/launchSecurity",
    "!type=sev|sev-snp|s390-pv|tdx kernelHashes=yes|no authorKey=yes|no vcek=yes|no", NULL, 0 },
  { "domain/launchSecurity/cbitpos", NULL, "%u", 0 },
  { "domain/launchSecurity/reducedPhysBits", NULL, "%u", 0 },
  { "domain/launchSecurity/policy", NULL, "*", 0 },
  { "domain/launchSecurity/dhCert", NULL, "*", 0 },
  { "domain/launchSecurity/session", NULL, "*", 0 },
  { "domain/launchSecurity/guestVisibleWorkarounds", NULL, "*", 0 },
  { "domain/launchSecurity/idBlock", NULL, "*", 0 },
  { "domain/launchSecurity/idAuth", NULL, "*", 0 },
  { "domain/launchSecurity/hostData", NULL, "*", 0 },
  /* virt-install's output (vinst): Intel TDX (qemu-command-tdx.c). */
  { "domain/launchSecurity/mrConfigId", NULL, "*", 0 },
  { "domain/launchSecurity/mrOwner", NULL, "*", 0 },
  { "domain/launchSecurity/mrOwnerConfig", NULL, "*", 0 },
  { "domain/launchSecurity/quoteGenerationService", "path", NULL, 0 },
  { "domain/os/shim", NULL, "*", 0 },

  { "domain/features", NULL, NULL, 0 },
  { "domain/features/acpi", NULL, NULL, 0 },
  { "domain/features/apic", "eoi=on|off", NULL, 0 },
  { "domain/features/pae", NULL, NULL, 0 },
  { "domain/features/vmport", "!state=on|off", NULL, 0 },
  { "domain/features/smm", "state=on|off", NULL, 0 },
  { "domain/features/smm/tseg", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/features/hyperv", "mode=custom|passthrough", NULL, 0 },
  HYPERV_FLAG ("relaxed"),
  HYPERV_FLAG ("vapic"),
  HYPERV_FLAG ("vpindex"),
  HYPERV_FLAG ("runtime"),
  HYPERV_FLAG ("synic"),
  HYPERV_FLAG ("reset"),
  HYPERV_FLAG ("frequencies"),
  HYPERV_FLAG ("reenlightenment"),
  HYPERV_FLAG ("ipi"),
  HYPERV_FLAG ("evmcs"),
  HYPERV_FLAG ("avic"),
  HYPERV_FLAG ("emsr_bitmap"),
  HYPERV_FLAG ("xmm_input"),
  HYPERV_FLAG ("stimer"),
  HYPERV_FLAG ("stimer/direct"),
  HYPERV_FLAG ("tlbflush"),
  HYPERV_FLAG ("tlbflush/direct"),
  HYPERV_FLAG ("tlbflush/extended"),
  { "domain/features/hyperv/spinlocks", "!state=on|off retries=%u", NULL, 0 },
  { "domain/features/hyperv/vendor_id", "!state=on|off value", NULL, 0 },
  { "domain/features/kvm", NULL, NULL, 0 },
  { "domain/features/kvm/hidden", "!state=on|off", NULL, 0 },
  { "domain/features/kvm/hint-dedicated", "!state=on|off", NULL, 0 },
  { "domain/features/kvm/poll-control", "!state=on|off", NULL, 0 },
  { "domain/features/kvm/pv-ipi", "!state=on|off", NULL, 0 },
  { "domain/features/kvm/dirty-ring", "!state=on|off size=%u", NULL, 0 },
  { "domain/features/pvspinlock", "state=on|off", NULL, 0 },
  { "domain/features/pmu", "state=on|off", NULL, 0 },
  { "domain/features/vmcoreinfo", "state=on|off", NULL, 0 },
  { "domain/features/ioapic", "!driver=kvm|qemu", NULL, 0 },
  { "domain/features/ps2", "!state=on|off", NULL, 0 },
  { "domain/features/msrs", "!unknown=ignore|fault", NULL, 0 },
  { "domain/features/tcg", NULL, NULL, 0 },
  { "domain/features/tcg/tb-cache", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/features/async-teardown", "enabled=yes|no", NULL, 0 },

  { "domain/cpu",
    "mode=custom|host-model|host-passthrough|maximum match=minimum|exact|strict "
    "check=none|partial|full migratable=on|off",
    NULL, 0 },
  { "domain/cpu/model", "fallback=allow|forbid vendor_id", "*", 0 },
  { "domain/cpu/feature", "policy=force|require|optional|disable|forbid !name", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/cpu/topology", "sockets=%u dies=%u clusters=%u cores=%u threads=%u", NULL, 0 },

  { "domain/clock",
    "offset=utc|localtime|variable|timezone|absolute adjustment basis=utc|localtime timezone "
    "start=%u",
    NULL, 0 },
  { "domain/clock/timer",
    "!name=platform|pit|rtc|hpet|tsc|kvmclock|hypervclock present=yes|no "
    "tickpolicy=delay|catchup|merge|discard track=boot|guest|wall|realtime frequency=%u "
    "mode=auto|native|emulate|paravirt|smpsafe",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/clock/timer/catchup", "threshold=%u slew=%u limit=%u", NULL, 0 },

  { "domain/on_poweroff", NULL, LIFECYCLE_ACTIONS, 0 },
  { "domain/on_reboot", NULL, LIFECYCLE_ACTIONS, 0 },
  { "domain/on_crash", NULL, LIFECYCLE_ACTIONS "|coredump-destroy|coredump-restart", 0 },
  { "domain/on_lockfailure", NULL, "poweroff|restart|pause|ignore", 0 },
  { "domain/pm", NULL, NULL, 0 },
  { "domain/pm/suspend-to-mem", "enabled=yes|no", NULL, 0 },
  { "domain/pm/suspend-to-disk", "enabled=yes|no", NULL, 0 },
  { "domain/seclabel", "type=dynamic|static|none model relabel=yes|no", NULL, VB_XML_RULE_REPEAT },
  { "domain/seclabel/label", NULL, "*", 0 },
  { "domain/seclabel/baselabel", NULL, "*", 0 },
  { "domain/seclabel/imagelabel", NULL, "*", 0 },
  { "domain/devices/disk/source/seclabel", "model relabel=yes|no labelskip=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/disk/source/seclabel/label", NULL, "*", 0 },
  { "domain/devices/video/driver",
    "name=qemu|vhostuser iommu=on|off ats=on|off packed=on|off "
    "page_per_vq=on|off",
    NULL, 0 },
  { "domain/devices/disk/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/interface/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/hostdev/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/video/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/memballoon/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/rng/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/controller/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/sound/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/input/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/watchdog/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/shmem/acpi", "!index=%u", NULL, 0 },

  { "domain/devices", NULL, NULL, 0 },
  { "domain/devices/emulator", NULL, "*", 0 },

  { "domain/devices/disk",
    "type=file|block|volume|network|nvme|dir|vhostuser|vhostvdpa device=disk|cdrom|floppy|lun "
    "model=virtio|virtio-transitional|virtio-non-transitional|usb-storage|usb-bot|usb-uas "
    "snapshot=no|internal|external "
    "sgio=filtered|unfiltered rawio=yes|no",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/disk/driver",
    "name=qemu type=raw|qcow2|qed|vmdk|vpc|vdi|vhdx|fat "
    "cache=default|none|writethrough|writeback|directsync|unsafe io=native|threads|io_uring "
    "discard=unmap|ignore detect_zeroes=off|on|unmap copy_on_read=on|off "
    "error_policy=stop|report|ignore|enospace rerror_policy=stop|report|ignore queues=%u "
    "queue_size=%u iothread=%u " VIRTIO_OPTIONS " event_idx=on|off discard_no_unref=on|off",
    NULL, 0 },
  { "domain/devices/disk/source",
    "file dev pool volume dir mode=host|direct startupPolicy=mandatory|requisite|optional "
    "type=pci|unix managed=yes|no namespace=%u protocol=" NETDISK_PROTOCOLS
    " name query tls=yes|no "
    "path tlsHostname index=%u fdgroup",
    NULL, 0 },
  NETDISK_RULES,
  { "domain/devices/disk/source/address", "domain=%x !bus=%x !slot=%x !function=%x", NULL, 0 },
  { "domain/devices/disk/target",
    "!dev bus=virtio|scsi|sata|ide|usb|fdc|nvme tray=open|closed removable=on|off rotation_rate=%u",
    NULL, 0 },
  { "domain/devices/disk/readonly", NULL, NULL, 0 },
  { "domain/devices/disk/shareable", NULL, NULL, 0 },
  /* The guest writes an overlay the QEMU driver drops when QEMU stops. */
  { "domain/devices/disk/transient", "shareBacking=yes|no", NULL, 0 },
  { "domain/devices/disk/serial", NULL, "*", 0 },
  { "domain/devices/disk/wwn", NULL, "*", 0 },
  { "domain/devices/disk/vendor", NULL, "*", 0 },
  { "domain/devices/disk/product", NULL, "*", 0 },
  { "domain/devices/disk/boot", "!order=%u", NULL, 0 },
  { "domain/devices/disk/blockio",
    "logical_block_size=%u physical_block_size=%u discard_granularity=%u", NULL, 0 },
  { "domain/devices/disk/geometry", "!cyls=%u !heads=%u !secs=%u trans=auto|none|lba", NULL, 0 },
  { "domain/devices/disk/iotune", NULL, NULL, 0 },
  IOTUNE ("total_bytes_sec"),
  IOTUNE ("read_bytes_sec"),
  IOTUNE ("write_bytes_sec"),
  IOTUNE ("total_iops_sec"),
  IOTUNE ("read_iops_sec"),
  IOTUNE ("write_iops_sec"),
  IOTUNE ("total_bytes_sec_max"),
  IOTUNE ("read_bytes_sec_max"),
  IOTUNE ("write_bytes_sec_max"),
  IOTUNE ("total_iops_sec_max"),
  IOTUNE ("read_iops_sec_max"),
  IOTUNE ("write_iops_sec_max"),
  IOTUNE ("size_iops_sec"),
  IOTUNE ("total_bytes_sec_max_length"),
  IOTUNE ("read_bytes_sec_max_length"),
  IOTUNE ("write_bytes_sec_max_length"),
  IOTUNE ("total_iops_sec_max_length"),
  IOTUNE ("read_iops_sec_max_length"),
  IOTUNE ("write_iops_sec_max_length"),
  { "domain/devices/disk/iotune/group_name", NULL, "*", 0 },
  /* Throttle groups and the disks' filters naming them (domain-throttle.c;
   * docs/xml-subset.md, "Throttle groups"). */
  { "domain/throttlegroups", NULL, NULL, 0 },
  { "domain/throttlegroups/throttlegroup", NULL, NULL, VB_XML_RULE_REPEAT },
  { "domain/throttlegroups/throttlegroup/group_name", NULL, "*", 0 },
  THROTTLE_LIMIT ("total_bytes_sec"), THROTTLE_LIMIT ("read_bytes_sec"),
  THROTTLE_LIMIT ("write_bytes_sec"), THROTTLE_LIMIT ("total_iops_sec"),
  THROTTLE_LIMIT ("read_iops_sec"), THROTTLE_LIMIT ("write_iops_sec"),
  THROTTLE_LIMIT ("total_bytes_sec_max"), THROTTLE_LIMIT ("read_bytes_sec_max"),
  THROTTLE_LIMIT ("write_bytes_sec_max"), THROTTLE_LIMIT ("total_iops_sec_max"),
  THROTTLE_LIMIT ("read_iops_sec_max"), THROTTLE_LIMIT ("write_iops_sec_max"),
  THROTTLE_LIMIT ("size_iops_sec"), THROTTLE_LIMIT ("total_bytes_sec_max_length"),
  THROTTLE_LIMIT ("read_bytes_sec_max_length"), THROTTLE_LIMIT ("write_bytes_sec_max_length"),
  THROTTLE_LIMIT ("total_iops_sec_max_length"), THROTTLE_LIMIT ("read_iops_sec_max_length"),
  THROTTLE_LIMIT ("write_iops_sec_max_length"),
  { "domain/devices/disk/throttlefilters", NULL, NULL, 0 },
  { "domain/devices/disk/throttlefilters/throttlefilter", "!group", NULL, VB_XML_RULE_REPEAT },
  BACKING_STORES,
  /* Local disk attributes (docs/xml-subset.md, "Local disk attributes"):
   * qcow2's metadata cache and external data file, SCSI persistent
   * reservations through qemu-pr-helper. */
  { "domain/devices/disk/driver/metadata_cache", NULL, NULL, 0 },
  /* unit= as libvirt reads it, in any case ("kiB"); the QEMU driver scales it. */
  { "domain/devices/disk/driver/metadata_cache/max_size", "unit", "%u", 0 },
  { "domain/devices/disk/source/dataStore", "!type=file|block|network", NULL, 0 },
  { "domain/devices/disk/source/dataStore/format", "!type=raw", NULL, 0 },
  { "domain/devices/disk/source/dataStore/source", "file dev protocol=" NETDISK_PROTOCOLS " name",
    NULL, 0 },
  { "domain/devices/disk/source/dataStore/source/host",
    "name port=%u transport=tcp|unix|rdma socket", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/disk/source/reservations", "!managed=yes|no migration=yes|no", NULL, 0 },
  { "domain/devices/disk/source/reservations/source", "!type=unix !path mode=client", NULL, 0 },
  /* Disk tail (docs/xml-subset.md, "Disk tail"): a storage slice of the
   * image or of its first backing image. */
  { "domain/devices/disk/source/slices", NULL, NULL, 0 },
  { "domain/devices/disk/source/slices/slice", "!type=storage !offset=%u !size=%u", NULL, 0 },
  { BS1 "/source/slices", NULL, NULL, 0 },
  { BS1 "/source/slices/slice", "!type=storage !offset=%u !size=%u", NULL, 0 },
  /* A vhostuser disk's back end reconnected to after it restarts
   * (enabled, timeout), or how long an nbd disk's requests wait for the
   * server to come back (delay). */
  { "domain/devices/disk/source/reconnect", "enabled=yes|no timeout=%u delay=%u", NULL, 0 },
  /* Disks 2 (docs/xml-subset.md, "Disks: passthrough, layered encryption,
   * mirrors"): a <mirror> is the block job of a running domain, in its live
   * XML; a define drops it, as libvirt does (domain-live-values.c). */
  { "domain/devices/disk/mirror", NULL, NULL, VB_XML_RULE_VERBATIM | VB_XML_RULE_LIVE },
  ADDRESS ("disk"),
  ALIAS ("disk"),

  { "domain/devices/controller",
    "!type=usb|pci|sata|ide|scsi|virtio-serial|fdc|ccid|nvme index=%u model ports=%u vectors=%u",
    NULL, VB_XML_RULE_REPEAT },
  /* An NVMe controller's serial number (qemu-command-disk-nvme.c). */
  { "domain/devices/controller/serial", NULL, "*", 0 },
  { "domain/devices/controller/model", "!name", NULL, 0 },
  { "domain/devices/controller/target",
    "chassisNr=%u chassis=%u port=%x busNr=%u hotplug=on|off memReserve=%u", NULL, 0 },
  { "domain/devices/controller/target/node", NULL, "%u", 0 },
  { "domain/devices/controller/master", "!startport=%u", NULL, 0 },
  { "domain/devices/controller/driver",
    "iothread=%u queues=%u cmd_per_lun=%u max_sectors=%u " VIRTIO_OPTIONS, NULL, 0 },
  ADDRESS ("controller"),
  ALIAS ("controller"),

  { "domain/devices/interface",
    "!type=user|network|bridge|ethernet|direct|vhostuser|udp|mcast|client|server|vdpa|hostdev "
    "managed=yes|no",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/interface/mac", "!address", NULL, 0 },
  { "domain/devices/interface/source",
    "network portgroup bridge dev mode=vepa|bridge|private|passthrough|client|server type=unix "
    "path "
    "address port=%u",
    NULL, 0 },
  { "domain/devices/interface/source/local", "!address !port=%u", NULL, 0 },
  { "domain/devices/interface/source/reconnect", "!enabled=yes|no timeout=%u", NULL, 0 },
  /* The host side of a type='ethernet' tap (qemu-command-net-hostip.c). */
  { "domain/devices/interface/source/ip", "!address family=ipv4|ipv6 prefix=%u peer", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/interface/source/route", "!address family=ipv4|ipv6 prefix=%u !gateway", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/interface/ip", "!address family=ipv4|ipv6 prefix=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/interface/model",
    "!type=virtio|virtio-transitional|virtio-non-transitional|e1000|e1000e|igb|rtl8139|"
    "ne2k_pci|pcnet|vmxnet3|usb-net",
    NULL, 0 },
  { "domain/devices/interface/driver",
    "name=vhost|qemu|vfio queues=%u txmode=iothread|timer ioeventfd=on|off event_idx=on|off "
    "rx_queue_size=%u tx_queue_size=%u rss=on|off rss_hash_report=on|off " VIRTIO_OPTIONS,
    NULL, 0 },
  { "domain/devices/interface/driver/host",
    "csum=on|off gso=on|off tso4=on|off tso6=on|off ecn=on|off ufo=on|off mrg_rxbuf=on|off", NULL,
    0 },
  { "domain/devices/interface/driver/guest",
    "csum=on|off tso4=on|off tso6=on|off ecn=on|off ufo=on|off", NULL, 0 },
  { "domain/devices/interface/mtu", "!size=%u", NULL, 0 },
  { "domain/devices/interface/rom", "bar=on|off file enabled=yes|no", NULL, 0 },
  { "domain/devices/interface/tune", NULL, NULL, 0 },
  { "domain/devices/interface/tune/sndbuf", NULL, "%u", 0 },
  { "domain/devices/interface/coalesce", NULL, NULL, 0 },
  { "domain/devices/interface/coalesce/rx", NULL, NULL, 0 },
  { "domain/devices/interface/coalesce/rx/frames", "!max=%u", NULL, 0 },
  { "domain/devices/interface/bandwidth", NULL, NULL, 0 },
  { "domain/devices/interface/bandwidth/inbound", "average=%u peak=%u burst=%u floor=%u", NULL,
    0 },
  { "domain/devices/interface/bandwidth/outbound", "!average=%u peak=%u burst=%u", NULL, 0 },
  { "domain/devices/interface/target", "!dev managed=yes|no", NULL, 0 },
  { "domain/devices/interface/link", "!state=up|down", NULL, 0 },
  { "domain/devices/interface/boot", "!order=%u", NULL, 0 },
  { "domain/devices/interface/teaming", "!type=persistent|transient persistent", NULL, 0 },
  /* Programs run as root with the tap's name (domain-host-root.h). */
  { "domain/devices/interface/script", "!path", NULL, 0 },
  { "domain/devices/interface/downscript", "!path", NULL, 0 },
  /* type='hostdev': an SR-IOV VF by its PCI address, its VLAN set through the PF. */
  { "domain/devices/interface/source/address", "!type=pci !domain=%x !bus=%x !slot=%x !function=%x",
    NULL, 0 },
  { "domain/devices/interface/vlan", "trunk=yes|no", NULL, 0 },
  { "domain/devices/interface/vlan/tag", "!id=%u nativeMode=tagged|untagged", NULL,
    VB_XML_RULE_REPEAT },
  /* type='user' with passt (drivers/qemu/qemu-command-passt.c). */
  /* tap= and vhost=: the tun and vhost-net devices of a tap (qemu-tap.c). */
  { "domain/devices/interface/backend", "type=default|passt logFile hostname fqdn tap vhost", NULL,
    0 },
  /* Open vSwitch ports (qemu-ovs.c); 802.1Qbg/Qbh profiles on a VF,
   * refused at Start (domain-virtualport.c checks the parameters). */
  { "domain/devices/interface/virtualport", "!type=openvswitch|802.1Qbg|802.1Qbh", NULL, 0 },
  { "domain/devices/interface/virtualport/parameters",
    "interfaceid profileid managerid=%u typeid=%u typeidversion=%u instanceid", NULL, 0 },
  { "domain/devices/interface/route", "!gateway", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/interface/portForward", "!proto=tcp|udp address dev", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/interface/portForward/range", "!start=%u end=%u to=%u exclude=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("interface"),
  ALIAS ("interface"),

  { "domain/devices/hostdev",
    "!mode=subsystem|capabilities !type=pci|usb|scsi|scsi_host|mdev|storage|misc|net "
    "managed=yes|no model display=on|off ramfb=on|off rawio=yes|no",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/hostdev/driver", "name=vfio|kvm|xen model", NULL, 0 },
  { "domain/devices/hostdev/source",
    "protocol=vhost|iscsi wwpn name startupPolicy=mandatory guestReset=off|uninitialized|on", NULL,
    0 },
  /* A SCSI host device: an iSCSI LUN's portal, login and initiator name;
   * read-only. */
  { "domain/devices/hostdev/source/host", "!name port=%u transport=tcp|rdma", NULL, 0 },
  NETDISK_AUTH ("domain/devices/hostdev/source/auth"),
  { "domain/devices/hostdev/source/initiator", NULL, NULL, 0 },
  { "domain/devices/hostdev/source/initiator/iqn", "!name", NULL, 0 },
  { "domain/devices/hostdev/readonly", NULL, NULL, 0 },
  { "domain/devices/hostdev/source/address",
    "domain=%x bus=%x slot=%x function=%x device=%u uuid target=%u unit=%u", NULL, 0 },
  { "domain/devices/hostdev/source/adapter", "!name", NULL, 0 },
  { "domain/devices/hostdev/source/vendor", "!id=%x", NULL, 0 },
  { "domain/devices/hostdev/source/product", "!id=%x", NULL, 0 },
  { "domain/devices/hostdev/rom", "bar=on|off file enabled=yes|no", NULL, 0 },
  { "domain/devices/hostdev/teaming", "!type=transient persistent", NULL, 0 },
  { "domain/devices/hostdev/boot", "!order=%u", NULL, 0 },
  { "domain/devices/hostdev/shareable", NULL, NULL, 0 },
  /* libvirt's type='unassigned' (a PCI device kept from the host and given
   * to no guest address): the QEMU driver refuses it by name. */
  { "domain/devices/hostdev/address", "!type=" ADDRESS_TYPES "|unassigned" ADDRESS_PLACE, NULL,
    0 },
  ALIAS ("hostdev"),

  CHARDEV ("serial"),
  { "domain/devices/serial/target", "type=isa-serial|usb-serial|pci-serial|isa-debug port=%u", NULL,
    0 },
  { "domain/devices/serial/target/model", "!name=isa-serial|usb-serial|pci-serial|isa-debugcon",
    NULL, 0 },
  ADDRESS ("serial"),
  ADDRESS ("console"),
  ALIAS ("serial"),
  CHARDEV ("console"),
  { "domain/devices/console/target", "type=serial|virtio|xen|uml|sclp|sclplm port=%u", NULL, 0 },
  ALIAS ("console"),
  CHARDEV ("channel"),
  { "domain/devices/channel/target",
    "!type=virtio|guestfwd|xen name address port=%u state=connected|disconnected", NULL, 0 },
  ADDRESS ("channel"),
  ALIAS ("channel"),
  CHARDEV ("parallel"),
  { "domain/devices/parallel/target", "port=%u", NULL, 0 },
  ADDRESS ("parallel"),
  ALIAS ("parallel"),

  { "domain/devices/input",
    "!type=tablet|mouse|keyboard|passthrough|evdev bus=usb|ps2|virtio "
    "model=virtio|virtio-transitional|virtio-non-transitional",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/input/source",
    "evdev dev grab=all grabToggle=ctrl-ctrl|alt-alt|shift-shift|meta-meta|scrolllock|"
    "ctrl-scrolllock repeat=on|off",
    NULL, 0 },
  ADDRESS ("input"),
  ALIAS ("input"),

  { "domain/devices/graphics",
    "!type=vnc|spice|sdl|desktop|egl-headless|dbus|rdp port=%i tlsPort=%i autoport=yes|no listen "
    "websocket=%i passwd keymap sharePolicy=allow-exclusive|force-shared|ignore "
    "powerControl=yes|no defaultMode=any|secure|insecure socket display xauth fullscreen=yes|no "
    "p2p=yes|no address passwdValidTo connected=fail|disconnect|keep",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/graphics/listen", "!type=address|network|none|socket address network socket",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/graphics/image", "!compression=auto_glz|auto_lz|quic|glz|lz|off", NULL, 0 },
  { "domain/devices/graphics/jpeg", "!compression=auto|never|always", NULL, 0 },
  { "domain/devices/graphics/zlib", "!compression=auto|never|always", NULL, 0 },
  { "domain/devices/graphics/playback", "!compression=on|off", NULL, 0 },
  { "domain/devices/graphics/streaming", "!mode=filter|all|off", NULL, 0 },
  { "domain/devices/graphics/clipboard", "!copypaste=yes|no", NULL, 0 },
  { "domain/devices/graphics/mouse", "!mode=server|client", NULL, 0 },
  { "domain/devices/graphics/filetransfer", "!enable=yes|no", NULL, 0 },
  { "domain/devices/graphics/gl", "enable=yes|no rendernode", NULL, 0 },
  { "domain/devices/graphics/channel",
    "!name=main|display|inputs|cursor|playback|record|smartcard|usbredir|webdav "
    "!mode=secure|insecure|any",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/graphics/audio", "!id=%u", NULL, 0 },

  { "domain/devices/sound",
    "!model=ich6|ich7|ich9|ac97|es1370|sb16|usb|pcspk|virtio multichannel=yes|no streams=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/sound/codec", "!type=duplex|micro|output", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/sound/audio", "!id=%u", NULL, 0 },
  { "domain/devices/sound/driver", VIRTIO_OPTIONS, NULL, 0 },
  ADDRESS ("sound"),
  ALIAS ("sound"),
  { "domain/devices/audio",
    "!id=%u !type=none|alsa|coreaudio|jack|oss|pulseaudio|sdl|spice|file|dbus|pipewire "
    "timerPeriod=%u serverName tryMMap=yes|no exclusive=yes|no dspPolicy=%i driver path",
    NULL, VB_XML_RULE_REPEAT },
  AUDIO_DIRECTION ("input"),
  AUDIO_DIRECTION ("output"),

  { "domain/devices/video", NULL, NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/video/model",
    "!type=vga|cirrus|vmvga|qxl|virtio|bochs|ramfb|none vram=%u heads=%u primary=yes|no ram=%u "
    "vgamem=%u vram64=%u blob=on|off edid=on|off",
    NULL, 0 },
  { "domain/devices/video/model/acceleration", "accel3d=yes|no accel2d=yes|no rendernode", NULL,
    0 },
  { "domain/devices/video/model/resolution", "!x=%u !y=%u", NULL, 0 },
  ADDRESS ("video"),
  ALIAS ("video"),

  { "domain/devices/memballoon",
    "!model=virtio|virtio-transitional|virtio-non-transitional|none autodeflate=on|off "
    "freePageReporting=on|off",
    NULL, 0 },
  { "domain/devices/memballoon/stats", "!period=%u", NULL, 0 },
  ADDRESS ("memballoon"),
  ALIAS ("memballoon"),

  { "domain/devices/rng", "!model=virtio|virtio-transitional|virtio-non-transitional", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/rng/rate", "!bytes=%u period=%u", NULL, 0 },
  { "domain/devices/rng/driver", VIRTIO_OPTIONS, NULL, 0 },
  { "domain/devices/rng/backend", "!model=random|builtin|egd type=" CHARDEV_TYPES, "*", 0 },
  { "domain/devices/rng/backend/source", "mode=connect|bind host service path channel append=on|off",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/rng/backend/protocol", "!type=raw", NULL, 0 },
  ADDRESS ("rng"),
  ALIAS ("rng"),

  { "domain/devices/redirdev", "!bus=usb !type=" CHARDEV_TYPES, NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/redirdev/source", "mode=connect|bind host service path channel append=on|off",
    NULL, 0 },
  { "domain/devices/redirdev/protocol", "!type=raw", NULL, 0 },
  { "domain/devices/redirdev/boot", "!order=%u", NULL, 0 },
  { "domain/devices/redirfilter", NULL, NULL, 0 },
  { "domain/devices/redirfilter/usbdev", "class vendor product version !allow=yes|no", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/hub", "!type=usb", NULL, VB_XML_RULE_REPEAT },
  ADDRESS ("hub"),
  ALIAS ("hub"),
  { "domain/devices/smartcard", "!mode=host|host-certificates|passthrough type=" CHARDEV_TYPES,
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/smartcard/certificate", NULL, "*", VB_XML_RULE_REPEAT },
  { "domain/devices/smartcard/database", NULL, "*", 0 },
  { "domain/devices/smartcard/source", "mode=connect|bind host service path channel append=on|off",
    NULL, 0 },
  { "domain/devices/smartcard/protocol", "!type=raw", NULL, 0 },
  ADDRESS ("smartcard"),
  ALIAS ("smartcard"),
  { "domain/devices/vsock", "model=virtio|virtio-transitional|virtio-non-transitional", NULL, 0 },
  { "domain/devices/vsock/cid", "auto=yes|no address=%u", NULL, 0 },
  { "domain/devices/vsock/driver", VIRTIO_OPTIONS, NULL, 0 },
  ADDRESS ("vsock"),
  ALIAS ("vsock"),
  { "domain/devices/iommu", "!model=intel|smmuv3|virtio|amd", NULL, 0 },
  { "domain/devices/iommu/driver",
    "intremap=on|off caching_mode=on|off eim=on|off iotlb=on|off aw_bits=%u "
    "dma_translation=on|off",
    NULL, 0 },
  { "domain/devices/iommu/driver/granule", "mode=4k|8k|16k|64k|host size=%u unit", NULL, 0 },
  ADDRESS ("iommu"),
  ALIAS ("iommu"),
  { "domain/devices/shmem", "!name role=master|peer", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/shmem/model", "!type=ivshmem-plain|ivshmem-doorbell|ivshmem", NULL, 0 },
  { "domain/devices/shmem/size", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/shmem/server", "path", NULL, 0 },
  { "domain/devices/shmem/msi", "vectors=%u ioeventfd=on|off enabled=yes|no", NULL, 0 },
  ADDRESS ("shmem"),
  ALIAS ("shmem"),
  ADDRESS ("redirdev"),
  ALIAS ("redirdev"),

  { "domain/devices/watchdog",
    "!model=i6300esb|ib700|itco action=reset|shutdown|poweroff|pause|none|dump|inject-nmi", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("watchdog"),
  ALIAS ("watchdog"),

  { "domain/devices/panic", "model=isa|pvpanic|hyperv", NULL, VB_XML_RULE_REPEAT },
  ADDRESS ("panic"),
  ALIAS ("panic"),

  { "domain/devices/pstore", "!backend=acpi-erst", NULL, 0 },
  { "domain/devices/pstore/path", NULL, "*", 0 },
  { "domain/devices/pstore/size", "unit=" VB_XML_UNITS, "%u", 0 },
  ADDRESS ("pstore"),
  ALIAS ("pstore"),
  /* Shared directories and the TPM (drivers/qemu/qemu-command-fs.c, -tpm.c). */
  { "domain/devices/filesystem",
    "type=mount accessmode=passthrough|mapped|squash multidevs=default|remap|forbid|warn "
    "fmode=%o dmode=%o model=virtio|virtio-transitional|virtio-non-transitional",
    NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/filesystem/driver",
    "type=path|virtiofs|mtp wrpolicy=immediate queue=%u " VIRTIO_OPTIONS, NULL, 0 },
  { "domain/devices/filesystem/binary", "path xattr=on|off", NULL, 0 },
  { "domain/devices/filesystem/binary/cache", "!mode=none|always", NULL, 0 },
  { "domain/devices/filesystem/binary/sandbox", "!mode=namespace|chroot", NULL, 0 },
  { "domain/devices/filesystem/binary/lock", "posix=on|off flock=on|off", NULL, 0 },
  { "domain/devices/filesystem/binary/thread_pool", "!size=%u", NULL, 0 },
  { "domain/devices/filesystem/source", "dir socket", NULL, 0 },
  { "domain/devices/filesystem/target", "!dir", NULL, 0 },
  { "domain/devices/filesystem/readonly", NULL, NULL, 0 },
  { "domain/devices/filesystem/boot", "!order=%u", NULL, 0 },
  { "domain/devices/filesystem/idmap", NULL, NULL, 0 },
  { "domain/devices/filesystem/idmap/uid", "!start=%u !target=%u !count=%u", NULL,
    VB_XML_RULE_REPEAT },
  { "domain/devices/filesystem/idmap/gid", "!start=%u !target=%u !count=%u", NULL,
    VB_XML_RULE_REPEAT },
  ADDRESS ("filesystem"),
  ALIAS ("filesystem"),
  { "domain/devices/tpm", "model=tpm-tis|tpm-crb", NULL, 0 },
  { "domain/devices/tpm/backend",
    "!type=emulator|passthrough|external version=1.2|2.0 persistent_state=yes debug=%u", NULL, 0 },
  { "domain/devices/tpm/backend/device", "!path", NULL, 0 },
  { "domain/devices/tpm/backend/source", "!type=unix|dir|file mode=connect !path", NULL, 0 },
  { "domain/devices/tpm/backend/encryption", "!secret", NULL, 0 },
  { "domain/devices/tpm/backend/active_pcr_banks", NULL, NULL, 0 },
  { "domain/devices/tpm/backend/active_pcr_banks/sha1", NULL, NULL, 0 },
  { "domain/devices/tpm/backend/active_pcr_banks/sha256", NULL, NULL, 0 },
  { "domain/devices/tpm/backend/active_pcr_banks/sha384", NULL, NULL, 0 },
  { "domain/devices/tpm/backend/active_pcr_banks/sha512", NULL, NULL, 0 },
  { "domain/devices/tpm/backend/profile", "!source removeDisabled=check|fips-host name", NULL, 0 },
  ALIAS ("tpm"),

  /* The long tail of devices (docs/xml-subset.md, "Device odds and ends"). */
  { "domain/devices/input/driver", "iommu=on|off ats=on|off packed=on|off page_per_vq=on|off", NULL,
    0 },
  { "domain/devices/memballoon/driver", "iommu=on|off ats=on|off packed=on|off page_per_vq=on|off",
    NULL, 0 },
  { "domain/devices/filesystem/binary/openfiles", "!max=%u", NULL, 0 },
  { "domain/devices/redirdev/source/reconnect", "!enabled=yes|no timeout=%u", NULL, 0 },
  { "domain/devices/smartcard/source/reconnect", "!enabled=yes|no timeout=%u", NULL, 0 },
  { "domain/devices/rng/backend/source/reconnect", "!enabled=yes|no timeout=%u", NULL, 0 },

  /* Schema breadth (docs/xml-subset.md, "Schema breadth"): the PCI root
   * bus's 64-bit window, virtio-crypto (drivers/qemu/qemu-command-breadth.c). */
  { "domain/devices/controller/pcihole64", "unit=" VB_XML_UNITS, "%u", 0 },
  { "domain/devices/crypto", "!model=virtio !type=qemu", NULL, VB_XML_RULE_REPEAT },
  { "domain/devices/crypto/backend", "!model=builtin|lkcf queues=%u", NULL, 0 },
  { "domain/devices/crypto/driver", VIRTIO_OPTIONS, NULL, 0 },
  ADDRESS ("crypto"),
  ALIAS ("crypto"),
  { "domain/devices/interface/port", "!isolated=yes|no", NULL, 0 },
  { "domain/devices/crypto/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/vsock/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/filesystem/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/iommu/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/memory/acpi", "!index=%u", NULL, 0 },
  { "domain/devices/serial/acpi", "!index=%u", NULL, 0 },

  /* libvirt's QEMU namespace, whatever its prefix (docs/xml-subset.md, "QEMU
   * passthrough"): needs org.virtbus.Virt1.domain.qemu-passthrough. */
  { "domain/qemu:commandline", NULL, NULL, 0 },
  { "domain/qemu:commandline/qemu:arg", "!value", NULL, VB_XML_RULE_REPEAT },
  { "domain/qemu:commandline/qemu:env", "!name value", NULL, VB_XML_RULE_REPEAT },
};

static const VbXmlSchema domain_schema = { domain_rules, G_N_ELEMENTS (domain_rules) };

/* ------------------------------------------------------------------------ */

static gboolean
parse_uint (const char *text, guint64 max, guint64 *value)
{
  return vb_xml_parse_unsigned (text, 10, max, value);
}

/* Reads a sized element into KiB, rounding bytes up as libvirt does, and
 * rewrites it as <@name unit='KiB'>N</@name>. */
static gboolean
memory_to_kib (xmlNode *node, guint64 *kib, GError **error)
{
  g_autofree char *text = NULL;
  guint64 bytes = 0;

  if (!vb_xml_scaled_bytes (node, "KiB", &bytes, error))
    return FALSE;
  *kib = bytes / 1024 + (bytes % 1024 != 0);
  /* Stored as KiB, the size is read back as bytes at the next start: refuse
   * now what would not fit then, or the acknowledged definition is lost. */
  if (*kib > G_MAXUINT64 / 1024)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "the value of <%s> at line %ld is too large: at most %" G_GUINT64_FORMAT " KiB",
                   node->name, vb_xml_line (node), G_MAXUINT64 / 1024);
      return FALSE;
    }
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, *kib);
  xmlSetProp (node, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  vb_xml_set_text (node, text);
  return TRUE;
}

static gboolean
fill_memory (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *memory = vb_xml_child (root, "memory");
  xmlNode *current = vb_xml_child (root, "currentMemory");
  g_autofree char *text = NULL;

  /* As libvirt: with guest NUMA cells <memory> may be left out, for it is
   * what the cells and memory devices add up to. check_numa_memory() sets
   * it (and a missing or larger <currentMemory>) to that sum; until then it
   * stands at the largest size, so nothing before clamps to a guess. */
  if (memory == NULL && vb_domain_numa_cells (root) > 0) {
    g_autofree char *most = g_strdup_printf ("%" G_GUINT64_FORMAT, G_MAXUINT64 / 1024);
    xmlNode *after = vb_xml_child (root, "maxMemory");

    memory = vb_xml_insert_after (root, after ? after : vb_xml_child (root, "uuid"), "memory",
                                  most);
  }
  if (memory == NULL) {
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_XML,
                         "missing element <memory> in <domain> (or memory in its NUMA cells)");
    return FALSE;
  }
  if (!memory_to_kib (memory, &def->memory_kib, error))
    return FALSE;
  if (def->memory_kib == 0) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<memory> at line %ld must be greater than 0", vb_xml_line (memory));
    return FALSE;
  }

  if (current == NULL) {
    current = vb_xml_insert_after (root, memory, "currentMemory", NULL);
    def->current_memory_kib = def->memory_kib;
  } else if (!memory_to_kib (current, &def->current_memory_kib, error)) {
    return FALSE;
  }
  /* Like libvirt: a balloon target of 0 or above the maximum means "all". */
  if (def->current_memory_kib == 0 || def->current_memory_kib > def->memory_kib)
    def->current_memory_kib = def->memory_kib;

  text = g_strdup_printf ("%" G_GUINT64_FORMAT, def->current_memory_kib);
  xmlSetProp (current, (const xmlChar *) "unit", (const xmlChar *) "KiB");
  vb_xml_set_text (current, text);
  return TRUE;
}

/* Reads @text as a vCPU count between 1 and @max; @what names it in the error. */
static gboolean
parse_vcpu_count (xmlNode *node, const char *what, const char *text, guint64 max, guint64 *value,
                  GError **error)
{
  /* The schema checked the digits, not the range: a number past 64 bits
   * fails to parse and must be refused like any other out of range. */
  if (!parse_uint (text, G_MAXUINT64, value))
    {
      g_autofree char *quoted = vb_xml_quote (text);

      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "%s at line %ld must be between 1 and %" G_GUINT64_FORMAT ", not %s", what,
                   vb_xml_line (node), max, quoted);
      return FALSE;
    }
  if (*value >= 1 && *value <= max)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "%s at line %ld must be between 1 and %" G_GUINT64_FORMAT ", not %" G_GUINT64_FORMAT,
               what, vb_xml_line (node), max, *value);
  return FALSE;
}

static gboolean
fill_topology (xmlNode *root, VbDomainDef *def, GError **error)
{
  static const char *const parts[] = { "sockets", "dies", "cores", "threads" };
  guint *fields[] = { &def->topology.sockets, &def->topology.dies, &def->topology.cores,
                      &def->topology.threads };
  xmlNode *topology = vb_xml_child (vb_xml_child (root, "cpu"), "topology");
  guint64 product = 1;
  guint64 clusters = 1;

  /* Without one, QEMU's -smp is one socket for each vCPU. */
  def->topology = (VbVcpuTopology) { def->vcpus, 1, 1, 1 };
  if (topology == NULL)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++) {
    g_autofree char *text = vb_xml_attr (topology, parts[i]);
    guint64 n = 1;

    if (text != NULL && (!parse_uint (text, DOMAIN_VCPUS_MAX, &n) || n == 0)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "attribute '%s' on <topology> at line %ld must be between 1 and %d",
                   parts[i], vb_xml_line (topology), DOMAIN_VCPUS_MAX);
      return FALSE;
    }
    *fields[i] = (guint) n;
    product *= n;
  }
  /* Clusters sit between dies and cores (the driver refuses more than one
   * where QEMU's machine has none). */
  {
    g_autofree char *text = vb_xml_attr (topology, "clusters");

    if (text && (!parse_uint (text, DOMAIN_VCPUS_MAX, &clusters) || clusters == 0)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "attribute 'clusters' on <topology> at line %ld must be between 1 and %d",
                   vb_xml_line (topology), DOMAIN_VCPUS_MAX);
      return FALSE;
    }
    product *= clusters;
  }
  if (product == def->vcpus)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "the CPU <topology> at line %ld gives %" G_GUINT64_FORMAT
               " vCPUs but <vcpu> is %u",
               vb_xml_line (topology), product, def->vcpus);
  return FALSE;
}

static gboolean
fill_vcpus (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *vcpu = vb_xml_child (root, "vcpu");
  g_autofree char *text = NULL;
  g_autofree char *current = NULL;
  guint64 count = 1;
  guint64 current_count = 0;

  if (vcpu == NULL) {
    vb_xml_insert_after (root, vb_xml_child (root, "currentMemory"), "vcpu", "1");
    def->vcpus = 1;
    def->current_vcpus = 1;
  } else {
    text = vb_xml_text (vcpu);
    if (!parse_vcpu_count (vcpu, "<vcpu>", text, DOMAIN_VCPUS_MAX, &count, error))
      return FALSE;
    current = vb_xml_attr (vcpu, "current");
    if (current != NULL &&
        !parse_vcpu_count (vcpu, "attribute 'current' on <vcpu>", current, count, &current_count,
                           error))
      return FALSE;
    def->vcpus = (guint) count;
    def->current_vcpus = current != NULL ? (guint) current_count : def->vcpus;
  }
  return fill_topology (root, def, error) &&
         vb_domain_vcpus_read (root, def->vcpus, def->current_vcpus, &def->vcpu_states, error);
}

/* ------------------------------------------------------------------------ */
/* Devices */

static xmlNode *
devices_of (xmlNode *root)
{
  return vb_xml_child (root, "devices");
}

static gboolean
normalize_mac (xmlNode *mac, GHashTable *used, GError **error)
{
  g_autofree char *given = vb_xml_attr (mac, "address");
  g_autofree char *normal = vb_xml_mac_normalize (given);

  if (normal == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid MAC address '%s' on <mac> at line %ld: expected a unicast address "
                 "written as six pairs of hexadecimal digits separated by ':'",
                 given, vb_xml_line (mac));
    return FALSE;
  }
  xmlSetProp (mac, (const xmlChar *) "address", (const xmlChar *) normal);
  g_hash_table_add (used, g_steal_pointer (&normal));
  return TRUE;
}

static void
add_random_mac (xmlNode *interface, GHashTable *used)
{
  g_autofree char *mac = NULL;
  xmlNode *node;

  /* 24 random bits rarely collide, but a guest with two equal MACs on one
   * network would not work: draw again rather than hope. */
  do {
    g_free (mac);
    mac = vb_xml_mac_random ();
  } while (g_hash_table_contains (used, mac));

  node = vb_xml_insert_after (interface, NULL, "mac", NULL);
  xmlSetProp (node, (const xmlChar *) "address", (const xmlChar *) mac);
  g_hash_table_add (used, g_steal_pointer (&mac));
}

/* Checks the given MACs first so the random ones avoid all of them. */
static gboolean
fill_interface_macs (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) used = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *devices = devices_of (root);
  xmlNode *iface;

  for (iface = vb_xml_child (devices, "interface"); iface != NULL;
       iface = vb_xml_next (iface, "interface")) {
    xmlNode *mac = vb_xml_child (iface, "mac");

    if (mac != NULL && !normalize_mac (mac, used, error))
      return FALSE;
  }
  for (iface = vb_xml_child (devices, "interface"); iface != NULL;
       iface = vb_xml_next (iface, "interface"))
    if (vb_xml_child (iface, "mac") == NULL)
      add_random_mac (iface, used);
  return TRUE;
}

static gboolean
require_attr (xmlNode *node, const char *attr, const char *why, GError **error)
{
  g_autofree char *value = vb_xml_attr (node, attr);

  if (value != NULL && *value != '\0')
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "missing attribute '%s' on <%s> at line %ld: %s", attr, node->name,
               vb_xml_line (node), why);
  return FALSE;
}

/* The <source> attribute that each disk type= reads its storage from. */
static gboolean
check_disk_source (xmlNode *disk, GError **error)
{
  g_autofree char *type = vb_xml_attr (disk, "type");
  xmlNode *source = vb_xml_child (disk, "source");

  /* No <source> is an empty CD-ROM or floppy drive. */
  if (source == NULL)
    return TRUE;
  if (type == NULL || g_str_equal (type, "file"))
    return require_attr (source, "file", "a file disk reads the image named by it", error);
  if (g_str_equal (type, "block"))
    return require_attr (source, "dev", "a block disk reads the device named by it", error);
  if (g_str_equal (type, "network"))
    return require_attr (source, "protocol", "a network disk names its protocol", error);
  if (g_str_equal (type, "dir"))
    return require_attr (source, "dir", "a directory disk shows the directory named by it",
                         error);
  if (g_str_equal (type, "vhostuser"))
    return require_attr (source, "path", "a vhostuser disk names its back end's socket", error);
  if (g_str_equal (type, "vhostvdpa"))
    return require_attr (source, "dev", "a vhostvdpa disk names its vhost-vdpa device node",
                         error);
  if (g_str_equal (type, "nvme"))
    {
      if (vb_xml_child (source, "address"))
        return require_attr (source, "namespace", "an NVMe disk is a namespace of a controller",
                             error);
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "missing element <address> in <source> at line %ld: an NVMe disk names the "
                   "host's PCI controller",
                   vb_xml_line (source));
      return FALSE;
    }
  return require_attr (source, "pool", "a volume disk names its pool and volume", error) &&
         require_attr (source, "volume", "a volume disk names its pool and volume", error);
}

/* Each <backingStore> names its image as its type= says: a file one by
 * file=, a block one (a host block device) by dev=; the first, the only
 * one that may be a network image, by its protocol and no file. */
static gboolean
check_backing_source (xmlNode *disk, GError **error)
{
  for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
       store = vb_xml_child (store, "backingStore"))
    {
      xmlNode *source = vb_xml_child (store, "source");
      gboolean block = vb_xml_attr_is (store, "type", "block");
      const char *other = block ? "file" : "dev";

      if (!source)
        continue;
      if (vb_xml_attr_is (store, "type", "network"))
        {
          if (xmlHasProp (source, BAD_CAST "file") || xmlHasProp (source, BAD_CAST "dev"))
            {
              g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                           "file= on the <source> of a network <backingStore> at line %ld: it "
                           "names its protocol, name and hosts",
                           vb_xml_line (source));
              return FALSE;
            }
          if (!require_attr (source, "protocol", "a network backing store names its protocol",
                             error))
            return FALSE;
          continue;
        }
      if (!(block ? require_attr (source, "dev", "a block backing store is the device named by it",
                                  error)
                  : require_attr (source, "file", "a file backing store is the image named by it",
                                  error)))
        return FALSE;
      if (xmlHasProp (source, BAD_CAST other) || xmlHasProp (source, BAD_CAST "protocol"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                       "%s= on the <source> of a %s <backingStore> at line %ld: it names its "
                       "image by %s=",
                       xmlHasProp (source, BAD_CAST other) ? other : "protocol",
                       block ? "block" : "file", vb_xml_line (source), block ? "dev" : "file");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_disks (xmlNode *root, GError **error)
{
  g_autoptr (GHashTable) targets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *disk;

  for (disk = vb_xml_child (devices_of (root), "disk"); disk != NULL;
       disk = vb_xml_next (disk, "disk")) {
    xmlNode *target = vb_xml_child (disk, "target");
    g_autofree char *dev = NULL;

    if (target == NULL) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "missing element <target> in <disk> at line %ld", vb_xml_line (disk));
      return FALSE;
    }
    if (!check_disk_source (disk, error) || !check_backing_source (disk, error))
      return FALSE;
    {
      VbDiskIoTune tune;

      if (!vb_disk_iotune_read (disk, &tune, error))
        return FALSE;
      vb_disk_iotune_clear (&tune);
    }
    dev = vb_xml_attr (target, "dev");
    if (g_hash_table_contains (targets, dev)) {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "disk target '%s' at line %ld is already used by another disk", dev,
                   vb_xml_line (target));
      return FALSE;
    }
    g_hash_table_add (targets, g_steal_pointer (&dev));
  }
  return TRUE;
}

static gboolean
check_interface_source (xmlNode *iface, GError **error)
{
  g_autofree char *type = vb_xml_attr (iface, "type");
  xmlNode *source = vb_xml_child (iface, "source");
  const char *attr = g_str_equal (type, "network") ? "network"
                     : g_str_equal (type, "bridge") ? "bridge"
                                                     : NULL;

  if (attr == NULL)
    return TRUE;
  if (source == NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "missing element <source> in <interface type='%s'> at line %ld", type,
                 vb_xml_line (iface));
    return FALSE;
  }
  return require_attr (source, attr, "it names what the interface connects to", error);
}

/* libvirt reserves aliases not starting with "ua-" for the names it gives
 * devices itself (the id QEMU knows them by), shown only in a running
 * domain's XML. A definition keeps the user's; the others it drops, as
 * libvirt does at define, so that a live XML read back from GetXMLDesc can
 * be defined: the driver makes them again at the next start. */
static gboolean
check_alias (xmlNode *device, gboolean live, GHashTable *aliases, GError **error)
{
  xmlNode *alias = vb_xml_child (device, "alias");
  g_autofree char *name = alias != NULL ? vb_xml_attr (alias, "name") : NULL;
  gboolean user = name != NULL && g_str_has_prefix (name, "ua-");

  if (alias == NULL)
    return TRUE;
  if (!user && !live) {
    xmlUnlinkNode (alias);
    xmlFreeNode (alias);
    return TRUE;
  }
  if (*name == '\0' || (user && name[3] == '\0')) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "invalid alias '%s' on <alias> at line %ld: a user alias is 'ua-' and a name",
                 name, vb_xml_line (alias));
    return FALSE;
  }
  if (g_hash_table_contains (aliases, name)) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "alias '%s' at line %ld is already used by another device", name,
                 vb_xml_line (alias));
    return FALSE;
  }
  g_hash_table_insert (aliases, g_steal_pointer (&name), device);
  return TRUE;
}

static gboolean
is_persistent_partner (xmlNode *device)
{
  xmlNode *teaming = vb_xml_child (device, "teaming");
  g_autofree char *type = teaming != NULL ? vb_xml_attr (teaming, "type") : NULL;

  return g_strcmp0 (type, "persistent") == 0;
}

/* virtio-net failover pairs a persistent virtio interface with a transient
 * device (a hostdev) that names the former by its alias. */
static gboolean
check_teaming (xmlNode *device, GHashTable *aliases, GError **error)
{
  xmlNode *teaming = vb_xml_child (device, "teaming");
  g_autofree char *type = NULL;
  g_autofree char *partner = NULL;

  if (teaming == NULL)
    return TRUE;
  type = vb_xml_attr (teaming, "type");
  partner = vb_xml_attr (teaming, "persistent");
  if (g_str_equal (type, "persistent")) {
    if (partner == NULL)
      return TRUE;
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "attribute 'persistent' on <teaming> at line %ld only applies to "
                 "type='transient'",
                 vb_xml_line (teaming));
    return FALSE;
  }
  if (!require_attr (teaming, "persistent", "it names the alias of the persistent device", error))
    return FALSE;
  if (g_hash_table_contains (aliases, partner) &&
      is_persistent_partner (g_hash_table_lookup (aliases, partner)))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<teaming> at line %ld names '%s', but no device with <teaming type='persistent'/> "
               "has <alias name='%s'/>",
               vb_xml_line (teaming), partner, partner);
  return FALSE;
}

static gboolean
is_network_device (xmlNode *node)
{
  return node->type == XML_ELEMENT_NODE &&
         (xmlStrEqual (node->name, (const xmlChar *) "interface") ||
          xmlStrEqual (node->name, (const xmlChar *) "hostdev"));
}

static gboolean
check_network_devices (xmlNode *root, gboolean live, GError **error)
{
  g_autoptr (GHashTable) aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  xmlNode *devices = devices_of (root);
  xmlNode *child;

  /* Aliases first (of every device: they are one namespace): a transient
   * device may come before its partner. */
  for (child = devices != NULL ? devices->children : NULL; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !check_alias (child, live, aliases, error))
      return FALSE;
  for (child = devices != NULL ? devices->children : NULL; child != NULL; child = child->next) {
    if (!is_network_device (child))
      continue;
    if (xmlStrEqual (child->name, (const xmlChar *) "interface") &&
        !check_interface_source (child, error))
      return FALSE;
    if (!check_teaming (child, aliases, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
has_device_boot_order (xmlNode *root)
{
  xmlNode *devices = devices_of (root);

  for (xmlNode *child = devices != NULL ? devices->children : NULL; child != NULL;
       child = child->next)
    if (child->type == XML_ELEMENT_NODE && vb_xml_child (child, "boot") != NULL)
      return TRUE;
  return FALSE;
}

/* Both ways of choosing boot devices at once would be ambiguous; libvirt
 * refuses the mix too. */
static gboolean
check_boot_order (xmlNode *root, GError **error)
{
  xmlNode *os_boot = vb_xml_child (vb_xml_child (root, "os"), "boot");

  if (os_boot == NULL || !has_device_boot_order (root))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "<boot> at line %ld in <os> cannot be combined with per-device <boot order=…>",
               vb_xml_line (os_boot));
  return FALSE;
}

/* ------------------------------------------------------------------------ */

/* <hwuuid> (libvirt 11.7): written as <uuid> is, lower case with dashes. */
static gboolean
normalize_hwuuid (xmlNode *root, GError **error)
{
  xmlNode *node = vb_xml_child (root, "hwuuid");
  g_autofree char *uuid = node ? vb_xml_uuid_node (node, error) : NULL;

  return node == NULL || uuid != NULL;
}

static gboolean
fill_identity (xmlNode *root, VbDomainDef *def, GError **error)
{
  xmlNode *title = vb_xml_child (root, "title");
  xmlNode *os_type = vb_xml_child (vb_xml_child (root, "os"), "type");

  def->type = vb_xml_attr (root, "type");
  /* What a driver's validate() checks at every load, without a parse. */
  def->machine = os_type != NULL ? vb_xml_attr (os_type, "machine") : NULL;
  def->name = vb_xml_def_name (root, DOMAIN_NAME_MAX, error);
  if (def->name == NULL)
    return FALSE;
  def->uuid = vb_xml_def_uuid (root, error);
  if (def->uuid == NULL || !normalize_hwuuid (root, error))
    return FALSE;
  def->title = title != NULL ? vb_xml_text (title) : NULL;
  /* A title is the one-line label of lists; <description> is for more. */
  if (def->title != NULL && strpbrk (def->title, "\r\n") != NULL) {
    g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                 "<title> at line %ld must be a single line; use <description> for more",
                 vb_xml_line (title));
    return FALSE;
  }
  return TRUE;
}

/* The NUMA layout, and <memory> as the cells make it (libvirt's rule); a
 * balloon target above the new total means "all", as in fill_memory(). */
static gboolean
check_numa_memory (xmlNode *root, VbDomainDef *def, GError **error)
{
  g_autofree char *text = NULL;

  if (!vb_domain_numa_check (root, &def->memory_kib, def->vcpus, error)
      || !vb_domain_limits_check (root, error))
    return FALSE;
  if (def->memory_kib == 0)
    return vb_xml_invalid (error, vb_xml_child (root, "memory"), "must be greater than 0");
  if (def->current_memory_kib <= def->memory_kib)
    return TRUE;
  def->current_memory_kib = def->memory_kib;
  text = g_strdup_printf ("%" G_GUINT64_FORMAT, def->current_memory_kib);
  vb_xml_set_text (vb_xml_child (root, "currentMemory"), text);
  return TRUE;
}

static VbDomainDef *
parse (const char *xml, gboolean live, gboolean fragment, GError **error)
{
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  xmlNode *root;

  g_return_val_if_fail (xml != NULL, NULL);

  doc = vb_xml_parse (xml, "domain", error);
  if (doc == NULL)
    return NULL;
  root = xmlDocGetRootElement (doc);
  if (!vb_xml_validate (root, &domain_schema, error))
    return NULL;

  /* id= is the number of a running domain, not part of its definition. */
  xmlUnsetProp (root, (const xmlChar *) "id");

  def = g_new0 (VbDomainDef, 1);
  if (!fill_identity (root, def, error) || !fill_memory (root, def, error) ||
      !fill_vcpus (root, def, error) ||
      !vb_domain_cputune_check (root, def->vcpus, fragment, error) ||
      !vb_domain_tuning_check (root, def->vcpus, error) ||
      !check_numa_memory (root, def, error) || !check_disks (root, error) ||
      !vb_domain_throttle_check (root, fragment, error) ||
      !check_network_devices (root, live, error) || !check_boot_order (root, error) ||
      !vb_domain_device_rules_check (root, error) || !vb_domain_drop_live_values (root, error) ||
      !vb_domain_rewrite_old_spellings (root, error) ||
      !vb_domain_passthrough_check (root, error) || !vb_domain_host_root_check (root, error) ||
      !fill_interface_macs (root, error) ||
      !vb_domain_check_virtualports (root, error))
    return NULL;
  /* A virtio-mem's <current> is the running guest's, not stored. */
  if (!live)
    vb_domain_virtio_mem_drop_current (root);

  def->xml = vb_xml_format_mapped (doc, &def->source_lines);
  return g_steal_pointer (&def);
}

VbDomainDef *
vb_domain_def_parse (const char *xml, GError **error)
{
  return parse (xml, FALSE, FALSE, error);
}

VbDomainDef *
vb_domain_def_parse_fragment (const char *xml, GError **error)
{
  return parse (xml, FALSE, TRUE, error);
}

VbDomainDef *
vb_domain_def_parse_live (const char *xml, GError **error)
{
  return parse (xml, TRUE, FALSE, error);
}

VbDomainDef *
vb_domain_def_copy (const VbDomainDef *def)
{
  VbDomainDef *copy;

  g_return_val_if_fail (def != NULL, NULL);

  copy = g_new0 (VbDomainDef, 1);
  copy->xml = g_strdup (def->xml);
  copy->name = g_strdup (def->name);
  copy->uuid = g_strdup (def->uuid);
  copy->type = g_strdup (def->type);
  copy->title = g_strdup (def->title);
  copy->machine = g_strdup (def->machine);
  copy->memory_kib = def->memory_kib;
  copy->current_memory_kib = def->current_memory_kib;
  copy->vcpus = def->vcpus;
  copy->current_vcpus = def->current_vcpus;
  copy->topology = def->topology;
  if (def->vcpu_states)
    {
      copy->vcpu_states = g_array_sized_new (FALSE, FALSE, sizeof (VbVcpuState),
                                             def->vcpu_states->len);
      g_array_append_vals (copy->vcpu_states, def->vcpu_states->data, def->vcpu_states->len);
    }
  copy->source_lines = def->source_lines ? g_array_ref (def->source_lines) : NULL;
  return copy;
}

void
vb_domain_def_free (VbDomainDef *def)
{
  if (def == NULL)
    return;
  g_free (def->xml);
  g_free (def->name);
  g_free (def->uuid);
  g_free (def->type);
  g_free (def->title);
  g_free (def->machine);
  g_clear_pointer (&def->source_lines, g_array_unref);
  g_clear_pointer (&def->vcpu_states, g_array_unref);
  g_free (def);
}

char *
vb_domain_def_format_live (const VbDomainDef *def, int id)
{
  static const char prefix[] = "<domain type='";
  const char *type_end;

  g_return_val_if_fail (def != NULL && def->xml != NULL, NULL);
  g_return_val_if_fail (g_str_has_prefix (def->xml, prefix), NULL);

  /* An inactive domain has no id; its live XML is its definition. */
  if (id < 0)
    return g_strdup (def->xml);

  /* The canonical form always opens with <domain type='…'> and nothing else
   * (id= was dropped on parse), so splicing is exact and needs no reparse. */
  type_end = strchr (def->xml + strlen (prefix), '\'');
  g_return_val_if_fail (type_end != NULL, NULL);
  return g_strdup_printf ("%.*s id='%d'%s", (int) (type_end + 1 - def->xml), def->xml, id,
                          type_end + 1);
}

/* Graphics passwords and, as libvirt, a network disk's HTTP <cookies> (a
 * session's credentials). */
static void
drop_graphics_passwords (xmlNode *node)
{
  xmlNode *next;

  for (xmlNode *child = node->children; child; child = next)
    {
      next = child->next;
      if (child->type != XML_ELEMENT_NODE)
        continue;
      if (xmlStrEqual (child->name, BAD_CAST "graphics"))
        xmlUnsetProp (child, BAD_CAST "passwd");
      if (xmlStrEqual (child->name, BAD_CAST "cookies"))
        {
          xmlUnlinkNode (child);
          xmlFreeNode (child);
          continue;
        }
      drop_graphics_passwords (child);
    }
}

char *
vb_domain_xml_without_secrets (const char *xml)
{
  g_autoptr (xmlDoc) doc = NULL;

  /* Most documents have no password: no parse for them. */
  if (!strstr (xml, "passwd") && !strstr (xml, "<cookies>"))
    return g_strdup (xml);
  doc = vb_xml_parse (xml, NULL, NULL);
  /* Ours and canonical, so it parses; if it ever did not, show nothing. */
  if (!doc)
    return g_strdup ("");
  drop_graphics_passwords (xmlDocGetRootElement (doc));
  return vb_xml_format (doc);
}

char *
vb_domain_def_xml_for_arrival (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, "domain", error);

  if (!doc)
    return NULL;
  vb_xml_remove_children (vb_xml_child (xmlDocGetRootElement (doc), "devices"), "emulator");
  return vb_xml_format (doc);
}

/* Whether @a and @b agree on what names a disk (<target dev>) or an
 * interface (<mac address>), where they have it. */
static gboolean
same_key (xmlNode *a, xmlNode *b, const char *child, const char *attr)
{
  xmlNode *a_child = vb_xml_child (a, child);
  xmlNode *b_child = vb_xml_child (b, child);
  g_autofree char *a_value = a_child ? vb_xml_attr (a_child, attr) : NULL;
  g_autofree char *b_value = b_child ? vb_xml_attr (b_child, attr) : NULL;

  return g_strcmp0 (a_value, b_value) == 0;
}

/* The @n-th element named @name among the children of @devices. */
static xmlNode *
nth_device (xmlNode *devices, const xmlChar *name, guint n)
{
  for (xmlNode *child = devices ? devices->children : NULL; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, name) && n-- == 0)
      return child;
  return NULL;
}

VbDomainDef *
vb_domain_def_with_aliases_of (const VbDomainDef *def, const char *live_xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (def->xml, "domain", error);
  g_autoptr (xmlDoc) from = doc ? vb_xml_parse (live_xml, "domain", error) : NULL;
  xmlNode *devices, *from_devices;
  g_autofree char *xml = NULL;

  if (!from)
    return NULL;
  devices = vb_xml_child (xmlDocGetRootElement (doc), "devices");
  from_devices = vb_xml_child (xmlDocGetRootElement (from), "devices");
  /* Both list the same devices in the same order: @def was made from
   * @live_xml by dropping its aliases and filling in what it lacked. */
  for (xmlNode *child = devices ? devices->children : NULL; child; child = child->next)
    {
      guint n = 0;
      xmlNode *twin, *alias;

      if (child->type != XML_ELEMENT_NODE || vb_xml_child (child, "alias"))
        continue;
      for (xmlNode *before = child->prev; before; before = before->prev)
        n += before->type == XML_ELEMENT_NODE && xmlStrEqual (before->name, child->name);
      twin = nth_device (from_devices, child->name, n);
      alias = twin ? vb_xml_child (twin, "alias") : NULL;
      if (!alias || !same_key (child, twin, "target", "dev")
          || !same_key (child, twin, "mac", "address"))
        continue;
      /* Where libvirt and the command-line builder put it: before <address>. */
      if (vb_xml_child (child, "address"))
        xmlAddPrevSibling (vb_xml_child (child, "address"), xmlDocCopyNode (alias, doc, 1));
      else
        xmlAddChild (child, xmlDocCopyNode (alias, doc, 1));
      /* A virtio-mem's plugged size is the running guest's too. */
      vb_domain_virtio_mem_copy_current (child, twin);
    }
  xml = vb_xml_format (doc);
  return vb_domain_def_parse_live (xml, error);
}

const VbXmlSchema *
vb_domain_def_schema (void)
{
  return &domain_schema;
}
