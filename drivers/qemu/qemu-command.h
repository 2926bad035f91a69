/* From a domain definition to a QEMU command line.
 *
 * Every element of the supported XML subset is either turned into arguments
 * or refused with VB_ERROR_NOT_SUPPORTED naming it: nothing is silently
 * dropped, so a guest never runs with less than its XML says.
 *
 * The builder is pure: definition and context in, arguments out. What it
 * needs to know of the host (does a file exist, which TCP port is free) it
 * asks through the context; what must be done on the host before QEMU runs
 * (the run directory, a UEFI variable store, taps) it lists in the command
 * for the caller (qemu-host.c). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

typedef struct {
  const char *qemu_binary;  /* the default when the XML names no <emulator> */
  /* The only binaries an <emulator> may name (the default and the
   * configured ones, each as configured, found in PATH and resolved); NULL: any */
  const char *const *binaries;
  const char *domain_dir;   /* runtime directory of this domain: sockets, logs */
  const char *nvram_dir;    /* where UEFI variable stores are kept */
  const char *swtpm_dir;    /* where the emulated TPMs keep their state, one directory per UUID */
  gboolean kvm;             /* run under KVM (otherwise TCG) */
  const char *const *machines; /* machine types (names and aliases) the binary has; NULL: any */
  gboolean spice;           /* the binary has SPICE */
  gboolean virtio_net_failover;
  /* Resolves <interface type='network'> to the bridge of that network; may be NULL. */
  char *(*network_bridge) (const char *network, gpointer data, GError **error);
  gpointer network_data;
  /* The <bandwidth> (XML text) an interface on @network gets from its
   * portgroup @portgroup (NULL: the default one); NULL with no error when
   * none; may be NULL. Not called in dry runs (network-portgroup.h). */
  char *(*network_portgroup_bandwidth) (const char *network, const char *portgroup, gpointer data,
                                        GError **error);
  /* Resolves <disk type='volume'><source pool volume> to the volume's path and
   * format (set in *format, may be NULL); may be NULL. Not called in dry runs. */
  char *(*volume_path) (const char *pool, const char *volume, char **format, gpointer data,
                        GError **error);
  gpointer volume_data;
  /* The value of the secret a disk names, by @uuid or else by its usage
   * (@usage_type "volume", "iscsi", "ceph" or "tls", and @usage): refuses a
   * secret of another usage type, and a private one when @sent_as_is (the
   * disk sends the value itself to the server it names, as http and ftp
   * do). May be NULL (then a disk that needs a secret is refused). Not
   * called in dry runs. */
  GBytes *(*secret_value) (const char *uuid, const char *usage_type, const char *usage,
                           gboolean sent_as_is, gpointer data, GError **error);
  gpointer secret_data;
  gboolean dry_run;         /* only check: no files, sockets or ports are looked at */
  /* The host's answers when not a dry run (qemu-host.c): whether @path
   * exists, the first free TCP port from @from (-1: none). NULL: the file
   * exists, the port is @from. */
  gboolean (*path_exists) (const char *path);
  /* Whether the program at @program mentions @text (an option in its
   * help): what a helper of another version lacks, asked at Start only.
   * NULL: it has it. */
  gboolean (*program_has) (const char *program, const char *text);
  int (*free_tcp_port) (int from);
  /* The time offset='variable' clocks count from, in seconds since 1970;
   * 0: now. */
  gint64 now_unix;
  /* The directory of a hugetlbfs mount for pages of @page_kib KiB, NULL
   * when the host has none. NULL: "/dev/hugepages" (golden tests). */
  char *(*hugetlbfs_dir) (guint64 page_kib);
  /* Displays, asked at Start only (qemu-host-display.c; NULL: the host has
   * it): the render node QEMU renders OpenGL on, @wanted (may be NULL: any)
   * if QEMU's user can open it, NULL with NotSupported saying why; the
   * service's desktop session as "NAME=value" for QEMU's environment, NULL
   * with NotSupported when it has none. */
  char *(*render_node) (const char *wanted, GError **error);
  char **(*desktop_session) (GError **error);
  guint qemu_version; /* 70200 for QEMU 7.2.0; 0: unknown, taken as new */
  const char *spice_x509_dir; /* --spice-x509-dir: SPICE TLS's certificates; NULL: none */
  /* The host NUMA nodes numad advised at Start for placement='auto'
   * (qemu-numad.h); NULL in dry runs (node 0 stands for them then) and
   * when nothing asks numad. */
  const char *numad_nodes;
  const char *disk_x509_dir;  /* --disk-x509-dir: network disks' TLS certificates; NULL: none */
} VbQemuCommandContext;

