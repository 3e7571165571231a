/* Load driver for bench/robot.sh: drive commands through robot-gateway's HTTP API (one
 * keep-alive connection) and the same pigpio commands straight to pigpio-sim (one TCP
 * connection, 4 WRITE + 2 PWM pipelined in one write, as the gateway sends them).
 * Open loop when paced: latency runs from each command's scheduled start.
 *
 *   robot_load gateway PORT TOKEN RATE SECONDS
 *   robot_load direct PORT RATE SECONDS          (RATE 0 = as fast as possible)
 * Prints one JSON object: commands, commands_per_s, p50_ms, p99_ms, max_ms, errors. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "tw_pigpio.h"

#define MAX_SAMPLES 2000000
#define RESPONSE_BYTES 8192
#define REQUEST_BYTES 1024
#define NS_PER_S 1000000000LL
#define NS_PER_MS 1e6
#define MOTOR_PINS 4
#define ENABLE_PINS 2
#define FULL_DUTY 255
#define PERCENT_50 0.50
#define PERCENT_99 0.99

static const uint32_t motor[MOTOR_PINS] = {13, 21, 17, 27};
static const uint32_t enable[ENABLE_PINS] = {12, 26};
static const uint32_t pattern[2][MOTOR_PINS] = {{1, 0, 1, 0}, {0, 1, 0, 1}};
static const char *const direction[2] = {"forward", "backward"};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static int connect_loopback(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        perror("connect");
        exit(1);
    }
    return fd;
}

static bool read_exact(int fd, void *buf, size_t len)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = recv(fd, (char *)buf + got, len - got, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

typedef struct {
    int fd;            /* connection */
    const char *token; /* gateway bearer token */
} target;

/* One drive command straight to pigpio-sim; true when every reply is >= 0. */
static bool send_direct(const target *t, int dir)
{
    uint8_t bytes[(MOTOR_PINS + ENABLE_PINS) * TW_PIGPIO_FRAME_BYTES];
    int n = 0;
    for (int i = 0; i < MOTOR_PINS; i++) {
        tw_pigpio_frame f = {TW_PI_CMD_WRITE, motor[i], pattern[dir][i], 0};
        tw_pigpio_encode(&f, bytes + TW_PIGPIO_FRAME_BYTES * n++);
    }
    for (int i = 0; i < ENABLE_PINS; i++) {
        tw_pigpio_frame f = {TW_PI_CMD_PWM, enable[i], FULL_DUTY, 0};
        tw_pigpio_encode(&f, bytes + TW_PIGPIO_FRAME_BYTES * n++);
    }
    if (send(t->fd, bytes, sizeof bytes, 0) != (ssize_t)sizeof bytes ||
        !read_exact(t->fd, bytes, sizeof bytes))
        return false;
    bool ok = true;
    for (int i = 0; i < n; i++) {
        tw_pigpio_frame reply;
        tw_pigpio_decode(bytes + TW_PIGPIO_FRAME_BYTES * i, &reply);
        ok = ok && tw_pigpio_result(&reply) >= 0;
    }
    return ok;
}

/* One drive command through the gateway; true on HTTP 200. */
static bool send_gateway(const target *t, int dir)
{
    char body[64], request[REQUEST_BYTES], response[RESPONSE_BYTES];
    int body_len =
        snprintf(body, sizeof body, "{\"direction\":\"%s\",\"speed\":1}", direction[dir]);
    int len = snprintf(request, sizeof request,
                       "POST /api/v1/robots/linus/drive HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                       "Content-Length: %d\r\n\r\n%s",
                       t->token, body_len, body);
    if (send(t->fd, request, (size_t)len, 0) != len)
        return false;
    size_t have = 0;
    for (;;) {
        ssize_t n = recv(t->fd, response + have, sizeof response - 1 - have, 0);
        if (n <= 0)
            return false;
        have += (size_t)n;
        response[have] = '\0';
        char *end = strstr(response, "\r\n\r\n");
        char *cl = strcasestr(response, "Content-Length:");
        if (end && cl && have >= (size_t)(end + 4 - response) + (size_t)atol(cl + 15))
            break;
    }
    return !strncmp(response, "HTTP/1.1 200", strlen("HTTP/1.1 200"));
}

static int compare_ns(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    bool gateway = argc == 6 && !strcmp(argv[1], "gateway");
    if (!gateway && !(argc == 5 && !strcmp(argv[1], "direct"))) {
        fprintf(stderr,
                "usage: robot_load gateway PORT TOKEN RATE SECONDS | direct PORT RATE SECONDS\n");
        return 2;
    }
    target t = {connect_loopback(atoi(argv[2])), gateway ? argv[3] : NULL};
    double rate = atof(argv[gateway ? 4 : 3]), seconds = atof(argv[gateway ? 5 : 4]);
    bool (*send_one)(const target *, int) = gateway ? send_gateway : send_direct;
    int64_t *lat = malloc(sizeof *lat * MAX_SAMPLES);
    send_one(&t, 0); /* warm up */
    int64_t start = now_ns(), duration = (int64_t)(seconds * NS_PER_S);
    long n = 0, errors = 0;
    for (; n < MAX_SAMPLES; n++) {
        int64_t scheduled = rate > 0 ? start + (int64_t)(n * NS_PER_S / rate) : now_ns();
        if (scheduled - start >= duration)
            break;
        while (now_ns() < scheduled) {
            int64_t left = scheduled - now_ns();
            struct timespec ts = {0, left > 0 ? left : 0};
            nanosleep(&ts, NULL);
        }
        errors += !send_one(&t, (int)(n % 2));
        lat[n] = now_ns() - scheduled;
    }
    double elapsed = (double)(now_ns() - start) / NS_PER_S;
    qsort(lat, (size_t)n, sizeof *lat, compare_ns);
    printf("{\"commands\": %ld, \"commands_per_s\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
           "\"max_ms\": %.3f, \"errors\": %ld}\n",
           n, n / elapsed, lat[(long)(n * PERCENT_50)] / NS_PER_MS,
           lat[(long)(n * PERCENT_99)] / NS_PER_MS, lat[n - 1] / NS_PER_MS, errors);
    free(lat);
    close(t.fd);
    return 0;
}
