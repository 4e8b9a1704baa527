#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pawl/alloc.h"
#include "loop_impl.h"
#include "pawl/loop.h"

/* How much of an agent's stderr is kept for the error message. */
#define ERR_TAIL_MAX 4096
/* While a child has closed its pipes but not yet been reaped, poll this often. */
#define REAP_POLL_MS 5

struct proc {
    pid_t pid;
    int in_fd, out_fd, err_fd;
    char *input;
    size_t input_len, input_off;
    struct pawl_buf out, err;
    long start_ms, deadline_ms;
    int exited, status, signal, timed_out, overflow, killed, reaped, cancelled;
    char *spawn_error;
    pawl_proc_done_fn done;
    void *ctx;
};

long pawl_loop_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct pawl_loop *pawl_loop_new(void)
{
    struct pawl_loop *loop = pawl_xcalloc(1, sizeof(*loop));
    loop->multi = curl_multi_init();
    loop->rng = (uint64_t)pawl_loop_now_ms() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    if (!loop->multi) {
        fprintf(stderr, "pawl: cannot initialise libcurl\n");
        abort();
    }
    return loop;
}

void *pawl_loop_curl_multi(struct pawl_loop *loop)
{
    return loop->multi;
}

size_t pawl_loop_pending(const struct pawl_loop *loop)
{
    return loop->n_procs + loop->n_xfers;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void proc_free(struct proc *p)
{
    close_fd(&p->in_fd);
    close_fd(&p->out_fd);
    close_fd(&p->err_fd);
    pawl_buf_release(&p->out);
    pawl_buf_release(&p->err);
    free(p->input);
    free(p->spawn_error);
    free(p);
}

static void kill_group(struct proc *p)
{
    if (p->pid > 0 && !p->reaped && !p->killed) {
        kill(-p->pid, SIGKILL);
        kill(p->pid, SIGKILL);
        p->killed = 1;
    }
}

void pawl_loop_cancel_all(struct pawl_loop *loop)
{
    size_t i;
    for (i = 0; i < loop->n_procs; i++) {
        loop->procs[i]->cancelled = 1;
        kill_group(loop->procs[i]);
    }
    pawl_http_cancel_all(loop);
}

void pawl_loop_free(struct pawl_loop *loop)
{
    size_t i;

    if (!loop)
        return;
    for (i = 0; i < loop->n_procs; i++) {
        struct proc *p = loop->procs[i];
        kill_group(p);
        if (p->pid > 0 && !p->reaped)
            waitpid(p->pid, NULL, 0);
        proc_free(p);
    }
    free(loop->procs);
    free(loop->fds);
    pawl_http_free_all(loop);
    curl_multi_cleanup(loop->multi);
    free(loop);
}

static int set_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    return fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int make_pipe(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* What the child reports when it cannot start: which step failed, and errno. */
struct start_failure {
    int in_cwd; /* chdir failed, not exec */
    int err;
};

/* In the child: never returns. Reports a failure to start through `report_fd`. */
static void child_exec(char *const argv[], const char *cwd, int in_fd, int out_fd, int err_fd,
                       int report_fd)
{
    struct start_failure f = {0, 0};
    sigset_t none;

    setpgid(0, 0);
    /* pawl ignores SIGPIPE; an agent should get the default behaviour back. */
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
        goto fail;
    if (cwd && chdir(cwd) < 0) {
        f.in_cwd = 1;
        goto fail;
    }
    execvp(argv[0], argv);
fail:
    f.err = errno;
    if (write(report_fd, &f, sizeof(f)) < 0)
        _exit(127);
    _exit(127);
}

void pawl_loop_spawn(struct pawl_loop *loop, char *const argv[], const char *cwd,
                     const char *input, size_t input_len, long timeout_ms, size_t max_out,
                     pawl_proc_done_fn done, void *ctx)
{
    struct proc *p = pawl_xcalloc(1, sizeof(*p));
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, rep[2] = {-1, -1};
    struct start_failure failure = {0, 0};
    ssize_t n;

    p->in_fd = p->out_fd = p->err_fd = -1;
    p->done = done;
    p->ctx = ctx;
    pawl_buf_init(&p->out, max_out);
    pawl_buf_init(&p->err, 0);
    p->input = pawl_xmalloc(input_len + 1);
    if (input_len)
        memcpy(p->input, input, input_len);
    p->input_len = input_len;
    p->start_ms = pawl_loop_now_ms();
    p->deadline_ms = timeout_ms > 0 ? p->start_ms + timeout_ms : 0;

    PAWL_ALLOC_GROW(loop->procs, loop->n_procs + 1, loop->alloc_procs);
    loop->procs[loop->n_procs++] = p;

    if (make_pipe(in) < 0 || make_pipe(out) < 0 || make_pipe(err) < 0 || make_pipe(rep) < 0) {
        p->spawn_error = pawl_xasprintf("cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    p->pid = fork();
    if (p->pid < 0) {
        p->spawn_error = pawl_xasprintf("cannot fork: %s", strerror(errno));
        goto fail;
    }
    if (p->pid == 0)
        child_exec(argv, cwd, in[0], out[1], err[1], rep[1]);

    setpgid(p->pid, p->pid); /* also in the parent, so kill(-pid) works at once */
    close(in[0]);
    close(out[1]);
    close(err[1]);
    close(rep[1]);
    in[0] = out[1] = err[1] = rep[1] = -1;
    do
        n = read(rep[0], &failure, sizeof(failure));
    while (n < 0 && errno == EINTR);
    close(rep[0]);
    rep[0] = -1;
    p->in_fd = in[1];
    p->out_fd = out[0];
    p->err_fd = err[0];
    if (n == (ssize_t)sizeof(failure)) {
        p->spawn_error =
            failure.in_cwd
                ? pawl_xasprintf("cannot run '%s' in '%s': %s", argv[0], cwd, strerror(failure.err))
                : pawl_xasprintf("cannot run '%s': %s", argv[0], strerror(failure.err));
        waitpid(p->pid, NULL, 0);
        p->reaped = 1;
        close_fd(&p->in_fd);
        close_fd(&p->out_fd);
        close_fd(&p->err_fd);
        return;
    }
    set_nonblock_cloexec(p->in_fd);
    set_nonblock_cloexec(p->out_fd);
    set_nonblock_cloexec(p->err_fd);
    if (p->input_len == 0)
        close_fd(&p->in_fd);
    return;
fail:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&err[0]);
    close_fd(&err[1]);
    close_fd(&rep[0]);
    close_fd(&rep[1]);
    p->reaped = 1;
}

static void feed_input(struct proc *p)
{
    while (p->in_fd >= 0 && p->input_off < p->input_len) {
        ssize_t n = write(p->in_fd, p->input + p->input_off, p->input_len - p->input_off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                close_fd(&p->in_fd); /* EPIPE: the agent does not read its input */
            return;
        }
        p->input_off += (size_t)n;
    }
    if (p->input_off >= p->input_len)
        close_fd(&p->in_fd);
}

static void drain(struct proc *p, int *fd, int is_out)
{
    char chunk[65536];

    while (*fd >= 0) {
        ssize_t n = read(*fd, chunk, sizeof(chunk));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                close_fd(fd);
            return;
        }
        if (n == 0) {
            close_fd(fd);
            return;
        }
        if (is_out) {
            if (pawl_buf_add(&p->out, chunk, (size_t)n) < 0) {
                p->overflow = 1;
                kill_group(p);
                close_fd(fd);
                return;
            }
        } else {
            /* Keep only the tail: the last lines say why an agent died. */
            pawl_buf_add(&p->err, chunk, (size_t)n);
            if (p->err.len > ERR_TAIL_MAX * 2) {
                memmove(p->err.ptr, p->err.ptr + p->err.len - ERR_TAIL_MAX, ERR_TAIL_MAX);
                p->err.len = ERR_TAIL_MAX;
                p->err.ptr[p->err.len] = '\0';
            }
        }
    }
}

static void try_reap(struct proc *p)
{
    int st;
    pid_t r;

    if (p->reaped)
        return;
    do
        r = waitpid(p->pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        return;
    p->reaped = 1;
    if (r < 0)
        return;
    if (WIFEXITED(st)) {
        p->exited = 1;
        p->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        p->signal = WTERMSIG(st);
    }
}

static int proc_finished(struct proc *p)
{
    return p->reaped && p->out_fd < 0 && p->err_fd < 0;
}

static void complete(struct pawl_loop *loop, size_t i)
{
    struct proc *p = loop->procs[i];
    struct pawl_proc_result res;
    size_t tail;

    memset(&res, 0, sizeof(res));
    res.spawned = p->spawn_error == NULL;
    res.exited = p->exited;
    res.status = p->status;
    res.signal = p->signal;
    res.timed_out = p->timed_out;
    res.overflow = p->overflow;
    res.elapsed_ms = pawl_loop_now_ms() - p->start_ms;
    res.out = &p->out;
    if (p->err.len > ERR_TAIL_MAX) {
        tail = p->err.len - ERR_TAIL_MAX;
        memmove(p->err.ptr, p->err.ptr + tail, ERR_TAIL_MAX);
        p->err.len = ERR_TAIL_MAX;
        p->err.ptr[p->err.len] = '\0';
    }
    res.err_tail = &p->err;
    res.error = p->spawn_error;
    /* Remove first: the callback may start new work on this loop. */
    loop->procs[i] = loop->procs[--loop->n_procs];
    p->done(p->ctx, &res);
    proc_free(p);
}

int pawl_loop_step(struct pawl_loop *loop, int max_wait_ms, struct pawl_error *err)
{
    size_t i, nfds = 0;
    long now = pawl_loop_now_ms();
    long wait = max_wait_ms;
    int running, awaiting_reap = 0;
    CURLMcode mc;

    PAWL_ALLOC_GROW(loop->fds, loop->n_procs * 3 + 1, loop->alloc_fds);
    for (i = 0; i < loop->n_procs; i++) {
        struct proc *p = loop->procs[i];
        if (p->in_fd >= 0) {
            loop->fds[nfds].fd = p->in_fd;
            loop->fds[nfds].events = CURL_WAIT_POLLOUT;
            loop->fds[nfds++].revents = 0;
        }
        if (p->out_fd >= 0) {
            loop->fds[nfds].fd = p->out_fd;
            loop->fds[nfds].events = CURL_WAIT_POLLIN;
            loop->fds[nfds++].revents = 0;
        }
        if (p->err_fd >= 0) {
            loop->fds[nfds].fd = p->err_fd;
            loop->fds[nfds].events = CURL_WAIT_POLLIN;
            loop->fds[nfds++].revents = 0;
        }
        if (p->out_fd < 0 && p->err_fd < 0)
            awaiting_reap = 1;
        if (p->deadline_ms && !p->timed_out && p->deadline_ms - now < wait)
            wait = p->deadline_ms - now;
    }
    if (awaiting_reap && wait > REAP_POLL_MS)
        wait = REAP_POLL_MS;
    {
        long timer = pawl_http_next_timer(loop, now);
        if (timer >= 0 && timer < wait)
            wait = timer;
    }
    if (wait < 0)
        wait = 0;

    mc = curl_multi_poll(loop->multi, loop->fds, (unsigned)nfds, (int)wait, NULL);
    if (mc != CURLM_OK)
        return pawl_error_set(err, PAWL_EIO, NULL, 0, 0, "event loop failed: %s",
                              curl_multi_strerror(mc));
    curl_multi_perform(loop->multi, &running);
    pawl_http_process(loop);

    now = pawl_loop_now_ms();
    for (i = 0; i < loop->n_procs; i++) {
        struct proc *p = loop->procs[i];
        feed_input(p);
        drain(p, &p->out_fd, 1);
        drain(p, &p->err_fd, 0);
        if (p->deadline_ms && now >= p->deadline_ms && !p->reaped && !p->timed_out) {
            p->timed_out = 1;
            kill_group(p);
        }
        if (p->killed) {
            /* A killed agent's grandchildren may hold the pipes; stop listening. */
            close_fd(&p->in_fd);
            if (p->reaped || p->timed_out || p->overflow || p->cancelled) {
                drain(p, &p->out_fd, 1);
                close_fd(&p->out_fd);
                close_fd(&p->err_fd);
            }
        }
        if (p->out_fd < 0 && p->err_fd < 0)
            try_reap(p);
    }
    for (i = loop->n_procs; i-- > 0;)
        if (proc_finished(loop->procs[i]))
            complete(loop, i);
    return 0;
}
