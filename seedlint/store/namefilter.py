"""A fixed-size Bloom filter over names: most of the symbol table's questions ("is
this a class?", "is this a module the prefilter left quiet?") are answered no, and a
filter answers no without a query. "Maybe" is asked of the table.

The size is fixed, so memory does not grow with the tree: past a few hundred thousand
names more answers become "maybe", which costs time, never a wrong answer. Python's
string hash is per process, which is enough: a filter lives only in the process that
fills it.
"""

from __future__ import annotations

_BITS = 22  # 2**22 bits = 512 KiB; three positions from one 64-bit hash
_MASK = (1 << _BITS) - 1


class NameFilter:
    __slots__ = ("bits",)

    def __init__(self) -> None:
        self.bits = bytearray(1 << (_BITS - 3))

    def add(self, name: str) -> None:
        bits = self.bits
        h = hash(name)
        for position in (h & _MASK, (h >> _BITS) & _MASK, (h >> 2 * _BITS) & _MASK):
            bits[position >> 3] |= 1 << (position & 7)

    def __contains__(self, name: str) -> bool:
        """False: certainly never added. True: perhaps."""
        bits = self.bits
        h = hash(name)
        # Unrolled: this is asked hundreds of thousands of times on a large tree.
        p = h & _MASK
        if not bits[p >> 3] >> (p & 7) & 1:
            return False
        p = (h >> _BITS) & _MASK
        if not bits[p >> 3] >> (p & 7) & 1:
            return False
        p = (h >> 2 * _BITS) & _MASK
        return bool(bits[p >> 3] >> (p & 7) & 1)

    def update(self, other: NameFilter) -> None:
        """Add every name `other` holds."""
        merged = int.from_bytes(self.bits, "little") | int.from_bytes(other.bits, "little")
        self.bits = bytearray(merged.to_bytes(len(self.bits), "little"))
