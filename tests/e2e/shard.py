"""Runs one shard of an end-to-end file: `python3 shard.py test_flush 2 4`
runs the file's tests whose place in name order is 2 modulo 4 (counting from
1), so that ctest -j runs a long file's shards side by side
(tests/CMakeLists.txt). Every test is in exactly one shard of its file."""
import sys
import unittest


def tests_of(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from tests_of(t)
        else:
            yield t


def main():
    name, shard, shards = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    tests = sorted(tests_of(unittest.defaultTestLoader.loadTestsFromName(name)),
                   key=lambda t: t.id())
    mine = unittest.TestSuite(t for i, t in enumerate(tests) if i % shards == shard - 1)
    result = unittest.TextTestRunner(verbosity=2).run(mine)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
