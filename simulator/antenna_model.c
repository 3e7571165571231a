/* Antenna traffic model. Latency is log-normal around the baseline (RTTs are skewed to
 * the right), loss is a normal approximation of a binomial draw, and a degraded period
 * multiplies both for a few reports, as a congested or failing cell would. */
#include "antenna_model.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tw_time.h"

#define LATENCY_MIN_MS 5.0
#define LATENCY_SPREAD_MS 75.0
#define LATENCY_JITTER_SIGMA 0.15
#define LOSS_RATE_MIN 0.0005
#define LOSS_RATE_SPREAD 0.01
#define PACKETS_PER_S_MIN 100.0
#define PACKETS_PER_S_SPREAD 200.0
#define DEGRADED_REPORTS_MIN 3
#define DEGRADED_REPORTS_SPREAD 10
#define DEGRADED_FACTOR_MIN 3.0
#define DEGRADED_FACTOR_SPREAD 7.0
#define DEGRADED_LOSS_RATE_CAP 0.5

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double antenna_model_uniform(uint64_t *state)
{
    return (double)(splitmix64(state) >> 11) * 0x1.0p-53;
}

/* Standard normal draw (Box-Muller). */
static double normal(uint64_t *state)
{
    double u1 = antenna_model_uniform(state), u2 = antenna_model_uniform(state);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static uint64_t fnv1a(const char *text)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (; *text; text++)
        hash = (hash ^ (unsigned char)*text) * 0x100000001b3ULL;
    return hash;
}

void antenna_model_init(antenna_model *model, const char *id, uint64_t seed)
{
    memset(model, 0, sizeof *model);
    snprintf(model->id, sizeof model->id, "%s", id);
    model->rng = seed ^ fnv1a(id);
    model->baseline_latency_ms = LATENCY_MIN_MS + LATENCY_SPREAD_MS * antenna_model_uniform(&model->rng);
    model->baseline_loss_rate = LOSS_RATE_MIN + LOSS_RATE_SPREAD * antenna_model_uniform(&model->rng);
    model->packets_per_s = PACKETS_PER_S_MIN + PACKETS_PER_S_SPREAD * antenna_model_uniform(&model->rng);
    model->next_seq = 1;
}

static void maybe_start_degraded_period(antenna_model *model, double fault_rate)
{
    if (model->degraded_reports_left > 0) {
        model->degraded_reports_left--;
        return;
    }
    if (antenna_model_uniform(&model->rng) < fault_rate) {
        model->degraded_reports_left =
            DEGRADED_REPORTS_MIN + (int)(DEGRADED_REPORTS_SPREAD * antenna_model_uniform(&model->rng));
        model->degraded_factor =
            DEGRADED_FACTOR_MIN + DEGRADED_FACTOR_SPREAD * antenna_model_uniform(&model->rng);
    }
}

static uint64_t draw_loss(antenna_model *model, uint64_t packets, double loss_rate)
{
    double mean = (double)packets * loss_rate;
    double draw = mean + sqrt(mean * (1 - loss_rate)) * normal(&model->rng);
    if (draw < 0)
        return 0;
    uint64_t loss = (uint64_t)llround(draw);
    return loss > packets ? packets : loss;
}

/* Copies src into dst of cap bytes, cut to fit: this runs once per report, where
 * snprintf's format parsing showed in profiles. */
static void copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void antenna_model_next(antenna_model *model, double interval_s, double fault_rate,
                        int64_t now_us, const char *run, tw_report *out)
{
    maybe_start_degraded_period(model, fault_rate);
    double factor = model->degraded_reports_left > 0 ? model->degraded_factor : 1.0;
    double loss_rate = model->baseline_loss_rate * factor * factor;
    if (loss_rate > DEGRADED_LOSS_RATE_CAP)
        loss_rate = DEGRADED_LOSS_RATE_CAP;
    double expected_packets = model->packets_per_s * (interval_s > 0 ? interval_s : 1.0);
    double packets = expected_packets * (1.0 + 0.1 * normal(&model->rng));

    memset(out, 0, sizeof *out);
    copy_text(out->antenna_id, sizeof out->antenna_id, model->id);
    out->timestamp = now_us / TW_US_PER_S;
    out->packets = packets < 0 ? 0 : (uint64_t)llround(packets);
    out->loss = draw_loss(model, out->packets, loss_rate);
    out->latency_ms = model->baseline_latency_ms * factor *
                      exp(LATENCY_JITTER_SIGMA * normal(&model->rng));
    out->seq = model->next_seq++;
    copy_text(out->run, sizeof out->run, run);
    out->sent_us = now_us;
}
