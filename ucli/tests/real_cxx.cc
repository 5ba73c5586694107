// SPDX-License-Identifier: GPL-2.0-only
/*
 * real_cxx - a C++ program as people write them, built -O2 and linked
 * against libstdc++: std::thread running lambdas, a template member
 * function, a throw caught on the way, a deep recursion. Each thread
 * ends up blocked in a system call and stays there; the main thread
 * prints "ready" when they all are, so a capture finds them quiescent.
 *
 * Its frames have personality routines and LSDAs (CIE 'zPLR'), which
 * the unwinder must read from the files without following them.
 */
#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <thread>
#include <unistd.h>
#include <vector>

namespace varmon_test {

std::atomic<int> parked{0};
// Never set: the threads block until the process is killed.
std::atomic<bool> done{false};

template <typename T> struct Worker {
	T base;

	// The sleep sits under `depth` frames of this template.
	__attribute__((noinline)) T run(int depth)
	{
		if (depth == 0) {
			parked++;
			while (!done)
				sleep(1000);
			return base;
		}
		T r = run(depth - 1);
		__asm__ __volatile__("" ::: "memory");
		return r + base;
	}
};

__attribute__((noinline)) int thrower(int x)
{
	if (x > 0)
		throw std::runtime_error("caught below");
	return x;
}

__attribute__((noinline)) int deep(int n)
{
	if (n == 0) {
		try {
			thrower(1);
		} catch (const std::exception &) {
			parked++;
			while (!done)
				pause();
		}
		return 0;
	}
	int r = deep(n - 1);
	__asm__ __volatile__("" ::: "memory");
	return r + 1;
}

} // namespace varmon_test

int main()
{
	using namespace varmon_test;
	std::vector<std::thread> ts;

	for (int i = 0; i < 2; i++)
		ts.emplace_back([i] { Worker<long> w{i}; w.run(3); });
	ts.emplace_back([] { deep(40); });
	while (parked.load() < 3)
		usleep(1000);
	std::puts("ready");
	std::fflush(stdout);
	for (auto &t : ts)
		t.join();
	return 0;
}
