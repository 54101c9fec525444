#ifndef KVA_FUZZ_CLI_MAIN_H
#define KVA_FUZZ_CLI_MAIN_H

/*
 * The whole `kvaudit` command as a function. mk/fuzz.mk compiles
 * src/main.c a second time with -Dmain=kva_cli_main and this header
 * forced in (-include), so that fuzz_estate runs exactly the pipeline the
 * binary runs: options, paths, reading, merging, evaluation, remediation,
 * every renderer and the all-or-nothing output set.
 */
int kva_cli_main(int argc, char **argv);

#endif
