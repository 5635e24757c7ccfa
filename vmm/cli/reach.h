/* `vmm reach` (vmm/cli/reach.c). */
#ifndef VMM_CLI_REACH_H
#define VMM_CLI_REACH_H

int cmd_reach(int argc, char **argv);

#endif
