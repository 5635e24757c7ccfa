/* `vmm export-c FILE [-o OUT.c]` (vmm/cli/export.c). */
#ifndef VMM_CLI_EXPORT_H
#define VMM_CLI_EXPORT_H

/* argv[0] is "export-c"; returns the process exit code (0, 2 usage or
 * input, 3 host). */
int cmd_export_c(int argc, char **argv);

#endif
