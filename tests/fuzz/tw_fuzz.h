/* What every libFuzzer harness shares: the entry point's declaration, a property check
 * that aborts (so libFuzzer keeps the input as a crash) with the broken property named,
 * and quiet logging (a harness runs millions of inputs; the services' log lines would
 * only slow it down). */
#ifndef TW_FUZZ_H
#define TW_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tw_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Aborts with the file, line and condition when a property does not hold. */
#define TW_FUZZ_CHECK(cond)                                                                        \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond);            \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Only errors reach stderr while fuzzing. */
#define TW_FUZZ_QUIET_LOGS()                                                                       \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                                              \
    {                                                                                              \
        (void)argc;                                                                                \
        (void)argv;                                                                                \
        tw_log_init("fuzz", TW_LOG_ERROR);                                                         \
        return 0;                                                                                  \
    }

#endif
