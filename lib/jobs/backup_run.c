/* SPDX-License-Identifier: MIT
 * Copyright (c) 2026 WavelaunchOS contributors */

/* The programs a backup runs, each with a time bound: pg_dump (bounded
 * by WL_BACKUP_TIMEOUT: without one, a dump waiting on a lock or on a
 * silent network would hold its job and the worker's slot for ever) and
 * WL_BACKUP_POST_COMMAND, what runs after a dump and its checksum are
 * written (copy it off the host, say).  The command is run by /bin/sh -c
 * with the paths as positional parameters and in the environment, never
 * pasted into the command text, so a folder named `$(rm -rf ~)` is only a
 * name.  Each runs in its own process group (a timeout stops the whole
 * pipeline), stdin from /dev/null, and the last bytes of its stdout and
 * stderr are kept for the log line. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jobs.h"

extern char **environ;

#define TERM_GRACE_US INT64_C(5000000) /* after SIGTERM at the bound, SIGKILL */
#define POLL_MS 100 /* how often the bound is checked on the context's clock */

/* The last WVL_RUN_TAIL - 1 bytes of a stream, and whether more came. */
struct tail {
	char buf[WVL_RUN_TAIL];
	size_t len;
	bool cut;
};

static void tail_add(struct tail *t, const char *p, size_t n)
{
	const size_t cap = sizeof(t->buf) - 1;
	if (n >= cap) {
		t->cut = t->cut || t->len > 0 || n > cap;
		memcpy(t->buf, p + n - cap, cap);
		t->len = cap;
		return;
	}
	if (t->len + n > cap) {
		size_t drop = t->len + n - cap;
		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
		t->cut = true;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* One line of log text: controls become spaces, bytes outside ASCII '?'
 * (the tail may start inside a UTF-8 sequence), "..." first when cut. */
static void tail_text(char *out, size_t outlen, const struct tail *t)
{
	size_t k = 0;
	if (t->cut && outlen > 4) {
		memcpy(out, "...", 3);
		k = 3;
	}
	for (size_t i = 0; i < t->len && k + 1 < outlen; i++) {
		unsigned char c = (unsigned char)t->buf[i];
		out[k++] = c < 0x20 || c == 0x7f ? ' ' : c >= 0x80 ? '?' : (char)c;
	}
	while (k > 0 && out[k - 1] == ' ')
		k--;
	out[k] = '\0';
}

char **wvl_maint__env_with(char *const vars[])
{
	size_t n = 0, nv = 0;
	while (environ[n])
		n++;
	while (vars[nv])
		nv++;
	char **env = calloc(n + nv + 1, sizeof(*env));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t v = 0; v < nv && !replaced; v++) {
			size_t len = (size_t)(strchr(vars[v], '=') - vars[v]) + 1;
			replaced = strncmp(environ[i], vars[v], len) == 0;
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t v = 0; v < nv; v++)
		env[k++] = vars[v];
	env[k] = NULL;
	return env;
}

/* Reads what `*fd` has into `t` (at most 64 KiB a call, so a command
 * that writes without pause does not keep the caller from its deadline);
 * closes it (-1) at the end of the stream. */
static void drain(int *fd, struct tail *t)
{
	char buf[4096];
	for (int round = 0; round < 16; round++) {
		ssize_t n = read(*fd, buf, sizeof(buf));
		if (n > 0) {
			tail_add(t, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			close(*fd);
			*fd = -1;
		}
		return;
	}
}

/* Spawns `argv` (looked up in PATH unless it has a '/') with `vars` added
 * to our environment; errno's value on failure. */
static int start(pid_t *pid, char *const argv[], char *const vars[], int out[2], int err[2])
{
	char **env = wvl_maint__env_with(vars);
	if (!env)
		return ENOMEM;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	posix_spawnattr_init(&at);
	/* Its own group, default signals (the worker ignores SIGPIPE),
	 * nothing blocked. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &all);
	int rc = posix_spawnp(pid, argv[0], &fa, &at, argv, env);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return rc;
}

int wvl_maint__run_bounded(struct wvl_run_result *res, wvl_ctx *ctx, char *const argv[],
			   char *const vars[], const char *bound_key, int64_t bound)
{
	memset(res, 0, sizeof(*res));
	res->ran = true;
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	pid_t pid = -1;
	int sp = pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0 ? 0 : errno;
	if (sp == 0)
		sp = start(&pid, argv, vars, out, err);
	if (out[1] >= 0)
		close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	if (sp != 0) {
		if (out[0] >= 0)
			close(out[0]);
		if (err[0] >= 0)
			close(err[0]);
		snprintf(res->status, sizeof(res->status), "could not start %s: %s", argv[0],
			 strerror(sp));
		return -1;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(err[0], F_SETFL, O_NONBLOCK);
	struct tail to = {0}, te = {0};
	int fds[2] = {out[0], err[0]};
	struct tail *tails[2] = {&to, &te};
	int64_t deadline = wvl_now(ctx) + bound * 1000000;
	int64_t termed_at = 0;
	bool termed = false, killed = false, lost = false;
	int status = 0;
	for (;;) {
		struct pollfd p[2];
		nfds_t n = 0;
		int which[2];
		for (int i = 0; i < 2; i++)
			if (fds[i] >= 0) {
				p[n] = (struct pollfd){.fd = fds[i], .events = POLLIN};
				which[n++] = i;
			}
		if (poll(n ? p : NULL, n, POLL_MS) > 0)
			for (nfds_t i = 0; i < n; i++)
				if (p[i].revents)
					drain(&fds[which[i]], tails[which[i]]);
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) { /* reaped elsewhere (SIGCHLD ignored) */
			lost = true;
			break;
		}
		/* Both the bound and the grace after it are measured on the
		 * context's clock (a test moves it). */
		int64_t now = wvl_now(ctx);
		if (!termed && now >= deadline) {
			kill(-pid, SIGTERM);
			termed = true;
			termed_at = now;
		} else if (termed && !killed && now - termed_at >= TERM_GRACE_US) {
			kill(-pid, SIGKILL);
			killed = true;
		}
	}
	/* What is left in the pipes; a straggler the command left behind
	 * holding them open is not waited for. */
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0) {
			drain(&fds[i], tails[i]);
			if (fds[i] >= 0)
				close(fds[i]);
		}
	if (termed)
		kill(-pid, SIGKILL); /* what the group still holds */
	tail_text(res->out_tail, sizeof(res->out_tail), &to);
	tail_text(res->err_tail, sizeof(res->err_tail), &te);
	if (termed)
		snprintf(res->status, sizeof(res->status),
			 "did not finish within %s (%lld s) and was stopped", bound_key,
			 (long long)bound);
	else if (lost)
		snprintf(res->status, sizeof(res->status), "ended with an unknown status");
	else if (WIFSIGNALED(status))
		snprintf(res->status, sizeof(res->status), "was killed by signal %d",
			 WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		snprintf(res->status, sizeof(res->status), "exited with status %d",
			 WEXITSTATUS(status));
	else if (!WIFEXITED(status))
		snprintf(res->status, sizeof(res->status), "ended with an unknown status");
	else {
		snprintf(res->status, sizeof(res->status), "exited with status 0");
		res->ok = true;
		return 0;
	}
	return -1;
}