/* A helper process QEMU needs beside it (swtpm, virtiofsd, nbdkit, passt),
 * started by the service before QEMU (qemu-helper-process.c) as QEMU's user. */
typedef struct {
  char *id;            /* the device's id ("tpm0", "fs0"): the log is "<id>.log" */
  char *what;          /* the program, for messages: "swtpm" */
  GPtrArray *argv;     /* NULL-terminated */
  char *socket_path;   /* the helper listens here: ready once it exists */
  char *state_dir;     /* made before the start, QEMU's user's (NULL: none) */
  gboolean state_dir_named; /* the definition named it: an existing one is never chowned */
  /* The state in this one file the definition names (made when missing,
   * QEMU's user's): the helper gets it for "@STATEDIR@", and state_dir is
   * then only the setup program's scratch directory (qemu-helper-state-file.h). */
  char *state_file;
  gboolean needs_root; /* cannot run as QEMU's user: refused in system mode */
  gboolean needs_unprivileged; /* cannot run as root: refused when helpers would */
  char *element;       /* the element it serves, for that refusal: "filesystem" */
  /* A passphrase the helper reads from descriptors, never from its argv:
   * each "@KEYFD@" in argv becomes the number of a pipe holding it, one
   * pipe for each (swtpm's --key and --migration-key). NULL: none; in a
   * dry run an empty one. */
  GBytes *key;
  GBytes *key2; /* a second value, for each "@KEY2FD@" (nbdkit's cookies) */
  char *env;    /* one "NAME=value" added to its environment, NULL: none */
  /* A program run to its end before the helper starts (swtpm_setup making
   * or changing the TPM's state), as the helper runs: the same user, keys
   * and log, in the helper's state directory as its working directory (it
   * passes its state on to programs of its own, which an inherited
   * descriptor would not reach). NULL-terminated; NULL: none. */
  GPtrArray *setup_argv;
  /* A file the service writes into the state directory before the helper
   * starts, readable by it (dbus-daemon's configuration): its name and
   * content. NULL: none. */
  char *file_name;
  GBytes *file_content;
} VbQemuHelperSpec;

typedef struct {
  char *ifname; /* the tap device QEMU gets as an fd */
  char *bridge;
  char *mac;
  int fd;       /* filled in by the caller before the start; -1 before */
  char *fd_arg; /* the placeholder in argv ("@TAPFD0@") replaced by the number, or by
                 * the numbers "N:N+1:..." of its queues when @queues > 1 (fds=) */
  /* <driver queues='N'>: a multiqueue tap (IFF_MULTI_QUEUE) opened N times,
   * with N descriptors of <backend vhost> when it names one; 0 or 1: one. */
  guint queues;
  guint mtu;    /* <mtu size>, set on the tap before QEMU starts; 0: the kernel's */
  gboolean existing; /* managed='no': the administrator's persistent tap, used as it is */
  char *tun_path;     /* <backend tap>: the tun device to open; NULL: /dev/net/tun */
  char *vhost_path;   /* <backend vhost>: the vhost-net device the service opens for QEMU */
  char *vhost_fd_arg; /* its placeholder in argv ("@VHOSTFD0@"); NULL: no vhost path */
  int rx_frames;      /* <coalesce><rx><frames max>, set on the tap; -1: none */
  /* <virtualport type='openvswitch'>: the tap joins Open vSwitch bridge
   * @bridge with ovs-vsctl (qemu-ovs.c), not a Linux bridge. */
  gboolean ovs;
  char *ovs_iface_id;   /* <parameters interfaceid>, a UUID */
  char *ovs_profile_id; /* <parameters profileid>, a plain word; NULL: none */
  char *ovs_vm_id;      /* the domain's UUID */
  GStrv ovs_vlan;       /* Port columns of <vlan>: "tag=42", "trunks=42,48", "vlan_mode=…" */
  GPtrArray *host_ips;  /* VbQemuTapIp*: set on the tap before QEMU starts; NULL: none */
  /* <script path>, <downscript path>: run as root with the tap's name, at
   * Start before QEMU and when QEMU ends (qemu-tap-script.c); NULL: none. */
  char *script;
  char *downscript;
  gboolean isolated;    /* <port isolated='yes'>: an isolated port of its bridge */
  /* <bandwidth>, set on the tap with tc before QEMU starts (qemu-tap-tc.c),
   * in libvirt's units: kilobytes per second, kilobytes. An average of 0:
   * no limit that way. Inbound is what the guest receives (the tap's
   * egress), outbound what it sends (the tap's ingress). */
  guint in_average, in_peak, in_burst;
  guint out_average, out_peak, out_burst;
  /* <interface type='direct'>: a macvtap link on host device @macvtap_dev in
   * @macvtap_mode (MACVLAN_MODE_*), made at Start (qemu-macvtap.c); @ifname
   * is NULL until then when the name is the host's (macvtapN). */
  char *macvtap_dev;
  guint macvtap_mode;
  gboolean macvtap_made; /* the link exists: deleted if the start fails */
  guint macvtap_index;   /* its ifindex once made: its name may be another link's later */
} VbQemuTap;

