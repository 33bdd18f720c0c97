/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exec-floor: the least a plugin costs. An empty program that scripts/bench
 * links as our plugins are linked (PIE, the same shared libraries loaded,
 * the same hardening), so that spawning it and reaping it, as cni-bench
 * does for a plugin, measures exec, dynamic loading and exit on this
 * machine, in the same run as the plugins.
 */
int main(void)
{
	return 0;
}
