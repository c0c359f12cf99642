/*
 * nsx-nsfs.node: a tiny Node-API addon with the few system calls native-bindings/nsfs.ts needs (the nsfs
 * ioctls, pidfd_open/pidfd_getfd, an rtnetlink socket). Loading it costs well under a millisecond, where
 * koffi + libc cost ~10 ms of an `nsx ls -l` that should sit on Node's start-up; nsfs.ts falls back to koffi
 * when it was not built. Every function is one system call and returns its result, or -errno on failure:
 * the logic (what to ask, what an answer means) stays in TypeScript.
 *
 *   ioctl(fd, request)          ioctl(fd, request) with no argument: NS_GET_USERNS/PARENT/NSTYPE, SIOCGSKNS
 *   ownerUid(fd)                ioctl(fd, NS_GET_OWNER_UID, &uid): the uid (0 … 2^32-1)
 *   pidfdOpen(pid)              pidfd_open(pid, 0)
 *   pidfdGetfd(pidfd, fd)       pidfd_getfd(pidfd, fd, 0)
 *   socket(domain, type, proto) socket(2)
 *   send(fd, buffer, length)    send(fd, buffer, length, 0)
 *   recv(fd, buffer, length)    recv(fd, buffer, length, 0)
 *   close(fd)                   close(2)
 *
 * As nsx-exec.node.c, the Node-API declarations come from napi-min.h (stable C ABI), so no node headers are needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include "napi-min.h"

#define NS_GET_OWNER_UID 0xb704
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

static napi_value number(napi_env env, double v) {
	napi_value r;
	napi_create_double(env, v, &r);
	return r;
}

/* the result of a call: r when it succeeded (r >= 0), else -errno */
static napi_value ret(napi_env env, long r) {
	return number(env, r < 0 ? -(double)errno : (double)r);
}

/* up to 3 arguments: integers (a[i]) and, for send/recv, a buffer in args[1] */
static int args_of(napi_env env, napi_callback_info info, size_t want, napi_value *args, double *a) {
	size_t argc = 3;
	if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != 0 || argc < want) return -1;
	for (size_t i = 0; i < want; i++) {
		if (napi_get_value_double(env, args[i], &a[i]) != 0) a[i] = 0;
	}
	return 0;
}

static napi_value f_ioctl(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	if (args_of(env, info, 2, args, a)) return number(env, -EINVAL);
	return ret(env, ioctl((int)a[0], (unsigned long)a[1]));
}

static napi_value f_owner_uid(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	uid_t uid = 0;
	if (args_of(env, info, 1, args, a)) return number(env, -EINVAL);
	if (ioctl((int)a[0], NS_GET_OWNER_UID, &uid) < 0) return number(env, -(double)errno);
	return number(env, (double)uid);
}

static napi_value f_pidfd_open(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	if (args_of(env, info, 1, args, a)) return number(env, -EINVAL);
	return ret(env, syscall(SYS_pidfd_open, (int)a[0], 0u));
}

static napi_value f_pidfd_getfd(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	if (args_of(env, info, 2, args, a)) return number(env, -EINVAL);
	return ret(env, syscall(SYS_pidfd_getfd, (int)a[0], (int)a[1], 0u));
}

static napi_value f_socket(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	if (args_of(env, info, 3, args, a)) return number(env, -EINVAL);
	return ret(env, socket((int)a[0], (int)a[1], (int)a[2]));
}

static napi_value transfer(napi_env env, napi_callback_info info, int out) {
	napi_value args[3];
	double a[3];
	void *data;
	size_t len;
	size_t argc = 3;
	if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != 0 || argc < 3) return number(env, -EINVAL);
	if (napi_get_value_double(env, args[0], &a[0]) != 0 || napi_get_value_double(env, args[2], &a[2]) != 0) return number(env, -EINVAL);
	if (napi_get_buffer_info(env, args[1], &data, &len) != 0) return number(env, -EINVAL);
	if (a[2] < 0 || (size_t)a[2] > len) return number(env, -EINVAL);
	return ret(env, out ? send((int)a[0], data, (size_t)a[2], 0) : recv((int)a[0], data, (size_t)a[2], 0));
}

static napi_value f_send(napi_env env, napi_callback_info info) {
	return transfer(env, info, 1);
}

static napi_value f_recv(napi_env env, napi_callback_info info) {
	return transfer(env, info, 0);
}

static napi_value f_close(napi_env env, napi_callback_info info) {
	napi_value args[3];
	double a[3];
	if (args_of(env, info, 1, args, a)) return number(env, -EINVAL);
	return ret(env, close((int)a[0]));
}

napi_value napi_register_module_v1(napi_env env, napi_value exports) {
	static const struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
		{"ioctl", f_ioctl}, {"ownerUid", f_owner_uid}, {"pidfdOpen", f_pidfd_open}, {"pidfdGetfd", f_pidfd_getfd},
		{"socket", f_socket}, {"send", f_send}, {"recv", f_recv}, {"close", f_close},
	};
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		napi_value fn;
		if (napi_create_function(env, fns[i].name, SIZE_MAX, fns[i].fn, NULL, &fn) == 0) napi_set_named_property(env, exports, fns[i].name, fn);
	}
	return exports;
}
