/*
 * nsx-exec.node: a tiny Node-API addon with one function, exec(path, argv, keepFds), that replaces the
 * Node process with another program (execve keeps the PID, the terminal and the parent's wait() intact).
 * `nsx enter` uses it to become the nsx-enter helper: loading it costs well under a millisecond, where
 * loading koffi costs ~10 ms of a ~80 ms start.
 *
 * The few Node-API declarations come from napi-min.h (the ABI is stable and C), so no Node headers are
 * needed: build.mjs compiles it with `cc -shared -fPIC` and the symbols resolve against the node binary.
 *
 * exec() clears FD_CLOEXEC on fds 0-2 and on every fd in keepFds (Node opens everything close-on-exec),
 * then calls execve with the current environment. It only returns on failure: the errno as a number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "napi-min.h"

extern char **environ;

static char *get_string(napi_env env, napi_value v) {
	size_t len = 0;
	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != 0) return NULL;
	char *s = malloc(len + 1);
	if (!s) return NULL;
	if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

static napi_value result(napi_env env, int err) {
	napi_value r;
	napi_create_int32(env, err, &r);
	return r;
}

static napi_value do_exec(napi_env env, napi_callback_info info) {
	size_t argc = 3;
	napi_value args[3];
	uint32_t n = 0, nfd = 0;
	if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != 0 || argc < 3) return result(env, EINVAL);
	char *path = get_string(env, args[0]);
	if (!path || napi_get_array_length(env, args[1], &n) != 0 || napi_get_array_length(env, args[2], &nfd) != 0)
		return result(env, EINVAL);
	char **argv = calloc((size_t)n + 1, sizeof(char *));
	if (!argv) return result(env, ENOMEM);
	for (uint32_t i = 0; i < n; i++) {
		napi_value e;
		if (napi_get_element(env, args[1], i, &e) != 0 || !(argv[i] = get_string(env, e))) return result(env, EINVAL);
	}
	for (int fd = 0; fd <= 2; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	for (uint32_t i = 0; i < nfd; i++) {
		napi_value e;
		int32_t fd;
		if (napi_get_element(env, args[2], i, &e) != 0 || napi_get_value_int32(env, e, &fd) != 0) return result(env, EINVAL);
		int fl = fcntl(fd, F_GETFD);
		if (fl < 0) return result(env, errno);
		fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	execve(path, argv, environ);
	int err = errno;
	for (uint32_t i = 0; i < n; i++) free(argv[i]);
	free(argv);
	free(path);
	return result(env, err);
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
	napi_value fn;
	if (napi_create_function(env, "exec", SIZE_MAX, do_exec, NULL, &fn) == 0) napi_set_named_property(env, exports, "exec", fn);
	return exports;
}