/* An <interface type='ethernet'><source><ip> (the host side's address) or
 * <route>, checked (qemu-command-net-hostip.c). */
typedef struct {
  char *address; /* the tap's address, or a route's network */
  char *peer;    /* <ip peer>: the other end of a point-to-point link; NULL: none */
  guint prefix;
  char *gateway; /* set for a <route>: the route goes through it */
} VbQemuTapIp;

/* An SR-IOV virtual function an <interface type='hostdev'> passes through:
 * at Start, before QEMU, its MAC address (and VLAN) are set through its
 * physical function, which the guest cannot override (qemu-host-vf.c). */
typedef struct {
  char *pci;  /* the VF's PCI address, "0000:03:07.1" */
  char *mac;  /* 52:54:00:..., checked to be six hex pairs */
  int vlan;   /* 802.1Q tag, 1-4094; 0: none */
} VbQemuVf;

/* A <disk type='block' device='lun'>'s host SCSI device: whether the kernel
 * lets QEMU's unprivileged user send it every SCSI command (sgio=
 * 'unfiltered') or only the safe ones it filters (the default), set in the
 * device's unpriv_sgio before QEMU starts (qemu-host-sgio.c). */
typedef struct {
  char *dev;          /* the host device, <source dev> */
  gboolean unfiltered;
  long line;          /* of the <disk>, for messages */
} VbQemuSgio;

void vb_qemu_sgio_free (VbQemuSgio *sgio);

/* A QEMU secret object (-object secret) a disk needs: QEMU reads its value
 * from a descriptor the service passes it (file=/proc/self/fd/N), so the
 * value is never on the command line, in a log or in a file. */
typedef struct {
  char *id;      /* the object's id, which the disk's node names */
  GBytes *value; /* NULL in a dry run */
  char *fd_arg;  /* the placeholder in argv ("@SECRETFD0@") replaced by the number */
} VbQemuSecret;

void vb_qemu_secret_free (VbQemuSecret *secret);

/* A <transient/> disk's overlay, made at Start before QEMU (qemu-transient.c)
 * and gone with the run directory when QEMU stops. */
typedef struct {
  char *overlay;     /* RUNDIR/transient-driveN.qcow2 */
  char *base;        /* the disk's image (a host path), opened read-only */
  char *base_format; /* its format */
} VbQemuTransient;

void vb_qemu_transient_free (VbQemuTransient *transient);

typedef struct {
  GPtrArray *argv;          /* NULL-terminated once built */
  char *binary;
  char *monitor_path;       /* QMP socket */
  char *console_path;       /* serial 0 socket, NULL without a serial port */
  char *console_log;        /* everything serial 0 printed */
  char *numad_nodes;        /* the context's numad_nodes, kept for the status */
  char *agent_path;         /* guest agent channel socket, NULL without one */
  char *log_path;           /* QEMU's own stderr */
  GPtrArray *taps;          /* VbQemuTap */
  GPtrArray *helpers;       /* VbQemuHelperSpec, started before QEMU */
  GPtrArray *link_down;     /* netdev ids to set down once QEMU runs */
  GPtrArray *vfs;           /* VbQemuVf, set up before QEMU starts */
  GPtrArray *sgio;          /* VbQemuSgio, set on host devices before QEMU starts */
  GPtrArray *secrets;       /* VbQemuSecret, for the caller to pass */
  GPtrArray *env;           /* "NAME=value" for QEMU's environment (SDL's) */
  GPtrArray *throttles;     /* block_set_io_throttle arguments (JsonObject) of <iotune>s */
  GPtrArray *transients;    /* VbQemuTransient, overlays made before QEMU starts */
  /* The fd groups the disks use (<source fdgroup>), by fdset: group i is
   * set VB_QEMU_FDGROUP_FIRST_SET + i, its "-add-fd" value
   * "fd=@FDGROUPi@,set=N" until the start passes its descriptors. */
  GPtrArray *fdgroups;
  GArray *fdgroup_qcow2; /* gboolean per group: a qcow2 disk uses it */
  guint64 balloon_target_kib; /* 0: leave the balloon alone */
  gboolean mem_lock;        /* <memoryBacking><locked/>: QEMU may lock all its memory */
  gboolean rawio;           /* rawio='yes': QEMU keeps CAP_SYS_RAWIO (qemu-rawio.c) */
  int vnc_display;          /* -1 without VNC */
  gboolean vnc_autoport;
  int spice_port;           /* -1 without SPICE */
  char *machine;
  gboolean q35;
  /* The definition as it runs: the XML built from, with every PCI address
   * and implicit controller filled in (qemu-pci-address.c), and on each
   * device with an id on the command line that id as <alias name>. */
  char *xml;
  char *nvram_path;         /* the UEFI variable store, NULL without UEFI; */
  char *nvram_template;     /* made from this before the start when missing */
  char *nvram_format;       /* raw or qcow2 */
  /* The template's format (raw or qcow2): another than nvram_format's is
   * converted (qemu-nvram-make.c). */
  char *nvram_template_format;
  gboolean nvram_in_store;  /* nvram_path is in the service's own nvram_dir */
  int nvram_arg;            /* argv index of the store's -drive value; 0 without */
} VbQemuCommand;

