/* The antenna traffic model: each antenna has its own baseline latency and loss rate,
 * jitter around them, and occasional degraded periods, driven by a seeded PRNG so a
 * --seed makes a run reproducible. */
#ifndef SIMULATOR_ANTENNA_MODEL_H
#define SIMULATOR_ANTENNA_MODEL_H

#include <stdint.h>

#include "tw_report.h"

typedef struct {
    char id[TW_ANTENNA_ID_MAX_LEN + 1]; /* antenna id */
    uint64_t rng;                       /* PRNG state (splitmix64) */
    double baseline_latency_ms;         /* typical mean RTT */
    double baseline_loss_rate;          /* typical fraction of packets lost */
    double packets_per_s;               /* typical send rate */
    int degraded_reports_left;          /* > 0 while in a degraded period */
    double degraded_factor;             /* how bad the current degraded period is */
    uint64_t next_seq;                  /* sequence number of the next report */
} antenna_model;

/* Sets up antenna `id` with baselines drawn from seed (same seed + id = same antenna). */
void antenna_model_init(antenna_model *model, const char *id, uint64_t seed);
/* Fills the next report for an interval of interval_s seconds; fault_rate is the chance
 * per report that a degraded period starts. */
void antenna_model_next(antenna_model *model, double interval_s, double fault_rate,
                        int64_t now_us, const char *run, tw_report *out);
/* Uniform double in [0, 1) from a splitmix64 state. */
double antenna_model_uniform(uint64_t *state);

#endif
