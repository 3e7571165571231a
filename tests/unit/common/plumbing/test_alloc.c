/* Checked allocation: what it returns, and that running out of memory ends the process. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tw_alloc.h"
#include "tw_test.h"

#define ZEROED_BYTES 64

static void calloc_returns_zeroed_memory(void)
{
    unsigned char *bytes = tw_xcalloc(ZEROED_BYTES, 1);
    unsigned char zero[ZEROED_BYTES] = {0};
    TW_CHECK(memcmp(bytes, zero, sizeof zero) == 0);
    free(bytes);
}

static void a_zero_size_still_returns_memory(void)
{
    void *ptr = tw_xmalloc(0);
    TW_CHECK(ptr != NULL);
    free(ptr);
}

static void realloc_keeps_the_contents(void)
{
    char *text = tw_xmalloc(4);
    memcpy(text, "abc", 4);
    text = tw_xrealloc(text, 1 << 20);
    TW_CHECK_STR(text, "abc");
    free(text);
}

static void strdup_copies(void)
{
    char *copy = tw_xstrdup("tower");
    TW_CHECK_STR(copy, "tower");
    free(copy);
}

static void running_out_of_memory_ends_the_process(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        close(STDERR_FILENO);
        void *never = tw_xmalloc(SIZE_MAX / 2);
        _exit(never ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    TW_CHECK(!WIFEXITED(status) || WEXITSTATUS(status) != 0);
}

TW_TEST_MAIN("alloc", TW_TEST(calloc_returns_zeroed_memory),
             TW_TEST(a_zero_size_still_returns_memory), TW_TEST(realloc_keeps_the_contents),
             TW_TEST(strdup_copies), TW_TEST(running_out_of_memory_ends_the_process))
