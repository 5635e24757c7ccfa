#include "vmm/closer.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/vm.h"

struct closer_item {
	int fd;
	uint32_t nmaps;
	struct {
		uint8_t *host;
		uint64_t size;
	} maps[VMM_MAX_SLOTS];
};

struct vmm_closer {
	pthread_mutex_t lock;
	pthread_cond_t work; /* an item queued, or stop */
	pthread_cond_t idle; /* the queue ran empty, or a thread started */
	pthread_t threads[VMM_CLOSER_THREADS];
	uint32_t nthreads;
	uint32_t started;
	int stop;
	uint64_t head, tail; /* items [head, tail) wait */
	uint32_t busy;	     /* items being closed */
	struct vmm_closer_stats st;
	struct closer_item q[VMM_CLOSER_QUEUE];
};

/* The threads' edges depend on timing, never on an input: no coverage
 * (and fuzz/afl-denylist.txt names the file). */
#if defined(__clang__) && __clang_major__ >= 13
#define CLOSER_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define CLOSER_NO_COVERAGE
#endif

CLOSER_NO_COVERAGE static void *closer_main(void *arg)
{
	struct vmm_closer *c = arg;

	(void)pthread_mutex_lock(&c->lock);
	c->started++; /* the C library's thread start-up is done */
	(void)pthread_cond_broadcast(&c->idle);
	for (;;) {
		struct closer_item it;

		while (!c->stop && c->head == c->tail)
			(void)pthread_cond_wait(&c->work, &c->lock);
		if (c->head == c->tail)
			break; /* stop, and nothing left */
		it = c->q[c->head % VMM_CLOSER_QUEUE];
		c->head++;
		c->busy++;
		(void)pthread_mutex_unlock(&c->lock);
		/* the VM fd first: KVM's references to the slots go with
		 * it, then the memory behind them (as vmm_vm_destroy) */
		(void)close(it.fd);
		for (uint32_t m = 0; m < it.nmaps; m++)
			(void)munmap(it.maps[m].host, (size_t)it.maps[m].size);
		(void)pthread_mutex_lock(&c->lock);
		c->busy--;
		if (c->head == c->tail && c->busy == 0)
			(void)pthread_cond_broadcast(&c->idle);
	}
	(void)pthread_mutex_unlock(&c->lock);
	return NULL;
}

static void closer_free(struct vmm_closer *c)
{
	(void)pthread_cond_destroy(&c->work);
	(void)pthread_cond_destroy(&c->idle);
	(void)pthread_mutex_destroy(&c->lock);
	free(c);
}

void vmm_closer_stop(struct vmm_kvm *k)
{
	struct vmm_closer *c = k ? k->closer : NULL;

	if (!c)
		return;
	(void)pthread_mutex_lock(&c->lock);
	c->stop = 1;
	(void)pthread_cond_broadcast(&c->work);
	(void)pthread_mutex_unlock(&c->lock);
	for (uint32_t t = 0; t < c->nthreads; t++)
		(void)pthread_join(c->threads[t], NULL);
	closer_free(c);
	k->closer = NULL;
}

int vmm_closer_start(struct vmm_kvm *k, struct vmm_error *e)
{
	struct vmm_closer *c;
	sigset_t all, old;
	int rc = 0;

	if (k->closer)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c) {
		vmm_err_set(e, VMM_ERR_SYS, "calloc", ENOMEM,
			    "cannot allocate the VM closer");
		return -1;
	}
	(void)pthread_mutex_init(&c->lock, NULL);
	(void)pthread_cond_init(&c->work, NULL);
	(void)pthread_cond_init(&c->idle, NULL);
	k->closer = c;
	/* no signals: the run-timeout signal must reach the vCPU thread,
	 * and engines' signals the main thread */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	while (c->nthreads < VMM_CLOSER_THREADS) {
		rc = pthread_create(&c->threads[c->nthreads], NULL, closer_main,
				    c);
		if (rc != 0)
			break;
		c->nthreads++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		vmm_closer_stop(k);
		vmm_err_set(e, VMM_ERR_SYS, "pthread_create", rc,
			    "cannot start the VM closer's threads");
		return -1;
	}
	/* the threads' start-up system calls come before any sandbox the
	 * caller enters later (as the watchdog's) */
	(void)pthread_mutex_lock(&c->lock);
	while (c->started < c->nthreads)
		(void)pthread_cond_wait(&c->idle, &c->lock);
	(void)pthread_mutex_unlock(&c->lock);
	return 0;
}

int vmm_closer_take(struct vmm_vm *vm)
{
	struct vmm_closer *c = vm->kvm->closer;
	struct closer_item *it;
	uint32_t pending;

	/* the threads call libc: another table must see its own calls */
	if (!c || vm->fd < 0 || vm->kvm->ops != vmm_sysops_default())
		return 0;
	(void)pthread_mutex_lock(&c->lock);
	if (c->tail - c->head >= VMM_CLOSER_QUEUE) {
		c->st.inline_full++;
		(void)pthread_mutex_unlock(&c->lock);
		return 0;
	}
	it = &c->q[c->tail % VMM_CLOSER_QUEUE];
	it->fd = vm->fd;
	it->nmaps = 0;
	for (int i = 0; i < VMM_MAX_SLOTS; i++) {
		if (!vm->slots[i].used)
			continue;
		it->maps[it->nmaps].host = vm->slots[i].host;
		it->maps[it->nmaps].size = vm->slots[i].size;
		it->nmaps++;
	}
	c->tail++;
	c->st.queued++;
	pending = (uint32_t)(c->tail - c->head) + c->busy;
	if (pending > c->st.max_pending)
		c->st.max_pending = pending;
	(void)pthread_cond_signal(&c->work);
	(void)pthread_mutex_unlock(&c->lock);
	vm->fd = -1;
	memset(vm->slots, 0, sizeof(vm->slots));
	vm->total_mem = 0;
	return 1;
}

void vmm_closer_drain(struct vmm_kvm *k)
{
	struct vmm_closer *c = k ? k->closer : NULL;

	if (!c)
		return;
	(void)pthread_mutex_lock(&c->lock);
	while (c->head != c->tail || c->busy != 0)
		(void)pthread_cond_wait(&c->idle, &c->lock);
	(void)pthread_mutex_unlock(&c->lock);
}

void vmm_closer_stats(const struct vmm_kvm *k, struct vmm_closer_stats *st)
{
	struct vmm_closer *c = k ? k->closer : NULL;

	memset(st, 0, sizeof(*st));
	if (!c)
		return;
	(void)pthread_mutex_lock(&c->lock);
	*st = c->st;
	(void)pthread_mutex_unlock(&c->lock);
}
