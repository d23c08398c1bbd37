// Package capture shows the TCP and UDP segments the kernel sent for a
// demo's sockets. Decode reads a frame as AF_PACKET delivers it on Linux
// loopback (a zero Ethernet header, IPv4 or IPv6, TCP or UDP) into a
// Packet: addresses, flags as Wireshark writes them, numbers, options and
// the bytes of each layer.
package capture