int wvl_maint__post_command(struct wvl_run_result *res, wvl_ctx *ctx, const char *dump,
			    const char *sum)
{
	memset(res, 0, sizeof(*res));
	const char *cmd = wvl_config_get(ctx->cfg, "WL_BACKUP_POST_COMMAND");
	if (!cmd || !*cmd)
		return 0;
	int64_t bound = (int64_t)wvl_config__uint(ctx->cfg, "WL_BACKUP_POST_TIMEOUT", 3600, 86400);
	char *vars[] = {wvl_str__printf("WL_BACKUP_FILE=%s", dump),
			wvl_str__printf("WL_BACKUP_CHECKSUM_FILE=%s", sum), NULL};
	char *argv[] = {"/bin/sh", "-c", (char *)cmd, "wl-backup-post", (char *)dump,
			(char *)sum, NULL};
	int rc = 0;
	if (!vars[0] || !vars[1]) {
		res->ran = true;
		snprintf(res->status, sizeof(res->status), "could not start /bin/sh: %s",
			 strerror(ENOMEM));
		rc = -1;
	} else {
		rc = wvl_maint__run_bounded(res, ctx, argv, vars, "WL_BACKUP_POST_TIMEOUT", bound);
	}
	free(vars[0]);
	free(vars[1]);
	return rc == 0 ? 0
		       : wvl_err__set(WVL_EUNAVAILABLE, NULL, "the post-backup command %s",
				      res->status);
}
