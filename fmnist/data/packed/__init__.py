"""The packed layout: a dataset as a few large immutable shard files of prepared pixels, named by
their content, and one small table of what a person edits (``data.source: packed``).

    DEST/packed.json      the class names in label order and the shards, in order
    DEST/images.csv       one row per picture: image (content id), label (a class name),
                          origin (train, test or pool) and source (where it came from)
    DEST/shards/<h>.npy   uint8 (n, 28, 28) arrays, each image content once, <h> the BLAKE2b of
                          the file's bytes

A relabel or a removal is an edit of ``images.csv`` alone; adding pictures
(:func:`~.layout.append`) writes a new shard of the contents not packed yet and leaves every
other shard byte-identical, so DVC moves only the new one. Packing the same pictures gives the
same files. Reading (:func:`~.layout.read_packed`) checks every shard against its name and every
row against the shards, each failure one line naming the file.

- :mod:`.layout`: pack, append, read and unpack.
"""

from fmnist.data.packed.layout import append, pack, read_packed, unpack

__all__ = ["append", "pack", "read_packed", "unpack"]
