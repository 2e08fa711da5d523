"""Local AI factory emulator for the demo and the integration tests.

The lab serves emulated BMCs on 127.0.0.1 from a factory description (see lab/README.md).
It is test and demo infrastructure: the collection never imports it, and it is not part of
the Galaxy artifact.
"""
