/*
 * Delayed requests without a thread each: the access handler suspends the
 * connection and files it here with its due time; one thread sleeps until the
 * earliest is due and resumes it, and MHD then calls the handler again to
 * finish the request. A min-heap keeps that earliest entry at the top, so any
 * number of waiting requests cost one sleeping thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "mockllm.h"

struct entry {
    uint64_t due_ns;
    uint64_t order; /* ties are resumed in the order they were filed */
    struct MHD_Connection *conn;
    atomic_int *cut;
};

struct mock_timer {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int stopping;
    struct entry *heap;
    size_t n, cap;
    uint64_t filed;
};

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int before(const struct entry *a, const struct entry *b)
{
    return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->order < b->order);
}

static void swap(struct entry *a, struct entry *b)
{
    struct entry t = *a;
    *a = *b;
    *b = t;
}

static void heap_push(struct mock_timer *t, struct entry e)
{
    size_t i;

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->heap = mock_xrealloc(t->heap, t->cap * sizeof(*t->heap));
    }
    i = t->n++;
    t->heap[i] = e;
    while (i > 0 && before(&t->heap[i], &t->heap[(i - 1) / 2])) {
        swap(&t->heap[i], &t->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
}

static struct entry heap_pop(struct mock_timer *t)
{
    struct entry top = t->heap[0];
    size_t i = 0;

    t->heap[0] = t->heap[--t->n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;

        if (l < t->n && before(&t->heap[l], &t->heap[m]))
            m = l;
        if (r < t->n && before(&t->heap[r], &t->heap[m]))
            m = r;
        if (m == i)
            break;
        swap(&t->heap[i], &t->heap[m]);
        i = m;
    }
    return top;
}

static void *run(void *arg)
{
    struct mock_timer *t = arg;

    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        struct entry e;

        if (t->n == 0) {
            pthread_cond_wait(&t->wake, &t->lock);
            continue;
        }
        if (t->heap[0].due_ns > now_ns()) {
            struct timespec until;

            until.tv_sec = (time_t)(t->heap[0].due_ns / 1000000000u);
            until.tv_nsec = (long)(t->heap[0].due_ns % 1000000000u);
            pthread_cond_timedwait(&t->wake, &t->lock, &until);
            continue;
        }
        /* The connection stays suspended (so its request stays alive) until
         * resumed, and stop joins this thread first: resuming unlocked is safe
         * and keeps handlers filing new waits meanwhile. */
        e = heap_pop(t);
        pthread_mutex_unlock(&t->lock);
        MHD_resume_connection(e.conn);
        pthread_mutex_lock(&t->lock);
    }
    /* Nothing can be filed any more: MHD must not be stopped with a
     * connection still suspended, so every waiting request resumes now, cut. */
    while (t->n > 0) {
        struct entry e = heap_pop(t);

        atomic_store(e.cut, 1);
        MHD_resume_connection(e.conn);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

struct mock_timer *mock_timer_new(void)
{
    struct mock_timer *t = mock_xcalloc(1, sizeof(*t));
    pthread_condattr_t attr;

    pthread_mutex_init(&t->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    return t;
}

int mock_timer_suspend(struct mock_timer *t, struct MHD_Connection *conn, long long ms,
                       atomic_int *cut)
{
    struct entry e;

    pthread_mutex_lock(&t->lock);
    if (t->stopping) {
        pthread_mutex_unlock(&t->lock);
        return -1;
    }
    /* Suspended under the lock, so the final sweep in run() cannot miss it. */
    MHD_suspend_connection(conn);
    e.due_ns = now_ns() + (uint64_t)ms * 1000000u;
    e.order = t->filed++;
    e.conn = conn;
    e.cut = cut;
    heap_push(t, e);
    if (t->heap[0].order == e.order)
        pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void mock_timer_free(struct mock_timer *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = 1;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    free(t->heap);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}
