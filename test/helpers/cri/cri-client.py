#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A small CRI v1 client for the tests and the benchmark.

Talks gRPC (Debian's python3-grpcio) to a container runtime's CRI socket
with the few messages of cri.proto (beside this file), compiled at first
use with grpc_tools.protoc (python3-grpc-tools) into a cache dir.

  cri-client.py -s SOCK version
  cri-client.py -s SOCK wait [--timeout S]          until Version answers
  cri-client.py -s SOCK runp NAME [--cgroup-parent P] [--port HOST:CTR[/tcp|udp|sctp][@IP]]...
                                                    prints the sandbox id
  cri-client.py -s SOCK stopp ID / rmp ID
  cri-client.py -s SOCK inspectp ID                 JSON: id, state, ip, ips, netns, pid
  cri-client.py -s SOCK pods                        sandbox ids, one a line
  cri-client.py -s SOCK update-runtime-config CIDR[,CIDR]
                                                    kubelet's podCIDR(s) (UpdateRuntimeConfig)
  cri-client.py -s SOCK status                      JSON: {condition type: [status, reason]}
  cri-client.py -s SOCK cni-config                  JSON: the CNI config the runtime
                                                    loaded (containerd's verbose
                                                    Status "cniconfig")
  cri-client.py -s SOCK cycle --count N PREFIX [--cgroup-parent P] [--port ..]
                 [-s SOCK2 ...]                     N pods run, stopped, removed in
                                                    turn on each socket (the first
                                                    socket alternating); JSON ids
  cri-client.py setup-times LOG                     "ID MS" per pod: containerd's
                                                    "begin cni setup" to "cni result"
  cri-client.py oci-archive --binary B --name REF --out TAR
                                                    an OCI image archive of one
                                                    static binary (its entrypoint)

Use Debian's /usr/bin/python3: it has the grpc modules.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import tarfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 60  # seconds for one RPC


def stubs():
    """cri_pb2, cri_pb2_grpc: generated from cri.proto once per content."""
    proto = os.path.join(HERE, "cri.proto")
    with open(proto, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    cache = os.path.join(os.environ.get("CRI_CLIENT_CACHE", "/tmp"), "cni-c-cri-" + digest)
    if not os.path.exists(os.path.join(cache, "cri_pb2_grpc.py")):
        from grpc_tools import protoc

        tmp = "%s.%d" % (cache, os.getpid())
        os.makedirs(tmp, exist_ok=True)
        rc = protoc.main(["protoc", "-I" + HERE, "--python_out=" + tmp,
                          "--grpc_python_out=" + tmp, proto])
        if rc != 0:
            sys.exit("cri-client: protoc failed on %s" % proto)
        try:
            os.rename(tmp, cache)
        except OSError:  # another process won the race
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    sys.path.insert(0, cache)
    import cri_pb2
    import cri_pb2_grpc

    return cri_pb2, cri_pb2_grpc


def client(sock):
    import grpc

    pb, pbg = stubs()
    ch = grpc.insecure_channel("unix:" + sock, options=[("grpc.enable_http_proxy", 0)])
    return pb, pbg.RuntimeServiceStub(ch)


def parse_port(pb, spec):
    """HOST:CTR[/proto][@hostIP]"""
    ip = ""
    if "@" in spec:
        spec, ip = spec.split("@", 1)
    proto = "tcp"
    if "/" in spec:
        spec, proto = spec.split("/", 1)
    host, ctr = spec.split(":", 1)
    return pb.PortMapping(protocol=pb.Protocol.Value(proto.upper()), container_port=int(ctr),
                          host_port=int(host), host_ip=ip)


def pod_config(pb, name, cgroup_parent, ports):
    uid = hashlib.sha1(("%s-%d-%f" % (name, os.getpid(), time.time())).encode()).hexdigest()
    linux = pb.LinuxPodSandboxConfig(
        cgroup_parent=cgroup_parent or "",
        security_context=pb.LinuxSandboxSecurityContext(
            namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER, ipc=pb.POD)))
    return pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace="cni-c-test", attempt=0),
        hostname=name[:63], linux=linux,
        port_mappings=[parse_port(pb, p) for p in ports or []])