/* The id QEMU knows a disk's device by: its <alias name> (may be NULL),
 * else "disk-<target>". Every part that looks a disk up uses this. */
char *vb_qemu_disk_id (const char *alias, const char *target);

/* A <memory model='dimm'> device of the domain @root: the properties of
 * its memory backend object (for -object or QMP object-add; its id is
 * "mem" + @device_id), NULL with @error when the host cannot give it; its
 * -device / device_add value; and the DIMM slot it takes among @devices. */
JsonObject *vb_qemu_dimm_backend (xmlNode *root, xmlNode *dimm, const char *device_id,
                                  const VbQemuCommandContext *context, GError **error);
char *vb_qemu_dimm_device (xmlNode *dimm, const char *device_id, guint slot);
guint vb_qemu_dimm_slot (xmlNode *devices, xmlNode *dimm);

/* Where the display @graphics listens: its address, or NULL for
 * <listen type='none'/> (OpenGraphics is then the only way in). */
char *vb_qemu_graphics_listen (xmlNode *graphics);

VbQemuCommand *vb_qemu_command_build (const VbDomainDef *def, const VbQemuCommandContext *context,
                                      GError **error);
void vb_qemu_command_free (VbQemuCommand *command);
void vb_qemu_helper_spec_free (VbQemuHelperSpec *spec);
void vb_qemu_vf_free (VbQemuVf *vf);
/* The two blockdev-add objects of a <disk> with a <source>: the protocol
 * node "@node_name-storage" and the format node @node_name on it. What
 * -blockdev gets at start and blockdev-add when a disk is plugged in.
 * Refuses (NotSupported) what the driver cannot open, and a missing image
 * unless @context->dry_run. The secrets the nodes name are added to
 * @secrets (VbQemuSecret); with @secrets NULL a disk needing one is refused. */
/* The fdset of a disk's <source fdgroup='@name'> (in @node's document). */
#define VB_QEMU_FDGROUP_FIRST_SET 10
guint vb_qemu_fdgroup_set (xmlNode *node, const char *name);

gboolean vb_qemu_disk_blockdev (xmlNode *disk, const char *node_name,
                                const VbQemuCommandContext *context, GPtrArray *secrets,
                                JsonNode **protocol, JsonNode **format, GError **error);

/* The QEMU model of a virtio <disk>: virtio-blk-pci, or its transitional
 * or non-transitional variant its model= asks for. */
const char *vb_qemu_virtio_blk_model (xmlNode *disk);

/* Adds to @props the properties of @disk's -device (or device_add) of QEMU
 * model @model that its XML sets beyond bus, drive and id (blockio,
 * geometry, serial, error policies, ...: qemu-command-disk-props.c), typed
 * as QMP takes them; refuses (NotSupported) what @model does not have. */
gboolean vb_qemu_disk_device_props (xmlNode *disk, const char *model, JsonObject *props,
                                    GError **error);

/* Makes QEMU take the UEFI variable store from the fds @rw_fd and @ro_fd
 * (the numbers QEMU has them as, the store opened read-write and read-only
 * by the service) through -add-fd and /dev/fdset/ instead of opening
 * nvram_path itself: QEMU dups the one whose access mode matches each of its
 * opens, and it opens read-only too. */
void vb_qemu_command_use_nvram_fds (VbQemuCommand *command, int rw_fd, int ro_fd);

/* The command line as one shell-quoted string, for logs. */
char *vb_qemu_command_to_string (const VbQemuCommand *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbQemuCommand, vb_qemu_command_free)

G_END_DECLS
