#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target to fuzz/corpus/TARGET/:
a few well-formed inputs per target, in the layout the target reads
(see each fuzz_targets/TARGET.rs), so the fuzzer starts past the
framing. Rerun after changing a target's input layout; the files are
committed."""

import hashlib
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vfield(field, n):
    return varint(field << 3) + varint(n)


def bfield(field, body):
    return varint(field << 3 | 2) + varint(len(body)) + body


def record(body):
    return struct.pack("<H", len(body)) + body


def records(*bodies):
    return b"".join(record(b) for b in bodies)


def instruction(old, new, ack, throwaway, diff, chaff=b""):
    return (vfield(1, 2) + vfield(2, old) + vfield(3, new) + vfield(4, ack)
            + vfield(5, throwaway) + bfield(6, diff) + bfield(7, chaff))


def host_bytes(data):
    return bfield(1, bfield(2, bfield(4, data)))


def host_resize(w, h):
    return bfield(1, bfield(3, vfield(5, w) + vfield(6, h)))


def echo_ack(n):
    return bfield(1, bfield(7, vfield(8, n)))


def history(first, lines):
    body = vfield(1, first)
    for text, wrapped in lines:
        line = bfield(1, text) + (vfield(2, 1) if wrapped else b"")
        body += bfield(2, line)
    body += bfield(2, vfield(3, 2))
    return bfield(1, bfield(1701, body))


def discipline(echo, canonical, program):
    return bfield(1, bfield(1702, vfield(1, echo) + vfield(2, canonical) + bfield(3, program)))


def clipboard_piece(serial, selection, total, offset, data):
    return vfield(1, serial) + bfield(2, selection) + vfield(3, total) + vfield(4, offset) \
        + bfield(5, data)


def clipboard(*piece):
    return bfield(1, bfield(1706, clipboard_piece(*piece)))


def keystroke(keys):
    return bfield(1, bfield(2, bfield(4, keys)))


def user_resize(w, h):
    return bfield(1, bfield(3, vfield(5, w) + vfield(6, h)))


def features(scrollback, disc):
    return bfield(1, bfield(1701, vfield(1, scrollback) + vfield(2, disc)))


def fragments(frag_id, inst, size):
    compressed = zlib.compress(inst, 6)
    pieces = [compressed[i:i + size] for i in range(0, len(compressed), size)] or [b""]
    out = []
    for num, piece in enumerate(pieces):
        final = 0x8000 if num == len(pieces) - 1 else 0
        out.append(struct.pack(">QH", frag_id, final | num) + piece)
    return out


def datagram(seq, step, fragment, ts=1000, reply=0xFFFF):
    return struct.pack("<QH", seq << 1, step) + struct.pack(">HH", ts, reply) + fragment


SCREEN = (b"\x1b[H\x1b[2Jhello \x1b[1;31mworld\x1b[0m\r\n\xe4\xb8\xad\xe6\x96\x87 e\xcc\x81\r\n"
          b"\x1b[3;5Hx\x1b[K\x1b[?1049h\x1b[2;10r\x1b[5S\x1b]0;title\x07\x1b[?25l")
SCREEN2 = (b"line one\r\nline two\r\n\x1b[38;5;200mcolour\x1b[48;2;1;2;3m bg\x1b[0m"
           b"\x1b[4@\x1b[2P\x1b[L\x1b[M\x1b(0qqq\x1b(B\x1b]8;;http://a.example/\x1b\\link\x1b]8;;\x1b\\")


def seeds():
    host_diff = host_bytes(SCREEN) + host_resize(80, 24) + echo_ack(3)
    user_diff = keystroke(b"ls -l\r") + user_resize(100, 30) + features(1, 1)
    big_host = host_bytes(SCREEN2 * 40)
    yield "datagram", "client", b"\x00" + b"".join(
        record(datagram(i, 20, f)) for i, f in enumerate(
            fragments(0, instruction(0, 1, 0, 0, host_diff), 1000)
            + fragments(1, instruction(1, 2, 1, 1, big_host), 300)))
    yield "datagram", "server", b"\x01" + b"".join(
        record(datagram(i, 20, f)) for i, f in enumerate(
            fragments(0, instruction(0, 1, 0, 0, user_diff), 1000)
            + fragments(1, instruction(1, 2, 1, 1, keystroke(b"x" * 50)), 1000)))
    yield "fragments", "one", records(*fragments(5, instruction(0, 1, 0, 0, host_diff), 1000))
    yield "fragments", "many", records(*fragments(6, instruction(1, 2, 1, 0, big_host), 200))
    yield "inflate", "text", b"\xff\xff\x0f" + zlib.compress(SCREEN * 10)
    yield "inflate", "small_cap", b"\x40\x00\x00" + zlib.compress(b"a" * 1000)
    yield "proto_instruction", "host", instruction(3, 4, 2, 1, host_diff, b"\x00" * 5)
    yield "proto_instruction", "user", instruction(0, 9, 1, 0, user_diff)
    yield "proto_user", "all", user_diff + keystroke(b"\x1b[A")
    yield "proto_host", "all", host_diff + history(7, [(b"old line", True), (b"\x1b[1mx", False)]) \
        + discipline(1, 1, b"bash") + clipboard(1, b"c", 8, 0, b"aGVsbG8=")
    yield "proto_resize", "both", vfield(5, 80) + vfield(6, 24)
    yield "proto_resize", "big", vfield(5, 2048) + vfield(6, 1024)
    yield "proto_history", "lines", history(7, [(b"old line", True), (b"x", False)])[6:]
    yield "proto_clipboard", "piece", clipboard_piece(2, b"p", 12, 4, b"bG8gd29y")
    yield "proto_line_discipline", "sudo", vfield(1, 0) + vfield(2, 1) + bfield(3, b"sudo")
    yield "proto_peer_features", "all", vfield(1, 1) + vfield(2, 1)
    yield "terminal", "screen", b"\x50\x18" + records(SCREEN, SCREEN2, b"\xff\x20\x10", SCREEN)
    yield "terminal", "scroll", b"\x14\x05" + records(b"a\r\nb\r\nc\r\nd\r\ne\r\nf\r\ng\r\n" * 5,
                                                     b"\x1b[1;3r\x1b[3;1H\n\n\n\x1bM\x1bM")
    for flags in (0x0F, 0x07, 0x1F, 0x17):
        yield "render", f"caps{flags:02x}", bytes([flags, 20, 8, 24, 6]) + records(SCREEN, SCREEN2)
    yield "prediction", "typing", b"\x01\x28\x0a" + records(
        b"\x00\x00$ ", b"\x01\x05ls", b"\x02\x05\x01\x01\x00\xfa\x00", b"\x00\x40ls",
        b"\x01\x05 -l\x7f\x1b[D\r", b"\x00\x40\r\n$ ", b"\x03\x00\x02sudo", b"\x01\x05pass",
        b"\x04\x00\x1e\x08")
    yield "bootstrap_lines", "connect", b"\x00" + (
        b"MOSH IP 192.0.2.7\nMOSH SSH_CONNECTION 198.51.100.1 50000 192.0.2.7 22\n"
        b"Welcome\nMOSH-RS INSTALL copying\nMOSH-RS FEATURES scrollback discipline\n"
        b"MOSH CONNECT 60001 AAAAAAAAAAAAAAAAAAAAAA\r\n")
    yield "bootstrap_lines", "bad", b"\x03MOSH CONNECT 0 short\nBad UDP port\n"
    yield "cli", "mosh", b"\x00" + b"\x00".join([
        b"--predict=always", b"-p", b"60000:60010", b"--ssh=ssh -p 2222", b"user@host",
        b"--", b"bash", b"\x01MOSH_PREDICTION_DISPLAY=never"])
    yield "cli", "client", b"\x01" + b"\x00".join([b"-#", b"user@host", b"-v", b"192.0.2.7", b"60001"])
    yield "cli", "server", b"\x02" + b"\x00".join([
        b"new", b"-s", b"-c", b"256", b"-l", b"LANG=C.UTF-8", b"-p", b"60001", b"-b", b"100",
        b"--", b"sh", b"\x01SSH_CONNECTION=1 2 192.0.2.7 22"])


def main():
    for target, name, data in seeds():
        directory = os.path.join(HERE, "corpus", target)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
