"""The transport over real loopback: the embedded server and a misbehaving one."""
