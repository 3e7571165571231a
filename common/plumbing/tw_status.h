/* The return codes every towerwatch module uses: one fixed vocabulary, so callers
 * compare against names, never against bare numbers. */
#ifndef TW_STATUS_H
#define TW_STATUS_H

#define TW_OK 0        /* success */
#define TW_ERR (-1)    /* failure; the callee has logged or filled an error message */
#define TW_AGAIN (-2)  /* nothing to do now (empty queue, not connected yet); try later */
#define TW_FULL (-3)   /* a bounded container had no room; nothing was stored */
#define TW_INVALID (-4) /* the input was rejected by validation */

#endif
