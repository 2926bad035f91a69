/* Every table of commands, in the order `virtbusctl help` lists them. A
 * table lives in the file of its commands; a new one is declared and listed
 * here. */
#include "ctl-command.h"

extern const CtlCommand ctl_domain_list_commands[];
extern const CtlCommand ctl_domain_lifecycle_commands[];
extern const CtlCommand ctl_domain_xml_commands[];
extern const CtlCommand ctl_domain_edit_commands[];
extern const CtlCommand ctl_domain_devices_commands[];
extern const CtlCommand ctl_domain_resources_commands[];
extern const CtlCommand ctl_domain_stats_commands[];
extern const CtlCommand ctl_domain_display_commands[];
extern const CtlCommand ctl_domain_console_commands[];
/* Long operations, snapshots, networks, storage, jobs, events. */
extern const CtlCommand ctl_domain_migrate_commands[];
extern const CtlCommand ctl_domain_save_commands[];
extern const CtlCommand ctl_domain_blockcopy_commands[];
extern const CtlCommand ctl_snapshot_commands[];
extern const CtlCommand ctl_network_commands[];
extern const CtlCommand ctl_pool_commands[];
extern const CtlCommand ctl_volume_transfer_commands[];
extern const CtlCommand ctl_job_commands[];
extern const CtlCommand ctl_event_commands[];
extern const CtlCommand ctl_host_commands[];
extern const CtlCommand ctl_help_commands[];
extern const CtlCommand ctl_complete_commands[];

const CtlGroup ctl_groups[] = {
  { "Domains", ctl_domain_list_commands },
  { "Domains", ctl_domain_lifecycle_commands },
  { "Domain XML, devices and resources", ctl_domain_xml_commands },
  { "Domain XML, devices and resources", ctl_domain_edit_commands },
  { "Domain XML, devices and resources", ctl_domain_devices_commands },
  { "Domain XML, devices and resources", ctl_domain_resources_commands },
  { "Domain monitoring and access", ctl_domain_stats_commands },
  { "Domain monitoring and access", ctl_domain_display_commands },
  { "Domain monitoring and access", ctl_domain_console_commands },
  { "Long operations (a progress bar; Ctrl-C cancels)", ctl_domain_migrate_commands },
  { "Long operations (a progress bar; Ctrl-C cancels)", ctl_domain_save_commands },
  { "Long operations (a progress bar; Ctrl-C cancels)", ctl_domain_blockcopy_commands },
  { "Snapshots", ctl_snapshot_commands },
  { "Networks", ctl_network_commands },
  { "Storage pools and volumes", ctl_pool_commands },
  { "Storage pools and volumes", ctl_volume_transfer_commands },
  { "Jobs and events", ctl_job_commands },
  { "Jobs and events", ctl_event_commands },
  { "Host", ctl_host_commands },
  { "Help", ctl_help_commands },
  { "Help", ctl_complete_commands },
  { NULL },
};
