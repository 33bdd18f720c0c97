// SPDX-License-Identifier: GPL-2.0-or-later
//
// cnictl: a small CNI runtime for tests and demos, like upstream cnitool.
// It drives plugins through libcni (AddNetworkList / CheckNetworkList /
// DelNetworkList), so results are parsed, converted, cached and handed on
// as prevResult exactly as container runtimes (podman, containerd, CRI-O)
// do it.
//
//	cnictl add|check|del NETWORK NETNS
//	cnictl result NETWORK NETNS     print the cached result of a former add
//	cnictl validate NETWORK         ValidateNetworkList (plugins' VERSION)
//	cnictl version PLUGIN           a plugin's supported versions
//
// NETNS is a path (/var/run/netns/x, /proc/PID/ns/net) or a name under
// /var/run/netns. Environment (the same names cnitool uses, plus a few):
//
//	NETCONFPATH     directory of *.conflist / *.conf   (default /etc/cni/net.d)
//	CNI_PATH        plugin directories, ':'-separated  (default /opt/cni/bin)
//	CAP_ARGS        capability args as a JSON object, e.g.
//	                {"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}
//	CNI_ARGS        K=V;K2=V2 (e.g. IP=10.1.2.3)
//	CNI_IFNAME      interface name in the container      (default eth0)
//	CNI_CONTAINERID container id (default cnictl-<hash of the netns path>)
//	CNI_CACHE_DIR   libcni's result cache                (default /var/lib/cni)
//
// Built in GOPATH mode against Debian's golang-github-appc-cni-dev; see
// ../build.sh.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

const (
	defaultNetDir  = "/etc/cni/net.d"
	defaultCNIPath = "/opt/cni/bin"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: %[1]s add|check|del|result NETWORK NETNS
       %[1]s validate NETWORK
       %[1]s version PLUGIN
env: NETCONFPATH CNI_PATH CAP_ARGS CNI_ARGS CNI_IFNAME CNI_CONTAINERID CNI_CACHE_DIR
`, filepath.Base(os.Args[0]))
	os.Exit(2)
}

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "cnictl: "+format+"\n", a...)
	os.Exit(1)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// parseArgs parses CNI_ARGS-style "K=V;K2=V2".
func parseArgs(s string) ([][2]string, error) {
	var out [][2]string
	for _, kv := range strings.Split(s, ";") {
		if kv == "" {
			continue
		}
		p := strings.SplitN(kv, "=", 2)
		if len(p) != 2 || p[0] == "" {
			return nil, fmt.Errorf("invalid CNI_ARGS pair %q", kv)
		}
		out = append(out, [2]string{p[0], p[1]})
	}
	return out, nil
}

func netnsPath(ns string) (string, error) {
	if !strings.Contains(ns, "/") {
		if _, err := os.Stat(filepath.Join("/var/run/netns", ns)); err == nil {
			return filepath.Join("/var/run/netns", ns), nil
		}
	}
	return filepath.Abs(ns)
}

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	cmd := os.Args[1]
	paths := filepath.SplitList(env("CNI_PATH", defaultCNIPath))
	cninet := libcni.NewCNIConfigWithCacheDir(paths, env("CNI_CACHE_DIR", ""), nil)
	ctx := context.Background()

	switch cmd {
	case "version":
		info, err := cninet.GetVersionInfo(ctx, os.Args[2])
		if err != nil {
			die("%v", err)
		}
		fmt.Println(strings.Join(info.SupportedVersions(), " "))
		return
	case "validate":
		list, err := libcni.LoadConfList(env("NETCONFPATH", defaultNetDir), os.Args[2])
		if err != nil {
			die("loading network %q: %v", os.Args[2], err)
		}
		caps, err := cninet.ValidateNetworkList(ctx, list)
		if err != nil {
			die("%v", err)
		}
		fmt.Printf("ok; capabilities: %s\n", strings.Join(caps, " "))
		return
	case "add", "check", "del", "result":
	default:
		usage()
	}
	if len(os.Args) != 4 {
		usage()
	}

	list, err := libcni.LoadConfList(env("NETCONFPATH", defaultNetDir), os.Args[2])
	if err != nil {
		die("loading network %q: %v", os.Args[2], err)
	}

	var capArgs map[string]interface{}
	if s := os.Getenv("CAP_ARGS"); s != "" {
		if err := json.Unmarshal([]byte(s), &capArgs); err != nil {
			die("CAP_ARGS is not a JSON object: %v", err)
		}
	}
	cniArgs, err := parseArgs(os.Getenv("CNI_ARGS"))
	if err != nil {
		die("%v", err)
	}
	ns, err := netnsPath(os.Args[3])
	if err != nil {
		die("netns %q: %v", os.Args[3], err)
	}
	cid := os.Getenv("CNI_CONTAINERID")
	if cid == "" {
		// as cnitool does: a stable id derived from the netns path
		s := sha512.Sum512([]byte(ns))
		cid = fmt.Sprintf("cnictl-%x", s[:10])
	}
	rt := &libcni.RuntimeConf{
		ContainerID:    cid,
		NetNS:          ns,
		IfName:         env("CNI_IFNAME", "eth0"),
		Args:           cniArgs,
		CapabilityArgs: capArgs,
	}

	switch cmd {
	case "add":
		res, err := cninet.AddNetworkList(ctx, list, rt)
		if res != nil {
			if perr := res.Print(); perr != nil && err == nil {
				err = perr
			}
		}
		if err != nil {
			die("add %s: %v", list.Name, err)
		}
	case "check":
		if err := cninet.CheckNetworkList(ctx, list, rt); err != nil {
			die("check %s: %v", list.Name, err)
		}
	case "del":
		if err := cninet.DelNetworkList(ctx, list, rt); err != nil {
			die("del %s: %v", list.Name, err)
		}
	case "result":
		res, err := cninet.GetNetworkListCachedResult(list, rt)
		if err != nil {
			die("cached result %s: %v", list.Name, err)
		}
		if res == nil {
			die("no cached result for %s", list.Name)
		}
		if err := res.Print(); err != nil {
			die("%v", err)
		}
	}
}
