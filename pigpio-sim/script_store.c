/* Stored scripts for pigpio-sim: slot allocation, the script commands with the daemon's
 * error codes, and cooperative scheduling (each running script runs until it sleeps in
 * MILS/MICS or has executed a slice of instructions, so a busy script never starves the
 * socket loop). */
#include "script_store.h"

#include <stdlib.h>

#include "tw_alloc.h"
#include "tw_log.h"

#define SLICE_INSTRUCTIONS 1000 /* instructions a script runs per turn of the server loop */

typedef struct {
    bool used;         /* slot holds a script */
    pgs_script script; /* program and run state */
} slot;

struct pgs_scripts {
    slot slots[TW_PIGPIO_MAX_SCRIPTS]; /* script id = index */
    pgs_script_exec exec;              /* GPIO commands of scripts */
    void *arg;                         /* for exec */
};

pgs_scripts *pgs_scripts_new(pgs_script_exec exec, void *arg)
{
    pgs_scripts *store = tw_xcalloc(1, sizeof *store);
    store->exec = exec;
    store->arg = arg;
    return store;
}

void pgs_scripts_free(pgs_scripts *store)
{
    free(store);
}

bool pgs_scripts_handles(uint32_t cmd)
{
    return cmd == TW_PI_CMD_PROC || cmd == TW_PI_CMD_PROCD || cmd == TW_PI_CMD_PROCR ||
           cmd == TW_PI_CMD_PROCS || cmd == TW_PI_CMD_PROCP || cmd == TW_PI_CMD_PROCU;
}

static int32_t store_script(pgs_scripts *store, const uint8_t *text, size_t len)
{
    int id = 0;
    while (id < TW_PIGPIO_MAX_SCRIPTS && store->slots[id].used)
        id++;
    if (id == TW_PIGPIO_MAX_SCRIPTS)
        return TW_PI_NO_SCRIPT_ROOM;
    pgs_script *s = &store->slots[id].script;
    *s = (pgs_script){.status = TW_PI_SCRIPT_HALTED};
    int32_t rc = pgs_script_parse((const char *)text, len, &s->program);
    if (rc < 0)
        return rc;
    store->slots[id].used = true;
    tw_log_info("script stored", TW_INT("script", id), TW_INT("instructions", s->program.count));
    return id;
}

/* Decodes the parameters carried by PROCR/PROCU; their count, or a negative error. */
static int decode_params(const uint8_t *ext, size_t len, int32_t *params)
{
    if (len % TW_PIGPIO_WORD_BYTES)
        return TW_PI_BAD_PARAM_NUM;
    size_t count = len / TW_PIGPIO_WORD_BYTES;
    if (count > TW_PIGPIO_SCRIPT_PARAMS)
        return TW_PI_TOO_MANY_PARAM;
    for (size_t i = 0; i < count; i++)
        params[i] = (int32_t)tw_pigpio_get_word(ext + i * TW_PIGPIO_WORD_BYTES);
    return (int)count;
}

static size_t encode_status(const pgs_script *s, uint8_t *reply)
{
    tw_pigpio_put_word(reply, (uint32_t)s->status);
    for (int i = 0; i < TW_PIGPIO_SCRIPT_PARAMS; i++)
        tw_pigpio_put_word(reply + (size_t)(i + 1) * TW_PIGPIO_WORD_BYTES, (uint32_t)s->params[i]);
    return PGS_PROCP_REPLY_BYTES;
}

/* Commands on an existing script id. */
static int32_t script_command(pgs_scripts *store, pgs_script *s, const tw_pigpio_frame *req,
                              const uint8_t *ext, size_t ext_len, uint8_t *reply, size_t *reply_len,
                              int64_t now_us)
{
    int32_t params[TW_PIGPIO_SCRIPT_PARAMS];
    int count;
    switch (req->cmd) {
    case TW_PI_CMD_PROCR:
    case TW_PI_CMD_PROCU:
        count = decode_params(ext, ext_len, params);
        if (count < 0)
            return count;
        if (req->cmd == TW_PI_CMD_PROCU) {
            for (int i = 0; i < count; i++)
                s->params[i] = params[i];
            return 0;
        }
        pgs_script_start(s, params, count);
        pgs_script_run(s, now_us, SLICE_INSTRUCTIONS, store->exec, store->arg);
        tw_log_info("script started", TW_INT("script", req->p1), TW_INT("params", count));
        return 0;
    case TW_PI_CMD_PROCP:
        *reply_len = encode_status(s, reply);
        return (int32_t)*reply_len;
    case TW_PI_CMD_PROCS:
        if (s->status == TW_PI_SCRIPT_RUNNING)
            s->status = TW_PI_SCRIPT_HALTED;
        tw_log_info("script stopped", TW_INT("script", req->p1));
        return 0;
    default: /* TW_PI_CMD_PROCD */
        store->slots[req->p1].used = false;
        tw_log_info("script deleted", TW_INT("script", req->p1));
        return 0;
    }
}

int32_t pgs_scripts_execute(pgs_scripts *store, const tw_pigpio_frame *req, const uint8_t *ext,
                            size_t ext_len, uint8_t *reply, size_t *reply_len, int64_t now_us)
{
    *reply_len = 0;
    if (req->cmd == TW_PI_CMD_PROC)
        return store_script(store, ext, ext_len);
    if (req->p1 >= TW_PIGPIO_MAX_SCRIPTS || !store->slots[req->p1].used)
        return TW_PI_BAD_SCRIPT_ID;
    return script_command(store, &store->slots[req->p1].script, req, ext, ext_len, reply, reply_len,
                          now_us);
}

void pgs_scripts_run(pgs_scripts *store, int64_t now_us)
{
    for (int id = 0; id < TW_PIGPIO_MAX_SCRIPTS; id++) {
        pgs_script *s = &store->slots[id].script;
        if (!store->slots[id].used || s->status != TW_PI_SCRIPT_RUNNING)
            continue;
        pgs_script_run(s, now_us, SLICE_INSTRUCTIONS, store->exec, store->arg);
        if (s->status == TW_PI_SCRIPT_FAILED)
            tw_log_warn("script failed", TW_INT("script", id), TW_INT("pc", s->pc),
                        TW_INT("a", s->a));
    }
}

int64_t pgs_scripts_due_in_us(const pgs_scripts *store, int64_t now_us, int64_t limit_us)
{
    int64_t due = limit_us;
    for (int id = 0; id < TW_PIGPIO_MAX_SCRIPTS; id++) {
        const pgs_script *s = &store->slots[id].script;
        if (!store->slots[id].used || s->status != TW_PI_SCRIPT_RUNNING)
            continue;
        int64_t in_us = s->wake_us > now_us ? s->wake_us - now_us : 0;
        if (in_us < due)
            due = in_us;
    }
    return due;
}
