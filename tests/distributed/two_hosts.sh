#!/bin/sh
# Two "hosts" on one machine: two network namespaces joined by a veth pair, each with a hostname
# of its own, so that Open MPI starts a daemon in each (through an rsh that enters the namespace)
# and the ranks talk TCP over the veth pair, as two machines on a network would.
#   two_hosts.sh MPIEXEC PROGRAM [ARGS...]
# Prints "skipped: <why>" and succeeds where namespaces cannot be made (not root, no ip, a
# container without CAP_SYS_ADMIN).
set -u
mpiexec="$1"; shift
tag="dd$$"
a="${tag}a"; b="${tag}b"
dir=$(mktemp -d)
cleanup() {
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
if ! command -v ip >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
  echo "skipped: needs ip (iproute2) and unshare"; exit 0
fi
if ! ip netns add "$a" 2>/dev/null || ! ip netns add "$b" 2>/dev/null; then
  echo "skipped: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"; exit 0
fi
set -e
ip link add "${tag}x" type veth peer name "${tag}y"
ip link set "${tag}x" netns "$a"
ip link set "${tag}y" netns "$b"
ip -n "$a" link set "${tag}x" name dveth
ip -n "$b" link set "${tag}y" name dveth
ip -n "$a" addr add 10.77.0.1/24 dev dveth
ip -n "$b" addr add 10.77.0.2/24 dev dveth
for ns in "$a" "$b"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set dveth up
done
printf '%s slots=1\n%s slots=1\n' "$a" "$b" > "$dir/hosts"
# Open MPI's rsh agent gets "<host> <command>": here the host is a namespace to enter.
cat > "$dir/rsh" <<'AGENT'
#!/bin/sh
ns="$1"; shift
exec ip netns exec "$ns" unshare --uts /bin/sh -c "hostname $ns; $*"
AGENT
chmod +x "$dir/rsh"
set +e
ip netns exec "$a" unshare --uts /bin/sh -c "hostname $a; exec $mpiexec --hostfile $dir/hosts \
  --mca plm_rsh_agent $dir/rsh --mca routed direct --mca oob_tcp_if_include dveth \
  --mca btl tcp,self --mca btl_tcp_if_include dveth -np 2 --map-by node $*"