def runp(pb, rs, name, cgroup_parent, ports):
    r = rs.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_config(pb, name, cgroup_parent, ports)),
                         timeout=TIMEOUT)
    return r.pod_sandbox_id


def inspect(pb, rs, pid):
    r = rs.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=pid, verbose=True),
                            timeout=TIMEOUT)
    st = r.status
    out = {"id": st.id, "name": st.metadata.name,
           "state": pb.PodSandboxState.Name(st.state), "ip": st.network.ip,
           "ips": [st.network.ip] + [a.ip for a in st.network.additional_ips],
           "netns": "", "pid": 0}
    info = r.info.get("info")
    if info:
        j = json.loads(info)
        out["pid"] = j.get("pid", 0)
        spec = j.get("runtimeSpec") or {}
        for ns in (spec.get("linux") or {}).get("namespaces") or []:
            if ns.get("type") == "network":
                out["netns"] = ns.get("path", "")
    return out


def oci_archive(binary, name, out):
    """An OCI image layout (oci-layout, index.json, blobs) in a tar: one
    layer with the binary as /pause, its config, its manifest."""
    blobs = {}

    def blob(data, media):
        d = hashlib.sha256(data).hexdigest()
        blobs[d] = data
        return {"mediaType": media, "digest": "sha256:" + d, "size": len(data)}

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
        ti = t.gettarinfo(binary, arcname="pause")
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        ti.mode = 0o755
        ti.mtime = 0
        with open(binary, "rb") as f:
            t.addfile(ti, f)
    layer = layer.getvalue()
    ldesc = blob(layer, "application/vnd.oci.image.layer.v1.tar")
    config = {
        "architecture": "amd64" if os.uname().machine == "x86_64" else os.uname().machine,
        "os": "linux",
        "config": {"Entrypoint": ["/pause"], "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": [ldesc["digest"]]},
        "history": [{"created_by": "cni-c test pause"}],
    }
    cdesc = blob(json.dumps(config, sort_keys=True).encode(),
                 "application/vnd.oci.image.config.v1+json")
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": cdesc, "layers": [ldesc]}
    mdesc = blob(json.dumps(manifest, sort_keys=True).encode(),
                 "application/vnd.oci.image.manifest.v1+json")
    mdesc["annotations"] = {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[-1]}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
             "manifests": [mdesc]}

    def add(t, path, data):
        ti = tarfile.TarInfo(path)
        ti.size = len(data)
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(data))

    with tarfile.open(out, "w") as t:
        add(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(t, "index.json", json.dumps(index).encode())
        for d, data in blobs.items():
            add(t, "blobs/sha256/" + d, data)


def log_ns(line):
    """time="2026-01-01T10:00:00.123456789Z" of a containerd log line, in ns
    since the day's start (runs never span midnight twice)"""
    i = line.find('time="')
    t = line[i + 6:line.index('"', i + 6)]
    day, clock = t.split("T")
    clock = clock.rstrip("Z")
    hms, _, frac = clock.partition(".")
    h, m, sec = (int(x) for x in hms.split(":"))
    d = int(day.rsplit("-", 1)[1])
    return (((d * 24 + h) * 60 + m) * 60 + sec) * 10**9 + int((frac + "000000000")[:9])


def setup_times(log):
    """containerd 1.6's CRI: "begin cni setup" (before go-cni's Setup) and
    "cni result: ..." (after it), both debug lines with podsandboxid="""
    begin, out = {}, []
    with open(log, errors="replace") as f:
        for line in f:
            if "podsandboxid=" not in line:
                continue
            pid = line.split("podsandboxid=", 1)[1].split()[0].strip('"')
            if 'msg="begin cni setup"' in line:
                begin[pid] = log_ns(line)
            elif 'msg="cni result: ' in line and pid in begin:
                out.append((pid, (log_ns(line) - begin.pop(pid)) / 1e6))
    return out


def main():
    ap = argparse.ArgumentParser(description="a small CRI v1 client")
    ap.add_argument("-s", "--socket", action="append", default=[])
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    w = sub.add_parser("wait")
    w.add_argument("--timeout", type=float, default=60)
    for c in ("runp", "cycle"):
        p = sub.add_parser(c)
        p.add_argument("name")
        p.add_argument("--cgroup-parent", default="")
        p.add_argument("--port", action="append", default=[])
        if c == "cycle":
            p.add_argument("--count", type=int, default=1)
    for c in ("stopp", "rmp", "inspectp"):
        sub.add_parser(c).add_argument("id")
    sub.add_parser("pods")
    sub.add_parser("update-runtime-config").add_argument("pod_cidr")
    sub.add_parser("status")
    sub.add_parser("cni-config")
    sub.add_parser("setup-times").add_argument("log")
    o = sub.add_parser("oci-archive")
    o.add_argument("--binary", required=True)
    o.add_argument("--name", required=True)
    o.add_argument("--out", required=True)
    a = ap.parse_args()

    if a.cmd == "oci-archive":
        oci_archive(a.binary, a.name, a.out)
        return 0
    if a.cmd == "setup-times":
        for pid, ms in setup_times(a.log):
            print(pid, "%.3f" % ms)
        return 0
    if not a.socket:
        ap.error("--socket is needed")
    pb, rs = client(a.socket[0])
    if a.cmd == "version":
        v = rs.Version(pb.VersionRequest(version="v1"), timeout=TIMEOUT)
        print(v.runtime_name, v.runtime_version, v.runtime_api_version)
    elif a.cmd == "wait":
        import grpc

        end = time.monotonic() + a.timeout
        while True:
            try:
                rs.Version(pb.VersionRequest(version="v1"), timeout=5)
                break
            except grpc.RpcError as e:
                if time.monotonic() > end:
                    sys.exit("cri-client: no CRI answer on %s after %gs: %s"
                             % (a.socket[0], a.timeout, e.details()))
                time.sleep(0.1)
    elif a.cmd == "runp":
        print(runp(pb, rs, a.name, a.cgroup_parent, a.port))
    elif a.cmd == "stopp":
        rs.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=a.id), timeout=TIMEOUT)
    elif a.cmd == "rmp":
        rs.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=a.id), timeout=TIMEOUT)
    elif a.cmd == "inspectp":
        print(json.dumps(inspect(pb, rs, a.id)))
    elif a.cmd == "pods":
        for p in rs.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=TIMEOUT).items:
            print(p.id)
    elif a.cmd == "update-runtime-config":
        rs.UpdateRuntimeConfig(pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
            network_config=pb.NetworkConfig(pod_cidr=a.pod_cidr))), timeout=TIMEOUT)
    elif a.cmd == "status":
        st = rs.Status(pb.StatusRequest(), timeout=TIMEOUT).status
        print(json.dumps({c.type: [c.status, c.reason] for c in st.conditions}))
    elif a.cmd == "cni-config":
        info = rs.Status(pb.StatusRequest(verbose=True), timeout=TIMEOUT).info
        print(info.get("cniconfig", "null"))
    elif a.cmd == "cycle":
        stubs_ = [rs] + [client(s)[1] for s in a.socket[1:]]
        ids = {s: [] for s in a.socket}
        for i in range(a.count):
            order = list(range(len(stubs_)))
            if i % 2:
                order.reverse()
            for k in order:
                r = stubs_[k]
                pid = runp(pb, r, "%s-%d" % (a.name, i), a.cgroup_parent, a.port)
                ids[a.socket[k]].append(pid)
                r.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pid), timeout=TIMEOUT)
                r.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pid),
                                   timeout=TIMEOUT)
        print(json.dumps(ids))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # grpc.RpcError and the rest: one line, non-zero
        details = getattr(e, "details", None)
        sys.exit("cri-client: %s" % (details() if callable(details) else e))
