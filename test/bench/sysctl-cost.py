#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What one /proc/sys write costs an ADD as the number of netns grows.

Makes a private "host" netns with a bridge and N container netns (each
having looked up its own /proc/sys/net/ipv6/conf/..., as a runtime's
plugins do), then times, in the host netns, the write an ADD would make:
net/ipv6/conf/<new veth>/accept_ra = 0 (open, write, close), once per
fresh veth, as an ADD would. Everything it makes is deleted at the end. Usage: sysctl-cost.py [N ...]   (default: 0 1000)
"""
import ctypes, os, statistics, subprocess, sys, time

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
TAG = "sc%04x" % (os.getpid() & 0xFFFF)
SAMPLES = 200


def ip(*args, ns=None, inp=None):
    cmd = ["ip"] + (["-n", ns] if ns else []) + list(args)
    subprocess.run(cmd, check=True, input=inp, text=True)


def setns(name):
    fd = os.open("/var/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + name)
    finally:
        os.close(fd)


def measure(n):
    host = TAG + "-h"
    conts = ["%s-c%d" % (TAG, i) for i in range(n)]
    orig = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        ip("netns", "add", host)
        for c in conts:
            ip("netns", "add", c)
        # each container netns looks its /proc/sys up, as ADDs do there
        for c in conts:
            setns(c)
            with open("/proc/sys/net/ipv6/conf/lo/accept_dad") as f:
                f.read()
            with open("/proc/sys/net/ipv4/conf/lo/arp_notify") as f:
                f.read()
        setns(host)
        ip("link", "add", "br0", "type", "bridge", ns=host)
        batch = "".join("link add v%d type veth peer name p%d\n" % (i, i) for i in range(SAMPLES))
        ip("-batch", "-", ns=host, inp=batch)
        w = []
        for i in range(SAMPLES):
            t0 = time.perf_counter_ns()
            fd = os.open("/proc/sys/net/ipv6/conf/v%d/accept_ra" % i, os.O_WRONLY)
            os.write(fd, b"0")
            os.close(fd)
            w.append(time.perf_counter_ns() - t0)
        w.sort()
        return statistics.median(w) / 1000, w[len(w) * 9 // 10] / 1000
    finally:
        libc.setns(orig, CLONE_NEWNET)
        os.close(orig)
        for c in [host] + conts:
            subprocess.run(["ip", "netns", "del", c], stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    for n in [int(a) for a in sys.argv[1:]] or [0, 1000]:
        med, p90 = measure(n)
        print("netns=%-5d accept_ra write (open+write+close): median %.1f us, p90 %.1f us"
              % (n, med, p90))
