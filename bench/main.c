/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c - the tlswire-bench program (make bench); the same benchmark is
 * `tlswire bench` in the tlswire program.
 */
#include "bench.h"

int main(int argc, char **argv) { return bench_main(argc, argv); }
